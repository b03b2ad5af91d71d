//! Jira Data Center, mapped onto the `atlassian-core` identity model.
//!
//! [`JiraClient`] has one typed method or paging stream per REST resource; [`scan()`] reads the
//! whole instance — every account (active and inactive), group, membership, project, project
//! role actor, application role and permission-scheme grant — into an
//! [`Inventory`] whose `coverage` says, per collection, whether the
//! scan can prove it complete.
//!
//! ```no_run
//! # async fn run() -> Result<(), jira_dc::Error> {
//! use jira_dc::{Client, ClientConfig, Target, Token};
//! use jira_dc::{JiraClient, ScanOptions, scan};
//!
//! let target = Target::parse("jira.example.com")?;
//! let token = Token::from_env()?.expect("ATLASSIAN_PAT is set");
//! let mut config = ClientConfig::new(target.base_url);
//! config.token = Some(token);
//! let client = Client::new(config)?;
//! let inventory = scan(&JiraClient::new(client), &ScanOptions::default()).await?;
//! println!("{} accounts", inventory.accounts.len());
//! # Ok(()) }
//! ```

pub mod api;
pub mod group_sweep;
pub mod holders;
pub mod model;
pub mod preflight;
pub mod scan;
pub mod sweep;
pub mod wildcard;

pub use api::JiraClient;
pub use preflight::{Detected, detect, preflight};
pub use scan::{Progress, ProgressFn, ScanOptions, scan, scan_into};
pub use sweep::{SweepOutcome, UserSearchSweep};

// What a program that depends on this crate alone needs from the core: connect, authenticate,
// handle errors, read the result.
pub use atlassian_core::inventory::{AtomicFile, CollectSink, InventorySink, NdjsonSink};
pub use atlassian_core::{
    Client, ClientConfig, Coverage, Error, Inventory, Target, Token, error_chain,
};
