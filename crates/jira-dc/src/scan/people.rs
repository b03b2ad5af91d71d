//! The people side's first phases: the groups, then every group's members.

use std::collections::BTreeMap;

use atlassian_core::Error;
use atlassian_core::inventory::Coverage;
use atlassian_core::paging::TotalWatch;
use futures::{StreamExt, TryStreamExt};

use super::{NEEDS_ADMIN, NEEDS_BROWSE, Scanner};
use crate::group_sweep::{GroupPickerSweep, PICKER_MAX};
use crate::model::User;

impl Scanner<'_> {
    /// The groups: one picker call with a large `maxResults`, checked against `total`; when
    /// the server cut it, a sweep of substring queries until the count matches.
    pub(super) async fn groups(&mut self) -> Result<Vec<String>, Error> {
        self.progress("groups", 0, None);
        let root = match self.picker.take() {
            Some(answer) => answer?,
            None => self.api.group_picker("", PICKER_MAX).await?,
        };
        let total = root.total.unwrap_or(root.groups.len() as u64);
        let mut names: BTreeMap<String, String> = BTreeMap::new();
        for g in root.groups {
            names.insert(g.name.to_lowercase(), g.name);
        }
        let mut queries = 1u64;
        if (names.len() as u64) < total {
            let (options, client) = (self.options, self.api.client());
            queries += GroupPickerSweep::new(self.api, self.parallelism)
                .run(&mut names, total, |found| {
                    options.report(client, "groups", found, Some(total));
                })
                .await?;
        }
        let found = names.len() as u64;
        let coverage = if !self.permissions.may_browse_users() {
            Coverage::incomplete(
                "groups",
                Some("groups/picker".into()),
                format!(
                    "the token's owner lacks Browse Users: the group picker answers exact names only; {NEEDS_BROWSE}"
                ),
            )
        } else if found >= total {
            // Holds for any data: `total` is the picker's count of groups matching the empty
            // query — every group (GroupPickerResourceHelperImpl) — and this many distinct
            // names (case-folded, as the server compares them) were seen.
            let method = if queries == 1 {
                "groups/picker (count checked against total)".to_owned()
            } else {
                format!(
                    "groups/picker substring sweep ({queries} queries, count checked against total)"
                )
            };
            Coverage::complete("groups", method)
        } else {
            Coverage::incomplete(
                "groups",
                Some("groups/picker substring sweep".into()),
                format!("the picker reports {total} groups but only {found} could be listed"),
            )
        };
        self.groups_complete = coverage.complete;
        self.builder.coverage(coverage);
        let names: Vec<String> = names.into_values().collect();
        for name in &names {
            self.builder.group(name.clone());
        }
        self.progress("groups", found, Some(total));
        Ok(names)
    }

    /// Every group's members (nested groups' members included, as Jira reports them).
    pub(super) async fn memberships(&mut self, groups: &[String]) -> Result<(), Error> {
        let total = groups.len() as u64;
        self.progress("memberships", 0, Some(total));
        let api = self.api;
        let mut results = futures::stream::iter(groups.iter().cloned())
            .map(|group| async move {
                let watch = TotalWatch::new();
                let members: Result<Vec<User>, Error> = api
                    .group_members_watched(&group, Some(watch.clone()))
                    .try_collect()
                    .await;
                (group, members, watch.moved())
            })
            .buffer_unordered(self.parallelism);
        let mut refused: Option<Error> = None;
        let mut vanished = Vec::new();
        let mut moved = Vec::new();
        let mut done = 0u64;
        while let Some((group, members, total_moved)) = results.next().await {
            done += 1;
            if let (Ok(_), Some(totals)) = (&members, total_moved) {
                moved.push((group.clone(), totals));
            }
            match members {
                Ok(members) => {
                    for user in members {
                        if let Some(key) = self.add_user(user) {
                            self.builder
                                .stream_membership(group.clone(), key, self.sink)?;
                        }
                    }
                }
                Err(e) if e.is_refused() => {
                    refused.get_or_insert(e);
                }
                Err(e) if e.is_not_found() => vanished.push(group),
                Err(e) => return Err(e),
            }
            if done.is_multiple_of(25) {
                self.progress("memberships", done, Some(total));
            }
        }
        drop(results);
        vanished.sort_unstable();
        moved.sort_unstable();
        for (group, (first, latest)) in &moved {
            self.builder.warning(format!(
                "group {group:?} changed while its members were read (total {first}, then \
                 {latest}); members added or removed meanwhile may be missing"
            ));
        }
        for group in &vanished {
            self.builder.warning(format!(
                "group {group:?} disappeared during the scan; its members are not listed"
            ));
        }
        let coverage = match refused {
            Some(e) => Coverage::incomplete(
                "memberships",
                Some("group/member".into()),
                format!("group members could not be read ({e}); {NEEDS_ADMIN}"),
            ),
            None if !vanished.is_empty() => Coverage::incomplete(
                "memberships",
                Some("group/member".into()),
                format!("{} groups disappeared during the scan", vanished.len()),
            ),
            // Offsets shift when a group changes between two of its pages: a member can be
            // skipped. The stated total changing is the evidence.
            None if !moved.is_empty() => Coverage::incomplete(
                "memberships",
                Some("group/member".into()),
                format!(
                    "{} groups moved during the scan (their stated totals changed while their \
                     pages were read: {}); scan again for a settled answer",
                    moved.len(),
                    moved
                        .iter()
                        .take(5)
                        .map(|(g, (a, b))| format!("{g:?} {a} → {b}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ),
            None if !self.groups_complete => Coverage::incomplete(
                "memberships",
                Some("group/member".into()),
                "only the members of the groups that could be listed are included (see groups)",
            ),
            // Holds for any data: every group is listed (`groups` complete) and each one's
            // `group/member` (inactive users included) was read to its last page, none
            // refused or gone.
            None => Coverage::complete(
                "memberships",
                "group/member for every group (nested groups' members included)",
            ),
        };
        self.builder.coverage(coverage);
        self.progress("memberships", done, Some(total));
        Ok(())
    }
}
