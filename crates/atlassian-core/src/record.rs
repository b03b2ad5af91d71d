//! Recording what a scan exchanges with a server, so the exchange can become a fixture that
//! tests replay (`cargo xtask snapshot`).
//!
//! Exactly the answers the caller received are recorded (after retries and same-origin
//! redirects): method, path and query below the base URL, status, the headers that matter, and
//! the body. Request headers are never recorded, so neither the token nor any cookie can end up
//! in a recording; of the response headers only [`RECORDED_HEADERS`] are kept.

use std::fmt;
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};

use crate::client::Response;

/// Response headers worth keeping: they change what a scan concludes.
pub const RECORDED_HEADERS: [&str; 4] = [
    "content-type",
    "x-ausername",
    "x-seraph-loginreason",
    "retry-after",
];

/// One request and its answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Exchange {
    /// `GET`, `POST`.
    pub method: String,
    /// Path and query below the base URL, e.g. `/rest/api/2/user/search?username=a`.
    pub path: String,
    /// The request body, for POSTs (JSON-RPC), as JSON.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_body: Option<serde_json::Value>,
    /// The status.
    pub status: u16,
    /// The kept headers, lower-case names.
    #[serde(default)]
    pub headers: std::collections::BTreeMap<String, String>,
    /// The body: parsed JSON where it is JSON (readable and diffable), else text.
    pub body: Body,
}

/// A recorded body.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Body {
    /// A JSON document.
    Json(serde_json::Value),
    /// Anything else.
    Text(String),
}

impl Body {
    /// The bytes to serve again.
    pub fn to_bytes(&self) -> Vec<u8> {
        match self {
            Self::Json(value) => serde_json::to_vec(value).expect("JSON values serialise"),
            Self::Text(text) => text.as_bytes().to_vec(),
        }
    }
}

impl Exchange {
    /// The exchange a response stands for.
    pub fn from_response(response: &Response, request_body: Option<&[u8]>) -> Self {
        let headers = RECORDED_HEADERS
            .iter()
            .filter_map(|name| {
                response
                    .header(name)
                    .map(|value| ((*name).to_owned(), value.to_owned()))
            })
            .collect();
        let is_json = response.content_type().is_some_and(|c| c.contains("json"));
        let body = match serde_json::from_slice::<serde_json::Value>(&response.body) {
            Ok(value) if is_json || !response.body.is_empty() && !response.is_html() => {
                Body::Json(value)
            }
            _ => Body::Text(response.text().into_owned()),
        };
        Self {
            method: response.method().to_string(),
            path: response.path().to_owned(),
            request_body: request_body.and_then(|b| serde_json::from_slice(b).ok()),
            status: response.status.as_u16(),
            headers,
            body,
        }
    }
}

/// Receives every exchange of a client.
pub trait Recorder: Send + Sync {
    /// Called once per answer the caller receives.
    fn record(&self, exchange: Exchange);
}

/// A recorder that keeps the exchanges in memory.
#[derive(Clone, Default)]
pub struct MemoryRecorder {
    exchanges: Arc<Mutex<Vec<Exchange>>>,
}

impl fmt::Debug for MemoryRecorder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemoryRecorder")
            .field("exchanges", &self.len())
            .finish()
    }
}

impl MemoryRecorder {
    /// An empty recorder.
    pub fn new() -> Self {
        Self::default()
    }

    /// The exchanges so far, in the order they completed.
    pub fn exchanges(&self) -> Vec<Exchange> {
        self.exchanges
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// How many.
    pub fn len(&self) -> usize {
        self.exchanges
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .len()
    }

    /// None yet.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Recorder for MemoryRecorder {
    fn record(&self, exchange: Exchange) {
        self.exchanges
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(exchange);
    }
}

/// A shared recorder in a [`ClientConfig`](crate::ClientConfig).
#[derive(Clone)]
pub struct RecorderHandle(pub Arc<dyn Recorder>);

impl fmt::Debug for RecorderHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RecorderHandle")
    }
}
