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
//!   answer included) plus the characters of its last one's class (a letter: `a`–`z`, `.`, `_`,
//!   `-`; a digit: `0`–`9`), and a look-up of the username equal to the prefix (which no child
//!   matches);
//! - an answer of a round size below the cap (a multiple of 50, which a lower clamp would
//!   produce) is checked with one more page, not split;
//! - on a server that cannot page past the cap, a prefix that the known accounts already fill to
//!   nine tenths of the cap is split without being asked.

use std::collections::{BTreeSet, HashMap};

use atlassian_core::Error;
use futures::{StreamExt, TryStreamExt};

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
    /// Every user seen, de-duplicated by key.
    pub users: Vec<User>,
    /// Search requests made.
    pub searches: u64,
    /// Exact username look-ups made.
    pub lookups: u64,
    /// Prefixes at the cap that were split.
    pub splits: u64,
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
    terms: Vec<(String, u32)>,
    accounts: u32,
}

impl Terms {
    fn add(&mut self, user: &User) {
        let i = self.accounts;
        self.accounts += 1;
        if let Some(name) = user.name.as_deref().filter(|n| !n.is_empty()) {
            self.terms.push((name.to_lowercase(), i));
        }
        if let Some(email) = user.email_address.as_deref().filter(|e| !e.is_empty()) {
            self.terms.push((email.to_lowercase(), i));
        }
        for word in user
            .display_name
            .as_deref()
            .unwrap_or_default()
            .split_whitespace()
        {
            self.terms.push((word.to_lowercase(), i));
        }
    }

    fn sort(&mut self) {
        self.terms.sort_unstable();
    }

    fn starting_with<'a>(&'a self, prefix: &'a str) -> impl Iterator<Item = &'a (String, u32)> {
        let start = self.terms.partition_point(|(t, _)| t.as_str() < prefix);
        self.terms[start..]
            .iter()
            .take_while(move |(t, _)| t.starts_with(prefix))
    }

    /// Distinct known accounts matching `prefix`.
    fn count(&self, prefix: &str) -> usize {
        let mut ids: Vec<u32> = self.starting_with(prefix).map(|(_, i)| *i).collect();
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

/// The characters real directories put after `c`: the same class.
fn class_of(c: char) -> &'static str {
    if c.is_ascii_digit() {
        "0123456789"
    } else if c.is_ascii_alphabetic() {
        "abcdefghijklmnopqrstuvwxyz._-"
    } else {
        ""
    }
}

/// The sweep.
#[derive(Debug)]
pub struct UserSearchSweep<'a> {
    api: &'a JiraClient,
    cap: u32,
    parallelism: usize,
    pages_past_cap: Option<bool>,
}

impl<'a> UserSearchSweep<'a> {
    /// A sweep whose queries return at most `cap` users (1,000 on 8.x/9.x, 100 on 10.x+).
    pub fn new(api: &'a JiraClient, cap: u32, parallelism: usize) -> Self {
        Self {
            api,
            cap: cap.max(2),
            parallelism: parallelism.max(1),
            pages_past_cap: None,
        }
    }

    /// What is already known of `startAt` past the cap (from the wildcard's read, or the
    /// version's documentation); `None` lets the first capped prefix tell.
    pub fn pages_past_cap(mut self, known: Option<bool>) -> Self {
        self.pages_past_cap = known;
        self
    }

    /// Runs the sweep; `known` are accounts already seen (group members, the wildcard's
    /// answer).
    pub async fn run(&self, known: &[User]) -> Result<SweepOutcome, Error> {
        let mut terms = Terms::default();
        for user in known {
            terms.add(user);
        }
        terms.sort();
        let mut roots = terms.firsts();
        roots.extend(class_of('a').chars().filter(char::is_ascii_alphabetic));
        roots.extend(class_of('0').chars());
        roots.retain(|c| !c.is_whitespace());

        let mut found: HashMap<String, User> = HashMap::new();
        let mut outcome = SweepOutcome {
            roots: roots.iter().collect(),
            pages_past_cap: self.pages_past_cap,
            ..SweepOutcome::default()
        };
        let cap = self.cap;
        let predicted_full = (cap as usize) * 9 / 10;
        let mut frontier: Vec<String> = roots.iter().map(|c| c.to_string()).collect();
        while !frontier.is_empty() {
            let cannot_page = outcome.pages_past_cap == Some(false);
            let (split_unasked, to_query): (Vec<String>, Vec<String>) =
                frontier.drain(..).partition(|p| {
                    cannot_page
                        && p.chars().count() < MAX_PREFIX_CHARS
                        && terms.count(p) >= predicted_full
                });
            let answers: Vec<(String, Vec<User>)> = futures::stream::iter(to_query)
                .map(|prefix| async move {
                    let users = self.api.user_search(&prefix, 0, cap).await?;
                    Ok::<_, Error>((prefix, users))
                })
                .buffer_unordered(self.parallelism)
                .try_collect()
                .await?;
            outcome.searches += answers.len() as u64;
            let mut capped = Vec::new();
            let mut round = Vec::new();
            let mut new_users = Vec::new();
            for (prefix, users) in answers {
                let n = users.len() as u64;
                if n >= u64::from(cap) {
                    capped.push((prefix, n));
                } else if n > 0 && users.len().is_multiple_of(ROUND) {
                    round.push((prefix, n));
                }
                new_users.extend(users);
            }
            // A round answer: one more page tells a lower clamp (which pages on) from an exact
            // count.
            let rests = self.page_rests(round).await?;
            for (_, users, requests) in rests {
                outcome.searches += requests;
                new_users.extend(users);
            }
            if outcome.pages_past_cap.is_none()
                && let Some((prefix, n)) = capped.first().cloned()
            {
                // The first prefix at the cap tells whether `startAt` pages past it.
                let (_, users, requests) = self.page_rest(prefix, n).await?;
                outcome.searches += requests;
                outcome.pages_past_cap = Some(!users.is_empty());
                if !users.is_empty() {
                    capped.remove(0);
                }
                new_users.extend(users);
            }
            let mut split = split_unasked;
            if outcome.pages_past_cap == Some(true) {
                for (_, users, requests) in self.page_rests(capped).await? {
                    outcome.searches += requests;
                    new_users.extend(users);
                }
            } else {
                for (prefix, _) in capped {
                    if prefix.chars().count() >= MAX_PREFIX_CHARS {
                        outcome.unresolved.push(prefix);
                    } else {
                        split.push(prefix);
                    }
                }
            }
            // The username equal to a split prefix matches none of its children.
            let lookups: Vec<Option<User>> = futures::stream::iter(split.iter().cloned())
                .map(|prefix| async move { self.api.user_by_username(&prefix).await })
                .buffer_unordered(self.parallelism)
                .try_collect()
                .await?;
            outcome.lookups += lookups.len() as u64;
            new_users.extend(lookups.into_iter().flatten());
            for user in new_users {
                if let Some(key) = key_of(&user)
                    && !found.contains_key(&key)
                {
                    terms.add(&user);
                    found.insert(key, user);
                }
            }
            terms.sort();
            outcome.splits += split.len() as u64;
            for prefix in split {
                let last = prefix.chars().last().unwrap_or('a');
                let mut children = terms.followers(&prefix);
                children.extend(class_of(last).chars());
                children.retain(|c| !c.is_whitespace());
                frontier.extend(children.into_iter().map(|c| format!("{prefix}{c}")));
            }
        }
        outcome.users = found.into_values().collect();
        Ok(outcome)
    }

    /// [`Self::page_rest`] for each (prefix, received), concurrently.
    async fn page_rests(
        &self,
        prefixes: Vec<(String, u64)>,
    ) -> Result<Vec<(String, Vec<User>, u64)>, Error> {
        futures::stream::iter(prefixes)
            .map(|(prefix, received)| self.page_rest(prefix, received))
            .buffer_unordered(self.parallelism)
            .try_collect()
            .await
    }

    /// The pages of `prefix` after its first `received` matches, to an empty page or a short
    /// one of a size that is not round. Returns the users and the requests made.
    async fn page_rest(
        &self,
        prefix: String,
        received: u64,
    ) -> Result<(String, Vec<User>, u64), Error> {
        let (mut users, mut requests, mut start) = (Vec::new(), 0u64, received);
        let mut seen = std::collections::HashSet::new();
        loop {
            let page = self.api.user_search(&prefix, start, self.cap).await?;
            requests += 1;
            let len = page.len() as u64;
            let before = seen.len();
            for user in page {
                if let Some(key) = key_of(&user)
                    && seen.insert(key)
                {
                    users.push(user);
                }
            }
            // A page of nothing new: a server that ignores `startAt` (never loop on it).
            let stuck = seen.len() == before;
            if stuck || (len < u64::from(self.cap) && !len.is_multiple_of(ROUND as u64)) {
                return Ok((prefix, users, requests));
            }
            start += len;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(name: &str, email: Option<&str>, display: &str) -> User {
        User {
            key: Some(name.to_uppercase()),
            name: Some(name.to_owned()),
            email_address: email.map(str::to_owned),
            display_name: Some(display.to_owned()),
            active: Some(true),
            deleted: Some(false),
        }
    }

    fn terms(users: &[User]) -> Terms {
        let mut t = Terms::default();
        for u in users {
            t.add(u);
        }
        t.sort();
        t
    }

    #[test]
    fn terms_count_distinct_accounts_over_all_fields() {
        let t = terms(&[
            user("alice", Some("alice@example.com"), "Alice Smith"),
            user("bob", Some("b.smith@example.com"), "Bob Smith"),
            user("carol", None, "Carol Alison"),
        ]);
        assert_eq!(
            t.count("ali"),
            2,
            "alice (three fields, once) and carol's surname"
        );
        assert_eq!(t.count("smith"), 2);
        assert_eq!(t.count("b"), 1);
        assert_eq!(t.count("z"), 0);
    }

    #[test]
    fn children_follow_known_names_in_any_script() {
        let t = terms(&[
            user("100231", None, "Émile Ørsted"),
            user("100299", None, "李 小龙"),
            user("ørjan", None, "Ørjan Å"),
        ]);
        assert_eq!(t.followers("1002"), BTreeSet::from(['3', '9']));
        assert_eq!(t.followers("ø"), BTreeSet::from(['r']));
        assert!(t.firsts().contains(&'李'));
        assert!(t.firsts().contains(&'é'));
    }
}
