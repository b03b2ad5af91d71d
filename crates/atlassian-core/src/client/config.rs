//! [`ClientConfig`]: how to reach and talk to one server, with the documented defaults.

use std::path::PathBuf;
use std::time::Duration;

use super::USER_AGENT;
use crate::credential::Token;
use crate::retry::RetryPolicy;
use crate::target::BaseUrl;

/// How to reach and talk to one server: [`ClientConfig::new`] gives the documented defaults,
/// and every option is a public field to set (one style, as kube-rs's `Config`).
#[derive(Clone, Debug)]
pub struct ClientConfig {
    /// Where every request goes.
    pub base_url: BaseUrl,
    /// The Personal Access Token, sent as `Authorization: Bearer` to the base URL's origin only.
    pub token: Option<Token>,
    /// A PEM bundle of extra CA certificates to trust besides the system roots.
    pub ca_bundle: Option<PathBuf>,
    /// Accept any certificate. Logged as a warning when the client is built.
    pub insecure: bool,
    /// Per-request timeout (connect, send, and the whole answer).
    pub timeout: Duration,
    /// Requests in flight at most; lowered while the server answers 429.
    pub concurrency: usize,
    /// When and how long to retry.
    pub retry: RetryPolicy,
    /// The User-Agent header.
    pub user_agent: String,
    /// Receives every answer (fixtures are recorded this way).
    pub recorder: Option<crate::record::RecorderHandle>,
    /// The most bytes one answer may hold; a longer one is [`crate::Error::BodyTooLarge`] and is
    /// never read past this. The largest real answers (a page of 1,000 users, a big space's
    /// permission sets) are a few megabytes.
    pub max_body_bytes: u64,
}

/// The default [`ClientConfig::max_body_bytes`]: 64 MiB.
pub const DEFAULT_MAX_BODY_BYTES: u64 = 64 << 20;

impl ClientConfig {
    /// The documented defaults: 30 s timeout, concurrency 8, system roots only.
    pub fn new(base_url: BaseUrl) -> Self {
        Self {
            base_url,
            token: None,
            ca_bundle: None,
            insecure: false,
            timeout: Duration::from_secs(30),
            concurrency: 8,
            retry: RetryPolicy::default(),
            user_agent: USER_AGENT.to_owned(),
            recorder: None,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
        }
    }
}
