//! Confluence Data Center, mapped onto the `atlassian-core` identity model.
//!
//! [`ConfluenceClient`] has one typed method or paging stream per REST resource (and the one
//! JSON-RPC method older versions need); [`scan`](fn@scan) reads the whole instance — every
//! account (deactivated ones included), group, direct membership, space (personal and archived
//! ones included) and space permission, plus the implicit administrators and, where the server
//! has them, the global permissions — into an [`Inventory`] whose
//! `coverage` says, per collection, whether the scan can prove it complete. [`detect`] and
//! [`preflight`](fn@preflight) serve the connector's probe and connection test.
//!
//! Versions differ in what they offer, and the scan adapts: `user/list` from 8.4 (before it,
//! the CQL user search checked against every account seen elsewhere), the space-permission REST
//! resources from 9.1 (before it, the JSON-RPC bridge, which needs the Remote API enabled and
//! secure administrator sessions off), global permissions from 9.3.
//!
//! ```no_run
//! # async fn run() -> Result<(), confluence_dc::Error> {
//! use confluence_dc::{Client, ClientConfig, Target, Token};
//! use confluence_dc::{ConfluenceClient, ScanOptions, scan};
//!
//! let target = Target::parse("https://wiki.example.com/confluence")?;
//! let token = Token::from_env()?.expect("ATLASSIAN_PAT is set");
//! let mut config = ClientConfig::new(target.base_url);
//! config.token = Some(token);
//! let client = Client::new(config)?;
//! let inventory = scan(&ConfluenceClient::new(client), &ScanOptions::default()).await?;
//! for c in inventory.coverage.iter().filter(|c| !c.complete) {
//!     println!("{} is incomplete: {}", c.collection, c.detail.as_deref().unwrap_or(""));
//! }
//! # Ok(()) }
//! ```

pub mod api;
pub mod model;
pub mod permission;
pub mod preflight;
pub mod scan;

pub use api::ConfluenceClient;
pub use preflight::{detect, preflight};
pub use scan::{Progress, ProgressFn, ScanOptions, scan, scan_into};

// What a program that depends on this crate alone needs from the core: connect, authenticate,
// handle errors, read the result.
pub use atlassian_core::inventory::{AtomicFile, CollectSink, InventorySink, NdjsonSink};
pub use atlassian_core::{
    Client, ClientConfig, Coverage, Error, Inventory, Target, Token, error_chain,
};
