//! One function per finding of the access review, each from the inventory (and its effective
//! access where a finding is about who holds what).

use std::collections::{BTreeMap, BTreeSet};

use atlassian_core::Inventory;
use atlassian_core::access::{AccessError, AccessIndex, AccessPath};

use super::{Evidence, Finding, Item, ReviewOptions, Severity, is_administrative};

pub(super) fn coverage(inventory: &Inventory) -> Finding {
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

pub(super) fn anonymous_access(
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

pub(super) fn broad_administration(
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

pub(super) fn administrators(
    inventory: &Inventory,
    index: &AccessIndex<'_>,
) -> Result<Finding, AccessError> {
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

pub(super) fn inactive_with_access(inventory: &Inventory, index: &AccessIndex<'_>) -> Finding {
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

pub(super) fn account_grants(inventory: &Inventory) -> Finding {
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
pub(super) fn member_counts(inventory: &Inventory) -> BTreeMap<String, usize> {
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

pub(super) fn empty_group_grants(inventory: &Inventory) -> Finding {
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

pub(super) fn unused_groups(inventory: &Inventory) -> Finding {
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

pub(super) fn ungrouped_accounts(inventory: &Inventory) -> Finding {
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

pub(super) fn shared_email(inventory: &Inventory) -> Finding {
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

pub(super) fn deleted_role_actors(inventory: &Inventory) -> Finding {
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

pub(super) fn dormant(inventory: &Inventory, options: &ReviewOptions) -> Finding {
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
