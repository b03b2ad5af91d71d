//! How to reach one system: the target, the credential and the transport options the command
//! line (and the platform) give.

use std::path::PathBuf;
use std::time::Duration;

use atlassian_core::{BaseUrl, ClientConfig, Product, Target, Token};

/// Everything needed to talk to one system.
#[derive(Clone, Debug)]
pub struct ConnectionSettings {
    /// Where.
    pub target: Target,
    /// The Personal Access Token.
    pub token: Option<Token>,
    /// Extra CA certificates (PEM).
    pub ca_cert: Option<PathBuf>,
    /// Accept any certificate.
    pub insecure: bool,
    /// Per-request timeout.
    pub timeout: Duration,
    /// Requests in flight at most.
    pub concurrency: usize,
    /// The product to expect without probing (`--product`); `None` probes the server.
    pub product: Option<Product>,
    /// Receives every answer of the scan's client (`cargo xtask snapshot` records this way).
    pub recorder: Option<atlassian_core::record::RecorderHandle>,
    /// Skip the one-request-per-account membership rebuild (`--no-memberof-rebuild`).
    pub skip_memberof_rebuild: bool,
}

impl ConnectionSettings {
    /// Defaults for a target: probe, 30 s timeout, concurrency 8.
    pub fn new(target: Target, token: Option<Token>) -> Self {
        Self {
            target,
            token,
            ca_cert: None,
            insecure: false,
            timeout: Duration::from_secs(30),
            concurrency: 8,
            product: None,
            recorder: None,
            skip_memberof_rebuild: false,
        }
    }

    /// A client configuration for `base_url` with these options.
    pub fn client_config(&self, base_url: BaseUrl) -> ClientConfig {
        let mut config = ClientConfig::new(base_url);
        config.token = self.token.clone();
        config.ca_bundle = self.ca_cert.clone();
        config.insecure = self.insecure;
        config.timeout = self.timeout;
        config.concurrency = self.concurrency.max(1);
        config.recorder = self.recorder.clone();
        config
    }
}
