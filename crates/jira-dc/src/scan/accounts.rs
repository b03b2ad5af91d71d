//! The accounts: their first read, the sweep where that proves nothing, and the verdict,
//! judged last against every account seen.

use std::collections::HashSet;

use atlassian_core::Error;
use atlassian_core::inventory::Coverage;
use futures::TryStreamExt;

use super::{NEEDS_BROWSE, Scanner};
use crate::api::JiraClient;
use crate::model::User;
use crate::sweep::UserSearchSweep;
use crate::wildcard::{SearchCaps, WildcardProof, WildcardRead, key_of, read_wildcard};

/// The accounts' first read: `user/list` where the server has it, else `username=.`.
pub(super) enum FirstRead {
    Listed(Vec<User>),
    Wildcard(WildcardRead, SearchCaps),
}

impl FirstRead {
    pub(super) async fn fetch(api: &JiraClient, caps: SearchCaps) -> Result<Self, Error> {
        let listed: Result<Vec<User>, Error> = api.user_list().try_collect().await;
        match listed {
            Ok(users) => return Ok(Self::Listed(users)),
            Err(e) if e.is_not_found() => tracing::debug!("no user/list: reading user/search"),
            Err(e) if e.is_refused() => {
                tracing::debug!("user/list refused ({e}); reading user/search");
            }
            Err(e) => return Err(e),
        }
        Ok(Self::Wildcard(read_wildcard(api, caps).await?, caps))
    }
}

/// How the accounts were read; judged at the end of the scan.
pub(super) enum AccountsRoute {
    /// Not read yet.
    Pending,
    /// `user/list`, with the keys it returned.
    Listed { keys: HashSet<String> },
    /// `username=.` answered, and so far proves the list.
    Wildcard {
        read: WildcardRead,
        caps: SearchCaps,
    },
    /// Already judged.
    Decided(Coverage),
}

impl Scanner<'_> {
    /// Every account: `user/list` where the server has it; else `user/search?username=.` read
    /// to its end, and a prefix sweep where that answer cannot be shown to be every account.
    /// The verdict waits for the end of the scan ([`Self::accounts_coverage`]): a proof needs
    /// every account seen anywhere, and role actors and scheme holders come later.
    pub(super) async fn accounts(&mut self, first: FirstRead) -> Result<(), Error> {
        self.progress("accounts", 0, None);
        let (read, caps) = match first {
            FirstRead::Listed(users) => {
                let n = users.len() as u64;
                let keys = users.iter().filter_map(key_of).collect();
                for user in users {
                    self.add_user(user);
                }
                self.accounts = AccountsRoute::Listed { keys };
                self.progress("accounts", n, Some(n));
                return Ok(());
            }
            FirstRead::Wildcard(read, caps) => (read, caps),
        };
        // Before the wildcard's answer: the members and the caller.
        let known_before = self.builder.account_count();
        let mut read = read;
        for user in std::mem::take(&mut read.users) {
            self.add_user(user);
        }
        self.progress("accounts", self.builder.account_count() as u64, None);
        if !self.permissions.may_browse_users() || (read.keys.is_empty() && known_before > 1) {
            self.accounts = AccountsRoute::Decided(Coverage::incomplete(
                "accounts",
                Some(format!(
                    "user/search?username=. ({} requests)",
                    read.requests
                )),
                format!(
                    "user search returned nothing: the token's owner lacks Browse Users; only accounts seen as group members or role actors are listed; {NEEDS_BROWSE}"
                ),
            ));
            return Ok(());
        }
        match WildcardProof::judge(&read, self.known_keys()) {
            WildcardProof::Proven { .. } => {
                self.accounts = AccountsRoute::Wildcard { read, caps };
            }
            WildcardProof::Unproven(why) => {
                let coverage = self.sweep(&read, caps, &why).await?;
                self.accounts = AccountsRoute::Decided(coverage);
            }
        }
        Ok(())
    }

    /// The prefix sweep, after a wildcard answer that proves nothing; its coverage.
    pub(super) async fn sweep(
        &mut self,
        read: &WildcardRead,
        caps: SearchCaps,
        why: &str,
    ) -> Result<Coverage, Error> {
        let pages_past_cap = match read.pages_past_cap {
            Some(known) => Some(known),
            // 10.x+: documented never to page past the window (JRASERVER-78520).
            None if caps.window.is_some() && !caps.probe_past_window => Some(false),
            None => None,
        };
        let sweep = UserSearchSweep::new(self.api, caps.page, self.parallelism)
            .pages_past_cap(pages_past_cap)
            .served_full_page(read.served_full_page);
        let builder = &self.builder;
        let mut outcome = sweep
            .run(builder.accounts(), |key| {
                builder.account_by_key(key).is_some()
            })
            .await?;
        let added = outcome.users.len();
        for user in std::mem::take(&mut outcome.users) {
            self.add_user(user);
        }
        self.progress("accounts", self.builder.account_count() as u64, None);
        let unresolved = if outcome.unresolved.is_empty() {
            String::new()
        } else {
            format!(
                ", or under the {} prefixes still at the cap at {} characters ({:?})",
                outcome.unresolved.len(),
                outcome.unresolved[0].chars().count(),
                outcome.unresolved.iter().take(5).collect::<Vec<_>>()
            )
        };
        let method = format!(
            "user/search: username=. ({} accounts, {} requests), then a prefix sweep ({} searches; {} capped prefixes split, {} read as active and inactive; {} accounts added; {} a page)",
            read.keys.len(),
            read.requests,
            outcome.searches,
            outcome.splits,
            outcome.status_splits,
            added,
            caps.page
        );
        // Never complete: a sweep finds accounts, and no finite set of prefixes covers every
        // username, display name and e-mail a directory may hold.
        Ok(Coverage::incomplete(
            "accounts",
            Some(method),
            format!(
                "username=. is not a proof here ({why}); a prefix sweep finds accounts but cannot prove that none is missing: an account in no group and holding no grant whose username, display name and e-mail all begin with characters the sweep did not try (it began with {:?}){unresolved} could be missing. Jira 10.3.13+ and 11.x list every account (user/list)",
                outcome.roots
            ),
        ))
    }

    /// The accounts' coverage, once every account seen anywhere is known.
    pub(super) async fn accounts_coverage(&mut self) -> Result<Coverage, Error> {
        match std::mem::replace(&mut self.accounts, AccountsRoute::Pending) {
            AccountsRoute::Listed { keys } => {
                let missing: Vec<&String> =
                    self.known_keys().filter(|k| !keys.contains(*k)).collect();
                // Holds for any data: user/list's contract (Preparing for Jira 11.0) is every
                // user, once, read by cursor until `isLast`; and every account seen elsewhere
                // is in it (a listing that left out inactive users would fail here).
                Ok(match missing.first() {
                    None => {
                        Coverage::complete("accounts", format!("user/list ({} users)", keys.len()))
                    }
                    Some(first) => Coverage::incomplete(
                        "accounts",
                        Some(format!("user/list ({} users)", keys.len())),
                        format!(
                            "user/list left out {} accounts seen as group members, role actors or scheme holders (e.g. {first:?}), so it is not every account on this server; those are listed, others like them could be missing",
                            missing.len()
                        ),
                    ),
                })
            }
            AccountsRoute::Wildcard { read, caps } => {
                match WildcardProof::judge(&read, self.known_keys()) {
                    // Holds for any data: the answer was read to its end past every documented
                    // window, a dot-free witness rules out the dot-only reading, and every account
                    // seen anywhere else is in it (see `crate::wildcard`).
                    WildcardProof::Proven { witness } => Ok(Coverage::complete(
                        "accounts",
                        format!(
                            "user/search?username=. read to its end ({} accounts in {} requests), holding every account seen elsewhere, and {witness:?}, which has no '.' in its username, display name or e-mail",
                            read.keys.len(),
                            read.requests
                        ),
                    )),
                    WildcardProof::Unproven(why) => self.sweep(&read, caps, &why).await,
                }
            }
            AccountsRoute::Decided(coverage) => Ok(coverage),
            AccountsRoute::Pending => unreachable!("the accounts' coverage is decided once"),
        }
    }
}
