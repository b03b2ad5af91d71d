//! `atlassian-dc diff`: what changed between two inventories of one system.

use std::collections::BTreeMap;

use atlassian_core::human::inert;
use atlassian_core::{Account, Grant, Group, Inventory, Membership, Resource};
use serde::Serialize;
use serde_json::{Value, json};

/// Why two documents cannot be compared.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DiffError {
    /// Different products or base URLs.
    #[error("the inventories describe different systems: {old} and {new}")]
    DifferentSystems {
        /// The old system.
        old: String,
        /// The new system.
        new: String,
    },
}

/// Added and removed records of one kind.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct AddedRemoved<T> {
    /// In the new inventory only.
    pub added: Vec<T>,
    /// In the old inventory only.
    pub removed: Vec<T>,
}

/// One changed record: its identifier and, per field, `[old, new]`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Changed {
    /// `key` (accounts) or `ref` (resources).
    #[serde(flatten)]
    pub id: BTreeMap<&'static str, String>,
    /// Field → `[old, new]`.
    pub changes: BTreeMap<&'static str, [Value; 2]>,
}

/// Added, removed and changed records of one kind.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct WithChanges<T> {
    /// In the new inventory only.
    pub added: Vec<T>,
    /// In the old inventory only.
    pub removed: Vec<T>,
    /// In both, with other values.
    pub changed: Vec<Changed>,
}

/// A collection whose completeness changed.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CoverageChange {
    /// The collection.
    pub collection: String,
    /// `[old, new]`; `null` where a scan did not attempt the collection.
    pub complete: [Option<bool>; 2],
}

/// Coverage changes.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct CoverageChanges {
    /// Collections whose `complete` differs.
    pub changed: Vec<CoverageChange>,
}

/// The difference between two inventories (`atlassian-dc-diff/v1`).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Diff {
    /// `atlassian-dc-diff/v1`.
    pub schema: &'static str,
    /// The system both describe.
    pub system: Value,
    /// When the old one was made.
    pub old: Value,
    /// When the new one was made.
    pub new: Value,
    /// Accounts.
    pub accounts: WithChanges<Account>,
    /// Groups.
    pub groups: AddedRemoved<Group>,
    /// Memberships.
    pub memberships: AddedRemoved<Membership>,
    /// Resources.
    pub resources: WithChanges<Resource>,
    /// Grants.
    pub grants: AddedRemoved<Grant>,
    /// Coverage.
    pub coverage: CoverageChanges,
}

fn added_removed<T: Clone + Ord>(old: &[T], new: &[T]) -> AddedRemoved<T> {
    let old_set: std::collections::BTreeSet<&T> = old.iter().collect();
    let new_set: std::collections::BTreeSet<&T> = new.iter().collect();
    AddedRemoved {
        added: new_set.difference(&old_set).map(|t| (*t).clone()).collect(),
        removed: old_set.difference(&new_set).map(|t| (*t).clone()).collect(),
    }
}

fn keyed_changes<T: Clone, F>(
    old: &[T],
    new: &[T],
    key: impl Fn(&T) -> &str,
    id_name: &'static str,
    fields: F,
) -> WithChanges<T>
where
    F: Fn(&T) -> Vec<(&'static str, Value)>,
{
    let old_map: BTreeMap<&str, &T> = old.iter().map(|t| (key(t), t)).collect();
    let new_map: BTreeMap<&str, &T> = new.iter().map(|t| (key(t), t)).collect();
    let mut result = WithChanges {
        added: Vec::new(),
        removed: Vec::new(),
        changed: Vec::new(),
    };
    for (k, n) in &new_map {
        match old_map.get(k) {
            None => result.added.push((*n).clone()),
            Some(o) => {
                let changes: BTreeMap<&'static str, [Value; 2]> = fields(o)
                    .into_iter()
                    .zip(fields(n))
                    .filter(|((_, a), (_, b))| a != b)
                    .map(|((name, a), (_, b))| (name, [a, b]))
                    .collect();
                if !changes.is_empty() {
                    result.changed.push(Changed {
                        id: BTreeMap::from([(id_name, (*k).to_owned())]),
                        changes,
                    });
                }
            }
        }
    }
    for (k, o) in &old_map {
        if !new_map.contains_key(k) {
            result.removed.push((*o).clone());
        }
    }
    result
}

/// Compares two inventories of the same system.
pub fn diff(old: &Inventory, new: &Inventory) -> Result<Diff, DiffError> {
    if old.system.product != new.system.product || old.system.base_url != new.system.base_url {
        return Err(DiffError::DifferentSystems {
            old: format!("{} {}", old.system.product, old.system.base_url),
            new: format!("{} {}", new.system.product, new.system.base_url),
        });
    }
    let accounts = keyed_changes(
        &old.accounts,
        &new.accounts,
        |a| &a.key,
        "key",
        |a| {
            vec![
                ("active", json!(a.active)),
                ("display_name", json!(a.display_name)),
                ("email", json!(a.email)),
                ("username", json!(a.username)),
            ]
        },
    );
    let resources = keyed_changes(
        &old.resources,
        &new.resources,
        |r| &r.reference,
        "ref",
        |r| vec![("archived", json!(r.archived)), ("name", json!(r.name))],
    );
    let old_cov: BTreeMap<&str, bool> = old
        .coverage
        .iter()
        .map(|c| (c.collection.as_str(), c.complete))
        .collect();
    let new_cov: BTreeMap<&str, bool> = new
        .coverage
        .iter()
        .map(|c| (c.collection.as_str(), c.complete))
        .collect();
    let mut collections: Vec<&str> = old_cov.keys().chain(new_cov.keys()).copied().collect();
    collections.sort_unstable();
    collections.dedup();
    let coverage = CoverageChanges {
        changed: collections
            .into_iter()
            .filter_map(|c| {
                let pair = [old_cov.get(c).copied(), new_cov.get(c).copied()];
                (pair[0] != pair[1]).then(|| CoverageChange {
                    collection: c.to_owned(),
                    complete: pair,
                })
            })
            .collect(),
    };
    Ok(Diff {
        schema: "atlassian-dc-diff/v1",
        system: json!({"product": new.system.product, "base_url": new.system.base_url}),
        old: json!({"generated_at": old.generated_at.to_string()}),
        new: json!({"generated_at": new.generated_at.to_string()}),
        accounts,
        groups: added_removed(&old.groups, &new.groups),
        memberships: added_removed(&old.memberships, &new.memberships),
        resources,
        grants: added_removed(&old.grants, &new.grants),
        coverage,
    })
}

impl Diff {
    /// No difference at all (coverage included).
    pub fn is_empty(&self) -> bool {
        self.accounts.added.is_empty()
            && self.accounts.removed.is_empty()
            && self.accounts.changed.is_empty()
            && self.groups.added.is_empty()
            && self.groups.removed.is_empty()
            && self.memberships.added.is_empty()
            && self.memberships.removed.is_empty()
            && self.resources.added.is_empty()
            && self.resources.removed.is_empty()
            && self.resources.changed.is_empty()
            && self.grants.added.is_empty()
            && self.grants.removed.is_empty()
            && self.coverage.changed.is_empty()
    }

    /// The human form: a warning for coverage that no longer allows comparison, then a table.
    /// Each line is made [`inert`] as a whole: a name's control characters and newlines are
    /// shown, never obeyed.
    pub fn to_human(&self) -> String {
        let mut out = String::new();
        push_line(
            &mut out,
            &format!(
                "{} {}: {} → {}",
                self.system["product"].as_str().unwrap_or_default(),
                self.system["base_url"].as_str().unwrap_or_default(),
                self.old["generated_at"].as_str().unwrap_or_default(),
                self.new["generated_at"].as_str().unwrap_or_default()
            ),
        );
        for change in &self.coverage.changed {
            let [old, new] = change.complete;
            if old == Some(true) && new != Some(true) {
                push_line(
                    &mut out,
                    &format!(
                        "WARNING: {} was complete and is not now: the inventories cannot be compared there",
                        change.collection
                    ),
                );
            } else {
                push_line(
                    &mut out,
                    &format!(
                        "note: {} completeness {} → {}",
                        change.collection,
                        show(old),
                        show(new)
                    ),
                );
            }
        }
        if self.is_empty() {
            out.push_str("no differences\n");
            return out;
        }
        let account = |a: &Account| {
            format!(
                "{} {} ({}){}",
                a.key,
                a.username.as_deref().unwrap_or("-"),
                a.display_name.as_deref().unwrap_or("-"),
                if a.active == Some(false) {
                    " inactive"
                } else {
                    ""
                }
            )
        };
        section(
            &mut out,
            "accounts",
            &self.accounts.added,
            &self.accounts.removed,
            account,
        );
        changed(&mut out, &self.accounts.changed);
        section(
            &mut out,
            "groups",
            &self.groups.added,
            &self.groups.removed,
            |g| g.name.clone(),
        );
        section(
            &mut out,
            "memberships",
            &self.memberships.added,
            &self.memberships.removed,
            |m| format!("{} ∋ {}", m.group, m.account),
        );
        section(
            &mut out,
            "resources",
            &self.resources.added,
            &self.resources.removed,
            |r| format!("{} {}", r.reference, r.name.as_deref().unwrap_or("")),
        );
        changed(&mut out, &self.resources.changed);
        section(
            &mut out,
            "grants",
            &self.grants.added,
            &self.grants.removed,
            |g| format!("{} {} → {}", g.resource, g.permission, g.subject),
        );
        out
    }
}

/// A changed value as a person reads it: a string in quotes as it is (the line is made inert
/// whole, once), anything else as JSON.
fn value_text(value: &Value) -> String {
    match value {
        Value::String(s) => format!("\"{s}\""),
        other => other.to_string(),
    }
}

/// Appends one line of the table, [`inert`].
fn push_line(out: &mut String, line: &str) {
    out.push_str(&inert(line));
    out.push('\n');
}

fn show(v: Option<bool>) -> &'static str {
    match v {
        Some(true) => "complete",
        Some(false) => "incomplete",
        None => "not scanned",
    }
}

fn section<T>(
    out: &mut String,
    name: &str,
    added: &[T],
    removed: &[T],
    line: impl Fn(&T) -> String,
) {
    if added.is_empty() && removed.is_empty() {
        return;
    }
    out.push_str(&format!("{name}: +{} −{}\n", added.len(), removed.len()));
    for t in added {
        push_line(out, &format!("  + {}", line(t)));
    }
    for t in removed {
        push_line(out, &format!("  - {}", line(t)));
    }
}

fn changed(out: &mut String, changed: &[Changed]) {
    for c in changed {
        let id = c.id.values().next().cloned().unwrap_or_default();
        let what: Vec<String> = c
            .changes
            .iter()
            .map(|(field, [a, b])| format!("{field} {} → {}", value_text(a), value_text(b)))
            .collect();
        push_line(out, &format!("  ~ {id}: {}", what.join("; ")));
    }
}
