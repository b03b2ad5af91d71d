//! `atlassian-dc diff OLD NEW --explain`: the access rows gained and lost between two
//! inventories of one system, each attributed to the record changes that caused it ("group
//! `eng-backend` added to role Developers in ENG: 412 accounts gained BROWSE_PROJECTS, … on
//! ENG"), largest and most privileged first; and the accounts whose rows are unchanged but whose
//! status changed ("alice deactivated: 37 rows now inactive").
//!
//! Only the accounts a change can touch are evaluated: those whose memberships or record
//! changed, and those a changed grant's chains reach (in either inventory).

use std::collections::{BTreeMap, BTreeSet};

use atlassian_core::access::{AccessError, AccessIndex, AccessRow};
use atlassian_core::human::inert;
use atlassian_core::{Account, Grant, Inventory, Membership};
use serde::Serialize;

use crate::review::is_administrative;

/// One record change and the rows it brought or took.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Explained {
    /// `gained`, `lost` or `status`.
    pub effect: &'static str,
    /// The record change, as a person says it.
    pub change: String,
    /// Distinct accounts affected.
    pub accounts: usize,
    /// Rows gained, lost, or (for `status`) whose account's status changed.
    pub rows: usize,
    /// The permissions concerned, sorted.
    pub permissions: Vec<String>,
    /// The resources concerned, sorted.
    pub resources: Vec<String>,
    /// Whether an administrative permission is among them.
    pub administrative: bool,
}

/// Every explained change, largest and most privileged first.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ExplainedChanges {
    /// Rows in the new inventory only.
    pub rows_gained: usize,
    /// Rows in the old inventory only.
    pub rows_lost: usize,
    /// The changes.
    pub changes: Vec<Explained>,
}

/// What caused a row to be gained or lost: a key that groups rows under one sentence.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Cause {
    Grant(Grant),
    /// Accounts added to or removed from a group.
    Membership(String),
    Account,
}

#[derive(Default)]
struct Tally {
    accounts: BTreeSet<String>,
    rows: usize,
    permissions: BTreeSet<String>,
    resources: BTreeSet<String>,
}

type RowKey = (String, String, String);

/// Explains the access changes from `old` to `new`.
pub fn explain_changes(old: &Inventory, new: &Inventory) -> Result<ExplainedChanges, AccessError> {
    let (old_index, new_index) = (AccessIndex::new(old), AccessIndex::new(new));
    let old_grants: BTreeSet<&Grant> = old.grants.iter().collect();
    let new_grants: BTreeSet<&Grant> = new.grants.iter().collect();
    let old_members: BTreeSet<(String, &str)> = memberships(&old.memberships);
    let new_members: BTreeSet<(String, &str)> = memberships(&new.memberships);

    // The accounts a change can touch.
    let mut touched: BTreeSet<String> = BTreeSet::new();
    for (_, account) in old_members.symmetric_difference(&new_members) {
        touched.insert((*account).to_owned());
    }
    let old_accounts: BTreeMap<&str, &Account> =
        old.accounts.iter().map(|a| (a.key.as_str(), a)).collect();
    let new_accounts: BTreeMap<&str, &Account> =
        new.accounts.iter().map(|a| (a.key.as_str(), a)).collect();
    for key in old_accounts.keys().chain(new_accounts.keys()) {
        if old_accounts.get(key) != new_accounts.get(key) {
            touched.insert((*key).to_owned());
        }
    }
    for (index, changed) in [
        (&old_index, old_grants.difference(&new_grants)),
        (&new_index, new_grants.difference(&old_grants)),
    ] {
        for grant in changed {
            // A path through the grant begins as a chain ending at it: its entry's accounts
            // are every account the grant can touch.
            for path in index.paths_to(&grant.resource, Some(&grant.permission))? {
                touched.extend(index.accounts_of(&path).map(|a| a.key.clone()));
            }
        }
    }

    let mut tallies: BTreeMap<(&'static str, Cause), Tally> = BTreeMap::new();
    let mut status: Vec<Explained> = Vec::new();
    let (mut rows_gained, mut rows_lost) = (0, 0);
    for key in &touched {
        let before = rows_of(&old_index, old_accounts.get(key.as_str()).copied())?;
        let after = rows_of(&new_index, new_accounts.get(key.as_str()).copied())?;
        for (effect, rows, other, grants_then, members_then, account_then) in [
            (
                "gained",
                &after,
                &before,
                &old_grants,
                &old_members,
                &old_accounts,
            ),
            (
                "lost",
                &before,
                &after,
                &new_grants,
                &new_members,
                &new_accounts,
            ),
        ] {
            for (row_key, row) in rows {
                if other.contains_key(row_key) {
                    continue;
                }
                if effect == "gained" {
                    rows_gained += 1;
                } else {
                    rows_lost += 1;
                }
                let mut causes = BTreeSet::new();
                for path in &row.paths {
                    if !account_then.contains_key(key.as_str()) {
                        causes.insert(Cause::Account);
                    }
                    if let Some(group) = path.group
                        && !members_then.contains(&(group.to_lowercase(), key.as_str()))
                    {
                        causes.insert(Cause::Membership(group.to_owned()));
                    }
                    causes.extend(
                        path.grants
                            .iter()
                            .filter(|g| !grants_then.contains(**g))
                            .map(|g| Cause::Grant((*g).clone())),
                    );
                }
                for cause in causes {
                    let tally = tallies.entry((effect, cause)).or_default();
                    tally.accounts.insert(key.clone());
                    tally.rows += 1;
                    tally.permissions.insert(row.permission.to_owned());
                    tally.resources.insert(row.resource.to_owned());
                }
            }
        }
        // Same rows, another status: "alice deactivated".
        if let (Some(was), Some(is)) = (
            old_accounts.get(key.as_str()),
            new_accounts.get(key.as_str()),
        ) && was.active != is.active
            && !after.is_empty()
        {
            let word = match is.active {
                Some(false) => "deactivated",
                Some(true) => "reactivated",
                None => "status no longer reported",
            };
            status.push(Explained {
                effect: "status",
                change: format!("{} {word}", is.username.as_deref().unwrap_or(&is.key)),
                accounts: 1,
                rows: after.len(),
                permissions: sorted(after.values().map(|r| r.permission)),
                resources: sorted(after.values().map(|r| r.resource)),
                administrative: after.values().any(|r| is_administrative(r.permission)),
            });
        }
    }

    let mut changes: Vec<Explained> = tallies
        .into_iter()
        .map(|((effect, cause), tally)| {
            let accounts = tally.accounts.len();
            Explained {
                effect,
                change: describe(effect, &cause, accounts),
                accounts,
                rows: tally.rows,
                administrative: tally.permissions.iter().any(|p| is_administrative(p)),
                permissions: tally.permissions.into_iter().collect(),
                resources: tally.resources.into_iter().collect(),
            }
        })
        .collect();
    changes.extend(status);
    changes.sort_by(|a, b| {
        (b.administrative, b.rows, &a.change).cmp(&(a.administrative, a.rows, &b.change))
    });
    Ok(ExplainedChanges {
        rows_gained,
        rows_lost,
        changes,
    })
}

fn memberships(list: &[Membership]) -> BTreeSet<(String, &str)> {
    list.iter()
        .map(|m| (m.group.to_lowercase(), m.account.as_str()))
        .collect()
}

fn sorted<'a>(items: impl Iterator<Item = &'a str>) -> Vec<String> {
    items
        .collect::<BTreeSet<_>>()
        .into_iter()
        .map(str::to_owned)
        .collect()
}

/// An account's rows by (account, resource, permission); none when it is not in the inventory.
fn rows_of<'i>(
    index: &AccessIndex<'i>,
    account: Option<&Account>,
) -> Result<BTreeMap<RowKey, AccessRow<'i>>, AccessError> {
    let Some(account) = account else {
        return Ok(BTreeMap::new());
    };
    Ok(index
        .rows_of_account(account)?
        .into_iter()
        .map(|r| {
            (
                (
                    account.key.clone(),
                    r.resource.to_owned(),
                    r.permission.to_owned(),
                ),
                r,
            )
        })
        .collect())
}

fn describe(effect: &str, cause: &Cause, accounts: usize) -> String {
    let verb = if effect == "gained" { "gained" } else { "lost" };
    match cause {
        Cause::Grant(g) => {
            let what = if effect == "gained" {
                "granted"
            } else {
                "revoked"
            };
            format!(
                "{} {what} {} on {}: {accounts} accounts {verb} access",
                g.subject, g.permission, g.resource
            )
        }
        Cause::Membership(group) => {
            let what = if effect == "gained" {
                "added to"
            } else {
                "removed from"
            };
            format!("{accounts} accounts {what} group {group}: they {verb} access")
        }
        Cause::Account => {
            let what = if effect == "gained" {
                "added"
            } else {
                "removed"
            };
            format!("{accounts} accounts {what}: they {verb} access")
        }
    }
}

/// The table for a person: one line per change, then the permissions and resources; every
/// line [`inert`].
pub fn to_human(explained: &ExplainedChanges) -> String {
    let mut out = format!(
        "{} access rows gained, {} lost\n",
        explained.rows_gained, explained.rows_lost
    );
    for c in &explained.changes {
        let list = |items: &[String]| {
            let shown: Vec<&str> = items.iter().take(4).map(String::as_str).collect();
            let more = items.len().saturating_sub(4);
            if more > 0 {
                format!("{}, … ({more} more)", shown.join(", "))
            } else {
                shown.join(", ")
            }
        };
        let mark = if c.administrative { " [admin]" } else { "" };
        // Each line inert as a whole: the change quotes names from the inventories.
        let change = format!("{:<6} {}{mark}", c.effect, c.change);
        let rows = format!(
            "       {} rows: {} on {}",
            c.rows,
            list(&c.permissions),
            list(&c.resources)
        );
        for line in [change, rows] {
            out.push_str(&inert(&line));
            out.push('\n');
        }
    }
    out
}
