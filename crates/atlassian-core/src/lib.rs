//! The shared runtime of the Jira and Confluence Data Center connectors: target and credential,
//! the HTTP transport (TLS, origin policy, retry, rate limits), paging streams, errors, and the
//! product-neutral identity model with its inventory document.
//!
//! This crate knows nothing of Jira or Confluence: product crates map their REST resources onto
//! the types here.

pub mod applinks;
pub mod client;
pub mod credential;
pub mod diagnosis;
pub mod error;
pub mod inventory;
mod limiter;
pub mod paging;
pub mod record;
pub mod retry;
pub mod target;
#[cfg(feature = "test-util")]
pub mod test_util;

pub use client::{Client, ClientConfig, ClientStats, Request, Response};
pub use credential::Token;
pub use error::{ApiErrorBody, Error, TransportKind, error_chain};
pub use inventory::{
    Account, Coverage, Grant, Group, Inventory, InventoryBuilder, InventoryError, Membership,
    Product, Resource, ResourceRef, ResourceType, Subject,
};
pub use paging::{Page, PagingStyle};
pub use retry::{RateLimitInfo, RetryPolicy};
pub use target::{BaseUrl, Target};

// Re-exported so product crates name the same types without depending on reqwest.
pub use reqwest::{Method, StatusCode};
