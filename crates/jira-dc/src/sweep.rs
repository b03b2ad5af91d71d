//! [`UserSearchSweep`]: every account through `user/search`, which caps its answers silently
//! (the first 1,000 matches on 8.x/9.x, 100 on 10.x) and has no total.
//!
//! A query matches users whose username, e-mail or a display-name word starts with it. Every
//! user is matched by the first character of their username; a prefix whose answer is below the
//! cap is therefore complete for every username starting with it. A prefix at the cap is split
//! into one child per character of the alphabet, plus a look-up of the username equal to the
//! prefix itself (the only username no child matches). When no query is left at the cap, every
//! username made of the alphabet's characters has been seen: that is the proof.
//!
//! Where the server lets `startAt` page past the cap (9.x), a prefix at the cap is paged
//! through instead of split: the first capped prefix tells which kind of server this is.
//!
//! Frugality: accounts already known (from group members) predict how many users a prefix
//! matches. On a server that cannot page past the cap, a prefix predicted to be at the cap is
//! split without asking it first, so the requests go to prefixes that answer in one page.

use std::collections::{BTreeSet, HashMap};

use atlassian_core::Error;
use futures::{StreamExt, TryStreamExt};

use crate::api::JiraClient;
use crate::model::User;

/// Characters usernames are built from, besides those seen in known usernames.
const BASE_ALPHABET: &str = "abcdefghijklmnopqrstuvwxyz0123456789._-@'+";

/// How deep a prefix may grow before the sweep gives up proving (a directory where more than
/// the cap share a 12-character prefix).
const MAX_PREFIX_CHARS: usize = 12;

/// What a sweep found.
#[derive(Debug, Default)]
pub struct SweepOutcome {
    /// Every user seen, de-duplicated by key.
    pub users: Vec<User>,
    /// Search requests made.
    pub searches: u64,
    /// Exact username look-ups made.
    pub lookups: u64,
    /// Whether `startAt` paged past the cap (`None`: no query was capped).
    pub pages_past_cap: Option<bool>,
    /// Prefixes still at the cap at the depth limit: a proof failure when not empty.
    pub unresolved: Vec<String>,
    /// The characters children were made of.
    pub alphabet: String,
}

impl SweepOutcome {
    /// No query was left at the cap.
    pub fn is_complete(&self) -> bool {
        self.unresolved.is_empty()
    }
}

/// Predicts how many users a prefix matches, from the accounts already known.
#[derive(Debug, Default)]
struct Predictor {
    /// (lower-case term, account number): usernames, e-mails, display-name words.
    terms: Vec<(String, u32)>,
}

impl Predictor {
    fn new(known: &[User]) -> Self {
        let mut terms = Vec::with_capacity(known.len() * 4);
        for (i, user) in known.iter().enumerate() {
            let i = i as u32;
            if let Some(name) = &user.name {
                terms.push((name.to_lowercase(), i));
            }
            if let Some(email) = user.email_address.as_deref().filter(|e| !e.is_empty()) {
                terms.push((email.to_lowercase(), i));
            }
            for word in user
                .display_name
                .as_deref()
                .unwrap_or_default()
                .split_whitespace()
            {
                terms.push((word.to_lowercase(), i));
            }
        }
        terms.sort_unstable();
        Self { terms }
    }

    /// Distinct known accounts matching `prefix`.
    fn count(&self, prefix: &str) -> usize {
        let start = self.terms.partition_point(|(t, _)| t.as_str() < prefix);
        let mut ids: Vec<u32> = self.terms[start..]
            .iter()
            .take_while(|(t, _)| t.starts_with(prefix))
            .map(|(_, i)| *i)
            .collect();
        ids.sort_unstable();
        ids.dedup();
        ids.len()
    }
}

/// The sweep.
#[derive(Debug)]
pub struct UserSearchSweep<'a> {
    api: &'a JiraClient,
    cap: u32,
    parallelism: usize,
}

impl<'a> UserSearchSweep<'a> {
    /// A sweep whose queries return at most `cap` users (1,000 on 8.x/9.x, 100 on 10.x).
    pub fn new(api: &'a JiraClient, cap: u32, parallelism: usize) -> Self {
        Self {
            api,
            cap: cap.max(2),
            parallelism: parallelism.max(1),
        }
    }

    /// Runs the sweep; `known` are accounts already seen (group members, role actors).
    pub async fn run(&self, known: &[User]) -> Result<SweepOutcome, Error> {
        let predictor = Predictor::new(known);
        let mut alphabet: BTreeSet<char> = BASE_ALPHABET.chars().collect();
        for user in known {
            alphabet.extend(
                user.name
                    .as_deref()
                    .unwrap_or_default()
                    .to_lowercase()
                    .chars(),
            );
        }
        alphabet.retain(|c| !c.is_whitespace());
        let alphabet: Vec<char> = alphabet.into_iter().collect();

        let mut found: HashMap<String, User> = HashMap::new();
        let mut outcome = SweepOutcome {
            alphabet: alphabet.iter().collect(),
            ..SweepOutcome::default()
        };
        let mut frontier: Vec<String> = alphabet.iter().map(|c| c.to_string()).collect();
        // Predicted-full prefixes are split without a query; keep a margin for unknown users.
        let predicted_full = (self.cap as usize) * 9 / 10;
        let cap = self.cap;
        let add = |users: Vec<User>, found: &mut HashMap<String, User>| {
            for user in users {
                if let Some(key) = user.key.clone().or_else(|| user.name.clone()) {
                    found.entry(key).or_insert(user);
                }
            }
        };
        while !frontier.is_empty() {
            let mut to_query = Vec::new();
            let mut split = Vec::new();
            for prefix in frontier.drain(..) {
                let cannot_page = outcome.pages_past_cap == Some(false);
                if cannot_page
                    && predictor.count(&prefix) >= predicted_full
                    && prefix.chars().count() < MAX_PREFIX_CHARS
                {
                    split.push(prefix);
                } else {
                    to_query.push(prefix);
                }
            }
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
            for (prefix, users) in answers {
                if looks_capped(users.len(), cap) {
                    capped.push((prefix, users.len() as u64));
                }
                add(users, &mut found);
            }
            if outcome.pages_past_cap.is_none() {
                // The first prefix at the full cap tells whether `startAt` pages past it.
                if let Some(i) = capped.iter().position(|(_, n)| *n >= u64::from(cap)) {
                    let (prefix, received) = capped.remove(i);
                    let (users, requests) = self.page_rest(&prefix, received).await?;
                    outcome.searches += requests;
                    outcome.pages_past_cap = Some(!users.is_empty());
                    if users.is_empty() {
                        capped.push((prefix, received));
                    }
                    add(users, &mut found);
                }
            }
            if outcome.pages_past_cap == Some(true) {
                // Page each capped prefix to its end instead of splitting it.
                let rests: Vec<(Vec<User>, u64)> = futures::stream::iter(capped.drain(..))
                    .map(
                        |(prefix, received)| async move { self.page_rest(&prefix, received).await },
                    )
                    .buffer_unordered(self.parallelism)
                    .try_collect()
                    .await?;
                for (users, requests) in rests {
                    outcome.searches += requests;
                    add(users, &mut found);
                }
            }
            for (prefix, _) in capped {
                if prefix.chars().count() >= MAX_PREFIX_CHARS {
                    outcome.unresolved.push(prefix);
                } else {
                    split.push(prefix);
                }
            }
            // The username equal to a split prefix matches none of its children.
            let lookups: Vec<Option<User>> = futures::stream::iter(split.iter().cloned())
                .map(|prefix| async move { self.api.user_by_username(&prefix).await })
                .buffer_unordered(self.parallelism)
                .try_collect()
                .await?;
            outcome.lookups += lookups.len() as u64;
            add(lookups.into_iter().flatten().collect(), &mut found);
            for prefix in split {
                frontier.extend(alphabet.iter().map(|c| format!("{prefix}{c}")));
            }
        }
        outcome.users = found.into_values().collect();
        Ok(outcome)
    }
}

impl UserSearchSweep<'_> {
    /// The pages of `prefix` after the first `received` matches, to a short page. Returns the
    /// users and the requests made.
    async fn page_rest(&self, prefix: &str, received: u64) -> Result<(Vec<User>, u64), Error> {
        let (mut users, mut requests, mut start) = (Vec::new(), 0u64, received);
        loop {
            let page = self.api.user_search(prefix, start, self.cap).await?;
            requests += 1;
            let len = page.len() as u64;
            users.extend(page);
            if len < u64::from(self.cap) {
                return Ok((users, requests));
            }
            start += len;
        }
    }
}

/// Whether an answer of `len` users may have been cut: at the cap asked for, or a round hundred
/// (a server that clamps lower than its version documents must not pass for complete).
fn looks_capped(len: usize, cap: u32) -> bool {
    len >= cap as usize || (len >= 100 && len.is_multiple_of(100))
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

    #[test]
    fn round_answers_count_as_capped() {
        assert!(looks_capped(1000, 1000));
        assert!(looks_capped(100, 1000));
        assert!(!looks_capped(999, 1000));
        assert!(!looks_capped(99, 100));
        assert!(looks_capped(100, 100));
    }

    #[test]
    fn the_predictor_counts_distinct_accounts_over_all_fields() {
        let p = Predictor::new(&[
            user("alice", Some("alice@example.com"), "Alice Smith"),
            user("bob", Some("b.smith@example.com"), "Bob Smith"),
            user("carol", None, "Carol Alison"),
        ]);
        assert_eq!(
            p.count("ali"),
            2,
            "alice (three fields, once) and carol's surname"
        );
        assert_eq!(p.count("smith"), 2);
        assert_eq!(p.count("b"), 1);
        assert_eq!(p.count("z"), 0);
    }
}
