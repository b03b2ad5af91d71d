//! [`UserSearchSweep`]: accounts that only `user/search` can reach, found with prefix queries.
//!
//! A sweep **finds** accounts; it never proves that none is missing. A query matches users whose
//! username, e-mail or a display-name word starts with it, and Jira accepts names in any script:
//! no finite set of prefixes covers every name a directory may hold. So the scan never claims
//! `complete` from a sweep (see [`crate::wildcard`] for the claims it can make), and the sweep
//! spends its requests where accounts are likely to be:
//!
//! - the first characters of every name already known (group members, the wildcard's first
//!   page), plus `a`–`z` and `0`–`9`;
//! - a prefix at the cap is paged to its end where the server pages past the cap (9.x), and
//!   otherwise split into the characters that follow it in names already known (its own capped
//!   answer included: a thousand names under the prefix).
//!   The username equal to a split prefix is matched by no child; a server that orders its
//!   answer by username returns it within the cut, one that orders otherwise may not, and the
//!   sweep does not spend a look-up per split on that;
//! - an answer of a round size below the cap (a multiple of 50, which a lower clamp would
//!   produce) is checked with one more page, not split, until the server has served a full page
//!   (then its clamp is known not to be lower);
//! - on a server that cannot page past the cap, a prefix that the known accounts alone fill to
//!   the cap is not asked whole;
//! - a capped prefix is read by status (`includeActive`/`includeInactive`: the two together
//!   hold all of it): a status whose known accounts stay below the cap is asked whole, one that
//!   fills it is split into children, which are smaller for holding one status only.

use std::collections::{BTreeSet, HashSet, VecDeque};

use atlassian_core::{Account, Error};
use futures::StreamExt;
use futures::stream::FuturesUnordered;

use crate::api::JiraClient;
use crate::model::User;
use crate::wildcard::key_of;

/// How deep a prefix may grow before the sweep stops splitting it.
const MAX_PREFIX_CHARS: usize = 12;

/// Answers of a multiple of this size are checked with one more page.
const ROUND: usize = 50;

/// What a sweep found and spent.
#[derive(Debug, Default)]
pub struct SweepOutcome {
    /// Every account seen that the caller did not know, de-duplicated by key.
    pub users: Vec<User>,
    /// Search requests made.
    pub searches: u64,
    /// Prefixes at the cap that were split.
    pub splits: u64,
    /// Prefixes at the cap read as two searches, active and inactive accounts.
    pub status_splits: u64,
    /// Whether `startAt` paged past the cap (`None`: never asked).
    pub pages_past_cap: Option<bool>,
    /// Prefixes still at the cap at the depth limit.
    pub unresolved: Vec<String>,
    /// The first characters swept.
    pub roots: String,
}

/// Known names as sorted lower-case terms, for predictions and for the characters that follow
/// a prefix.
#[derive(Debug, Default)]
struct Terms {
    /// (term, account number): usernames, e-mails, display-name words.
    /// (term, account number): usernames, e-mails, display-name words.
    terms: BTreeSet<(String, u32)>,
    /// Each account's status (`None`: not stated).
    active: Vec<Option<bool>>,
    accounts: u32,
}

impl Terms {
    fn add(&mut self, user: &User) {
        self.add_names(
            user.name.as_deref(),
            user.email_address.as_deref(),
            user.display_name.as_deref(),
            user.active,
        );
    }

    fn add_names(
        &mut self,
        username: Option<&str>,
        email: Option<&str>,
        display: Option<&str>,
        active: Option<bool>,
    ) {
        let i = self.accounts;
        self.accounts += 1;
        self.active.push(active);
        for term in [username, email].into_iter().flatten() {
            if !term.is_empty() {
                self.terms.insert((term.to_lowercase(), i));
            }
        }
        for word in display.unwrap_or_default().split_whitespace() {
            self.terms.insert((word.to_lowercase(), i));
        }
    }

    fn starting_with<'a>(&'a self, prefix: &'a str) -> impl Iterator<Item = &'a (String, u32)> {
        self.terms
            .range((prefix.to_owned(), 0)..)
            .take_while(move |(t, _)| t.starts_with(prefix))
    }

    /// Distinct known accounts matching `prefix` with `status` (an account whose status is not
    /// stated counts as either).
    fn count(&self, prefix: &str, status: Status) -> usize {
        let mut ids: Vec<u32> = self
            .starting_with(prefix)
            .map(|(_, i)| *i)
            .filter(|&i| status.admits(self.active[i as usize]))
            .collect();
        ids.sort_unstable();
        ids.dedup();
        ids.len()
    }

    /// The characters that follow `prefix` in known terms.
    fn followers(&self, prefix: &str) -> BTreeSet<char> {
        self.starting_with(prefix)
            .filter_map(|(t, _)| t[prefix.len()..].chars().next())
            .collect()
    }

    /// The first characters of known terms.
    fn firsts(&self) -> BTreeSet<char> {
        self.terms
            .iter()
            .filter_map(|(t, _)| t.chars().next())
            .collect()
    }
}

/// First characters swept besides those of known names.
const BASE_ROOTS: &str = "abcdefghijklmnopqrstuvwxyz0123456789";

/// One request of the sweep.
#[derive(Clone, Debug)]
enum Step {
    /// The first page of a search.
    Query(Search),
    /// The page of a search from `start` on; `probe`: the first look past the cap, which tells
    /// whether the server pages past it.
    Page {
        search: Search,
        start: u64,
        probe: bool,
    },
}

/// Which accounts a search asks for (`includeActive`, `includeInactive`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Status {
    Any,
    Active,
    Inactive,
}

impl Status {
    fn admits(self, active: Option<bool>) -> bool {
        match (self, active) {
            (Self::Any, _) | (_, None) => true,
            (Self::Active, Some(a)) => a,
            (Self::Inactive, Some(a)) => !a,
        }
    }
}

/// A prefix, for accounts of a status.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Search {
    prefix: String,
    status: Status,
}

impl Search {
    fn any(prefix: String) -> Self {
        Self {
            prefix,
            status: Status::Any,
        }
    }

    fn child(&self, c: char) -> Self {
        Self {
            prefix: format!("{}{c}", self.prefix),
            status: self.status,
        }
    }
}

/// The sweep.
#[derive(Debug)]
pub struct UserSearchSweep<'a> {
    api: &'a JiraClient,
    cap: u32,
    parallelism: usize,
    pages_past_cap: Option<bool>,
    served_full_page: bool,
}

/// The sweep's state between answers.
struct State<K> {
    terms: Terms,
    /// Keys of every account an answer held.
    seen: HashSet<String>,
    /// Accounts the caller did not know.
    found: Vec<User>,
    is_known: K,
    outcome: SweepOutcome,
    queue: VecDeque<Step>,
    /// Capped prefixes waiting for the probe to tell whether to page or split them.
    parked: Vec<(Search, u64)>,
    cap: u32,
    /// Some answer held `cap` users: the server's clamp is not lower than documented.
    served_full_page: bool,
}

impl<K: Fn(&str) -> bool> State<K> {
    /// Adds users; returns how many this sweep had not seen. Only accounts the caller did not
    /// know are kept whole (on a large instance the sweep sees nearly every account).
    fn add(&mut self, users: Vec<User>) -> usize {
        let mut new = 0;
        for user in users {
            if let Some(key) = key_of(&user)
                && !self.seen.contains(&key)
            {
                new += 1;
                if !(self.is_known)(&key) {
                    self.terms.add(&user);
                    self.found.push(user);
                }
                self.seen.insert(key);
            }
        }
        new
    }

    /// Queues the first page of a search, or resolves it unasked where the accounts already
    /// known fill it (a server that cannot page past the cap).
    fn query(&mut self, search: Search) {
        // Known accounts alone fill the cap: the answer would be cut.
        if self.outcome.pages_past_cap == Some(false)
            && search.prefix.chars().count() < MAX_PREFIX_CHARS
            && self.terms.count(&search.prefix, search.status) >= self.cap as usize
        {
            self.narrow(search);
        } else {
            self.queue.push_back(Step::Query(search));
        }
    }

    /// A search at the cap on a server that cannot page past it. Its accounts are active or
    /// inactive: a status whose known accounts stay below the cap is asked whole (one search
    /// likely reads all of it; one still at the cap is narrowed in turn), and a status that
    /// fills it is split into children, which are smaller for holding one status only.
    fn narrow(&mut self, search: Search) {
        let cap = self.cap as usize;
        if search.status != Status::Any {
            return self.split(search);
        }
        let by_status = [Status::Active, Status::Inactive]
            .map(|status| (status, self.terms.count(&search.prefix, status)));
        if by_status.iter().all(|&(_, n)| n >= cap) {
            return self.split(search);
        }
        self.outcome.status_splits += 1;
        for (status, known) in by_status {
            let part = Search {
                prefix: search.prefix.clone(),
                status,
            };
            if known < cap {
                self.queue.push_back(Step::Query(part));
            } else {
                self.split(part);
            }
        }
    }

    /// A search's children: the characters that follow its prefix in known names (its own
    /// capped answer included).
    fn split(&mut self, search: Search) {
        if search.prefix.chars().count() >= MAX_PREFIX_CHARS {
            self.outcome.unresolved.push(search.prefix);
            return;
        }
        self.outcome.splits += 1;
        let mut children = self.terms.followers(&search.prefix);
        children.retain(|c| !c.is_whitespace());
        for c in children {
            self.query(search.child(c));
        }
    }

    /// A search whose answer stopped at `received` because of the cap.
    fn capped(&mut self, search: Search, received: u64) {
        match self.outcome.pages_past_cap {
            Some(true) => self.queue.push_back(Step::Page {
                search,
                start: received,
                probe: false,
            }),
            Some(false) => self.narrow(search),
            None if self.parked.is_empty() => {
                self.parked.push((search.clone(), received));
                self.queue.push_front(Step::Page {
                    search,
                    start: received,
                    probe: true,
                });
            }
            None => self.parked.push((search, received)),
        }
    }

    /// Whether a page of `len` may have more after it: full, or of a round size while the
    /// server has not yet served a full page (once it has, its clamp is not lower than the cap,
    /// and a shorter answer is the whole count).
    fn more_after(&self, len: usize) -> bool {
        len >= self.cap as usize || (!self.served_full_page && len > 0 && len.is_multiple_of(ROUND))
    }
}

impl<'a> UserSearchSweep<'a> {
    /// A sweep whose queries return at most `cap` users (1,000 on 8.x/9.x, 100 on 10.x+).
    pub fn new(api: &'a JiraClient, cap: u32, parallelism: usize) -> Self {
        Self {
            api,
            cap: cap.max(2),
            parallelism: parallelism.max(1),
            pages_past_cap: None,
            served_full_page: false,
        }
    }

    /// Whether the server already served a page of `cap` users (the wildcard's first page).
    pub fn served_full_page(mut self, served: bool) -> Self {
        self.served_full_page = served;
        self
    }

    /// What is already known of `startAt` past the cap (from the wildcard's read, or the
    /// version's documentation); `None` lets the first capped prefix tell.
    pub fn pages_past_cap(mut self, known: Option<bool>) -> Self {
        self.pages_past_cap = known;
        self
    }

    /// Runs the sweep; `known` are accounts already seen (group members, the wildcard's
    /// answer), and `is_known` tells them by key. Requests run `parallelism` at a time, each
    /// answer queueing what it calls for, so no round waits for its slowest request. The
    /// outcome's `users` are the accounts `is_known` did not know.
    pub async fn run<'k>(
        &self,
        known: impl IntoIterator<Item = &'k Account>,
        is_known: impl Fn(&str) -> bool,
    ) -> Result<SweepOutcome, Error> {
        let mut terms = Terms::default();
        for account in known {
            terms.add_names(
                account.username.as_deref(),
                account.email.as_deref(),
                account.display_name.as_deref(),
                account.active,
            );
        }
        let mut roots = terms.firsts();
        roots.extend(BASE_ROOTS.chars());
        roots.retain(|c| !c.is_whitespace());
        let mut state = State {
            terms,
            seen: HashSet::new(),
            found: Vec::new(),
            is_known,
            outcome: SweepOutcome {
                roots: roots.iter().collect(),
                pages_past_cap: self.pages_past_cap,
                ..SweepOutcome::default()
            },
            queue: VecDeque::new(),
            parked: Vec::new(),
            cap: self.cap,
            served_full_page: self.served_full_page,
        };
        for c in roots {
            state.query(Search::any(c.to_string()));
        }
        let mut running = FuturesUnordered::new();
        loop {
            while running.len() < self.parallelism
                && let Some(step) = state.queue.pop_front()
            {
                running.push(self.ask(step));
            }
            let Some(answer) = running.next().await else {
                break;
            };
            let (step, users) = answer?;
            let len = users.len();
            state.served_full_page |= len >= self.cap as usize;
            match step {
                Step::Query(search) => {
                    state.outcome.searches += 1;
                    state.add(users);
                    if len >= self.cap as usize {
                        state.capped(search, len as u64);
                    } else if state.more_after(len) {
                        // A round answer: one more page tells a lower clamp (which pages
                        // on) from an exact count.
                        state.queue.push_back(Step::Page {
                            search,
                            start: len as u64,
                            probe: false,
                        });
                    }
                }
                Step::Page {
                    search,
                    start,
                    probe,
                } => {
                    state.outcome.searches += 1;
                    let new = state.add(users);
                    if probe {
                        state.outcome.pages_past_cap = Some(new > 0);
                        for (parked, received) in std::mem::take(&mut state.parked) {
                            if parked == search && new > 0 {
                                continue;
                            }
                            state.capped(parked, received);
                        }
                    }
                    // A page of nothing new: a server that ignores `startAt` (never loop).
                    if new > 0 && state.more_after(len) {
                        state.queue.push_back(Step::Page {
                            search,
                            start: start + len as u64,
                            probe: false,
                        });
                    }
                }
            }
        }
        let mut outcome = state.outcome;
        outcome.users = state.found;
        Ok(outcome)
    }

    /// One request.
    async fn ask(&self, step: Step) -> Result<(Step, Vec<User>), Error> {
        let (search, start) = match &step {
            Step::Query(search) => (search, 0),
            Step::Page { search, start, .. } => (search, *start),
        };
        let (active, inactive) = match search.status {
            Status::Any => (true, true),
            Status::Active => (true, false),
            Status::Inactive => (false, true),
        };
        let users = self
            .api
            .user_search_by_status(&search.prefix, start, self.cap, active, inactive)
            .await?;
        Ok((step, users))
    }
}

#[cfg(test)]
mod tests;
