//! [`Request`]: one request, relative to the base URL.

use bytes::Bytes;
use reqwest::Method;
use url::Url;

use crate::target::BaseUrl;

/// One request, relative to the base URL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    pub(crate) method: Method,
    pub(crate) path: String,
    pub(crate) query: Vec<(String, String)>,
    pub(crate) body: Option<Bytes>,
    pub(crate) send_token: bool,
}

impl Request {
    /// A GET of `path` (percent-encoded, starting with `/`, below the context path).
    pub fn get(path: impl Into<String>) -> Self {
        Self {
            method: Method::GET,
            path: path.into(),
            query: Vec::new(),
            body: None,
            send_token: true,
        }
    }

    /// A POST of a JSON body (JSON-RPC reads use it).
    pub fn post_json(path: impl Into<String>, body: &impl serde::Serialize) -> Self {
        let body = serde_json::to_vec(body).expect("a request body serialises to JSON");
        Self {
            method: Method::POST,
            body: Some(Bytes::from(body)),
            ..Self::get(path)
        }
    }

    /// Adds a query parameter (encoded when the URL is built).
    pub fn query(mut self, key: impl Into<String>, value: impl ToString) -> Self {
        self.query.push((key.into(), value.to_string()));
        self
    }

    /// Sets a query parameter, replacing any earlier value of the same key (paging uses it).
    pub fn set_query(&mut self, key: &str, value: impl ToString) {
        self.query.retain(|(k, _)| k != key);
        self.query.push((key.to_owned(), value.to_string()));
    }

    /// The value of a query parameter.
    pub fn query_value(&self, key: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// Sends no token with this request (the probe does, until it knows the server).
    pub fn without_token(mut self) -> Self {
        self.send_token = false;
        self
    }

    /// The method.
    pub fn method(&self) -> &Method {
        &self.method
    }

    /// The path, as given.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The absolute URL of this request under `base`.
    pub fn url(&self, base: &BaseUrl) -> Url {
        let mut url = base.join(&self.path);
        if !self.query.is_empty() {
            url.query_pairs_mut().extend_pairs(self.query.iter());
        }
        url
    }

    /// Path and query, as errors and logs name the request.
    pub fn display_path(&self, base: &BaseUrl) -> String {
        base.relative(&self.url(base))
    }
}
