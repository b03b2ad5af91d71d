//! The access review: findings computed from one inventory and its effective access
//! (`atlassian-dc-findings/v1`), and the report a reviewer reads ([`html`]).
//!
//! Each finding has a stable id, a severity, a one-line title, a count, its items and the
//! evidence (the grants, or the paths of grants, behind each item). Coverage comes first,
//! always: every other finding is only as complete as the scan.

use atlassian_core::access::{AccessError, AccessIndex, AccessPath};
use atlassian_core::{Grant, Inventory};
use serde::Serialize;

mod findings;
pub mod html;

use findings::{
    account_grants, administrators, anonymous_access, broad_administration, coverage,
    deleted_role_actors, dormant, empty_group_grants, inactive_with_access, shared_email,
    ungrouped_accounts, unused_groups,
};

/// The `schema` of the findings document.
pub const FINDINGS_SCHEMA_ID: &str = "atlassian-dc-findings/v1";

/// The JSON Schema (draft 2020-12) of the findings document, with each finding documented.
pub const FINDINGS_SCHEMA: &str = include_str!("../../schema/findings-v1.schema.json");

/// Permissions that administer what they are granted on.
pub fn is_administrative(permission: &str) -> bool {
    permission == "ADMINISTER_PROJECTS"
        || permission == "space:administer"
        || permission.starts_with("system:")
}

/// How serious a finding is, most serious first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Act now.
    Critical,
    /// Review soon.
    High,
    /// Worth a look.
    Medium,
    /// Housekeeping.
    Low,
    /// For the record.
    Info,
}

impl Severity {
    /// `critical`, `high`, …
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Critical => "critical",
            Self::High => "high",
            Self::Medium => "medium",
            Self::Low => "low",
            Self::Info => "info",
        }
    }
}

/// A path of grants as evidence.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Evidence {
    /// The group through which the path is entered, if any.
    pub group: Option<String>,
    /// The grants, first to last.
    pub grants: Vec<Grant>,
}

impl Evidence {
    fn grant(grant: &Grant) -> Self {
        Self {
            group: None,
            grants: vec![grant.clone()],
        }
    }

    fn path(path: &AccessPath<'_>) -> Self {
        Self {
            group: path.group.map(str::to_owned),
            grants: path.grants.iter().map(|g| (*g).clone()).collect(),
        }
    }
}

/// One thing a finding is about: an account, a group, a resource, a grant.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Item {
    /// What it is (`project:ENG BROWSE_PROJECTS`, `alice`, `group eng`).
    pub label: String,
    /// What about it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// The grants or paths behind it.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<Evidence>,
}

impl Item {
    fn new(label: impl Into<String>, detail: Option<String>) -> Self {
        Self {
            label: label.into(),
            detail,
            evidence: Vec::new(),
        }
    }
}

/// One finding.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Finding {
    /// Stable across runs and versions (`anonymous-access`).
    pub id: &'static str,
    /// How serious.
    pub severity: Severity,
    /// One line.
    pub title: String,
    /// How many items (0: nothing found).
    pub count: usize,
    /// The items, most important first.
    pub items: Vec<Item>,
}

impl Finding {
    /// A finding of `severity` when it has items; with none, nothing was found: `info`.
    fn new(
        id: &'static str,
        severity: Severity,
        title: impl Into<String>,
        items: Vec<Item>,
    ) -> Self {
        Self {
            id,
            severity: if items.is_empty() {
                Severity::Info
            } else {
                severity
            },
            title: title.into(),
            count: items.len(),
            items,
        }
    }
}

/// What the review may assume.
#[derive(Clone, Debug)]
pub struct ReviewOptions {
    /// An account not seen logging in for this many days is dormant (default 90).
    pub dormant_days: u32,
    /// A group is very large from this many members (default 1,000), or from half the
    /// accounts, whichever is smaller.
    pub large_group: usize,
}

impl Default for ReviewOptions {
    fn default() -> Self {
        Self {
            dormant_days: 90,
            large_group: 1_000,
        }
    }
}

/// The findings document.
#[derive(Clone, Debug, Serialize)]
pub struct Findings<'i> {
    /// [`FINDINGS_SCHEMA_ID`].
    pub schema: &'static str,
    /// The system reviewed.
    pub system: &'i atlassian_core::inventory::System,
    /// The inventory's `generated_at`.
    pub generated_at: String,
    /// Coverage first, then by severity, then by count.
    pub findings: Vec<Finding>,
    /// What changed since an earlier inventory of the same system (`report --since`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub since: Option<Since>,
}

/// The explained changes since an earlier inventory.
#[derive(Clone, Debug, Serialize)]
pub struct Since {
    /// The earlier inventory's `generated_at`.
    pub generated_at: String,
    /// The rows gained and lost and the changes that explain them.
    #[serde(flatten)]
    pub changes: crate::changes::ExplainedChanges,
}

impl Since {
    /// Explains the changes from `old` to `new`.
    pub fn between(old: &Inventory, new: &Inventory) -> Result<Self, AccessError> {
        Ok(Self {
            generated_at: old.generated_at.strftime("%Y-%m-%dT%H:%M:%SZ").to_string(),
            changes: crate::changes::explain_changes(old, new)?,
        })
    }
}

/// Computes every finding of `inventory`.
pub fn review<'i>(
    inventory: &'i Inventory,
    index: &AccessIndex<'i>,
    options: &ReviewOptions,
) -> Result<Findings<'i>, AccessError> {
    let mut findings = vec![
        anonymous_access(inventory, index)?,
        broad_administration(inventory, index, options)?,
        administrators(inventory, index)?,
        inactive_with_access(inventory, index),
        account_grants(inventory),
        empty_group_grants(inventory),
        unused_groups(inventory),
        ungrouped_accounts(inventory),
        shared_email(inventory),
        deleted_role_actors(inventory),
        dormant(inventory, options),
    ];
    findings.sort_by(|a, b| (a.severity, b.count).cmp(&(b.severity, a.count)));
    findings.insert(0, coverage(inventory));
    Ok(Findings {
        schema: FINDINGS_SCHEMA_ID,
        system: &inventory.system,
        generated_at: inventory
            .generated_at
            .strftime("%Y-%m-%dT%H:%M:%SZ")
            .to_string(),
        findings,
        since: None,
    })
}

#[cfg(test)]
mod tests;
