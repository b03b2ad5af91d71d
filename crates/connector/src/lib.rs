//! The connector: given a target and a token, find out whether it is Jira or Confluence Data
//! Center ([`probe`]), say precisely what is wrong when something is ([`test_connection`]),
//! scan it with the matching product crate ([`scan`]), and compare two inventories ([`diff`]).
//! The `atlassian-dc` binary is a thin command line over these. This crate holds no REST
//! mapping: the product crates do.

pub mod check;
pub mod diff;
pub mod output;
pub mod probe;
pub mod run;
pub mod settings;

pub use check::{TestReport, test_connection};
pub use diff::{Diff, DiffError, diff};
pub use output::{NdjsonStream, Output};
pub use probe::{ProbeFailure, Probed, probe};
pub use run::{ProgressEvent, ProgressSink, ScanError, ScanOutcome, scan};
pub use settings::{ConnectionSettings, ProductChoice, ProductKind};
