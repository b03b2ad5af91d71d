//! [`TlsProblem`]: which certificate check failed, read from the rustls error in a transport
//! error's chain, with what to do about it.

use std::fmt;

use super::Diagnosis;
use crate::Error;

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
                host: Some(crate::human::inert(&expected.to_str()).into_owned()),
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
    // Taken from a server's certificate and printed on a person's terminal.
    crate::human::inert(bare).into_owned()
}
