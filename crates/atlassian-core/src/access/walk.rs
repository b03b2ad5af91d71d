//! The two walks: forward from a principal's entry grants, backward from a resource's grants;
//! and the rows they add up to.

use std::collections::VecDeque;

use super::{
    AccessError, AccessIndex, AccessPath, AccessRow, AccountId, Entry, GrantId, GroupId,
    MAX_PATH_GRANTS, MAX_PATHS, Principal,
};
use crate::inventory::{Account, Grant};

/// The paths a forward walk found, their grants end to end in one buffer (an export finds
/// millions: one allocation each would be most of its time).
#[derive(Debug, Default)]
struct Found {
    grants: Vec<GrantId>,
    paths: Vec<Span>,
}

/// One path of [`Found`]: `grants[start..start + len]`, entered through `group`.
#[derive(Clone, Copy, Debug)]
struct Span {
    start: u32,
    len: u32,
    group: Option<GroupId>,
}

impl Found {
    fn grants(&self, span: Span) -> &[GrantId] {
        &self.grants[span.start as usize..(span.start + span.len) as usize]
    }
}

/// Who a walk is for: `None` is the anonymous principal.
type Who = Option<AccountId>;

/// Counts the grants a question visits, so that a hostile inventory is refused, not walked.
struct Budget<'a> {
    left: usize,
    what: &'a dyn Fn() -> String,
}

impl Budget<'_> {
    fn spend(&mut self) -> Result<(), AccessError> {
        self.left = self.left.checked_sub(1).ok_or_else(|| self.refuse())?;
        Ok(())
    }

    fn refuse(&self) -> AccessError {
        AccessError::TooManyPaths {
            what: (self.what)(),
        }
    }
}

impl<'i> AccessIndex<'i> {
    /// Every row of `account`, sorted by (resource, permission).
    pub fn rows_of_account(&self, account: &Account) -> Result<Vec<AccessRow<'i>>, AccessError> {
        let a = self.account_id(account)?;
        let found = self.forward(Some(a), &|_| true)?;
        Ok(self.assemble(Some(a), found))
    }

    /// Every row of the `anonymous` principal (someone not logged in).
    pub fn rows_of_anonymous(&self) -> Result<Vec<AccessRow<'i>>, AccessError> {
        let found = self.forward(None, &|_| true)?;
        Ok(self.assemble(None, found))
    }

    /// The row (account, resource, permission) with every path, or `None` when no path
    /// confers it.
    pub fn row(
        &self,
        account: &Account,
        resource: &str,
        permission: &str,
    ) -> Result<Option<AccessRow<'i>>, AccessError> {
        let a = self.account_id(account)?;
        let Some(pair) = self.pair_of(resource, permission) else {
            return Ok(None);
        };
        let found = self.forward(Some(a), &|g| self.pair[g as usize] == pair)?;
        Ok(self.assemble(Some(a), found).pop())
    }

    /// Every row on `resource` (of one permission when given): of every account, and of the
    /// `anonymous` principal when `anonymous` is set (first). Sorted by (account key,
    /// permission).
    pub fn rows_of_resource(
        &self,
        resource: &str,
        permission: Option<&str>,
        anonymous: bool,
    ) -> Result<Vec<AccessRow<'i>>, AccessError> {
        let what = || format!("resource {resource}");
        let mut budget = Budget {
            left: MAX_PATHS,
            what: &what,
        };
        let chains =
            self.chains_to(resource, |p| permission.is_none_or(|q| p == q), &mut budget)?;
        // (who, chain, group): who is 0 for anonymous, else the account id + 1, so that the
        // anonymous rows sort first.
        let mut held: Vec<(u32, usize, Option<GroupId>)> = Vec::new();
        for (c, chain) in chains.iter().enumerate() {
            let mut add = |who: u32, group: Option<GroupId>| -> Result<(), AccessError> {
                budget.spend()?;
                held.push((who, c, group));
                Ok(())
            };
            match self.entry[chain[0] as usize] {
                Entry::Account(a) => add(a + 1, None)?,
                Entry::Group(g) => {
                    for &a in &self.members[g as usize] {
                        add(a + 1, Some(g))?;
                    }
                }
                Entry::Anonymous => {
                    if anonymous {
                        add(0, None)?;
                    }
                    for a in 0..self.accounts.len() as u32 {
                        add(a + 1, None)?;
                    }
                }
                Entry::Follows | Entry::Nothing => {}
            }
        }
        let last_pair = |c: usize| self.pair[*chains[c].last().unwrap_or(&0) as usize];
        held.sort_unstable_by(|x, y| {
            (x.0, last_pair(x.1), &chains[x.1], x.2).cmp(&(y.0, last_pair(y.1), &chains[y.1], y.2))
        });
        let mut rows: Vec<AccessRow<'i>> = Vec::new();
        let mut current: Option<(u32, u32)> = None;
        for (who, c, group) in held {
            let key = (who, last_pair(c));
            let path = self.path(&chains[c], group);
            if current == Some(key)
                && let Some(row) = rows.last_mut()
            {
                row.paths.push(path);
                continue;
            }
            current = Some(key);
            let principal = match who {
                0 => Principal::Anonymous,
                a => Principal::Account(self.accounts[(a - 1) as usize]),
            };
            rows.push(self.row_of(principal, &chains[c], path));
        }
        Ok(rows)
    }

    /// Every chain of grants ending on `resource` (with `permission` when given), whoever it
    /// takes in: the paths of [`rows_of_resource`](Self::rows_of_resource) before they are
    /// expanded to accounts, each with its entry group. Sorted by grants.
    pub fn paths_to(
        &self,
        resource: &str,
        permission: Option<&str>,
    ) -> Result<Vec<AccessPath<'i>>, AccessError> {
        let what = || format!("resource {resource}");
        let mut budget = Budget {
            left: MAX_PATHS,
            what: &what,
        };
        let mut chains =
            self.chains_to(resource, |p| permission.is_none_or(|q| p == q), &mut budget)?;
        chains.sort_unstable();
        Ok(chains
            .iter()
            .map(|chain| {
                let group = match self.entry[chain[0] as usize] {
                    Entry::Group(g) => Some(g),
                    _ => None,
                };
                self.path(chain, group)
            })
            .collect())
    }

    /// The grants that take `account` in by name — to it, or to one of its groups, with the
    /// group — not counting grants to `anonymous`: what it holds in its own right.
    pub fn entry_grants(&self, account: &Account) -> Vec<(Option<&'i str>, &'i Grant)> {
        let Ok(a) = self.account_id(account) else {
            return Vec::new();
        };
        let mut out: Vec<(Option<&'i str>, &'i Grant)> = self
            .by_account
            .get(&a)
            .into_iter()
            .flatten()
            .map(|&g| (None, self.grants[g as usize]))
            .collect();
        for &group in &self.groups_of[a as usize] {
            let name = self.group_names[group as usize];
            out.extend(
                self.by_group[group as usize]
                    .iter()
                    .map(|&g| (Some(name), self.grants[g as usize])),
            );
        }
        out
    }

    /// The accounts a path's first grant takes in (every account for `anonymous`).
    pub fn accounts_of(&self, path: &AccessPath<'_>) -> Box<dyn Iterator<Item = &'i Account> + '_> {
        let Some(first) = path.grants.first() else {
            return Box::new(std::iter::empty());
        };
        let ids: Box<dyn Iterator<Item = AccountId> + '_> = match first.subject.split_once(':') {
            Some(("account", key)) => Box::new(self.account_by_key.get(key).copied().into_iter()),
            Some(("group", name)) => match self.group_by_name.get(&name.to_lowercase()) {
                Some(&g) => Box::new(self.members[g as usize].iter().copied()),
                None => Box::new(std::iter::empty()),
            },
            None if first.subject == "anonymous" => Box::new(0..self.accounts.len() as AccountId),
            _ => Box::new(std::iter::empty()),
        };
        Box::new(ids.map(|a| self.accounts[a as usize]))
    }

    /// How many accounts a path's first grant takes in (every account for `anonymous`).
    pub fn reach(&self, path: &AccessPath<'_>) -> usize {
        let Some(first) = path.grants.first() else {
            return 0;
        };
        match first.subject.split_once(':') {
            Some(("account", key)) => usize::from(self.account_by_key.contains_key(key)),
            Some(("group", name)) => self
                .group_by_name
                .get(&name.to_lowercase())
                .map_or(0, |&g| self.members[g as usize].len()),
            None if first.subject == "anonymous" => self.accounts.len(),
            _ => 0,
        }
    }

    /// The accounts a path's first grant takes in, by id order.
    fn entry_accounts(&self, first: GrantId) -> Box<dyn Iterator<Item = AccountId> + '_> {
        match self.entry[first as usize] {
            Entry::Account(a) => Box::new(std::iter::once(a)),
            Entry::Group(g) => Box::new(self.members[g as usize].iter().copied()),
            Entry::Anonymous => Box::new(0..self.accounts.len() as AccountId),
            Entry::Follows | Entry::Nothing => Box::new(std::iter::empty()),
        }
    }

    /// How many distinct accounts hold any permission on `resource` (of `permissions`, when
    /// not empty): a union of the entry grants' accounts, never expanded into rows.
    pub fn reach_of_resource(
        &self,
        resource: &str,
        permissions: &[&str],
    ) -> Result<usize, AccessError> {
        let what = || format!("resource {resource}");
        let mut budget = Budget {
            left: MAX_PATHS,
            what: &what,
        };
        let chains = self.chains_to(
            resource,
            |p| permissions.is_empty() || permissions.contains(&p),
            &mut budget,
        )?;
        let mut entries: Vec<GrantId> = chains.iter().map(|c| c[0]).collect();
        entries.sort_unstable();
        entries.dedup();
        if entries
            .iter()
            .any(|&e| matches!(self.entry[e as usize], Entry::Anonymous))
        {
            return Ok(self.accounts.len());
        }
        let mut seen = vec![false; self.accounts.len()];
        let mut count = 0;
        for e in entries {
            for a in self.entry_accounts(e) {
                if !std::mem::replace(&mut seen[a as usize], true) {
                    count += 1;
                }
            }
        }
        Ok(count)
    }

    /// Every row of every account in key order (and first of `anonymous` when asked), one
    /// account at a time: memory is bounded by one account's rows, not by the output.
    pub fn rows(&self, anonymous: bool) -> Rows<'_, 'i> {
        Rows {
            index: self,
            next: if anonymous { None } else { Some(0) },
            pending: VecDeque::new(),
        }
    }

    fn account_id(&self, account: &Account) -> Result<AccountId, AccessError> {
        self.account_by_key
            .get(account.key.as_str())
            .copied()
            .ok_or_else(|| AccessError::UnknownAccount(account.key.clone()))
    }

    /// The pair number of (resource, permission), when any grant has it.
    fn pair_of(&self, resource: &str, permission: &str) -> Option<u32> {
        let range = self.on_resource.get(resource)?.clone();
        let start = range.start;
        let grants = &self.grants[range];
        let at = grants.partition_point(|g| g.permission.as_str() < permission);
        grants
            .get(at)
            .filter(|g| g.permission == permission)
            .map(|_| self.pair[start + at])
    }

    /// Every chain (entry grant first) ending at a grant on `resource` whose permission `keep`
    /// accepts: the backward walk every resource question starts with.
    fn chains_to(
        &self,
        resource: &str,
        keep: impl Fn(&str) -> bool,
        budget: &mut Budget<'_>,
    ) -> Result<Vec<Vec<GrantId>>, AccessError> {
        let mut chains = Vec::new();
        for t in self.on_resource.get(resource).cloned().unwrap_or(0..0) {
            if keep(&self.grants[t].permission) {
                self.backward(&mut vec![t as GrantId], &mut chains, budget)?;
            }
        }
        Ok(chains)
    }

    /// The grants that may follow `g` in a path.
    fn followers(&self, g: GrantId) -> [&[GrantId]; 2] {
        let follow = self.follow[g as usize];
        let authenticated: &[GrantId] = if follow.authenticated {
            &self.to_authenticated
        } else {
            &[]
        };
        [&self.follower_lists[follow.list as usize], authenticated]
    }

    /// The grants that may come just before `g` in a path (`g`'s subject follows them).
    fn predecessors(&self, g: GrantId) -> &[GrantId] {
        let grant = self.grants[g as usize];
        let subject = grant.subject.as_str();
        let found = if subject == "authenticated" {
            Some(&self.all_application_users)
        } else if let Some(role) = subject.strip_prefix("role:") {
            self.role_holders.get(&(grant.resource.as_str(), role))
        } else if let Some(key) = subject.strip_prefix("application:") {
            self.application_users.get(key)
        } else {
            None
        };
        found.map_or(&[][..], Vec::as_slice)
    }

    /// Every path from `who`'s entry grants whose last grant `keep` accepts.
    fn forward(&self, who: Who, keep: &dyn Fn(GrantId) -> bool) -> Result<Found, AccessError> {
        let what = || match who {
            Some(a) => format!("account {}", self.accounts[a as usize].key),
            None => "anonymous".to_owned(),
        };
        let mut budget = Budget {
            left: MAX_PATHS,
            what: &what,
        };
        let mut entries: Vec<(GrantId, Option<GroupId>)> = Vec::new();
        if let Some(a) = who {
            if let Some(direct) = self.by_account.get(&a) {
                entries.extend(direct.iter().map(|&g| (g, None)));
            }
            for &group in &self.groups_of[a as usize] {
                entries.extend(
                    self.by_group[group as usize]
                        .iter()
                        .map(|&g| (g, Some(group))),
                );
            }
        }
        entries.extend(self.anonymous.iter().map(|&g| (g, None)));
        let mut out = Found::default();
        let mut path = Vec::with_capacity(4);
        for (g, group) in entries {
            path.push(g);
            self.extend(&mut path, group, keep, &mut out, &mut budget)?;
            path.pop();
        }
        Ok(out)
    }

    fn extend(
        &self,
        path: &mut Vec<GrantId>,
        group: Option<GroupId>,
        keep: &dyn Fn(GrantId) -> bool,
        out: &mut Found,
        budget: &mut Budget<'_>,
    ) -> Result<(), AccessError> {
        budget.spend()?;
        let last = path[path.len() - 1];
        if keep(last) {
            out.paths.push(Span {
                start: out.grants.len() as u32,
                len: path.len() as u32,
                group,
            });
            out.grants.extend_from_slice(path);
        }
        for list in self.followers(last) {
            for &next in list {
                if path.contains(&next) {
                    continue;
                }
                if path.len() == MAX_PATH_GRANTS {
                    return Err(budget.refuse());
                }
                path.push(next);
                self.extend(path, group, keep, out, budget)?;
                path.pop();
            }
        }
        Ok(())
    }

    /// Every chain ending at `reversed[0]`, walking back to entry grants; `reversed` holds the
    /// chain last grant first.
    fn backward(
        &self,
        reversed: &mut Vec<GrantId>,
        chains: &mut Vec<Vec<GrantId>>,
        budget: &mut Budget<'_>,
    ) -> Result<(), AccessError> {
        budget.spend()?;
        let first = reversed[reversed.len() - 1];
        match self.entry[first as usize] {
            Entry::Account(_) | Entry::Group(_) | Entry::Anonymous => {
                chains.push(reversed.iter().rev().copied().collect());
            }
            Entry::Follows => {
                for &before in self.predecessors(first) {
                    if reversed.contains(&before) {
                        continue;
                    }
                    if reversed.len() == MAX_PATH_GRANTS {
                        return Err(budget.refuse());
                    }
                    reversed.push(before);
                    self.backward(reversed, chains, budget)?;
                    reversed.pop();
                }
            }
            Entry::Nothing => {}
        }
        Ok(())
    }

    /// Sorts one principal's paths into rows.
    fn assemble(&self, who: Who, mut found: Found) -> Vec<AccessRow<'i>> {
        let spans = std::mem::take(&mut found.paths);
        let last_pair = |span: Span| self.pair[found.grants(span)[span.len as usize - 1] as usize];
        // The order (last grant's pair, grants, group), its first four numbers packed into one
        // key: an export sorts millions of paths, most of three grants or fewer.
        let key = |span: Span| {
            let grants = found.grants(span);
            let id = |i: usize| grants.get(i).map_or(0, |&g| u128::from(g) + 1);
            u128::from(last_pair(span)) << 96 | id(0) << 64 | id(1) << 32 | id(2)
        };
        let mut keyed: Vec<(u128, Span)> = spans.into_iter().map(|s| (key(s), s)).collect();
        let order = |x: &(u128, Span), y: &(u128, Span)| {
            x.0.cmp(&y.0)
                .then_with(|| found.grants(x.1).cmp(found.grants(y.1)))
                .then_with(|| x.1.group.cmp(&y.1.group))
        };
        keyed.sort_unstable_by(order);
        keyed.dedup_by(|x, y| order(x, y).is_eq());
        let spans = keyed.into_iter().map(|(_, span)| span);
        let principal = match who {
            Some(a) => Principal::Account(self.accounts[a as usize]),
            None => Principal::Anonymous,
        };
        let mut rows: Vec<AccessRow<'i>> = Vec::new();
        let mut current = None;
        for span in spans {
            let pair = last_pair(span);
            let grants = found.grants(span);
            let path = self.path(grants, span.group);
            if current == Some(pair)
                && let Some(row) = rows.last_mut()
            {
                row.paths.push(path);
                continue;
            }
            current = Some(pair);
            rows.push(self.row_of(principal, grants, path));
        }
        rows
    }

    fn path(&self, grants: &[GrantId], group: Option<GroupId>) -> AccessPath<'i> {
        AccessPath {
            group: group.map(|g| self.group_names[g as usize]),
            grants: grants.iter().map(|&g| self.grants[g as usize]).collect(),
        }
    }

    fn row_of(
        &self,
        principal: Principal<'i>,
        grants: &[GrantId],
        path: AccessPath<'i>,
    ) -> AccessRow<'i> {
        let last = self.grants[grants[grants.len() - 1] as usize];
        AccessRow {
            principal,
            resource: last.resource.as_str(),
            permission: last.permission.as_str(),
            paths: vec![path],
        }
    }
}

/// Every row, account by account: see [`AccessIndex::rows`].
#[derive(Debug)]
pub struct Rows<'x, 'i> {
    index: &'x AccessIndex<'i>,
    /// The next account; `None` while the anonymous rows are still to come.
    next: Option<usize>,
    pending: VecDeque<AccessRow<'i>>,
}

impl<'i> Iterator for Rows<'_, 'i> {
    type Item = Result<AccessRow<'i>, AccessError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(row) = self.pending.pop_front() {
                return Some(Ok(row));
            }
            let rows = match self.next {
                None => {
                    self.next = Some(0);
                    self.index.rows_of_anonymous()
                }
                Some(a) if a < self.index.accounts.len() => {
                    self.next = Some(a + 1);
                    self.index.rows_of_account(self.index.accounts[a])
                }
                Some(_) => return None,
            };
            match rows {
                Ok(rows) => self.pending.extend(rows),
                Err(e) => {
                    self.next = Some(self.index.accounts.len());
                    return Some(Err(e));
                }
            }
        }
    }
}
