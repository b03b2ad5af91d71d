//! The connector: given a target and a token, find out whether it is Jira or Confluence Data
//! Center ([`probe()`]), say precisely what is wrong when something is ([`test_connection()`]),
//! scan it with the matching product crate ([`scan()`]), and compare two inventories
//! ([`diff()`]). The `atlassian-dc` binary is a thin command line over these; [`platform`] is
//! what an identity-governance platform links: a checked system configuration and the two entry
//! points. This crate holds no REST mapping: the product crates do.
//!
//! ```
//! // The registration facts, as `atlassian-dc describe --json` prints them.
//! let d = connector::DESCRIPTOR;
//! assert_eq!(d.os_type, "JiraConfluenceDc");
//! assert_eq!(d.protocol.port, 443);
//!
//! // A stored system configuration is checked before anything is sent.
//! let config = connector::platform::SystemConfig::new("jira.example.com", "token with spaces");
//! let err = config.validate().unwrap_err();
//! assert_eq!(err.field, "credential.password");
//! ```

pub mod access;
pub mod changes;
pub mod check;
pub mod descriptor;
pub mod diff;
pub mod output;
pub mod platform;
pub mod probe;
pub mod review;
pub mod run;
pub mod settings;

pub use atlassian_core::Product;
pub use atlassian_core::scan::{Progress, ProgressFn};
pub use check::{TestReport, test_connection};
pub use descriptor::{DESCRIPTOR, Descriptor};
pub use diff::{Diff, DiffError, diff};
pub use output::Output;
pub use probe::{ProbeFailure, Probed, probe};
pub use run::{RETRY_PHASE, ScanError, ScanOutcome, scan, scan_into};
pub use settings::ConnectionSettings;
