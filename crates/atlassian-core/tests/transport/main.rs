//! The transport against loopback servers: retries, rate limits, the origin policy, paging,
//! TLS with a private CA, error reporting, and the token's secrecy.

mod endless;
mod errors;
mod lying_certificates;
mod origin;
mod paging;
mod rate_limit;
mod retry;
mod secrecy;
mod tls;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use wiremock::{Request, Respond, ResponseTemplate};

/// The token the tests send (and look for in every output).
pub const TOKEN: &str = "NjY5ODQ2NTQ4OTY0OpbN3aB6vCqT0kSecretPAT";

/// Answers with the responses in turn, repeating the last one, and counts the calls.
#[derive(Clone, Debug)]
pub struct Sequence {
    responses: Arc<Vec<ResponseTemplate>>,
    calls: Arc<AtomicUsize>,
}

impl Sequence {
    /// Answers `responses` in turn.
    pub fn new(responses: Vec<ResponseTemplate>) -> Self {
        Self {
            responses: Arc::new(responses),
            calls: Arc::new(AtomicUsize::new(0)),
        }
    }

    /// How many requests were answered.
    pub fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }
}

impl Respond for Sequence {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        let n = self.calls.fetch_add(1, Ordering::SeqCst);
        self.responses[n.min(self.responses.len() - 1)].clone()
    }
}

/// The value of a query parameter of a received request.
pub fn query(request: &Request, key: &str) -> Option<String> {
    request
        .url
        .query_pairs()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.into_owned())
}
