//! The product-neutral identity model and its document, `atlassian-dc-inventory/v1`: who can
//! access one Jira or Confluence system (accounts, groups, memberships, resources, grants), how
//! completely each part was collected, and the JSON and NDJSON forms it is written in.
//!
//! - [`Inventory`] and its records, field for field as the spec's JSON;
//! - [`ResourceRef`] and [`Subject`]: the typed forms of the reference strings grants use;
//! - [`InventoryBuilder`]: the only way to a valid [`Inventory`] — de-duplicates, unifies group
//!   spellings, sorts, and checks that every reference resolves;
//! - [`Inventory::write_json`], [`NdjsonWriter`] and the readers;
//! - [`AtomicFile`]: replaces the output file only once it is complete.
//!
//! Nothing here does I/O beyond the `Write`/`Read` handed in, and nothing knows Jira or
//! Confluence beyond the names the spec fixes.

mod atomic;
mod builder;
mod error;
mod json;
mod ndjson;
mod record;
mod reference;
mod sink;

pub use atomic::{AtomicFile, remove_pending_temp_files};
pub use builder::InventoryBuilder;
pub use error::{InventoryError, Violation};
pub use ndjson::{Header, NdjsonWriter};
pub use record::{
    Account, Counts, Coverage, Generator, Grant, Group, Inventory, InventorySummary, Membership,
    Product, Resource, ResourceType, ScannedAs, System, normalize_login_time,
};
pub use reference::{ParseRefError, RefKind, ResourceRef, Subject};
pub use sink::{CollectSink, InventorySink, NdjsonSink};

/// The `schema` value of every inventory this crate writes and the only one it reads.
pub const SCHEMA_ID: &str = "atlassian-dc-inventory/v1";

/// The JSON Schema (draft 2020-12) of the JSON form, for validating documents in tests and tools.
pub const INVENTORY_SCHEMA: &str = include_str!("../../schema/inventory-v1.schema.json");
