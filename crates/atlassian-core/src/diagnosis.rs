//! "Test Connection": what is wrong and what to do about it, product-neutral. The product
//! crates run their checks and report them in these terms; the connector assembles the report.

use std::fmt;

use serde::Serialize;

use crate::Error;
use crate::inventory::ScannedAs;

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

/// What exactly a failed certificate check found: the detail behind [`Diagnosis::Tls`], read
/// from the rustls error in a transport error's chain. Its `Display` says what is wrong;
/// [`fix`](Self::fix) says what to do.
///
/// A self-signed leaf, a leaf whose issuer the server does not send (a missing intermediate)
/// and a leaf from a private CA all reach the client as the same rustls error (the verifier
/// found no path to a trusted root, and the error carries no certificate), so they are one
/// case, [`UnknownIssuer`](Self::UnknownIssuer), whose fix says how to tell them apart.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TlsProblem {
    /// The certificate does not name the host that was asked for.
    NameMismatch {
        /// The host name (or IP address) the client asked for, when rustls says.
        host: Option<String>,
        /// The names the certificate presents (subject alternative names), when rustls says.
        names: Vec<String>,
    },
    /// The certificate's validity ended.
    Expired {
        /// When it ended, when rustls says.
        not_after: Option<jiff::Timestamp>,
        /// This machine's time at the check, when rustls says.
        now: Option<jiff::Timestamp>,
    },
    /// The certificate's validity has not begun.
    NotYetValid {
        /// When it begins, when rustls says.
        not_before: Option<jiff::Timestamp>,
        /// This machine's time at the check, when rustls says.
        now: Option<jiff::Timestamp>,
    },
    /// No chain from the certificate to a trusted root: a private CA, a self-signed
    /// certificate, or an intermediate the server does not send.
    UnknownIssuer,
    /// A signature in the chain does not verify.
    BadSignature,
    /// The certificate was revoked.
    Revoked,
    /// The certificate is not for TLS servers (its extended key usage).
    WrongPurpose,
    /// Another certificate or handshake failure, as rustls describes it.
    Other(String),
}

impl TlsProblem {
    /// The certificate problem behind `error`, when it is a TLS failure.
    pub fn of_error(error: &Error) -> Option<Self> {
        if !error.is_tls() {
            return None;
        }
        Some(match rustls_error_in(error) {
            Some(tls) => Self::of_rustls(tls),
            None => Self::Other(crate::error_chain(error)),
        })
    }

    /// The problem a rustls error stands for.
    pub fn of_rustls(error: &rustls::Error) -> Self {
        use rustls::CertificateError as C;
        let rustls::Error::InvalidCertificate(certificate) = error else {
            return Self::Other(error.to_string());
        };
        match certificate {
            C::NotValidForName => Self::NameMismatch {
                host: None,
                names: Vec::new(),
            },
            C::NotValidForNameContext {
                expected,
                presented,
            } => Self::NameMismatch {
                host: Some(inert(&expected.to_str())),
                names: presented.iter().map(|n| presented_name(n)).collect(),
            },
            C::Expired => Self::Expired {
                not_after: None,
                now: None,
            },
            C::ExpiredContext { time, not_after } => Self::Expired {
                not_after: timestamp(*not_after),
                now: timestamp(*time),
            },
            C::NotValidYet => Self::NotYetValid {
                not_before: None,
                now: None,
            },
            C::NotValidYetContext { time, not_before } => Self::NotYetValid {
                not_before: timestamp(*not_before),
                now: timestamp(*time),
            },
            C::UnknownIssuer => Self::UnknownIssuer,
            C::BadSignature => Self::BadSignature,
            C::Revoked => Self::Revoked,
            C::InvalidPurpose | C::InvalidPurposeContext { .. } => Self::WrongPurpose,
            other => Self::Other(format!("invalid peer certificate: {other}")),
        }
    }

    /// What to do about it, in one or two sentences. `server` is `host:port`, for the command
    /// that shows the certificates the server sends (`HOST:PORT` when not given).
    pub fn fix(&self, server: Option<&str>) -> String {
        let server = server.unwrap_or("HOST:PORT");
        match self {
            Self::NameMismatch { host, names } => {
                let host = host.as_deref().unwrap_or("the host in the target");
                if names.is_empty() {
                    format!(
                        "use the host name the certificate names, or have the certificate reissued \
                         with {host} among its subject alternative names"
                    )
                } else {
                    format!(
                        "use a host name the certificate names ({}) in the target, or have the \
                         certificate reissued with {host} among its subject alternative names",
                        names.join(", ")
                    )
                }
            }
            Self::Expired { now, .. } => format!(
                "renew the server's certificate and install the new one on the server (or on the \
                 proxy in front of it){}",
                now.map(|now| format!(
                    "; if it was renewed already, check this machine's clock (it says {})",
                    date(now)
                ))
                .unwrap_or_default()
            ),
            Self::NotYetValid { now, .. } => format!(
                "check this machine's clock{} and set it right (NTP); if the clock is right, the \
                 certificate was issued for a later date: have it reissued, valid from now",
                now.map(|now| format!(" (it says {})", date(now)))
                    .unwrap_or_default()
            ),
            Self::UnknownIssuer => format!(
                "see which certificates the server sends with `openssl s_client -connect {server} \
                 -showcerts`: if they end at a private CA, pass that CA's certificate with \
                 --ca-cert; if the server sends only its own certificate and that is self-signed \
                 (issuer = subject), pass it with --ca-cert or replace it with one a CA issued; if \
                 the server sends its certificate without the intermediate that issued it, fix \
                 the server's chain (configure the full chain file)"
            ),
            Self::BadSignature => format!(
                "the chain the server sends does not verify: check it with `openssl s_client \
                 -connect {server} -showcerts` and install the certificate with the chain that \
                 issued it"
            ),
            Self::Revoked => "the certificate was revoked by its CA: install a new one".to_owned(),
            Self::WrongPurpose => "the certificate is not issued for TLS servers (extended key \
                 usage): have it reissued for server authentication"
                .to_owned(),
            Self::Other(_) => Diagnosis::Tls.resolution().to_owned(),
        }
    }
}

impl fmt::Display for TlsProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NameMismatch { host, names } => {
                let host = host.as_deref().unwrap_or("the host asked for");
                if names.is_empty() {
                    write!(
                        f,
                        "the certificate's name does not match: it is not for {host}"
                    )
                } else {
                    write!(
                        f,
                        "the certificate's name does not match: it is for {}, not {host}",
                        names.join(", ")
                    )
                }
            }
            Self::Expired { not_after, .. } => match not_after {
                Some(at) => write!(f, "the certificate expired on {}", date(*at)),
                None => f.write_str("the certificate has expired"),
            },
            Self::NotYetValid { not_before, now } => {
                f.write_str("the certificate is not valid yet")?;
                if let Some(from) = not_before {
                    write!(f, ": it is valid from {}", date(*from))?;
                }
                if let Some(now) = now {
                    write!(f, ", and this machine's clock says {}", date(*now))?;
                }
                Ok(())
            }
            Self::UnknownIssuer => f.write_str(
                "the certificate was not issued by a certificate authority this machine trusts \
                 (a private CA, a self-signed certificate, or a server that does not send its \
                 intermediate certificate)",
            ),
            Self::BadSignature => f.write_str("a signature in the certificate chain is invalid"),
            Self::Revoked => f.write_str("the certificate was revoked"),
            Self::WrongPurpose => f.write_str("the certificate is not for TLS servers"),
            Self::Other(text) => f.write_str(text),
        }
    }
}

/// `: <what is wrong>; to fix: <what to do>` for a TLS transport failure, empty otherwise: what
/// a transport error's `Display` adds so that a scan's error names the case and its fix.
pub(crate) fn tls_detail(
    kind: crate::TransportKind,
    source: &(dyn std::error::Error + 'static),
) -> String {
    if kind != crate::TransportKind::Tls {
        return String::new();
    }
    match rustls_error_in(source) {
        Some(tls) => {
            let problem = TlsProblem::of_rustls(tls);
            format!(": {problem}; to fix: {}", problem.fix(None))
        }
        None => String::new(),
    }
}

/// The rustls error somewhere in `error`'s chain (a TLS failure arrives as a connect error
/// wrapping an I/O error wrapping the rustls error).
pub(crate) fn rustls_error_in<'a>(
    error: &'a (dyn std::error::Error + 'static),
) -> Option<&'a rustls::Error> {
    if let Some(tls) = error.downcast_ref::<rustls::Error>() {
        return Some(tls);
    }
    // `io::Error::source` skips the error it wraps, so look inside by hand.
    if let Some(inner) = error
        .downcast_ref::<std::io::Error>()
        .and_then(std::io::Error::get_ref)
        && let Some(tls) = rustls_error_in(inner)
    {
        return Some(tls);
    }
    error.source().and_then(rustls_error_in)
}

fn timestamp(time: rustls::pki_types::UnixTime) -> Option<jiff::Timestamp> {
    i64::try_from(time.as_secs())
        .ok()
        .and_then(|s| jiff::Timestamp::from_second(s).ok())
}

/// A time as a person reads it, in UTC to the minute.
fn date(at: jiff::Timestamp) -> String {
    at.strftime("%Y-%m-%d %H:%M UTC").to_string()
}

/// A name as webpki presents it (`DnsName("a.example")`, `IpAddress(10.0.0.1)`), bare.
fn presented_name(name: &str) -> String {
    let bare = name
        .strip_prefix("DnsName(\"")
        .and_then(|n| n.strip_suffix("\")"))
        .or_else(|| {
            name.strip_prefix("IpAddress(")
                .and_then(|n| n.strip_suffix(')'))
        })
        .unwrap_or(name);
    inert(bare)
}

/// A name taken from a server's certificate, with control and bidirectional characters
/// escaped: it is printed on a person's terminal.
fn inert(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_control() || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}') {
                c.escape_unicode().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
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
                names: vec!["evil\\u{1b}[31m.example".to_owned(), "10.0.0.1".to_owned()],
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
