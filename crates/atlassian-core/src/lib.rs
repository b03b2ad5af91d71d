//! The shared runtime of the Jira and Confluence Data Center connectors: target and credential,
//! the HTTP transport (TLS, origin policy, retry, rate limits), paging streams, errors, and the
//! product-neutral identity model with its inventory document.
//!
//! This crate maps no product resource: product crates map their REST resources onto the types
//! here. The product knowledge it holds — page envelopes, error bodies, platform headers, the
//! probe endpoints, Test Connection's remedies — is listed with its reason in ARCHITECTURE.md.
//!
//! ```
//! use atlassian_core::inventory::{ScannedAs, System};
//! use atlassian_core::{Account, InventoryBuilder, Product, ResourceRef, Subject, Target};
//!
//! // A bare host means HTTPS on port 443; a context path is kept.
//! let target = Target::parse("jira.example.com")?;
//! assert_eq!(target.base_url.as_str(), "https://jira.example.com");
//! assert_eq!(Target::parse("https://host/jira/")?.base_url.as_str(), "https://host/jira");
//!
//! // The builder de-duplicates, sorts and checks every reference.
//! let system = System {
//!     product: Product::Jira,
//!     base_url: target.base_url.to_string(),
//!     version: "9.12.2".into(),
//!     title: None,
//!     instance_id: None,
//! };
//! let me = ScannedAs { key: "JIRAUSER10000".into(), username: "svc".into() };
//! let mut builder = InventoryBuilder::new(system, me);
//! builder.account(Account::new("JIRAUSER10100"));
//! builder.group("developers");
//! builder.membership("Developers", "JIRAUSER10100"); // group names are case-insensitive
//! builder.resource(atlassian_core::Resource::new(&ResourceRef::Project("ENG".into()), None));
//! builder.grant(ResourceRef::Project("ENG".into()), "role:Developers", Subject::Group("developers".into()));
//! let inventory = builder.build(jiff::Timestamp::now())?;
//! assert_eq!(inventory.memberships[0].group, "developers");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod access;
pub mod applinks;
pub mod client;
pub mod credential;
pub mod diagnosis;
pub mod error;
pub mod human;
pub mod inventory;
mod limiter;
pub mod paging;
pub mod record;
pub mod retry;
pub mod scan;
pub mod target;
#[cfg(feature = "test-tls")]
pub mod test_util;
pub mod version;

pub use client::{
    Client, ClientConfig, ClientStats, DEFAULT_MAX_BODY_BYTES, Request, Response, RetryNote,
    install_crypto_provider,
};
pub use credential::Token;
pub use error::{ApiErrorBody, Error, TransportKind, error_chain};
pub use inventory::{
    Account, Coverage, Grant, Group, Inventory, InventoryBuilder, InventoryError, Membership,
    Product, Resource, ResourceRef, ResourceType, Subject,
};
pub use paging::{Page, PagingStyle};
pub use retry::{RateLimitInfo, RetryPolicy};
pub use target::{BaseUrl, Target};
pub use version::Version;

// Re-exported so product crates name the same types without depending on reqwest.
pub use reqwest::{Method, StatusCode};
