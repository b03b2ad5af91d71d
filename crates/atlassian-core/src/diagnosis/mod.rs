//! "Test Connection": what is wrong and what to do about it, product-neutral. The product
//! crates run their checks and report them in these terms; the connector assembles the report.

use std::fmt;

use serde::Serialize;

use crate::Error;
use crate::inventory::ScannedAs;

mod tls;

pub use tls::TlsProblem;
pub(crate) use tls::{rustls_error_in, tls_detail};

/// What a connection test concluded (the `diagnosis` of `atlassian-dc test --json`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Diagnosis {
    /// Everything the scan needs answered.
    Ok,
    /// DNS, refused, timed out.
    CannotConnect,
    /// Handshake or certificate failure.
    Tls,
    /// No Jira/Confluence Data Center at that address.
    NotAtlassian,
    /// The server is Atlassian Cloud.
    Cloud,
    /// The token was refused (or served as anonymous).
    Unauthorized,
    /// The token's owner is not an administrator.
    Forbidden,
    /// Authenticated, but user listing returns nothing (or only the caller).
    NoUsers,
    /// 429 past the retry budget.
    RateLimited,
}

impl Diagnosis {
    /// The name used in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::CannotConnect => "cannot_connect",
            Self::Tls => "tls",
            Self::NotAtlassian => "not_atlassian",
            Self::Cloud => "cloud",
            Self::Unauthorized => "unauthorized",
            Self::Forbidden => "forbidden",
            Self::NoUsers => "no_users",
            Self::RateLimited => "rate_limited",
        }
    }

    /// What to do about it.
    pub fn resolution(self) -> &'static str {
        match self {
            Self::Ok => "",
            Self::CannotConnect => {
                "Verify the hostname, that port 443 (or the port given) is reachable from here, and that HTTPS is enabled on the instance"
            }
            Self::Tls => {
                "Verify the instance's SSL certificate; for a private certificate authority pass its bundle with --ca-cert"
            }
            Self::NotAtlassian => {
                "Check the URL and the context path (e.g. https://host/jira); point at the Jira or Confluence Data Center itself, not at a login or SSO page"
            }
            Self::Cloud => {
                "This connector is for Jira and Confluence Data Center / Server; Atlassian Cloud needs its own connector"
            }
            Self::Unauthorized => {
                "Regenerate the Personal Access Token (Profile → Personal Access Tokens) and update the credential"
            }
            Self::Forbidden => {
                "The token must belong to a Jira administrator (Jira) or a Confluence administrator (Confluence)"
            }
            Self::NoUsers => {
                "Grant the Browse Users global permission (Confluence: permission to view users, or Confluence Administrator) to the service account"
            }
            Self::RateLimited => {
                "Raise the service account's rate limit (or exempt it) in the instance's rate limiting settings, or lower --concurrency"
            }
        }
    }

    /// The diagnosis a request error stands for, when it stands for one.
    pub fn of_error(error: &Error) -> Option<Self> {
        if error.is_tls() {
            Some(Self::Tls)
        } else if error.is_connect() {
            Some(Self::CannotConnect)
        } else if error.is_unauthorized() {
            Some(Self::Unauthorized)
        } else if error.is_rate_limited() {
            Some(Self::RateLimited)
        } else if matches!(
            error,
            Error::HtmlPage { .. } | Error::CrossOriginRedirect { .. }
        ) {
            Some(Self::NotAtlassian)
        } else {
            None
        }
    }
}

impl fmt::Display for Diagnosis {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One check a connection test ran.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Check {
    /// What was checked (`token`, `list users`, …).
    pub name: String,
    /// Passed.
    pub ok: bool,
    /// What was seen.
    pub detail: String,
}

impl Check {
    /// A passed check.
    pub fn pass(name: &str, detail: impl Into<String>) -> Self {
        Self {
            name: name.to_owned(),
            ok: true,
            detail: detail.into(),
        }
    }

    /// A failed check.
    pub fn fail(name: &str, detail: impl Into<String>) -> Self {
        Self {
            name: name.to_owned(),
            ok: false,
            detail: detail.into(),
        }
    }
}

/// What a product crate's pre-flight found with the token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Preflight {
    /// `Ok` or the first problem found.
    pub diagnosis: Diagnosis,
    /// One sentence saying what was found.
    pub message: String,
    /// Whom the token belongs to, when that was learnt.
    pub user: Option<ScannedAs>,
    /// Every check run, in order.
    pub checks: Vec<Check>,
}

impl Preflight {
    /// A pre-flight that found nothing wrong so far.
    pub fn new() -> Self {
        Self {
            diagnosis: Diagnosis::Ok,
            message: "everything the scan needs answered".to_owned(),
            user: None,
            checks: Vec::new(),
        }
    }

    /// Records a passed check.
    pub fn pass(&mut self, name: &str, detail: impl Into<String>) {
        self.checks.push(Check::pass(name, detail));
    }

    /// Records a failed check; the first failure decides the diagnosis.
    pub fn fail(&mut self, name: &str, diagnosis: Diagnosis, detail: impl Into<String>) {
        let detail = detail.into();
        if self.diagnosis == Diagnosis::Ok {
            self.diagnosis = diagnosis;
            self.message = detail.clone();
        }
        self.checks.push(Check::fail(name, detail));
    }

    /// Records a failed request, diagnosed by its error (`fallback` when the error says nothing
    /// more specific).
    pub fn fail_with(&mut self, name: &str, error: &Error, fallback: Diagnosis) {
        let diagnosis = Diagnosis::of_error(error).unwrap_or(fallback);
        self.fail(name, diagnosis, crate::error_chain(error));
    }
}

impl Default for Preflight {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rustls::CertificateError;
    use rustls::pki_types::{ServerName, UnixTime};

    #[test]
    fn presented_names_are_bare_and_inert() {
        let error = rustls::Error::InvalidCertificate(CertificateError::NotValidForNameContext {
            expected: ServerName::try_from("jira.example.com").unwrap().to_owned(),
            presented: vec![
                "DnsName(\"evil\u{1b}[31m.example\")".to_owned(),
                "IpAddress(10.0.0.1)".to_owned(),
            ],
        });
        let problem = TlsProblem::of_rustls(&error);
        assert_eq!(
            problem,
            TlsProblem::NameMismatch {
                host: Some("jira.example.com".to_owned()),
                names: vec!["evil\\x1b[31m.example".to_owned(), "10.0.0.1".to_owned()],
            }
        );
        assert!(!problem.to_string().contains('\u{1b}'));
    }

    #[test]
    fn errors_without_context_still_name_their_case() {
        let of = |e| TlsProblem::of_rustls(&rustls::Error::InvalidCertificate(e));
        assert_eq!(
            of(CertificateError::Expired).to_string(),
            "the certificate has expired"
        );
        assert_eq!(
            of(CertificateError::NotValidYet).to_string(),
            "the certificate is not valid yet"
        );
        assert!(matches!(
            of(CertificateError::NotValidForName),
            TlsProblem::NameMismatch { host: None, .. }
        ));
        let handshake = TlsProblem::of_rustls(&rustls::Error::HandshakeNotComplete);
        assert!(matches!(handshake, TlsProblem::Other(_)));
        assert_eq!(handshake.fix(None), Diagnosis::Tls.resolution());
    }

    #[test]
    fn dates_are_utc_to_the_minute() {
        let error = rustls::Error::InvalidCertificate(CertificateError::ExpiredContext {
            time: UnixTime::since_unix_epoch(std::time::Duration::from_secs(1_700_000_000)),
            not_after: UnixTime::since_unix_epoch(std::time::Duration::from_secs(1_600_000_000)),
        });
        let problem = TlsProblem::of_rustls(&error);
        assert_eq!(
            problem.to_string(),
            "the certificate expired on 2020-09-13 12:26 UTC"
        );
        assert!(
            problem.fix(None).contains("(it says 2023-11-14 22:13 UTC)"),
            "{}",
            problem.fix(None)
        );
    }
}
