//! The records of an `atlassian-dc-inventory/v1` document, field for field as the spec's JSON.
//!
//! These are plain data: the invariants (sorted, de-duplicated, referentially whole) are
//! established by [`InventoryBuilder`](super::InventoryBuilder) and checked again by the readers,
//! so an [`Inventory`] obtained from either can be written as is.

use std::fmt;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::reference::{ResourceRef, Subject};

/// One inventory: who can access one Jira or Confluence system at one moment.
///
/// Field order is the document's key order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Inventory {
    /// Always [`SCHEMA_ID`](super::SCHEMA_ID); the readers reject anything else.
    pub schema: String,
    /// When the scan finished, in whole seconds.
    #[serde(with = "whole_seconds")]
    pub generated_at: Timestamp,
    /// The program that wrote the document.
    pub generator: Generator,
    /// The scanned system.
    pub system: System,
    /// The account the scan authenticated as.
    pub scanned_as: ScannedAs,
    /// Sorted by `key`.
    pub accounts: Vec<Account>,
    /// Sorted by `name`.
    pub groups: Vec<Group>,
    /// Sorted by (`group`, `account`).
    pub memberships: Vec<Membership>,
    /// Sorted by `ref`.
    pub resources: Vec<Resource>,
    /// Sorted by (`resource`, `permission`, `subject`).
    pub grants: Vec<Grant>,
    /// One entry per collection the scan attempted, sorted by `collection`.
    pub coverage: Vec<Coverage>,
    /// In the order they arose.
    pub warnings: Vec<String>,
}

impl Inventory {
    /// How many records of each kind the inventory holds.
    pub fn counts(&self) -> Counts {
        Counts {
            accounts: self.accounts.len(),
            groups: self.groups.len(),
            memberships: self.memberships.len(),
            resources: self.resources.len(),
            grants: self.grants.len(),
            coverage: self.coverage.len(),
        }
    }
}

/// The program that wrote an inventory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Generator {
    /// Program name, e.g. `atlassian-dc`.
    pub name: String,
    /// Program version.
    pub version: String,
}

impl Default for Generator {
    /// `atlassian-dc` at this workspace's version.
    fn default() -> Self {
        Self {
            name: "atlassian-dc".to_owned(),
            version: env!("CARGO_PKG_VERSION").to_owned(),
        }
    }
}

/// Which product a system runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Product {
    /// Jira (Software, Service Management, Core) Data Center or Server.
    Jira,
    /// Confluence Data Center or Server.
    Confluence,
}

impl Product {
    /// The serialised name: `jira` or `confluence`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Jira => "jira",
            Self::Confluence => "confluence",
        }
    }
}

impl fmt::Display for Product {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The scanned system.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct System {
    /// Jira or Confluence.
    pub product: Product,
    /// The base URL without a trailing slash, e.g. `https://jira.example.com/jira`.
    pub base_url: String,
    /// The server version, e.g. `9.12.2`.
    pub version: String,
    /// The instance title, when the server tells it.
    pub title: Option<String>,
    /// The server id, when the server tells it.
    pub instance_id: Option<String>,
}

/// The account the scan authenticated as.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScannedAs {
    /// Account key.
    pub key: String,
    /// Username at scan time.
    pub username: String,
}

/// A user account. Unknown values are `None` (serialised as `null`), never `""` or a guess.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    /// Jira's user `key` or Confluence's `userKey`: stable across renames.
    pub key: String,
    /// The login name; it can change.
    pub username: Option<String>,
    /// The full name.
    pub display_name: Option<String>,
    /// The e-mail address, `None` when the server hides it.
    pub email: Option<String>,
    /// Whether the account may log in, `None` when the server does not say.
    pub active: Option<bool>,
    /// The last login, RFC 3339 in UTC to whole seconds, where the server reports it (Jira 11.x
    /// `lastLoginTime`, Confluence's administrator user list with `expand=lastLogin`). Absent
    /// from the document when unknown, so that inventories of servers that never say are
    /// unchanged; never a guess.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_login: Option<String>,
}

impl Account {
    /// An account known only by its key, e.g. one seen only as a group member or role actor.
    pub fn new(key: impl Into<String>) -> Self {
        Self {
            key: key.into(),
            username: None,
            display_name: None,
            email: None,
            active: None,
            last_login: None,
        }
    }
}

/// A group, named as the server spells it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Group {
    /// The group name.
    pub name: String,
}

impl Group {
    /// A group by name.
    pub fn new(name: impl Into<String>) -> Self {
        Self { name: name.into() }
    }
}

/// One account's membership of one group. Ordered by (`group`, `account`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Membership {
    /// The group name.
    pub group: String,
    /// The account key.
    pub account: String,
}

impl Membership {
    /// `account` is a member of `group`.
    pub fn new(group: impl Into<String>, account: impl Into<String>) -> Self {
        Self {
            group: group.into(),
            account: account.into(),
        }
    }
}

/// What kind of thing a resource is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResourceType {
    /// A Jira project.
    Project,
    /// A Confluence space.
    Space,
    /// A Jira application.
    Application,
    /// The whole instance.
    System,
}

impl ResourceType {
    /// The serialised name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Project => "project",
            Self::Space => "space",
            Self::Application => "application",
            Self::System => "system",
        }
    }
}

impl fmt::Display for ResourceType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Something access is granted to: a project, space, application or the system.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resource {
    /// The reference string, `type:key` or `system`; grants name the resource by it.
    #[serde(rename = "ref")]
    pub reference: String,
    /// The resource type; agrees with `reference`.
    #[serde(rename = "type")]
    pub resource_type: ResourceType,
    /// The key; agrees with `reference` (`system` for the system resource).
    pub key: String,
    /// The display name, when known.
    pub name: Option<String>,
    /// Whether the project or space is archived; omitted when the product has no such notion.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub archived: Option<bool>,
}

impl Resource {
    /// A resource whose `ref`, `type` and `key` agree by construction; `archived` is unset.
    pub fn new(reference: &ResourceRef, name: Option<String>) -> Self {
        Self {
            reference: reference.to_string(),
            resource_type: reference.resource_type(),
            key: reference.key().to_owned(),
            name,
            archived: None,
        }
    }

    /// The same resource with `archived` set.
    #[must_use]
    pub fn with_archived(mut self, archived: bool) -> Self {
        self.archived = Some(archived);
        self
    }
}

/// One permission on one resource given to one subject. Ordered by (`resource`, `permission`,
/// `subject`), the document's sort order.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Grant {
    /// A [`ResourceRef`] string.
    pub resource: String,
    /// The permission, e.g. `BROWSE_PROJECTS`, `role:Developers`, `space:read`, `use`.
    pub permission: String,
    /// A [`Subject`] string.
    pub subject: String,
}

impl Grant {
    /// A grant from typed references.
    pub fn new(resource: &ResourceRef, permission: impl Into<String>, subject: &Subject) -> Self {
        Self {
            resource: resource.to_string(),
            permission: permission.into(),
            subject: subject.to_string(),
        }
    }
}

/// Whether the scan collected all of one collection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Coverage {
    /// The collection name, e.g. `accounts` or `grants:permission-schemes`.
    pub collection: String,
    /// `true` only when the scan can show nothing was left out.
    pub complete: bool,
    /// How the collection was gathered.
    pub method: Option<String>,
    /// What is missing and why, when incomplete.
    pub detail: Option<String>,
}

impl Coverage {
    /// A collection gathered in full.
    pub fn complete(collection: impl Into<String>, method: impl Into<String>) -> Self {
        Self {
            collection: collection.into(),
            complete: true,
            method: Some(method.into()),
            detail: None,
        }
    }

    /// A collection gathered in part (or refused), with what is missing and why.
    pub fn incomplete(
        collection: impl Into<String>,
        method: Option<String>,
        detail: impl Into<String>,
    ) -> Self {
        Self {
            collection: collection.into(),
            complete: false,
            method,
            detail: Some(detail.into()),
        }
    }

    /// The verdict of a collection read by `method`: complete when no problem was found, else
    /// incomplete with every problem, in order, joined by `; `. The caller says next to the
    /// call why "no problem" proves completeness.
    pub fn from_problems(
        collection: impl Into<String>,
        method: impl Into<String>,
        problems: &[String],
    ) -> Self {
        if problems.is_empty() {
            Self::complete(collection, method)
        } else {
            Self::incomplete(collection, Some(method.into()), problems.join("; "))
        }
    }
}

/// What an inventory sent to a sink held, for a display: its system, its records by kind, its
/// coverage and warnings.
#[derive(Debug, Clone, PartialEq)]
pub struct InventorySummary {
    /// The scanned system.
    pub system: System,
    /// Records sent, by kind.
    pub counts: Counts,
    /// One entry per collection, sorted by `collection`.
    pub coverage: Vec<Coverage>,
    /// In the order they arose.
    pub warnings: Vec<String>,
}

/// Record counts, for progress reports and the NDJSON trailer.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    /// Accounts.
    pub accounts: usize,
    /// Groups.
    pub groups: usize,
    /// Memberships.
    pub memberships: usize,
    /// Resources.
    pub resources: usize,
    /// Grants.
    pub grants: usize,
    /// Coverage entries.
    pub coverage: usize,
}

/// `generated_at` is RFC 3339 in UTC to whole seconds (`2026-11-29T03:00:00Z`): sub-second
/// precision would only make two scans of an unchanged system differ more.
pub(crate) mod whole_seconds {
    use jiff::Timestamp;
    use serde::{Deserialize, Deserializer, Serializer};

    /// Drops the fraction of a second.
    pub(crate) fn truncate(timestamp: Timestamp) -> Timestamp {
        // Cannot fail for a timestamp that exists; keep it unchanged rather than panic.
        Timestamp::from_second(timestamp.as_second()).unwrap_or(timestamp)
    }

    pub(crate) fn serialize<S: Serializer>(
        timestamp: &Timestamp,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        // jiff's Display is RFC 3339 in UTC with a `Z`, and omits a zero fraction.
        serializer.collect_str(&truncate(*timestamp))
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Timestamp, D::Error> {
        Timestamp::deserialize(deserializer)
    }
}

/// A last-login time as servers write it — RFC 3339 with any offset, Jira's
/// `2024-01-02T03:04:05.000+0000`, or milliseconds since the epoch — as RFC 3339 in UTC to whole
/// seconds; `None` for anything else (an unreadable time is unknown, not guessed).
pub fn normalize_login_time(text: &str) -> Option<String> {
    let text = text.trim();
    let timestamp = if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        Timestamp::from_millisecond(text.parse().ok()?).ok()?
    } else if let Ok(t) = text.parse::<Timestamp>() {
        t
    } else {
        // `+0000` → `+00:00`.
        let (head, offset) = text.split_at(text.len().checked_sub(5)?);
        let colon = format!("{head}{}:{}", &offset[..3], &offset[3..]);
        colon.parse::<Timestamp>().ok()?
    };
    Some(whole_seconds::truncate(timestamp).to_string())
}

#[cfg(test)]
mod login_time_tests {
    use super::normalize_login_time as n;

    #[test]
    fn server_login_times_become_utc_whole_seconds() {
        assert_eq!(
            n("2026-11-02T08:15:30.123Z").as_deref(),
            Some("2026-11-02T08:15:30Z")
        );
        assert_eq!(
            n("2026-11-02T09:15:30.000+0100").as_deref(),
            Some("2026-11-02T08:15:30Z")
        );
        assert_eq!(
            n("2026-11-02T09:15:30+01:00").as_deref(),
            Some("2026-11-02T08:15:30Z")
        );
        assert_eq!(n("1793607330000").as_deref(), Some("2026-11-02T08:15:30Z"));
        for unreadable in ["", "yesterday", "2026-13-40", "+0000"] {
            assert_eq!(n(unreadable), None, "{unreadable:?}");
        }
    }
}
