//! Errors, split by the phase in which the request failed: not sent (configuration), transport
//! (connect, TLS, timeout, broken body), status (the server said no, with its parsed error body),
//! an HTML page where JSON was expected, decode (the answer did not have the expected shape, with
//! the JSON path). Every request error names the method and the path below the base URL, never
//! the token. `Display` describes its own layer; [`error_chain`] gives the whole chain down to
//! the root cause (e.g. an unknown certificate issuer).

use std::fmt;
use std::time::Duration;

use reqwest::{Method, StatusCode};

use crate::inventory::InventoryError;

mod body;

pub use body::{ApiErrorBody, BodyFormat};
pub(crate) use body::{html_title, looks_like_html};

/// The crate's error.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Nothing was sent: the configuration is unusable.
    #[error("{0}")]
    Config(String),

    /// The request may not have reached the server, or its answer did not arrive whole.
    #[error("{method} {path}: {kind}{}", crate::diagnosis::tls_detail(*kind, source))]
    Transport {
        /// The request's method.
        method: Method,
        /// The request's path and query below the base URL.
        path: String,
        /// What failed.
        kind: TransportKind,
        /// The HTTP stack's error.
        #[source]
        source: reqwest::Error,
    },

    /// The server answered with an error status (after retries), or with a status that hides a
    /// failed login (`X-Seraph-LoginReason`).
    #[error("{method} {path}: {}", status_summary(*status, body, login_reason.as_deref()))]
    Status {
        /// The request's method.
        method: Method,
        /// The request's path and query below the base URL.
        path: String,
        /// The status the server answered.
        status: StatusCode,
        /// Boxed: errors travel in every `Result`, and most are not status errors.
        body: Box<ApiErrorBody>,
        /// `X-Seraph-LoginReason`, when the server sent it.
        login_reason: Option<String>,
        /// `Retry-After` of the last answer, when the server sent it.
        retry_after: Option<Duration>,
    },

    /// The server answered with an HTML page where JSON was expected; typically an SSO proxy's
    /// login page, a maintenance page, or Confluence's WebSudo prompt.
    #[error(
        "{method} {path}: the server answered {status} with an HTML page{} instead of JSON \
         (a login page of an SSO proxy, or not a Jira/Confluence REST endpoint)",
        title.as_deref().map(|t| format!(" ({t:?})")).unwrap_or_default()
    )]
    HtmlPage {
        /// The request's method.
        method: Method,
        /// The request's path and query below the base URL.
        path: String,
        /// The status the server answered.
        status: StatusCode,
        /// The page's title, when it has one.
        title: Option<String>,
    },

    /// The answer was not the JSON the endpoint documents.
    #[error("{method} {path}: unexpected response at {json_path}")]
    Decode {
        /// The request's method.
        method: Method,
        /// The request's path and query below the base URL.
        path: String,
        /// Where in the document decoding failed, e.g. `values[3].active` (`.` for the root).
        json_path: String,
        /// The JSON error.
        #[source]
        source: serde_json::Error,
    },

    /// The server redirected to another origin. It is not followed, so the token never leaves
    /// the base URL's origin.
    #[error(
        "{method} {path}: the server redirected to another origin ({location}); not followed so \
         that the token stays on {origin}. If that is the real address, use it as the target"
    )]
    CrossOriginRedirect {
        /// The request's method.
        method: Method,
        /// The request's path and query below the base URL.
        path: String,
        /// Where the server redirected to (without its query).
        location: String,
        /// The base URL's origin.
        origin: String,
    },

    /// Too many redirects on the same origin.
    #[error("{method} {path}: too many redirects (last to {location})")]
    TooManyRedirects {
        /// The request's method.
        method: Method,
        /// The request's path and query below the base URL.
        path: String,
        /// Where the server redirected to (without its query).
        location: String,
    },

    /// An answer larger than the client accepts ([`crate::ClientConfig::max_body_bytes`]): no
    /// real answer comes near it, so whatever serves this address is not behaving like Jira or
    /// Confluence. Reading stopped at the limit.
    #[error(
        "{method} {path}: the answer is larger than {limit} bytes, the most one answer may hold \
         (a real answer is far smaller); reading stopped there"
    )]
    BodyTooLarge {
        /// The request's method.
        method: Method,
        /// The request's path and query below the base URL.
        path: String,
        /// The limit in bytes.
        limit: u64,
    },

    /// The token's rights at the end of the scan are not those it had at the start (its owner
    /// left the administrators, say): what was read in between may have been narrowed
    /// without a refusal, so no inventory is claimed from it.
    #[error(
        "{method} {path}: the token's rights changed during the scan ({detail}); what was read \
         since may be silently narrowed, so nothing was written: scan again once they are settled"
    )]
    RightsChanged {
        /// The request's method.
        method: Method,
        /// The request's path and query below the base URL.
        path: String,
        /// What changed.
        detail: String,
    },

    /// The server answered a request that needs the token as the anonymous user: the token was
    /// not accepted (some servers answer an unknown token so, with 200, instead of 401).
    #[error(
        "{method} {path}: the server answered as the anonymous user: the token was not accepted \
         (send it as a Bearer token, and check that no proxy strips the Authorization header)"
    )]
    TokenNotAccepted {
        /// The request's method.
        method: Method,
        /// The request's path and query below the base URL.
        path: String,
    },

    /// The server is another product than the one asked for (its applinks manifest says so).
    #[error("{base_url} is a {found} server, not {expected}")]
    WrongProduct {
        /// The base URL.
        base_url: String,
        /// The product the caller asked for.
        expected: &'static str,
        /// The product the server says it is.
        found: String,
    },

    /// The inventory could not be built, written or read.
    #[error(transparent)]
    Inventory(#[from] InventoryError),
}

/// What went wrong below HTTP.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TransportKind {
    /// DNS failed, the connection was refused or reset before an answer.
    Connect,
    /// The TLS handshake or the certificate check failed.
    Tls,
    /// No answer within the timeout.
    Timeout,
    /// The answer started but its body broke off (dropped connection, truncated body).
    Body,
    /// Anything else the HTTP stack reported.
    Other,
}

impl fmt::Display for TransportKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Connect => "cannot connect",
            Self::Tls => "TLS handshake or certificate check failed",
            Self::Timeout => "timed out",
            Self::Body => "the response broke off",
            Self::Other => "request failed",
        })
    }
}

impl Error {
    pub(crate) fn config(message: impl Into<String>) -> Self {
        Self::Config(message.into())
    }

    /// The HTTP status the server answered, when there was one.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Self::Status { status, .. } | Self::HtmlPage { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// The request (method, path below the base URL) this error belongs to.
    pub fn request(&self) -> Option<(&Method, &str)> {
        match self {
            Self::Transport { method, path, .. }
            | Self::Status { method, path, .. }
            | Self::HtmlPage { method, path, .. }
            | Self::Decode { method, path, .. }
            | Self::CrossOriginRedirect { method, path, .. }
            | Self::TooManyRedirects { method, path, .. }
            | Self::BodyTooLarge { method, path, .. }
            | Self::RightsChanged { method, path, .. }
            | Self::TokenNotAccepted { method, path } => Some((method, path)),
            Self::Config(_) | Self::Inventory(_) | Self::WrongProduct { .. } => None,
        }
    }

    /// The server's error body, for a status error.
    pub fn api_body(&self) -> Option<&ApiErrorBody> {
        match self {
            Self::Status { body, .. } => Some(body),
            _ => None,
        }
    }

    /// The transport failure kind, for a transport error.
    pub fn transport_kind(&self) -> Option<TransportKind> {
        match self {
            Self::Transport { kind, .. } => Some(*kind),
            _ => None,
        }
    }

    /// Worth another try: connect errors, timeouts, broken bodies, 429 and 502/503/504.
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Transport { kind, .. } => matches!(
                kind,
                TransportKind::Connect | TransportKind::Timeout | TransportKind::Body
            ),
            Self::Status { status, .. } => is_retryable_status(*status),
            _ => false,
        }
    }

    /// The credential was refused: 401, a login failure signalled by `X-Seraph-LoginReason`, or
    /// an answer as the anonymous user.
    pub fn is_unauthorized(&self) -> bool {
        match self {
            Self::TokenNotAccepted { .. } => true,
            Self::Status {
                status,
                login_reason,
                ..
            } => {
                *status == StatusCode::UNAUTHORIZED
                    || login_reason.as_deref().is_some_and(is_failed_login)
            }
            _ => false,
        }
    }

    /// 403.
    pub fn is_forbidden(&self) -> bool {
        self.status() == Some(StatusCode::FORBIDDEN)
    }

    /// The server would not let this token read it: [`is_unauthorized`](Self::is_unauthorized)
    /// or [`is_forbidden`](Self::is_forbidden). A scan reports such a collection incomplete,
    /// with the fix, instead of failing.
    pub fn is_refused(&self) -> bool {
        self.is_forbidden() || self.is_unauthorized()
    }

    /// 404.
    pub fn is_not_found(&self) -> bool {
        self.status() == Some(StatusCode::NOT_FOUND)
    }

    /// 429 after the retry budget.
    pub fn is_rate_limited(&self) -> bool {
        self.status() == Some(StatusCode::TOO_MANY_REQUESTS)
    }

    /// The server could not be reached (DNS, refused, timeout).
    pub fn is_connect(&self) -> bool {
        matches!(
            self.transport_kind(),
            Some(TransportKind::Connect | TransportKind::Timeout)
        )
    }

    /// The TLS handshake or certificate check failed.
    pub fn is_tls(&self) -> bool {
        self.transport_kind() == Some(TransportKind::Tls)
    }
}

pub(crate) fn is_retryable_status(status: StatusCode) -> bool {
    matches!(status.as_u16(), 429 | 502 | 503 | 504)
}

/// `X-Seraph-LoginReason` values that mean the login was rejected.
pub(crate) fn is_failed_login(reason: &str) -> bool {
    reason
        .split(',')
        .any(|r| matches!(r.trim(), "AUTHENTICATED_FAILED" | "AUTHENTICATION_DENIED"))
}

fn status_summary(status: StatusCode, body: &ApiErrorBody, login_reason: Option<&str>) -> String {
    let mut text = match status.canonical_reason() {
        Some(reason) => format!("{} {reason}", status.as_u16()),
        None => status.as_u16().to_string(),
    };
    if let Some(reason) = login_reason.filter(|r| is_failed_login(r)) {
        text.push_str(&format!(" (login rejected: X-Seraph-LoginReason {reason})"));
    }
    let summary = body.summary();
    if !summary.is_empty() {
        text.push_str(": ");
        text.push_str(&summary);
    }
    text
}

/// The whole chain of an error, outermost first, joined by `: ` — what a binary prints so that
/// the root cause reaches the user.
pub fn error_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut parts = vec![error.to_string()];
    let mut source = error.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        // Layers often repeat their source's text; keep each message once.
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        source = cause.source();
    }
    parts.join(": ")
}

#[cfg(test)]
mod tests {
    use super::body::EXCERPT_CHARS;
    use super::*;

    fn status_error(status: StatusCode, login_reason: Option<&str>) -> Error {
        Error::Status {
            method: Method::GET,
            path: "/rest/api/2/group/member".to_owned(),
            status,
            body: Box::new(ApiErrorBody::parse(None, b"")),
            login_reason: login_reason.map(str::to_owned),
            retry_after: None,
        }
    }

    #[test]
    fn refused_is_401_403_or_a_failed_login() {
        assert!(status_error(StatusCode::UNAUTHORIZED, None).is_refused());
        assert!(status_error(StatusCode::FORBIDDEN, None).is_refused());
        assert!(status_error(StatusCode::OK, Some("AUTHENTICATED_FAILED")).is_refused());
        assert!(!status_error(StatusCode::NOT_FOUND, None).is_refused());
        assert!(!status_error(StatusCode::SERVICE_UNAVAILABLE, None).is_refused());
    }

    #[test]
    fn error_bodies_in_every_documented_shape() {
        let jira = ApiErrorBody::parse(
            Some("application/json"),
            br#"{"errorMessages":["You are not authenticated."],"errors":{"groupname":"missing"}}"#,
        );
        assert_eq!(jira.format, BodyFormat::Json);
        assert_eq!(
            jira.summary(),
            "You are not authenticated.; groupname: missing"
        );

        let framework = ApiErrorBody::parse(
            None,
            br#"{"message":"Client must be authenticated to access this resource.","status-code":401}"#,
        );
        assert_eq!(
            framework.summary(),
            "Client must be authenticated to access this resource."
        );

        let confluence = ApiErrorBody::parse(
            None,
            br#"{"statusCode":404,"data":{"authorized":false},"message":"No space with key : x","reason":"Not Found"}"#,
        );
        assert_eq!(confluence.summary(), "No space with key : x");

        let xml = ApiErrorBody::parse(
            Some("application/xml"),
            b"<status><status-code>401</status-code><message>Client must be authenticated to access this resource.</message></status>",
        );
        assert_eq!(xml.format, BodyFormat::Xml);
        assert_eq!(
            xml.summary(),
            "Client must be authenticated to access this resource."
        );

        let html = ApiErrorBody::parse(
            Some("text/html;charset=utf-8"),
            b"<html><head><title>Unauthorized (401)</title></head><body><h1>Basic Authentication Failure</h1></body></html>",
        );
        assert_eq!(html.format, BodyFormat::Html);
        assert_eq!(html.summary(), "Unauthorized (401)");

        let empty = ApiErrorBody::parse(None, b"  ");
        assert_eq!(empty.format, BodyFormat::Empty);
        assert_eq!(empty.summary(), "");

        let long = "x".repeat(1000);
        let text = ApiErrorBody::parse(Some("text/plain"), long.as_bytes());
        assert_eq!(text.format, BodyFormat::Text);
        assert!(text.summary().chars().count() <= EXCERPT_CHARS + 1);
    }

    #[test]
    fn seraph_login_reasons() {
        assert!(is_failed_login("AUTHENTICATED_FAILED"));
        assert!(is_failed_login("AUTHENTICATION_DENIED"));
        assert!(!is_failed_login("OK"));
        assert!(!is_failed_login("OUT"));
    }
}
