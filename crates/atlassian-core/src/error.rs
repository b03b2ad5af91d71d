//! Errors, split by the phase in which the request failed: not sent (configuration), transport
//! (connect, TLS, timeout, broken body), status (the server said no, with its parsed error body),
//! an HTML page where JSON was expected, decode (the answer did not have the expected shape, with
//! the JSON path). Every request error names the method and the path below the base URL, never
//! the token. `Display` describes its own layer; [`error_chain`] gives the whole chain down to
//! the root cause (e.g. an unknown certificate issuer).

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use reqwest::{Method, StatusCode};

use crate::inventory::InventoryError;

/// The crate's error.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Nothing was sent: the configuration is unusable.
    #[error("{0}")]
    Config(String),

    /// The request may not have reached the server, or its answer did not arrive whole.
    #[error("{method} {path}: {kind}")]
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

/// The form the server's error body came in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BodyFormat {
    /// No body.
    Empty,
    /// A JSON error object (Jira `errorMessages`/`errors`, the REST framework's
    /// `message`/`status-code`, Confluence's `message`/`reason`).
    Json,
    /// Jersey's XML `<status>` document.
    Xml,
    /// An HTML page (Tomcat's error pages, SSO proxies).
    Html,
    /// Anything else, kept as a text excerpt.
    Text,
}

/// An error body, parsed from whichever of the servers' shapes it came in, with a raw-text
/// fallback.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiErrorBody {
    /// The form the body came in.
    pub format: BodyFormat,
    /// Messages: Jira `errorMessages`, or the single `message`/`reason`, or an HTML page's title.
    pub messages: Vec<String>,
    /// Per-field errors (Jira `errors`).
    pub field_errors: BTreeMap<String, String>,
    /// A short excerpt of the raw body, for bodies that were not understood.
    pub excerpt: Option<String>,
}

const EXCERPT_CHARS: usize = 200;

impl ApiErrorBody {
    /// Parses an error body.
    pub fn parse(content_type: Option<&str>, body: &[u8]) -> Self {
        let text = String::from_utf8_lossy(body);
        let trimmed = text.trim();
        let mut parsed = Self {
            format: BodyFormat::Empty,
            messages: Vec::new(),
            field_errors: BTreeMap::new(),
            excerpt: None,
        };
        if trimmed.is_empty() {
            return parsed;
        }
        if let Ok(serde_json::Value::Object(map)) =
            serde_json::from_str::<serde_json::Value>(trimmed)
        {
            parsed.format = BodyFormat::Json;
            if let Some(serde_json::Value::Array(list)) = map.get("errorMessages") {
                parsed
                    .messages
                    .extend(list.iter().filter_map(|m| m.as_str().map(str::to_owned)));
            }
            if let Some(serde_json::Value::Object(fields)) = map.get("errors") {
                for (field, message) in fields {
                    let message = message
                        .as_str()
                        .map_or_else(|| message.to_string(), str::to_owned);
                    parsed.field_errors.insert(field.clone(), message);
                }
            }
            for key in ["message", "errorMessage"] {
                if let Some(m) = map.get(key).and_then(|m| m.as_str()) {
                    parsed.messages.push(m.to_owned());
                }
            }
            if parsed.messages.is_empty()
                && let Some(reason) = map.get("reason").and_then(|m| m.as_str())
            {
                parsed.messages.push(reason.to_owned());
            }
            if parsed.messages.is_empty() && parsed.field_errors.is_empty() {
                parsed.excerpt = Some(excerpt(trimmed));
            }
            return parsed;
        }
        let is_html = content_type.is_some_and(|c| c.contains("html")) || looks_like_html(trimmed);
        if is_html {
            parsed.format = BodyFormat::Html;
            if let Some(title) = html_title(trimmed) {
                parsed.messages.push(title);
            }
            parsed.excerpt = Some(excerpt(&strip_tags(trimmed)));
            return parsed;
        }
        if trimmed.starts_with('<') {
            parsed.format = BodyFormat::Xml;
            if let Some(message) = xml_element(trimmed, "message") {
                parsed.messages.push(message);
            }
            if parsed.messages.is_empty() {
                parsed.excerpt = Some(excerpt(trimmed));
            }
            return parsed;
        }
        parsed.format = BodyFormat::Text;
        parsed.excerpt = Some(excerpt(trimmed));
        parsed
    }

    /// One line saying what the server said.
    pub fn summary(&self) -> String {
        let mut parts: Vec<String> = self.messages.clone();
        parts.extend(
            self.field_errors
                .iter()
                .map(|(field, message)| format!("{field}: {message}")),
        );
        if parts.is_empty()
            && let Some(excerpt) = &self.excerpt
        {
            parts.push(excerpt.clone());
        }
        parts.join("; ")
    }
}

pub(crate) fn looks_like_html(body: &str) -> bool {
    let head: String = body
        .chars()
        .take(512)
        .collect::<String>()
        .to_ascii_lowercase();
    head.starts_with("<!doctype html")
        || head.contains("<html")
        || head.contains("<head")
        || head.contains("<body")
}

/// The text of an HTML page's `<title>`.
pub(crate) fn html_title(body: &str) -> Option<String> {
    let lower = body.to_ascii_lowercase();
    let start = lower.find("<title")?;
    let open_end = start + lower[start..].find('>')? + 1;
    let close = open_end + lower[open_end..].find("</title")?;
    let title = collapse_ws(&body[open_end..close]);
    (!title.is_empty()).then_some(title)
}

fn xml_element(body: &str, name: &str) -> Option<String> {
    let open = format!("<{name}>");
    let close = format!("</{name}>");
    let start = body.find(&open)? + open.len();
    let end = start + body[start..].find(&close)?;
    Some(collapse_ws(&body[start..end]))
}

fn strip_tags(html: &str) -> String {
    let mut out = String::with_capacity(html.len().min(4096));
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                out.push(' ');
            }
            _ if !in_tag => out.push(c),
            _ => {}
        }
        if out.len() > 4096 {
            break;
        }
    }
    collapse_ws(&out)
}

fn collapse_ws(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn excerpt(text: &str) -> String {
    let text = collapse_ws(text);
    if text.chars().count() <= EXCERPT_CHARS {
        text
    } else {
        let cut: String = text.chars().take(EXCERPT_CHARS).collect();
        format!("{cut}…")
    }
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
