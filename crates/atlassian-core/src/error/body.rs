//! The server's error body, parsed from whichever shape it came in: Jira's
//! `errorMessages`/`errors`, the REST framework's and Confluence's `message`, Jersey's XML
//! `<status>`, an HTML page's title, or an excerpt of anything else. The core reads these
//! shapes itself (ARCHITECTURE.md says why): an error must be readable before anyone knows which
//! product answered.

use std::collections::BTreeMap;

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

pub(super) const EXCERPT_CHARS: usize = 200;

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
