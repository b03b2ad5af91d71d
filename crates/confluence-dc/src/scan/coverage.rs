//! The verdicts on accounts and memberships, decided last, once every account seen anywhere
//! can be checked against the listing.

use atlassian_core::inventory::Coverage;

use super::{NEEDS_VIEW_USERS, PATH_CANNOT, REBUILD_FIX, Scanner, requests_sent, some_names};

impl Scanner<'_> {
    pub(super) fn finish_coverage(&mut self) {
        let accounts_complete = self.accounts_coverage();
        self.memberships_coverage(accounts_complete);
        self.rebuild_warning();
        let method = std::mem::take(&mut self.space_method);
        // Complete, when no problem was found, for any data: every space of a complete space
        // list (see `spaces`) had its stored permissions read whole — the REST list and
        // `/permissions/anonymous` (the list may leave anonymous grants out), or
        // `getSpacePermissionSets`, one set per permission type — nothing was refused, every
        // holder was resolved or shown not to exist, and the one grant the server does not store
        // (confluence-administrators administers every space) is added from the complete group
        // list.
        self.builder.coverage(Coverage::from_problems(
            "grants:space-permissions",
            method,
            &self.space_problems,
        ));
    }

    /// Where the member-of sweep ran: a warning with its cost (it is most of a scan's requests
    /// on a large instance) and how to avoid it.
    pub(super) fn rebuild_warning(&mut self) {
        let m = &self.memberships;
        let Some(sweep) = &m.sweep else {
            return;
        };
        let total = requests_sent(self.api).saturating_sub(self.requests_at_start);
        let why = m
            .no_query_form
            .as_deref()
            .unwrap_or("group/member?groupName= was not used");
        self.builder.warning(format!(
            "the members of {} groups ({}) were rebuilt from user/memberof, one request per account: {} of this scan's {total} requests ({} accounts), because {why} and {PATH_CANNOT}. To avoid the rebuild, {REBUILD_FIX}; or scan with --no-memberof-rebuild, which reports these groups' memberships as incomplete",
            m.unservable.len(),
            some_names(&m.unservable),
            sweep.requests,
            sweep.accounts,
        ));
    }

    /// Accounts are complete when the listing was read to its end, is not empty, (for the
    /// search) holds as many users as it states, and holds every account met elsewhere.
    pub(super) fn accounts_coverage(&mut self) -> bool {
        let listing = &self.accounts;
        let source = if listing.via_search {
            "the user search"
        } else {
            "user/list"
        };
        let missing: Vec<&String> = self
            .seen_elsewhere
            .iter()
            .filter(|k| !listing.listed.contains(*k))
            .collect();
        let method = listing.method.clone();
        let detail = if let Some(failure) = &listing.failure {
            Some(format!(
                "{failure}; only accounts seen as group members or permission holders are listed; {NEEDS_VIEW_USERS}"
            ))
        } else if listing.listed.is_empty() {
            Some(format!(
                "{source} returned no users although the token's owner exists, so the token may not view users; only accounts seen as group members or permission holders are listed; {NEEDS_VIEW_USERS}"
            ))
        } else if listing.unkeyed > 0 {
            Some(format!(
                "{source} returned {} users without a user key, which cannot be listed; only accounts with a key are",
                listing.unkeyed
            ))
        } else if listing.via_search && listing.stated_total != Some(listing.listed.len() as u64) {
            Some(match listing.stated_total {
                Some(total) => format!(
                    "the user search states {total} users but {} were received",
                    listing.listed.len()
                ),
                None => {
                    "the user search states no total, so it cannot be shown complete".to_owned()
                }
            })
        } else if !missing.is_empty() {
            let fix = if listing.via_search {
                "; the search index is stale: rebuild it (General Configuration → Content Indexing)"
            } else {
                ""
            };
            Some(format!(
                "{} accounts seen as group members or permission holders are not in {source} (e.g. {:?}); they are listed as found{fix}",
                missing.len(),
                missing.iter().take(5).collect::<Vec<_>>()
            ))
        } else {
            None
        };
        let complete = detail.is_none();
        self.builder.coverage(match detail {
            Some(detail) => Coverage::incomplete("accounts", Some(method), detail),
            // The spec's proof before 8.4: the search was read to its end, received exactly the
            // `totalSize` it states, and holds every account met anywhere else (members, holders,
            // the caller) — an index missing one of those would have shown here.
            None if listing.via_search => Coverage::complete(
                "accounts",
                format!(
                    "{method}; complete: read to the end, as many users as the stated totalSize, and every group member and permission holder among them"
                ),
            ),
            // Holds for any data: `user/list` is documented as every registered user,
            // deactivated ones included (CONFSERVER-87291), it was read until the server gave no
            // `next`, every entry had a key, and every account met anywhere else is in it (so a
            // listing that leaves users out, as Onyx warns one may, is caught when it matters).
            None => Coverage::complete(
                "accounts",
                format!(
                    "{method}; complete: read to the end, and every group member and permission holder among them"
                ),
            ),
        });
        complete
    }

    pub(super) fn memberships_coverage(&mut self, accounts_complete: bool) {
        const AWKWARD: &str = "whose names hold '/', '\\' or ';' (or are '.' or '..')";
        let m = &self.memberships;
        let mut method = format!(
            "group/{{name}}/member?expand=status for {} groups (direct members)",
            m.read
        );
        if m.read_by_query > 0 {
            method.push_str(&format!(
                "; group/member?groupName= for {} groups whose names the member resource's path cannot carry",
                m.read_by_query
            ));
        }
        if let Some(sweep) = &m.sweep {
            method.push_str(&format!(
                "; user/memberof?key= for each of {} accounts ({} requests) to rebuild {} groups {AWKWARD}, because {PATH_CANNOT} and {}",
                sweep.accounts,
                sweep.requests,
                m.unservable.len(),
                m.no_query_form
                    .as_deref()
                    .unwrap_or("group/member?groupName= was not used")
            ));
        }
        let mut problems = Vec::new();
        if self.groups.is_none() {
            problems.push("the groups could not be listed, so no memberships were read".to_owned());
        }
        if let Some(why) = &m.refused {
            problems.push(why.clone());
        }
        if !m.unservable.is_empty() {
            match &m.sweep {
                None if m.skipped => problems.push(format!(
                    "the members of {} groups {AWKWARD} were not read ({}): {PATH_CANNOT}, {}, and the user/memberof rebuild (one request per account) was skipped (--no-memberof-rebuild). For a complete answer, scan without that option, or {REBUILD_FIX}",
                    m.unservable.len(),
                    some_names(&m.unservable),
                    m.no_query_form.as_deref().unwrap_or("no member resource serves them"),
                )),
                None if self.groups.is_some() && m.refused.is_none() => problems.push(format!(
                    "the members of {} groups {AWKWARD} were not rebuilt: {}",
                    m.unservable.len(),
                    some_names(&m.unservable)
                )),
                None => {}
                Some(sweep) if sweep.refused.is_some() => problems.push(format!(
                    "user/memberof was refused ({}), so the members of {} groups {AWKWARD} are missing ({}); {NEEDS_VIEW_USERS}",
                    sweep.refused.as_deref().unwrap_or_default(),
                    m.unservable.len(),
                    some_names(&m.unservable)
                )),
                Some(_) if !accounts_complete => problems.push(format!(
                    "the members of {} groups {AWKWARD} were rebuilt from the known accounts only, and the account list is incomplete ({})",
                    m.unservable.len(),
                    some_names(&m.unservable)
                )),
                _ => {}
            }
        }
        if m.unkeyed > 0 {
            problems.push(format!(
                "{} members were listed without a user key and cannot be recorded",
                m.unkeyed
            ));
        }
        if !m.vanished.is_empty() {
            problems.push(format!(
                "{} groups disappeared during the scan",
                m.vanished.len()
            ));
        }
        // Complete, when no problem was found, for any data: the group list is complete (else a
        // problem above), and every group's direct members were read to the end — by the member
        // resource, by `group/member?groupName=` for names its path cannot carry, or, where
        // neither serves a name, rebuilt from `user/memberof` of every account of a complete
        // account list (`user/memberof` lists an account's direct groups, the other side of the
        // same relation).
        self.builder
            .coverage(Coverage::from_problems("memberships", method, &problems));
    }
}
