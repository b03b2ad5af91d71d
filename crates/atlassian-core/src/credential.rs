//! The Personal Access Token: read from `ATLASSIAN_PAT` or a file, held as a secret, sent only
//! as `Authorization: Bearer`. Nothing here can print it.

use std::fmt;
use std::path::Path;

use reqwest::header::HeaderValue;
use secrecy::{ExposeSecret, SecretString};

use crate::Error;

/// The environment variable that holds the token.
pub const TOKEN_ENV: &str = "ATLASSIAN_PAT";

/// A Personal Access Token. `Debug` and `Display` never show it.
#[derive(Clone)]
pub struct Token(SecretString);

impl Token {
    /// Wraps a token, trimming surrounding white space. Refuses an empty token and one with
    /// white space, control or non-ASCII characters inside (it could not travel in a header,
    /// and is usually a paste of the wrong thing). The error never quotes the token.
    pub fn new(raw: impl Into<String>) -> Result<Self, Error> {
        let raw: String = raw.into();
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return Err(Error::config("the Personal Access Token is empty"));
        }
        if let Some(bad) = trimmed.chars().find(|c| !c.is_ascii_graphic()) {
            let what = if bad.is_whitespace() {
                "white space or a line break"
            } else if bad.is_control() {
                "a control character"
            } else {
                "a non-ASCII character"
            };
            return Err(Error::config(format!(
                "the Personal Access Token contains {what}; copy the token again, alone"
            )));
        }
        Ok(Self(SecretString::from(trimmed.to_owned())))
    }

    /// The token from `ATLASSIAN_PAT`, if that variable is set and not empty.
    pub fn from_env() -> Result<Option<Self>, Error> {
        match std::env::var(TOKEN_ENV) {
            Ok(value) if !value.trim().is_empty() => Self::new(value).map(Some),
            Ok(_) | Err(std::env::VarError::NotPresent) => Ok(None),
            Err(std::env::VarError::NotUnicode(_)) => {
                Err(Error::config(format!("{TOKEN_ENV} is not valid UTF-8")))
            }
        }
    }

    /// The token from a file (surrounding white space trimmed).
    pub fn from_file(path: &Path) -> Result<Self, Error> {
        let raw = std::fs::read_to_string(path).map_err(|e| {
            Error::config(format!(
                "cannot read the token file {}: {e}",
                path.display()
            ))
        })?;
        Self::new(raw).map_err(|e| Error::config(format!("the token file {}: {e}", path.display())))
    }

    /// The `Authorization` header value, marked sensitive so that `http` never prints it.
    pub(crate) fn authorization(&self) -> HeaderValue {
        let mut value = HeaderValue::from_str(&format!("Bearer {}", self.0.expose_secret()))
            .expect("a token of visible ASCII is a valid header value");
        value.set_sensitive(true);
        value
    }

    /// The token itself, for code that must compare or record that it is absent from output
    /// (tests, the fixture recorder's scrubber). Never log it.
    pub fn expose_secret(&self) -> &str {
        self.0.expose_secret()
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token([REDACTED])")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_trimmed_and_checked_without_echo() {
        let t = Token::new("  abc.DEF-123  \n").unwrap();
        assert_eq!(t.expose_secret(), "abc.DEF-123");
        assert_eq!(format!("{t:?}"), "Token([REDACTED])");
        for bad in ["", "   ", "abc def", "abc\ndef", "abc\u{7}", "abcé"] {
            let err = Token::new(bad).unwrap_err().to_string();
            assert!(bad.trim().is_empty() || !err.contains(bad.trim()), "{err}");
        }
        let header = t.authorization();
        assert!(header.is_sensitive());
        assert!(!format!("{header:?}").contains("abc"));
    }

    #[test]
    fn token_file_is_read_and_trimmed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pat");
        std::fs::write(&path, "secret-token-value\n").unwrap();
        assert_eq!(
            Token::from_file(&path).unwrap().expose_secret(),
            "secret-token-value"
        );
        let missing = Token::from_file(&dir.path().join("nope"))
            .unwrap_err()
            .to_string();
        assert!(missing.contains("cannot read the token file"), "{missing}");
    }
}
