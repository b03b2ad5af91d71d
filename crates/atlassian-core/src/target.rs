//! Where the server is: the TARGET forms of the command line, parsed into a [`BaseUrl`].
//!
//! A base URL is an origin (scheme, host, port) plus an optional context path such as `/jira`.
//! Every request URL is built from it, and it decides which URLs are "the server's own origin"
//! (the only place the token is ever sent).

use std::fmt;
use std::str::FromStr;

use url::Url;

use crate::Error;

/// The server's base URL: `https://host[:port][/context]`, no trailing slash, no query,
/// no credentials.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct BaseUrl {
    url: Url,
    /// The display form, without a trailing slash (`Url` always keeps one for a root path).
    text: String,
}

impl BaseUrl {
    /// Parses a full base URL (`http` or `https` only).
    pub fn parse(input: &str) -> Result<Self, Error> {
        let url = Url::parse(input.trim())
            .map_err(|e| Error::config(format!("invalid base URL {input:?}: {e}")))?;
        Self::from_url(url)
    }

    fn from_url(mut url: Url) -> Result<Self, Error> {
        if !matches!(url.scheme(), "http" | "https") {
            return Err(Error::config(format!(
                "unsupported scheme {:?}: the server is reached over https (or http when written out)",
                url.scheme()
            )));
        }
        if url.host_str().is_none_or(str::is_empty) {
            return Err(Error::config("the target has no host name"));
        }
        if !url.username().is_empty() || url.password().is_some() {
            // Never echo the URL here: it holds a credential.
            return Err(Error::config(
                "the target URL holds a user name or password; give the token through \
                 ATLASSIAN_PAT or --token-file instead",
            ));
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(Error::config(format!(
                "the target {:?} has a query or fragment; give only the base URL (with its context path)",
                url.as_str()
            )));
        }
        let trimmed = url.path().trim_end_matches('/').to_owned();
        url.set_path(&trimmed);
        let text = url.as_str().trim_end_matches('/').to_owned();
        Ok(Self { url, text })
    }

    /// The base URL as text, e.g. `https://host/jira`.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The context path, `""` at the root or e.g. `/jira`.
    pub fn context_path(&self) -> &str {
        self.url.path().trim_end_matches('/')
    }

    /// `scheme://host[:port]`, without the context path.
    pub fn origin_str(&self) -> String {
        self.url.origin().ascii_serialization()
    }

    /// True when requests travel without TLS.
    pub fn is_plain_http(&self) -> bool {
        self.url.scheme() == "http"
    }

    /// The same origin with another context path (used by the probe to try `/jira`, `/confluence`).
    pub fn with_context_path(&self, context_path: &str) -> Self {
        let mut url = self.url.clone();
        url.set_path(context_path);
        Self::from_url(url).expect("a valid base URL with another path stays valid")
    }

    /// Whether `url` is on this base URL's origin (same scheme, host and port).
    pub fn is_same_origin(&self, url: &Url) -> bool {
        url.origin() == self.url.origin()
    }

    /// The absolute URL of `path` (already percent-encoded, starting with `/`) under the context
    /// path, e.g. `/rest/api/2/myself`.
    pub fn join(&self, path: &str) -> Url {
        debug_assert!(
            path.starts_with('/'),
            "request paths start with '/': {path}"
        );
        let joined = format!("{}{}", self.text, path);
        Url::parse(&joined).unwrap_or_else(|_| {
            // Only reachable with a malformed path from our own code; keep the base URL.
            self.url.clone()
        })
    }

    /// The part of `url` below the base URL (path and query), used to name a request in errors
    /// and logs. Falls back to the full path for a URL outside the base.
    pub fn relative(&self, url: &Url) -> String {
        let full = &url[url::Position::BeforePath..];
        if self.is_same_origin(url)
            && let Some(rest) = full.strip_prefix(self.context_path())
            && (rest.is_empty() || rest.starts_with('/') || rest.starts_with('?'))
        {
            return rest.to_owned();
        }
        full.to_owned()
    }
}

impl fmt::Display for BaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl fmt::Debug for BaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "BaseUrl({})", self.text)
    }
}

impl FromStr for BaseUrl {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        Self::parse(s)
    }
}

/// A TARGET as the user wrote it (see the command-line contract), resolved to a base URL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    /// Where requests go.
    pub base_url: BaseUrl,
    /// True when only a host (and port) was given: the probe may then try the `/jira` and
    /// `/confluence` context paths when nothing answers at the root.
    pub host_only: bool,
}

impl Target {
    /// Parses `host`, `host:port`, `https://host[:port]/context[/]` or `http://…`.
    ///
    /// A bare host means HTTPS (port 443 unless given). Plain HTTP only when the scheme is
    /// written out; callers warn about it (see [`BaseUrl::is_plain_http`]).
    pub fn parse(input: &str) -> Result<Self, Error> {
        let input = input.trim();
        if input.is_empty() {
            return Err(Error::config(
                "the target is empty; give a host name or a base URL",
            ));
        }
        if input.chars().any(char::is_whitespace) {
            return Err(Error::config(format!(
                "the target {input:?} contains white space"
            )));
        }
        let has_scheme = input.contains("://");
        let base_url = if has_scheme {
            BaseUrl::parse(input)?
        } else {
            BaseUrl::parse(&format!("https://{input}"))?
        };
        let host_only = !has_scheme && base_url.context_path().is_empty();
        Ok(Self {
            base_url,
            host_only,
        })
    }
}

impl FromStr for Target {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        Self::parse(s)
    }
}

/// Percent-encodes one path segment (a group name, a space key) so that `/`, `?`, `#`, `%`,
/// spaces and non-ASCII characters cannot change the path's meaning.
pub fn encode_path_segment(segment: &str) -> String {
    const KEEP: &[u8] = b"-._~!$&'()*+,;=:@";
    let mut out = String::with_capacity(segment.len());
    for byte in segment.bytes() {
        if byte.is_ascii_alphanumeric() || KEEP.contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base(input: &str) -> String {
        Target::parse(input).unwrap().base_url.as_str().to_owned()
    }

    #[test]
    fn target_forms_of_the_cli_contract() {
        assert_eq!(base("jira.example.com"), "https://jira.example.com");
        assert_eq!(
            base("jira.example.com:8443"),
            "https://jira.example.com:8443"
        );
        assert_eq!(base("https://host/jira"), "https://host/jira");
        assert_eq!(
            base("https://host:8443/confluence/"),
            "https://host:8443/confluence"
        );
        assert_eq!(
            base("http://127.0.0.1:8090/confluence"),
            "http://127.0.0.1:8090/confluence"
        );
        assert_eq!(base("https://host:443/"), "https://host");
        assert_eq!(base("[::1]:8443"), "https://[::1]:8443");
        assert!(Target::parse("jira.example.com").unwrap().host_only);
        assert!(!Target::parse("https://jira.example.com").unwrap().host_only);
        assert!(!Target::parse("host/jira").unwrap().host_only);
        assert!(Target::parse("http://h").unwrap().base_url.is_plain_http());
    }

    #[test]
    fn bad_targets_are_refused_without_echoing_credentials() {
        let err = Target::parse("https://bob:s3cret@host/jira")
            .unwrap_err()
            .to_string();
        assert!(!err.contains("s3cret"), "{err}");
        assert!(Target::parse("").is_err());
        assert!(Target::parse("ftp://host").is_err());
        assert!(Target::parse("https://host/jira?x=1").is_err());
        assert!(Target::parse("https://").is_err());
        assert!(Target::parse("ho st").is_err());
    }

    #[test]
    fn join_keeps_the_context_path_and_relative_strips_it() {
        let b = BaseUrl::parse("https://host:8443/jira/").unwrap();
        let url = b.join("/rest/api/2/myself");
        assert_eq!(url.as_str(), "https://host:8443/jira/rest/api/2/myself");
        assert_eq!(b.relative(&url), "/rest/api/2/myself");
        let other = Url::parse("https://elsewhere/jira/rest/api/2/myself").unwrap();
        assert!(!b.is_same_origin(&other));
        assert!(b.is_same_origin(&Url::parse("https://host:8443/x").unwrap()));
        assert!(!b.is_same_origin(&Url::parse("http://host:8443/x").unwrap()));
        assert_eq!(
            b.with_context_path("/confluence").as_str(),
            "https://host:8443/confluence"
        );
        assert_eq!(b.origin_str(), "https://host:8443");
    }

    #[test]
    fn path_segments_are_encoded() {
        assert_eq!(encode_path_segment("a/b c"), "a%2Fb%20c");
        assert_eq!(encode_path_segment("dev+ops&co"), "dev+ops&co");
        assert_eq!(encode_path_segment("é?#%"), "%C3%A9%3F%23%25");
    }
}
