//! Effective access, `atlassian-dc-access/v1` (the spec's `access.md`): who holds which
//! permission on which resource, and every chain of grants that confers it, computed from one
//! inventory alone.
//!
//! [`AccessIndex`] is built once from an [`Inventory`] and answers without walking every grant:
//!
//! - [`rows_of_account`](AccessIndex::rows_of_account) follows grants forward from the account's
//!   entry grants (to it, to its groups, to `anonymous`);
//! - [`rows_of_resource`](AccessIndex::rows_of_resource) follows them backward from the grants on
//!   the resource to their entry grants, then to the accounts those take in;
//! - [`row`](AccessIndex::row) is one (account, resource, permission) with all its paths;
//! - [`rows`](AccessIndex::rows) is every row, account by account, never all held at once.
//!
//! The rules (spec, "A path is valid when"): the first grant's subject takes in the account
//! (`account:K`, `group:G` through a membership, `anonymous`); each later grant's subject is
//! satisfied by the grant before it (`role:R` by (same resource, `role:R`), `application:A` by
//! (`application:A`, `use`), `authenticated` by any (`application:*`, `use`)); no grant twice.
//! Every prefix of a chain is a path too: it confers its last grant's permission.
//!
//! An inventory read from a file may be hostile: chains are bounded ([`MAX_PATH_GRANTS`] grants,
//! [`MAX_PATHS`] paths per question), and exceeding either is an error, not a hang.

use std::collections::HashMap;

use crate::inventory::{Account, Coverage, Grant, Inventory};

mod document;
mod walk;

pub use document::{AccessFormat, AccessWriter};

/// The `schema` of the effective-access document.
pub const ACCESS_SCHEMA_ID: &str = "atlassian-dc-access/v1";

/// The most grants one path may hold. Real chains hold at most three (group → role →
/// permission, or application → `authenticated` → permission); a longer one is a hand-made
/// inventory.
pub const MAX_PATH_GRANTS: usize = 16;

/// The most paths one question may produce before it is refused as a hostile inventory.
pub const MAX_PATHS: usize = 20_000_000;

type GrantId = u32;
type AccountId = u32;
type GroupId = u32;

/// Why a question about effective access has no answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AccessError {
    /// No account has this key or username.
    #[error("no account has the key or username {0:?}")]
    UnknownAccount(String),
    /// More than one account has this username (in another letter case).
    #[error("{name:?} is the username of {count} accounts; give the account key")]
    AmbiguousAccount {
        /// The name asked for.
        name: String,
        /// How many accounts have it.
        count: usize,
    },
    /// The grants chain into more paths than any real instance has.
    #[error(
        "the grants chain into more than {MAX_PATHS} paths (or a path longer than {MAX_PATH_GRANTS} grants) for {what}: the inventory is not one a scan writes"
    )]
    TooManyPaths {
        /// The question: an account, a resource.
        what: String,
    },
}

/// Who holds a row: an account, or the `anonymous` principal (someone not logged in).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Principal<'i> {
    /// An account of the inventory.
    Account(&'i Account),
    /// Someone not logged in.
    Anonymous,
}

impl<'i> Principal<'i> {
    /// The account, unless anonymous.
    pub fn account(self) -> Option<&'i Account> {
        match self {
            Self::Account(account) => Some(account),
            Self::Anonymous => None,
        }
    }
}

/// One chain of grants conferring a row, with the group through which the account entered it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccessPath<'i> {
    /// The group of the first grant's `group:` subject (as the inventory spells it), or `None`.
    pub group: Option<&'i str>,
    /// The grants, first (the one that takes the account in) to last (the row's permission).
    pub grants: Vec<&'i Grant>,
}

/// An access row: the principal holds `permission` on `resource`, by every path listed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccessRow<'i> {
    /// Who holds it.
    pub principal: Principal<'i>,
    /// The resource reference (`project:ENG`).
    pub resource: &'i str,
    /// The permission (`BROWSE_PROJECTS`, `role:Developers`, `use`, `space:read`).
    pub permission: &'i str,
    /// Every valid path, sorted by their grants, then by group.
    pub paths: Vec<AccessPath<'i>>,
}

/// What a grant's subject is, resolved against the inventory once.
#[derive(Clone, Copy, Debug)]
enum Entry {
    /// `account:K`, when K is an account.
    Account(AccountId),
    /// `group:G`, when G is a group.
    Group(GroupId),
    /// `anonymous`.
    Anonymous,
    /// `role:R`, `application:A`, `authenticated`: satisfied by an earlier grant.
    Follows,
    /// `special:*`, or a subject naming nothing in the inventory: confers no row.
    Nothing,
}

/// What may follow a grant in a path: one of `follower_lists` (0 is empty) — the grants to
/// the role it confers on its resource, or to the application it is the use of — and, for an
/// application's use, every grant to `authenticated`.
#[derive(Clone, Copy, Debug)]
struct Follow {
    list: u32,
    authenticated: bool,
}

/// The effective-access index of one inventory. See the [module](self) documentation.
#[derive(Debug)]
pub struct AccessIndex<'i> {
    inventory: &'i Inventory,
    /// Accounts by key order.
    accounts: Vec<&'i Account>,
    account_by_key: HashMap<&'i str, AccountId>,
    /// Lower-case username → accounts.
    account_by_username: HashMap<String, Vec<AccountId>>,
    /// Groups in name order; folded name → id.
    group_names: Vec<&'i str>,
    group_by_name: HashMap<String, GroupId>,
    members: Vec<Vec<AccountId>>,
    groups_of: Vec<Vec<GroupId>>,
    /// Distinct grants, sorted by (resource, permission, subject): an id's order is the grant's.
    grants: Vec<&'i Grant>,
    entry: Vec<Entry>,
    /// Grants of one (resource, permission) share a pair number, in that order.
    pair: Vec<u32>,
    by_account: HashMap<AccountId, Vec<GrantId>>,
    by_group: Vec<Vec<GrantId>>,
    anonymous: Vec<GrantId>,
    /// Forward, while building: (resource, role) → grants on it to `role:R`; application →
    /// grants to it (both then moved into `follower_lists`); every grant to `authenticated`.
    to_role: HashMap<(&'i str, &'i str), Vec<GrantId>>,
    to_application: HashMap<&'i str, Vec<GrantId>>,
    to_authenticated: Vec<GrantId>,
    /// Each grant's followers resolved once (no hashing while walking): the role's grants, or
    /// the application's grants and then every grant to `authenticated`.
    follow: Vec<Follow>,
    follower_lists: Vec<Vec<GrantId>>,
    /// Backward: (resource, role) → grants of `role:R` on it; application → its `use` grants.
    role_holders: HashMap<(&'i str, &'i str), Vec<GrantId>>,
    application_users: HashMap<&'i str, Vec<GrantId>>,
    all_application_users: Vec<GrantId>,
    /// Resource → the range of its grants (contiguous, since sorted).
    on_resource: HashMap<&'i str, std::ops::Range<usize>>,
}

impl<'i> AccessIndex<'i> {
    /// Indexes `inventory`. Linear in its size (plus sorting its grants); nothing is evaluated
    /// until asked.
    pub fn new(inventory: &'i Inventory) -> Self {
        let mut accounts: Vec<&Account> = inventory.accounts.iter().collect();
        accounts.sort_unstable_by(|a, b| a.key.cmp(&b.key));
        accounts.dedup_by(|a, b| a.key == b.key);
        let account_by_key: HashMap<&str, AccountId> = accounts
            .iter()
            .enumerate()
            .map(|(i, a)| (a.key.as_str(), i as AccountId))
            .collect();
        let mut account_by_username: HashMap<String, Vec<AccountId>> = HashMap::new();
        for (i, account) in accounts.iter().enumerate() {
            if let Some(name) = &account.username {
                account_by_username
                    .entry(name.to_lowercase())
                    .or_default()
                    .push(i as AccountId);
            }
        }

        let mut group_names: Vec<&str> = inventory.groups.iter().map(|g| g.name.as_str()).collect();
        group_names.sort_unstable();
        let mut group_by_name: HashMap<String, GroupId> = HashMap::new();
        group_names.retain(|name| {
            let next = group_by_name.len() as GroupId;
            group_by_name.entry(name.to_lowercase()).or_insert(next) == &next
        });
        let mut members: Vec<Vec<AccountId>> = vec![Vec::new(); group_names.len()];
        let mut groups_of: Vec<Vec<GroupId>> = vec![Vec::new(); accounts.len()];
        for m in &inventory.memberships {
            let (Some(&g), Some(&a)) = (
                group_by_name.get(&m.group.to_lowercase()),
                account_by_key.get(m.account.as_str()),
            ) else {
                continue;
            };
            members[g as usize].push(a);
            groups_of[a as usize].push(g);
        }
        for list in members.iter_mut().chain(groups_of.iter_mut()) {
            list.sort_unstable();
            list.dedup();
        }

        let mut grants: Vec<&Grant> = inventory.grants.iter().collect();
        grants.sort_unstable();
        grants.dedup();
        let mut index = Self {
            inventory,
            accounts,
            account_by_key,
            account_by_username,
            group_names,
            group_by_name,
            members,
            groups_of,
            entry: Vec::with_capacity(grants.len()),
            pair: Vec::with_capacity(grants.len()),
            grants,
            by_account: HashMap::new(),
            by_group: Vec::new(),
            anonymous: Vec::new(),
            to_role: HashMap::new(),
            to_application: HashMap::new(),
            to_authenticated: Vec::new(),
            follow: Vec::new(),
            follower_lists: Vec::new(),
            role_holders: HashMap::new(),
            application_users: HashMap::new(),
            all_application_users: Vec::new(),
            on_resource: HashMap::new(),
        };
        index.link_grants();
        index.resolve_followers();
        index
    }

    /// Moves the forward maps into `follower_lists` and gives each grant its lists' numbers.
    fn resolve_followers(&mut self) {
        let mut roles: HashMap<(&str, &str), u32> = HashMap::new();
        let mut applications: HashMap<&str, u32> = HashMap::new();
        self.follower_lists = vec![Vec::new()];
        for (key, list) in std::mem::take(&mut self.to_role) {
            roles.insert(key, self.follower_lists.len() as u32);
            self.follower_lists.push(list);
        }
        for (key, list) in std::mem::take(&mut self.to_application) {
            applications.insert(key, self.follower_lists.len() as u32);
            self.follower_lists.push(list);
        }
        self.follow = self
            .grants
            .iter()
            .map(|grant| {
                if let Some(role) = grant.permission.strip_prefix("role:") {
                    let list = roles.get(&(grant.resource.as_str(), role));
                    return Follow {
                        list: list.copied().unwrap_or(0),
                        authenticated: false,
                    };
                }
                match application_use(grant) {
                    Some(key) => Follow {
                        list: applications.get(key).copied().unwrap_or(0),
                        authenticated: true,
                    },
                    None => Follow {
                        list: 0,
                        authenticated: false,
                    },
                }
            })
            .collect();
    }

    fn link_grants(&mut self) {
        self.by_group = vec![Vec::new(); self.group_names.len()];
        let mut pair = 0u32;
        for (id, grant) in self.grants.iter().enumerate() {
            let gid = id as GrantId;
            if id > 0 {
                let before = self.grants[id - 1];
                if (before.resource.as_str(), before.permission.as_str())
                    != (grant.resource.as_str(), grant.permission.as_str())
                {
                    pair += 1;
                }
            }
            self.pair.push(pair);
            let resource = grant.resource.as_str();
            self.on_resource
                .entry(resource)
                .and_modify(|r| r.end = id + 1)
                .or_insert(id..id + 1);
            let subject = grant.subject.as_str();
            let entry = match subject.split_once(':') {
                None if subject == "anonymous" => {
                    self.anonymous.push(gid);
                    Entry::Anonymous
                }
                None if subject == "authenticated" => {
                    self.to_authenticated.push(gid);
                    Entry::Follows
                }
                Some(("account", key)) => match self.account_by_key.get(key) {
                    Some(&a) => {
                        self.by_account.entry(a).or_default().push(gid);
                        Entry::Account(a)
                    }
                    None => Entry::Nothing,
                },
                Some(("group", name)) => match self.group_by_name.get(&name.to_lowercase()) {
                    Some(&g) => {
                        self.by_group[g as usize].push(gid);
                        Entry::Group(g)
                    }
                    None => Entry::Nothing,
                },
                Some(("role", role)) => {
                    self.to_role.entry((resource, role)).or_default().push(gid);
                    Entry::Follows
                }
                Some(("application", key)) => {
                    self.to_application.entry(key).or_default().push(gid);
                    Entry::Follows
                }
                _ => Entry::Nothing,
            };
            self.entry.push(entry);
            if let Some(role) = grant.permission.strip_prefix("role:") {
                self.role_holders
                    .entry((resource, role))
                    .or_default()
                    .push(gid);
            }
            if let Some(key) = application_use(grant) {
                self.application_users.entry(key).or_default().push(gid);
                self.all_application_users.push(gid);
            }
        }
    }

    /// The inventory indexed.
    pub fn inventory(&self) -> &'i Inventory {
        self.inventory
    }

    /// The account with this key, or else this username (in any letter case).
    pub fn find_account(&self, id: &str) -> Result<&'i Account, AccessError> {
        if let Some(&a) = self.account_by_key.get(id) {
            return Ok(self.accounts[a as usize]);
        }
        match self
            .account_by_username
            .get(&id.to_lowercase())
            .map(Vec::as_slice)
        {
            Some([a]) => Ok(self.accounts[*a as usize]),
            Some(many) if many.len() > 1 => Err(AccessError::AmbiguousAccount {
                name: id.to_owned(),
                count: many.len(),
            }),
            _ => Err(AccessError::UnknownAccount(id.to_owned())),
        }
    }

    /// Every account, in key order.
    pub fn accounts(&self) -> impl Iterator<Item = &'i Account> + '_ {
        self.accounts.iter().copied()
    }

    /// The grants to `special:*` subjects (conditional: they depend on the issue at hand and
    /// confer no row), on `resource` when given, sorted.
    pub fn conditional(&self, resource: Option<&str>) -> impl Iterator<Item = &'i Grant> + '_ {
        let range = match resource {
            Some(r) => self.on_resource.get(r).cloned().unwrap_or(0..0),
            None => 0..self.grants.len(),
        };
        self.grants[range]
            .iter()
            .copied()
            .filter(|g| g.subject.starts_with("special:"))
    }

    /// The coverage entries that are not complete: every row is only as complete as these.
    pub fn incomplete(&self) -> impl Iterator<Item = &'i Coverage> + '_ {
        self.inventory.coverage.iter().filter(|c| !c.complete)
    }
}

/// `A` when the grant is (`application:A`, `use`, …).
fn application_use(grant: &Grant) -> Option<&str> {
    (grant.permission == "use")
        .then(|| grant.resource.strip_prefix("application:"))
        .flatten()
}

#[cfg(test)]
mod tests;
