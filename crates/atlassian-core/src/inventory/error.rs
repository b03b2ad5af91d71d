//! Errors of building, reading and writing inventories.
//!
//! Each `Display` describes its own layer only; the underlying I/O or JSON error is the
//! `source()`, for the binary to print as a chain.

use std::fmt;
use std::io;
use std::path::PathBuf;

/// How many violations an [`InventoryError::Invalid`] message spells out.
const SHOWN_VIOLATIONS: usize = 5;

/// Building, reading or writing an inventory failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum InventoryError {
    /// The records break the inventory's rules; `violations` holds the first
    /// [`InventoryError::MAX_KEPT_VIOLATIONS`] of `total`.
    #[error("the inventory breaks {total} rule(s): {}", summarize(.violations, *.total))]
    Invalid {
        /// The first violations found, in a stable order.
        violations: Vec<Violation>,
        /// How many violations there are in all.
        total: usize,
    },

    /// Writing the document failed.
    #[error("could not write the inventory")]
    Write(#[source] io::Error),

    /// Reading the input failed.
    #[error("could not read the inventory")]
    Read(#[source] io::Error),

    /// The JSON form does not decode; `path` is the JSON path of the offending value.
    #[error("the inventory JSON does not decode at `{path}`")]
    Json {
        /// Where in the document, e.g. `accounts[3].active`.
        path: String,
        /// The decode error (with line and column).
        #[source]
        source: serde_json::Error,
    },

    /// The JSON form decodes but is refused at `path`: a reader's cap passed (the reason names
    /// the cap, the line and the column), or a record repeating another with different fields.
    #[error("the inventory JSON is refused at `{path}`: {reason}")]
    JsonRefused {
        /// Where in the document, e.g. `accounts[3]` or `accounts[3].display_name`.
        path: String,
        /// What is wrong there.
        reason: String,
    },

    /// One line of the NDJSON form is not what it should be.
    #[error("NDJSON line {line}: {reason}")]
    Ndjson {
        /// 1-based line number.
        line: usize,
        /// What is wrong with it.
        reason: String,
        /// The decode error, when the line did not decode.
        #[source]
        source: Option<serde_json::Error>,
    },

    /// The NDJSON stream lacks its header or trailer: the writer did not finish.
    #[error("the NDJSON inventory is incomplete: {0}")]
    Incomplete(String),

    /// The NDJSON trailer's counts disagree with the records in the stream.
    #[error("the NDJSON trailer counts {expected} {kind} record(s) but the stream holds {found}")]
    CountMismatch {
        /// The record kind, e.g. `grants`.
        kind: &'static str,
        /// The trailer's count.
        expected: usize,
        /// The records present.
        found: usize,
    },

    /// The document declares another schema.
    #[error(
        "unsupported inventory schema at `schema`: `{found}` (expected `{}`)",
        super::SCHEMA_ID
    )]
    UnsupportedSchema {
        /// The declared schema.
        found: String,
    },

    /// The input is neither form.
    #[error("the input is neither an inventory JSON document nor an inventory NDJSON stream")]
    UnknownFormat,

    /// A file operation failed.
    #[error("could not {action} `{}`", .path.display())]
    File {
        /// What was attempted, e.g. `replace`.
        action: &'static str,
        /// The file concerned (the target, not the temporary file).
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: io::Error,
    },
}

impl InventoryError {
    /// How many violations an [`InventoryError::Invalid`] keeps; `total` counts all.
    pub const MAX_KEPT_VIOLATIONS: usize = 100;

    /// The rule violations, when this is [`InventoryError::Invalid`].
    pub fn violations(&self) -> Option<&[Violation]> {
        match self {
            Self::Invalid { violations, .. } => Some(violations),
            _ => None,
        }
    }

    /// Whether an NDJSON stream ended before its trailer (or had no header).
    pub fn is_incomplete(&self) -> bool {
        matches!(self, Self::Incomplete(_))
    }

    pub(crate) fn invalid(mut violations: Vec<Violation>) -> Self {
        let total = violations.len();
        violations.truncate(Self::MAX_KEPT_VIOLATIONS);
        Self::Invalid { violations, total }
    }
}

fn summarize(violations: &[Violation], total: usize) -> String {
    let mut text = violations
        .iter()
        .take(SHOWN_VIOLATIONS)
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ");
    let shown = violations.len().min(SHOWN_VIOLATIONS);
    if total > shown {
        text.push_str(&format!("; and {} more", total - shown));
    }
    text
}

/// One broken rule of the inventory.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Violation {
    /// A membership or an `account:` subject names an account that is not in `accounts`.
    UnknownAccount {
        /// The missing account key.
        account: String,
        /// The record that names it, e.g. ``membership of `K` in `g` ``.
        referrer: String,
    },
    /// A membership or a `group:` subject names a group that is not in `groups`.
    UnknownGroup {
        /// The missing group name.
        group: String,
        /// The record that names it.
        referrer: String,
    },
    /// A grant names a resource that is not in `resources`.
    UnknownResource {
        /// The missing resource reference.
        resource: String,
        /// The grant that names it.
        referrer: String,
    },
    /// A record is malformed: an empty key, a bad reference string, a `ref` that disagrees with
    /// `type` and `key`, a base URL with a trailing slash, …
    InvalidRecord {
        /// The record, e.g. `account ""` or `system.base_url`.
        record: String,
        /// What is wrong with it.
        reason: String,
    },
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::UnknownAccount { account, referrer } => {
                write!(f, "{referrer} names unknown account `{account}`")
            }
            Self::UnknownGroup { group, referrer } => {
                write!(f, "{referrer} names unknown group `{group}`")
            }
            Self::UnknownResource { resource, referrer } => {
                write!(f, "{referrer} names unknown resource `{resource}`")
            }
            Self::InvalidRecord { record, reason } => write!(f, "{record}: {reason}"),
        }
    }
}
