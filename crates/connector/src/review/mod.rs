//! The access review: findings computed from one inventory and its effective access
//! (`atlassian-dc-findings/v1`), and the report a reviewer reads ([`html`]).
//!
//! Each finding has a stable id, a severity, a one-line title, a count, its items and the
//! evidence (the grants, or the paths of grants, behind each item). Coverage comes first,
//! always: every other finding is only as complete as the scan.

use std::collections::{BTreeMap, BTreeSet};

use atlassian_core::access::{AccessError, AccessIndex, AccessPath};
use atlassian_core::{Grant, Inventory};
use serde::Serialize;

pub mod html;

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

fn coverage(inventory: &Inventory) -> Finding {
    let items: Vec<Item> = inventory
        .coverage
        .iter()
        .filter(|c| !c.complete)
        .map(|c| Item::new(&c.collection, c.detail.clone()))
        .collect();
    if items.is_empty() {
        return Finding::new(
            "incomplete-coverage",
            Severity::Info,
            "Coverage: every collection was read in full",
            items,
        );
    }
    Finding::new(
        "incomplete-coverage",
        Severity::High,
        format!(
            "Coverage: {} collections may be incomplete, and every finding below with them",
            items.len()
        ),
        items,
    )
}

/// Every chain of grants on every resource, by resource.
fn all_paths<'i>(
    inventory: &'i Inventory,
    index: &AccessIndex<'i>,
) -> Result<Vec<(&'i str, Vec<AccessPath<'i>>)>, AccessError> {
    inventory
        .resources
        .iter()
        .map(|r| Ok((r.reference.as_str(), index.paths_to(&r.reference, None)?)))
        .collect()
}

fn anonymous_access(
    inventory: &Inventory,
    index: &AccessIndex<'_>,
) -> Result<Finding, AccessError> {
    let mut by_row: BTreeMap<(String, String), Vec<Evidence>> = BTreeMap::new();
    for (resource, paths) in all_paths(inventory, index)? {
        for path in paths.iter().filter(|p| p.grants[0].subject == "anonymous") {
            let last = path.grants[path.grants.len() - 1];
            by_row
                .entry((resource.to_owned(), last.permission.clone()))
                .or_default()
                .push(Evidence::path(path));
        }
    }
    let admin = by_row.keys().any(|(_, p)| is_administrative(p));
    let mut items: Vec<Item> = by_row
        .into_iter()
        .map(|((resource, permission), evidence)| Item {
            label: format!("{resource} {permission}"),
            detail: Some("open to anyone, logged in or not".into()),
            evidence,
        })
        .collect();
    items.sort_by_key(|i| !is_administrative(i.label.rsplit(' ').next().unwrap_or("")));
    let severity = if admin {
        Severity::Critical
    } else {
        Severity::High
    };
    let resources: BTreeSet<&str> = items
        .iter()
        .filter_map(|i| i.label.split(' ').next())
        .collect();
    Ok(Finding::new(
        "anonymous-access",
        severity,
        format!(
            "Open to anonymous users: {} permissions on {} resources",
            items.len(),
            resources.len()
        ),
        items,
    ))
}

fn broad_administration(
    inventory: &Inventory,
    index: &AccessIndex<'_>,
    options: &ReviewOptions,
) -> Result<Finding, AccessError> {
    let large = options
        .large_group
        .min(inventory.accounts.len().div_ceil(2))
        .max(2);
    let mut items = Vec::new();
    for (resource, paths) in all_paths(inventory, index)? {
        for path in &paths {
            let last = path.grants[path.grants.len() - 1];
            if !is_administrative(&last.permission) || path.grants[0].subject == "anonymous" {
                continue;
            }
            let logged_in = path.grants.iter().any(|g| g.subject == "authenticated");
            let reach = index.reach(path);
            if logged_in || reach >= large {
                let who = if logged_in {
                    "any logged-in user".to_owned()
                } else {
                    format!("{} members of group {}", reach, path.group.unwrap_or("?"))
                };
                items.push((
                    reach,
                    Item {
                        label: format!("{resource} {}", last.permission),
                        detail: Some(format!("administered by {who}")),
                        evidence: vec![Evidence::path(path)],
                    },
                ));
            }
        }
    }
    items.sort_by_key(|item| std::cmp::Reverse(item.0));
    let items: Vec<Item> = items.into_iter().map(|(_, i)| i).collect();
    let severity = Severity::Critical;
    Ok(Finding::new(
        "broad-administration",
        severity,
        format!(
            "Administration given to any logged-in user or to very large groups (≥ {large} members): {}",
            items.len()
        ),
        items,
    ))
}

fn administrators(inventory: &Inventory, index: &AccessIndex<'_>) -> Result<Finding, AccessError> {
    let mut items = Vec::new();
    let mut instance = 0;
    for resource in &inventory.resources {
        let reference = resource.reference.as_str();
        let permissions: Vec<&str> = inventory
            .grants
            .iter()
            .filter(|g| g.resource == reference && is_administrative(&g.permission))
            .map(|g| g.permission.as_str())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        if permissions.is_empty() {
            continue;
        }
        let count = index.reach_of_resource(reference, &permissions)?;
        if reference == "system" {
            instance = count;
        }
        items.push((
            count,
            Item::new(
                reference,
                Some(format!("{count} accounts hold {}", permissions.join(", "))),
            ),
        ));
    }
    items.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.label.cmp(&b.1.label)));
    let items: Vec<Item> = items.into_iter().map(|(_, i)| i).collect();
    let has_system = inventory.resources.iter().any(|r| r.reference == "system");
    let instance = if has_system {
        format!("{instance} instance-wide")
    } else {
        "instance-wide ones are not in this inventory".to_owned()
    };
    let title = format!(
        "Administrators: {instance}; {} projects or spaces have administrators",
        items.len()
    );
    Ok(Finding::new("administrators", Severity::Info, title, items))
}

fn inactive_with_access(inventory: &Inventory, index: &AccessIndex<'_>) -> Finding {
    let mut items = Vec::new();
    for account in inventory
        .accounts
        .iter()
        .filter(|a| a.active == Some(false))
    {
        let grants = index.entry_grants(account);
        if grants.is_empty() {
            continue;
        }
        items.push(Item {
            label: account
                .username
                .clone()
                .unwrap_or_else(|| account.key.clone()),
            detail: Some(format!(
                "inactive, still named by {} grants (directly or through its groups)",
                grants.len()
            )),
            evidence: grants
                .iter()
                .take(20)
                .map(|(group, g)| Evidence {
                    group: group.map(str::to_owned),
                    grants: vec![(*g).clone()],
                })
                .collect(),
        });
    }
    let severity = Severity::Medium;
    Finding::new(
        "inactive-with-access",
        severity,
        format!("Inactive accounts that still hold grants: {}", items.len()),
        items,
    )
}

fn account_grants(inventory: &Inventory) -> Finding {
    let items: Vec<Item> = inventory
        .grants
        .iter()
        .filter(|g| g.subject.starts_with("account:"))
        .map(|g| Item {
            label: format!("{} {}", g.resource, g.permission),
            detail: Some(format!("granted to {} directly, not to a group", g.subject)),
            evidence: vec![Evidence::grant(g)],
        })
        .collect();
    let severity = Severity::Low;
    Finding::new(
        "account-grants",
        severity,
        format!(
            "Grants to individual accounts instead of groups: {}",
            items.len()
        ),
        items,
    )
}

/// Lower-cased group name → members.
fn member_counts(inventory: &Inventory) -> BTreeMap<String, usize> {
    let mut counts: BTreeMap<String, usize> = inventory
        .groups
        .iter()
        .map(|g| (g.name.to_lowercase(), 0))
        .collect();
    for m in &inventory.memberships {
        *counts.entry(m.group.to_lowercase()).or_default() += 1;
    }
    counts
}

fn empty_group_grants(inventory: &Inventory) -> Finding {
    let members = member_counts(inventory);
    let items: Vec<Item> = inventory
        .grants
        .iter()
        .filter(|g| {
            g.subject
                .strip_prefix("group:")
                .is_some_and(|n| members.get(&n.to_lowercase()).copied().unwrap_or(0) == 0)
        })
        .map(|g| Item {
            label: format!("{} {}", g.resource, g.permission),
            detail: Some(format!("granted to {}, which has no members", g.subject)),
            evidence: vec![Evidence::grant(g)],
        })
        .collect();
    let severity = Severity::Low;
    Finding::new(
        "empty-group-grants",
        severity,
        format!("Grants to groups with no members: {}", items.len()),
        items,
    )
}

fn unused_groups(inventory: &Inventory) -> Finding {
    let members = member_counts(inventory);
    let granted: BTreeSet<String> = inventory
        .grants
        .iter()
        .filter_map(|g| g.subject.strip_prefix("group:"))
        .map(str::to_lowercase)
        .collect();
    let items: Vec<Item> = inventory
        .groups
        .iter()
        .filter(|g| {
            let name = g.name.to_lowercase();
            members.get(&name).copied().unwrap_or(0) == 0 && !granted.contains(&name)
        })
        .map(|g| {
            Item::new(
                format!("group {}", g.name),
                Some("no members and no grants".into()),
            )
        })
        .collect();
    Finding::new(
        "unused-groups",
        Severity::Low,
        format!("Groups with neither members nor grants: {}", items.len()),
        items,
    )
}

fn ungrouped_accounts(inventory: &Inventory) -> Finding {
    let grouped: BTreeSet<&str> = inventory
        .memberships
        .iter()
        .map(|m| m.account.as_str())
        .collect();
    let items: Vec<Item> = inventory
        .accounts
        .iter()
        .filter(|a| !grouped.contains(a.key.as_str()))
        .map(|a| {
            Item::new(
                a.username.clone().unwrap_or_else(|| a.key.clone()),
                Some(format!("in no group (key {})", a.key)),
            )
        })
        .collect();
    Finding::new(
        "ungrouped-accounts",
        Severity::Low,
        format!("Accounts in no group: {}", items.len()),
        items,
    )
}

fn shared_email(inventory: &Inventory) -> Finding {
    let mut by_email: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for a in &inventory.accounts {
        if let Some(email) = &a.email {
            by_email
                .entry(email.to_lowercase())
                .or_default()
                .push(a.username.clone().unwrap_or_else(|| a.key.clone()));
        }
    }
    let items: Vec<Item> = by_email
        .into_iter()
        .filter(|(_, accounts)| accounts.len() > 1)
        .map(|(email, accounts)| {
            Item::new(email, Some(format!("shared by {}", accounts.join(", "))))
        })
        .collect();
    Finding::new(
        "shared-email",
        Severity::Medium,
        format!(
            "E-mail addresses shared by several accounts: {}",
            items.len()
        ),
        items,
    )
}

fn deleted_role_actors(inventory: &Inventory) -> Finding {
    let items: Vec<Item> = inventory
        .warnings
        .iter()
        .filter(|w| w.contains("deleted from the directory"))
        .map(|w| Item::new(w.split(':').next().unwrap_or(w).to_owned(), Some(w.clone())))
        .collect();
    Finding::new(
        "deleted-role-actors",
        Severity::Low,
        format!("Role actors that are deleted users: {}", items.len()),
        items,
    )
}

fn dormant(inventory: &Inventory, options: &ReviewOptions) -> Finding {
    let reported = inventory
        .accounts
        .iter()
        .filter(|a| a.last_login.is_some())
        .count();
    if reported == 0 {
        // Nothing can be called dormant, and the finding says so rather than report none.
        return Finding::new(
            "dormant-accounts",
            Severity::Info,
            format!(
                "Dormant accounts (no login for {} days): unknown, the server reports no last logins",
                options.dormant_days
            ),
            Vec::new(),
        );
    }
    let cutoff = inventory
        .generated_at
        .checked_sub(jiff::SignedDuration::from_hours(
            24 * i64::from(options.dormant_days),
        ))
        .unwrap_or(inventory.generated_at);
    let mut items: Vec<(jiff::Timestamp, Item)> = inventory
        .accounts
        .iter()
        .filter(|a| a.active != Some(false))
        .filter_map(|a| {
            let at: jiff::Timestamp = a.last_login.as_deref()?.parse().ok()?;
            (at < cutoff).then(|| {
                let days = (inventory.generated_at.as_second() - at.as_second()) / 86_400;
                let name = a.username.clone().unwrap_or_else(|| a.key.clone());
                (
                    at,
                    Item::new(
                        name,
                        Some(format!("last login {} ({days} days before the scan)", at)),
                    ),
                )
            })
        })
        .collect();
    items.sort_by_key(|(at, _)| *at);
    let unknown = inventory.accounts.len() - reported;
    let items: Vec<Item> = items.into_iter().map(|(_, item)| item).collect();
    Finding::new(
        "dormant-accounts",
        Severity::Medium,
        format!(
            "Dormant accounts (no login for {} days): {}{}",
            options.dormant_days,
            items.len(),
            if unknown > 0 {
                format!("; {unknown} accounts have no last login reported")
            } else {
                String::new()
            }
        ),
        items,
    )
}

#[cfg(test)]
mod tests;
