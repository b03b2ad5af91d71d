//! What the product modules see and give back: the caller, the call, the context, the reply.

use hyper::Method;

use crate::dataset::{Dataset, TokenRole, Version};
use crate::index::Index;

/// Who is calling.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Caller {
    /// No token (or an unknown one served as anonymous).
    Anonymous,
    /// A known token.
    User {
        /// The owner (index into `users`).
        index: u32,
        /// What the owner may do.
        role: TokenRole,
    },
}

impl Caller {
    /// The owner's role, if authenticated.
    pub fn role(self) -> Option<TokenRole> {
        match self {
            Self::Anonymous => None,
            Self::User { role, .. } => Some(role),
        }
    }
}

/// What the product modules see of a request.
#[derive(Debug)]
pub struct Call<'a> {
    /// The method.
    pub method: &'a Method,
    /// The path below the context path, split at `/` and percent-decoded (`["rest", "api", …]`).
    pub segments: Vec<String>,
    /// Query parameters, decoded (`+` is a space, as servlet containers read it).
    pub query: Vec<(String, String)>,
    /// The request body.
    pub body: &'a [u8],
    /// The caller asked for JSON (`Accept: application/json`).
    pub accept_json: bool,
    /// The request's `Content-Type`, if any.
    pub content_type: Option<String>,
    /// Who is calling.
    pub caller: Caller,
}

impl Call<'_> {
    /// The first value of a query parameter.
    pub fn param(&self, key: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// A boolean query parameter (`true`/`false`), with its default.
    pub fn flag(&self, key: &str, default: bool) -> bool {
        self.param(key)
            .map_or(default, |v| v.eq_ignore_ascii_case("true"))
    }

    /// A numeric query parameter; `Err` when present but not a number (each product answers
    /// that its own way, so the error carries nothing).
    #[allow(clippy::result_unit_err)]
    pub fn number(&self, key: &str) -> Result<Option<u64>, ()> {
        match self.param(key) {
            None | Some("") => Ok(None),
            Some(v) => v.trim().parse().map(Some).map_err(|_| ()),
        }
    }

    /// The segments as `&str`, for matching.
    pub fn path(&self) -> Vec<&str> {
        self.segments.iter().map(String::as_str).collect()
    }
}

/// What a product module answers.
#[derive(Debug)]
pub struct Reply {
    /// Status.
    pub status: u16,
    /// Content type.
    pub content_type: &'static str,
    /// Body.
    pub body: Vec<u8>,
    /// The endpoint, for the counters (`GET /rest/api/2/user/search`).
    pub endpoint: String,
    /// Extra headers.
    pub headers: Vec<(&'static str, String)>,
}

impl Reply {
    /// A JSON answer.
    pub fn json(status: u16, endpoint: impl Into<String>, value: &serde_json::Value) -> Self {
        Self {
            status,
            content_type: "application/json;charset=UTF-8",
            body: serde_json::to_vec(value).expect("JSON values serialise"),
            endpoint: endpoint.into(),
            headers: Vec::new(),
        }
    }

    /// An answer of another type.
    pub fn text(
        status: u16,
        endpoint: impl Into<String>,
        content_type: &'static str,
        body: impl Into<Vec<u8>>,
    ) -> Self {
        Self {
            status,
            content_type,
            body: body.into(),
            endpoint: endpoint.into(),
            headers: Vec::new(),
        }
    }

    /// Tomcat's HTML error page.
    pub fn tomcat(status: u16, endpoint: impl Into<String>, reason: &str) -> Self {
        let body = format!(
            "<!doctype html><html lang=\"en\"><head><title>HTTP Status {status} – {reason}</title></head>\
             <body><h1>HTTP Status {status} – {reason}</h1><hr class=\"line\" /><h3>Apache Tomcat</h3></body></html>"
        );
        Self::text(status, endpoint, "text/html;charset=utf-8", body)
    }

    /// Adds a header.
    pub fn header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }
}

/// Everything a product module needs to answer.
#[derive(Debug)]
pub struct Ctx<'a> {
    /// The dataset.
    pub data: &'a Dataset,
    /// Look-up structures over it.
    pub index: &'a Index,
    /// The version played.
    pub version: Version,
    /// The base URL links are built from (no trailing slash).
    pub link_base: &'a str,
}

impl Ctx<'_> {
    /// An absolute link, as the server builds them from its configured base URL.
    pub fn link(&self, path_and_query: &str) -> String {
        format!("{}{}", self.link_base, path_and_query)
    }
}
