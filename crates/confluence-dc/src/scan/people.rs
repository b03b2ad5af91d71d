//! The groups, every group's direct members (through the member resource, its query form, or
//! the member-of rebuild), and the accounts.

use std::collections::HashMap;

use atlassian_core::Error;
use atlassian_core::inventory::Coverage;
use futures::{StreamExt, TryStreamExt};

use crate::api::member_resource_serves;
use crate::model::{Group, User};

use super::{MemberRoute, NEEDS_ADMIN, NEEDS_VIEW_USERS, Scanner, SweepOutcome, requests_sent};

impl Scanner<'_> {
    pub(super) async fn groups(&mut self) -> Result<(), Error> {
        self.progress("groups", 0, None);
        match self.api.groups().try_collect::<Vec<Group>>().await {
            Ok(groups) => {
                let names: Vec<String> = groups.into_iter().map(|g| g.name).collect();
                for name in &names {
                    self.builder.group(name.clone());
                }
                // Holds for any data: `group` is documented as "a paginated collection of user
                // groups" — all of them; no reference shows it filtered by the caller (a caller
                // who may not view groups is refused, below) — and it was read until the server
                // gave no `next`, each page asked from the offset of the groups received.
                self.builder.coverage(Coverage::complete(
                    "groups",
                    format!("group ({} groups)", names.len()),
                ));
                self.progress("groups", names.len() as u64, Some(names.len() as u64));
                self.groups = Some(names);
            }
            Err(e) if e.is_refused() => {
                self.builder.coverage(Coverage::incomplete(
                    "groups",
                    Some("group".into()),
                    format!("the groups could not be listed ({e}); {NEEDS_VIEW_USERS}"),
                ));
            }
            Err(e) => return Err(e),
        }
        Ok(())
    }

    /// Every group's direct members: through the member resource where its path can carry the
    /// name, through `group/member?groupName=` for the other names where the server has it
    /// (probed once, with the first such group); the rest are left to the member-of sweep.
    pub(super) async fn memberships(&mut self) -> Result<(), Error> {
        let Some(groups) = self.groups.clone() else {
            return Ok(());
        };
        let (servable, unservable): (Vec<String>, Vec<String>) =
            groups.into_iter().partition(|g| member_resource_serves(g));
        self.read_members(servable, MemberRoute::Path).await?;
        if let Some(first) = unservable.first()
            && self.memberships.refused.is_none()
        {
            match self.api.has_member_query(first).await {
                Ok(true) => {
                    self.read_members(unservable, MemberRoute::Query).await?;
                }
                Ok(false) => {
                    self.memberships.no_query_form = Some(format!(
                        "this server has no group/member?groupName= (asked for {first:?})"
                    ));
                    self.memberships.unservable = unservable;
                }
                Err(e) if e.is_refused() => {
                    self.memberships.no_query_form =
                        Some(format!("group/member?groupName= was refused ({e})"));
                    self.memberships.unservable = unservable;
                }
                Err(e) => return Err(e),
            }
        } else {
            self.memberships.unservable = unservable;
        }
        for group in &self.memberships.vanished {
            self.builder.warning(format!(
                "group {group:?} disappeared during the scan; its members are not listed"
            ));
        }
        Ok(())
    }

    /// Reads the direct members of `groups` through `route`, several groups at a time.
    pub(super) async fn read_members(
        &mut self,
        groups: Vec<String>,
        route: MemberRoute,
    ) -> Result<(), Error> {
        let total = groups.len() as u64;
        let phase = match route {
            MemberRoute::Path => "memberships",
            MemberRoute::Query => "memberships (by query)",
        };
        self.progress(phase, 0, Some(total));
        let api = self.api;
        let mut results = futures::stream::iter(groups)
            .map(|group| async move {
                let members = match route {
                    MemberRoute::Path => api.group_members(&group).boxed(),
                    MemberRoute::Query => api.group_members_by_query(&group).boxed(),
                };
                let members: Result<Vec<User>, Error> = members.try_collect().await;
                (group, members)
            })
            .buffer_unordered(self.parallelism);
        let mut done = 0u64;
        while let Some((group, members)) = results.next().await {
            done += 1;
            match members {
                Ok(members) => {
                    match route {
                        MemberRoute::Path => self.memberships.read += 1,
                        MemberRoute::Query => self.memberships.read_by_query += 1,
                    }
                    for user in members {
                        if let Some(key) = self.add_user(user) {
                            self.builder.stream_membership(
                                group.clone(),
                                key.clone(),
                                self.sink,
                            )?;
                            self.seen_elsewhere.insert(key);
                        } else {
                            self.memberships.unkeyed += 1;
                        }
                    }
                }
                Err(e) if e.is_refused() => {
                    self.memberships.refused.get_or_insert_with(|| {
                        if e.is_unauthorized() {
                            format!(
                                "the member resource answered 401 although the token is valid ({e}): Confluence 8.5+ answers a non-administrator so (CONFSERVER-98582); {NEEDS_ADMIN}"
                            )
                        } else {
                            format!("the member resource refused ({e}); {NEEDS_VIEW_USERS}")
                        }
                    });
                }
                Err(e) if e.is_not_found() => self.memberships.vanished.push(group),
                Err(e) => return Err(e),
            }
            if done.is_multiple_of(25) {
                self.progress(phase, done, Some(total));
            }
        }
        drop(results);
        self.progress(phase, done, Some(total));
        Ok(())
    }

    /// Every account: `user/list` where the server has it (8.4+), else the CQL user search.
    pub(super) async fn accounts(&mut self) -> Result<(), Error> {
        self.progress("accounts", 0, None);
        let why_not_list = match self.api.user_list().try_collect::<Vec<User>>().await {
            Ok(users) => {
                let n = users.len();
                self.accounts.method = format!("user/list?expand=status ({n} users)");
                for user in users {
                    if let Some(key) = self.add_user(user) {
                        self.accounts.listed.insert(key);
                    } else {
                        self.accounts.unkeyed += 1;
                    }
                }
                self.progress("accounts", n as u64, Some(n as u64));
                return Ok(());
            }
            Err(e) if e.is_not_found() => "user/list is absent (404)".to_owned(),
            Err(e) if e.is_refused() => format!("user/list was refused ({e})"),
            Err(e) => return Err(e),
        };
        tracing::debug!("{why_not_list}: listing users through the CQL search");
        self.accounts.via_search = true;
        let total = match self.api.search_users_total().await {
            Ok(total) => total,
            Err(e) if e.is_refused() => {
                self.accounts.failure = Some(format!("the user search was refused ({e})"));
                None
            }
            Err(e) => return Err(e),
        };
        self.accounts.stated_total = total;
        let users = match self.api.search_users().try_collect::<Vec<User>>().await {
            Ok(users) => users,
            Err(e) if e.is_refused() => {
                self.accounts.failure = Some(format!("the user search was refused ({e})"));
                Vec::new()
            }
            Err(e) => return Err(e),
        };
        let n = users.len();
        self.accounts.method = format!(
            "group members ∪ search?cql=type=user ({why_not_list}; {n} users found by the search, totalSize {})",
            total.map_or_else(|| "not stated".to_owned(), |t| t.to_string())
        );
        for user in users {
            if let Some(key) = self.add_user(user) {
                self.accounts.listed.insert(key);
            } else {
                self.accounts.unkeyed += 1;
            }
        }
        self.progress("accounts", n as u64, total);
        Ok(())
    }

    /// The groups no member resource of this server serves: rebuilt from every known account's
    /// `user/memberof` (only when such a group exists and the member resource was readable), or
    /// left out when [`ScanOptions::skip_memberof_rebuild`] says so.
    pub(super) async fn member_of_sweep(&mut self) -> Result<(), Error> {
        if self.memberships.unservable.is_empty()
            || self.groups.is_none()
            || self.memberships.refused.is_some()
        {
            return Ok(());
        }
        if self.options.skip_memberof_rebuild {
            self.memberships.skipped = true;
            return Ok(());
        }
        let requests_before = requests_sent(self.api);
        let wanted: HashMap<String, String> = self
            .memberships
            .unservable
            .iter()
            .map(|g| (g.to_lowercase(), g.clone()))
            .collect();
        let keys = self.known.clone();
        let total = keys.len() as u64;
        self.progress("member-of", 0, Some(total));
        let api = self.api;
        let mut answers = futures::stream::iter(keys)
            .map(|key| async move {
                let groups: Result<Vec<Group>, Error> = api.member_of(&key).try_collect().await;
                (key, groups)
            })
            .buffer_unordered(self.parallelism);
        let mut sweep = SweepOutcome {
            accounts: total as usize,
            ..SweepOutcome::default()
        };
        let mut done = 0u64;
        while let Some((key, groups)) = answers.next().await {
            done += 1;
            match groups {
                Ok(groups) => {
                    for group in groups {
                        if let Some(name) = wanted.get(&group.name.to_lowercase()) {
                            self.builder
                                .stream_membership(name.clone(), key.clone(), self.sink)?;
                        }
                    }
                }
                Err(e) if e.is_not_found() => sweep.vanished_users += 1,
                Err(e) if e.is_refused() => {
                    sweep.refused.get_or_insert_with(|| e.to_string());
                }
                Err(e) => return Err(e),
            }
            if done.is_multiple_of(250) {
                self.progress("member-of", done, Some(total));
            }
        }
        drop(answers);
        sweep.requests = requests_sent(self.api).saturating_sub(requests_before);
        if sweep.vanished_users > 0 {
            self.builder.warning(format!(
                "{} accounts disappeared during the member-of sweep",
                sweep.vanished_users
            ));
        }
        self.memberships.sweep = Some(sweep);
        self.progress("member-of", total, Some(total));
        Ok(())
    }
}
