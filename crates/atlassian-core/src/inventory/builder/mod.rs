//! [`InventoryBuilder`]: collects records in any order and with repeats, and builds an
//! [`Inventory`] that is de-duplicated, sorted and referentially whole — or reports why not.
//!
//! The product crates feed it while they scan; the readers feed it too, so a document read from
//! disk obeys the same rules as one just built.

use std::collections::btree_map::Entry;
use std::collections::{BTreeMap, BTreeSet, HashSet};

use super::SCHEMA_ID;
use super::error::{InventoryError, Violation};
use super::record::{
    Account, Counts, Coverage, Generator, Grant, Membership, Resource, ScannedAs, System,
};
use super::reference::{ResourceRef, Subject};
use super::sink::InventorySink;

mod build;

/// Collects the records of one inventory and builds it.
///
/// Rules applied by the adding methods and [`build`](Self::build):
///
/// - Every record kind is de-duplicated. An account or resource added twice is merged: a field
///   still `None` is filled from the later record, otherwise the first value wins.
/// - Group names are case-insensitive, as on the server: the first spelling passed to
///   [`group`](Self::group) is canonical, and memberships and `group:` subjects using another
///   spelling are rewritten to it.
/// - Coverage added twice for one collection is replaced; warnings keep their first occurrence.
/// - A grant on `system` adds the `system` resource if it is missing.
/// - `build` rejects memberships, subjects and grants naming accounts, groups or resources that
///   were never added, and malformed records; it never drops or invents them.
#[derive(Debug)]
pub struct InventoryBuilder {
    generator: Generator,
    system: System,
    scanned_as: ScannedAs,
    accounts: BTreeMap<String, Account>,
    /// Folded name → canonical spelling.
    groups: BTreeMap<String, String>,
    /// Group (as spelled when added) → its members' keys: a group's name is held once, not
    /// once per member (memberships are most of a large instance's records).
    memberships: BTreeMap<String, BTreeSet<String>>,
    membership_count: usize,
    resources: BTreeMap<String, Resource>,
    grants: BTreeSet<Grant>,
    coverage: BTreeMap<String, Coverage>,
    warnings: Vec<String>,
    seen_warnings: HashSet<String>,
    /// Malformed records found while adding, reported by `build`.
    rejected: Vec<Violation>,
    /// Off when reading: a document lacking its `system` resource is broken, not to be mended.
    add_system_resource: bool,
    /// Memberships sent to a sink by [`stream_membership`](Self::stream_membership), not held.
    streamed: usize,
}

impl InventoryBuilder {
    /// An empty inventory of `system`, scanned as `scanned_as`, written by [`Generator::default`].
    pub fn new(system: System, scanned_as: ScannedAs) -> Self {
        Self {
            generator: Generator::default(),
            system,
            scanned_as,
            accounts: BTreeMap::new(),
            groups: BTreeMap::new(),
            memberships: BTreeMap::new(),
            membership_count: 0,
            resources: BTreeMap::new(),
            grants: BTreeSet::new(),
            coverage: BTreeMap::new(),
            warnings: Vec::new(),
            seen_warnings: HashSet::new(),
            rejected: Vec::new(),
            add_system_resource: true,
            streamed: 0,
        }
    }

    /// A builder for a document being read: nothing is added that the document does not hold.
    pub(crate) fn for_reading(system: System, scanned_as: ScannedAs, generator: Generator) -> Self {
        let mut builder = Self::new(system, scanned_as);
        builder.generator = generator;
        builder.add_system_resource = false;
        builder
    }

    /// Sets the program named in the document.
    pub fn generator(&mut self, generator: Generator) -> &mut Self {
        self.generator = generator;
        self
    }

    /// Every account added so far, in key order.
    pub fn accounts(&self) -> impl Iterator<Item = &Account> {
        self.accounts.values()
    }

    /// How many accounts were added so far.
    pub fn account_count(&self) -> usize {
        self.accounts.len()
    }

    /// Adds an account, or merges it into the account with the same key.
    ///
    /// Empty optional strings are taken as `None`: the inventory says "unknown" with `null`.
    pub fn account(&mut self, account: Account) -> &mut Self {
        if account.key.is_empty() {
            self.reject("account \"\"", "the key is empty");
            return self;
        }
        let account = Account {
            username: non_empty(account.username),
            display_name: non_empty(account.display_name),
            email: non_empty(account.email),
            last_login: non_empty(account.last_login),
            ..account
        };
        match self.accounts.entry(account.key.clone()) {
            Entry::Vacant(slot) => {
                slot.insert(account);
            }
            Entry::Occupied(mut slot) => {
                let known = slot.get_mut();
                fill(&mut known.username, account.username);
                fill(&mut known.display_name, account.display_name);
                fill(&mut known.email, account.email);
                fill(&mut known.active, account.active);
                fill(&mut known.last_login, account.last_login);
            }
        }
        self
    }

    /// Adds a group; a name differing only in case from a known group is the same group.
    pub fn group(&mut self, name: impl Into<String>) -> &mut Self {
        let name = name.into();
        if name.is_empty() {
            self.reject("group \"\"", "the name is empty");
            return self;
        }
        self.groups.entry(fold(&name)).or_insert(name);
        self
    }

    /// Adds a membership. Both ends must be added too, in any order, before [`build`](Self::build).
    pub fn membership(
        &mut self,
        group: impl Into<String>,
        account: impl Into<String>,
    ) -> &mut Self {
        let Membership { group, account } = Membership::new(group, account);
        let members = match self.memberships.get_mut(&group) {
            Some(members) => members,
            None => self.memberships.entry(group).or_default(),
        };
        if members.insert(account) {
            self.membership_count += 1;
        }
        self
    }

    /// Checks a membership and sends it to `sink` at once instead of holding it: a very large
    /// instance's memberships (the bulk of its records) are written out, not kept in memory.
    /// Both ends must have been added before it; a membership naming an unknown group or
    /// account is not sent, and [`build`](Self::build) reports it. The group is sent in its
    /// canonical spelling. The caller sends each membership once.
    ///
    /// # Errors
    ///
    /// The sink's own error.
    pub fn stream_membership(
        &mut self,
        group: impl Into<String>,
        account: impl Into<String>,
        sink: &mut dyn InventorySink,
    ) -> Result<(), InventoryError> {
        let membership = Membership::new(group, account);
        let referrer = || {
            format!(
                "membership of `{}` in `{}`",
                membership.account, membership.group
            )
        };
        let Some(group) = self.groups.get(&fold(&membership.group)).cloned() else {
            self.rejected.push(Violation::UnknownGroup {
                group: membership.group.clone(),
                referrer: referrer(),
            });
            return Ok(());
        };
        if !self.accounts.contains_key(&membership.account) {
            self.rejected.push(Violation::UnknownAccount {
                account: membership.account.clone(),
                referrer: referrer(),
            });
            return Ok(());
        }
        sink.membership(&Membership::new(group, membership.account))?;
        self.streamed += 1;
        self.membership_count += 1;
        Ok(())
    }

    /// Adds a resource, or merges it into the resource with the same `ref`.
    pub fn resource(&mut self, resource: Resource) -> &mut Self {
        let record = format!("resource `{}`", resource.reference);
        match resource.reference.parse::<ResourceRef>() {
            Err(error) => {
                self.reject(record, error.to_string());
                return self;
            }
            Ok(parsed)
                if parsed.resource_type() != resource.resource_type
                    || parsed.key() != resource.key =>
            {
                self.reject(
                    record,
                    format!(
                        "`ref` disagrees with type `{}` and key `{}`",
                        resource.resource_type, resource.key
                    ),
                );
                return self;
            }
            Ok(_) => {}
        }
        match self.resources.entry(resource.reference.clone()) {
            Entry::Vacant(slot) => {
                slot.insert(resource);
            }
            Entry::Occupied(mut slot) => {
                let known = slot.get_mut();
                fill(&mut known.name, resource.name);
                fill(&mut known.archived, resource.archived);
            }
        }
        self
    }

    /// Adds a grant of `permission` on `resource` to `subject`.
    pub fn grant(
        &mut self,
        resource: ResourceRef,
        permission: impl Into<String>,
        subject: Subject,
    ) -> &mut Self {
        self.grant_record(Grant::new(&resource, permission, &subject))
    }

    /// Adds a grant read from a document, checking its reference strings.
    pub(crate) fn grant_record(&mut self, grant: Grant) -> &mut Self {
        let record = || {
            format!(
                "grant (`{}`, `{}`, `{}`)",
                grant.resource, grant.permission, grant.subject
            )
        };
        let problem = if grant.permission.is_empty() {
            Some("the permission is empty".to_owned())
        } else if let Err(error) = grant.resource.parse::<ResourceRef>() {
            Some(error.to_string())
        } else if let Err(error) = grant.subject.parse::<Subject>() {
            Some(error.to_string())
        } else {
            None
        };
        match problem {
            Some(reason) => self.reject(record(), reason),
            None => {
                self.grants.insert(grant);
            }
        }
        self
    }

    /// Records how completely `coverage.collection` was gathered, replacing an earlier entry.
    pub fn coverage(&mut self, coverage: Coverage) -> &mut Self {
        self.coverage.insert(coverage.collection.clone(), coverage);
        self
    }

    /// Adds a warning, unless the same text was added before.
    pub fn warning(&mut self, warning: impl Into<String>) -> &mut Self {
        let warning = warning.into();
        if self.seen_warnings.insert(warning.clone()) {
            self.warnings.push(warning);
        }
        self
    }

    /// Whether an account with this key was added.
    pub fn has_account(&self, key: &str) -> bool {
        self.accounts.contains_key(key)
    }

    /// The account with this key, as merged so far.
    pub fn account_by_key(&self, key: &str) -> Option<&Account> {
        self.accounts.get(key)
    }

    /// Whether a group of this name, in any letter case, was added.
    pub fn has_group(&self, name: &str) -> bool {
        self.groups.contains_key(&fold(name))
    }

    /// The canonical spelling of a group added under this name in any letter case.
    pub fn canonical_group(&self, name: &str) -> Option<&str> {
        self.groups.get(&fold(name)).map(String::as_str)
    }

    /// Distinct records added so far (memberships and grants before group names are unified).
    pub fn counts(&self) -> Counts {
        Counts {
            accounts: self.accounts.len(),
            groups: self.groups.len(),
            memberships: self.membership_count,
            resources: self.resources.len(),
            grants: self.grants.len(),
            coverage: self.coverage.len(),
        }
    }

    fn reject(&mut self, record: impl Into<String>, reason: impl Into<String>) {
        self.rejected.push(Violation::InvalidRecord {
            record: record.into(),
            reason: reason.into(),
        });
    }
}

/// The case-insensitive identity of a group name.
fn fold(name: &str) -> String {
    name.to_lowercase()
}

fn fill<T>(slot: &mut Option<T>, later: Option<T>) {
    if slot.is_none() {
        *slot = later;
    }
}

fn non_empty(value: Option<String>) -> Option<String> {
    value.filter(|text| !text.trim().is_empty())
}
