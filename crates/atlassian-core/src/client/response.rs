//! [`Response`]: a whole answer, already read, and its decoding.

use std::borrow::Cow;
use std::fmt;

use bytes::Bytes;
use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;

use crate::error::{ApiErrorBody, Error, is_failed_login};
use crate::retry::RateLimitInfo;

/// A whole answer: status, headers and body, already read.
#[derive(Clone)]
pub struct Response {
    /// The status.
    pub status: StatusCode,
    /// The headers.
    pub headers: HeaderMap,
    /// The body.
    pub body: Bytes,
    pub(crate) method: Method,
    pub(crate) path: String,
    /// The URL path that answered, after same-origin redirects.
    pub(crate) final_path: String,
}

impl Response {
    /// The URL path that gave this answer, after any same-origin redirects (`/wiki/` when the
    /// root redirected there).
    pub fn final_path(&self) -> &str {
        &self.final_path
    }
}

impl fmt::Debug for Response {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Response")
            .field("method", &self.method)
            .field("path", &self.path)
            .field("status", &self.status)
            .field("bytes", &self.body.len())
            .finish_non_exhaustive()
    }
}

impl Response {
    /// The request's method.
    pub fn method(&self) -> &Method {
        &self.method
    }

    /// The request's path and query below the base URL.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The `Content-Type` header.
    pub fn content_type(&self) -> Option<&str> {
        self.header("content-type")
    }

    /// A header as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The body is an HTML page (by its type or its first bytes).
    pub fn is_html(&self) -> bool {
        self.content_type().is_some_and(|c| c.contains("text/html"))
            || crate::error::looks_like_html(&String::from_utf8_lossy(
                &self.body[..self.body.len().min(512)],
            ))
    }

    /// The user the server says it served (`X-AUSERNAME`, URL-decoded); `anonymous` when the
    /// token was not accepted on an endpoint that allows anonymous access.
    pub fn remote_user(&self) -> Option<String> {
        self.header("x-ausername").map(|v| {
            percent_encoding::percent_decode_str(v)
                .decode_utf8_lossy()
                .into_owned()
        })
    }

    /// `X-Seraph-LoginReason`.
    pub fn login_reason(&self) -> Option<&str> {
        self.header("x-seraph-loginreason")
    }

    /// The rate-limit headers of this answer.
    pub fn rate_limit(&self) -> RateLimitInfo {
        RateLimitInfo::from_headers(&self.headers)
    }

    /// The body as text (lossy).
    pub fn text(&self) -> Cow<'_, str> {
        String::from_utf8_lossy(&self.body)
    }

    /// Turns an error status, or a success that carries a rejected login, into an error.
    pub fn error_for_status(self) -> Result<Self, Error> {
        let login_rejected = self.login_reason().is_some_and(is_failed_login);
        if self.status.is_success() && !login_rejected {
            return Ok(self);
        }
        Err(self.status_error())
    }

    /// The error this answer stands for, whatever its status.
    pub fn status_error(&self) -> Error {
        Error::Status {
            method: self.method.clone(),
            path: self.path.clone(),
            status: self.status,
            body: Box::new(ApiErrorBody::parse(self.content_type(), &self.body)),
            login_reason: self.login_reason().map(str::to_owned),
            retry_after: self.rate_limit().retry_after,
        }
    }

    /// Decodes the body as JSON; an HTML page is its own error, and a shape mismatch names the
    /// JSON path where it was found.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, Error> {
        if self.is_html() {
            return Err(Error::HtmlPage {
                method: self.method.clone(),
                path: self.path.clone(),
                status: self.status,
                title: crate::error::html_title(&self.text()),
            });
        }
        let mut deserializer = serde_json::Deserializer::from_slice(&self.body);
        serde_path_to_error::deserialize(&mut deserializer).map_err(|e| {
            let json_path = e.path().to_string();
            Error::Decode {
                method: self.method.clone(),
                path: self.path.clone(),
                json_path,
                source: e.into_inner(),
            }
        })
    }
}
