//! The connector as a platform plug-in: the system configuration the platform stores, checked
//! before any request, and the two entry points it calls — [`test_connection`] (the same report
//! as `atlassian-dc test --json`) and [`scan_system`] (the inventory streamed to a sink the
//! caller provides, with progress events).
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use atlassian_core::inventory::CollectSink;
//! use connector::platform::{SystemConfig, scan_system, test_connection};
//!
//! let config = SystemConfig::new("jira.example.com", std::env::var("ATLASSIAN_PAT")?);
//! let report = test_connection(&config).await?;
//! if report.ok {
//!     let mut sink = CollectSink::new();
//!     let summary = scan_system(&config, &mut sink, None).await?;
//!     println!("{} requests", summary.stats.requests);
//! }
//! # Ok(()) }
//! ```

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use atlassian_core::inventory::{Counts, InventorySink};
use atlassian_core::scan::ProgressFn;
use atlassian_core::{ClientStats, Coverage, Target, Token};

use crate::check::TestReport;
use crate::run::ScanError;
use crate::settings::ConnectionSettings;

/// What the platform stores for one system.
#[derive(Clone)]
pub struct SystemConfig {
    /// `system.hostname`: a host name, `host:port`, or a base URL (`https://host/jira`).
    pub hostname: String,
    /// `credential.password`: the Personal Access Token.
    pub credential_password: String,
    /// The port, when not 443 and not in `hostname`.
    pub port: Option<u16>,
    /// The context path (`/jira`), when not in `hostname`.
    pub context_path: Option<String>,
    /// A PEM bundle of private CA certificates to trust.
    pub ca_bundle: Option<PathBuf>,
    /// Requests in flight at most (default 8).
    pub concurrency: Option<usize>,
}

impl fmt::Debug for SystemConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SystemConfig")
            .field("hostname", &self.hostname)
            .field("credential_password", &"[REDACTED]")
            .field("port", &self.port)
            .field("context_path", &self.context_path)
            .field("ca_bundle", &self.ca_bundle)
            .field("concurrency", &self.concurrency)
            .finish()
    }
}

/// A system configuration that cannot be used; nothing was sent.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct ConfigError {
    /// The field at fault (`system.hostname`, `credential.password`, …).
    pub field: &'static str,
    /// What is wrong with it (never its value when it is the credential).
    pub message: String,
}

fn invalid(field: &'static str, message: impl Into<String>) -> ConfigError {
    ConfigError {
        field,
        message: message.into(),
    }
}

impl SystemConfig {
    /// A configuration with a hostname and a token, defaults elsewhere.
    pub fn new(hostname: impl Into<String>, token: impl Into<String>) -> Self {
        Self {
            hostname: hostname.into(),
            credential_password: token.into(),
            port: None,
            context_path: None,
            ca_bundle: None,
            concurrency: None,
        }
    }

    /// Checks every field and turns them into connection settings. Nothing is sent.
    pub fn validate(&self) -> Result<ConnectionSettings, ConfigError> {
        let host = self.hostname.trim();
        if host.is_empty() {
            return Err(invalid("system.hostname", "the hostname is empty"));
        }
        if host.chars().any(char::is_whitespace) {
            return Err(invalid(
                "system.hostname",
                "the hostname contains white space",
            ));
        }
        let has_scheme = host.contains("://");
        let authority = host
            .split("://")
            .nth(usize::from(has_scheme))
            .unwrap_or(host)
            .split('/')
            .next()
            .unwrap_or_default();
        if authority.contains('@') {
            return Err(invalid(
                "system.hostname",
                "the hostname holds a user name or password; the token belongs in credential.password",
            ));
        }
        let mut text = host.trim_end_matches('/').to_owned();
        if let Some(port) = self.port {
            if port == 0 {
                return Err(invalid(
                    "system.port",
                    "the port must be between 1 and 65535",
                ));
            }
            if authority
                .rsplit_once(':')
                .is_some_and(|(_, p)| p.parse::<u16>().is_ok())
            {
                return Err(invalid("system.port", "the hostname already names a port"));
            }
            let (prefix, rest) = match text.split_once("://") {
                Some((scheme, rest)) => (format!("{scheme}://"), rest.to_owned()),
                None => (String::new(), text.clone()),
            };
            let (auth, path) = rest
                .split_once('/')
                .map_or((rest.as_str(), ""), |(a, p)| (a, p));
            text = if path.is_empty() {
                format!("{prefix}{auth}:{port}")
            } else {
                format!("{prefix}{auth}:{port}/{path}")
            };
        }
        if let Some(context) = self
            .context_path
            .as_deref()
            .map(str::trim)
            .filter(|c| !c.is_empty())
        {
            if context.contains(['?', '#']) || context.chars().any(char::is_whitespace) {
                return Err(invalid(
                    "system.context_path",
                    "the context path must be a plain path such as /jira",
                ));
            }
            text = format!("{text}/{}", context.trim_matches('/'));
            if !has_scheme {
                text = format!("https://{text}");
            }
        }
        let target = Target::parse(&text).map_err(|e| invalid("system.hostname", e.to_string()))?;

        let token = &self.credential_password;
        if token.is_empty() {
            return Err(invalid(
                "credential.password",
                "the Personal Access Token is empty",
            ));
        }
        if token.chars().any(|c| c.is_whitespace()) {
            return Err(invalid(
                "credential.password",
                "the Personal Access Token contains white space or a line break; store the token alone",
            ));
        }
        let token = Token::new(token.as_str())
            .map_err(|e| invalid("credential.password", e.to_string()))?;

        if let Some(bundle) = &self.ca_bundle
            && let Err(e) = std::fs::metadata(bundle)
        {
            return Err(invalid(
                "system.ca_bundle",
                format!("cannot read {}: {e}", bundle.display()),
            ));
        }
        let concurrency = match self.concurrency {
            Some(0) => {
                return Err(invalid(
                    "system.concurrency",
                    "at least 1 request must be allowed in flight",
                ));
            }
            Some(n) if n > 64 => {
                return Err(invalid(
                    "system.concurrency",
                    "at most 64 requests in flight",
                ));
            }
            Some(n) => n,
            None => 8,
        };
        let mut settings = ConnectionSettings::new(target, Some(token));
        settings.ca_cert = self.ca_bundle.clone();
        settings.concurrency = concurrency;
        settings.timeout = Duration::from_secs(30);
        Ok(settings)
    }
}

/// Why the platform's scan did not complete.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PlatformError {
    /// The configuration was refused before any request.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The scan failed, or the sink refused a record.
    #[error(transparent)]
    Scan(Box<ScanError>),
}

impl From<ScanError> for PlatformError {
    fn from(error: ScanError) -> Self {
        Self::Scan(Box::new(error))
    }
}

/// Runs Test Connection for a stored system; the report is `atlassian-dc test --json`'s.
pub async fn test_connection(config: &SystemConfig) -> Result<TestReport, ConfigError> {
    let settings = config.validate()?;
    Ok(crate::check::test_connection(&settings).await)
}

/// What a finished scan sent to the sink.
#[derive(Clone, Debug, PartialEq)]
pub struct ScanSummary {
    /// Records sent, by kind.
    pub counts: Counts,
    /// The coverage of each collection.
    pub coverage: Vec<Coverage>,
    /// The client's counters.
    pub stats: ClientStats,
}

/// Scans a stored system into `sink`: the header as soon as the scan knows it, memberships as
/// they are found, the other records and then [`InventorySink::finish`] at the end. Dropping the
/// future stops the scan; the sink then never sees `finish`, so nothing partial is marked
/// complete.
pub async fn scan_system(
    config: &SystemConfig,
    sink: &mut dyn InventorySink,
    progress: Option<ProgressFn>,
) -> Result<ScanSummary, PlatformError> {
    let settings = config.validate()?;
    let outcome = crate::run::scan_into(&settings, progress, sink).await?;
    Ok(ScanSummary {
        counts: outcome.summary.counts,
        coverage: outcome.summary.coverage,
        stats: outcome.stats,
    })
}
