//! [`GroupPickerSweep`]: every group through `groups/picker` when its answer to the empty query
//! was cut (10.3 clamps `maxResults`).
//!
//! The picker matches a query anywhere in a group's name and states how many groups match
//! (`total`), so a query is settled once that many names containing it have been seen; only
//! unsettled queries are refined, by one character on either side. Unlike the user search,
//! this can prove: the scan compares the distinct names found with the `total` of the empty
//! query.

use std::collections::{BTreeMap, BTreeSet, HashSet, VecDeque};

use atlassian_core::Error;
use futures::{StreamExt, TryStreamExt};

use crate::api::JiraClient;
use crate::model::GroupSuggestions;

/// The group picker's `maxResults`: large enough for any real instance, in one answer.
pub const PICKER_MAX: u32 = 1_000_000;

/// Queries longer than this are not refined further.
const MAX_QUERY_CHARS: usize = 24;

/// The sweep.
#[derive(Debug)]
pub struct GroupPickerSweep<'a> {
    api: &'a JiraClient,
    parallelism: usize,
}

impl<'a> GroupPickerSweep<'a> {
    /// A sweep that keeps `parallelism` queries in flight.
    pub fn new(api: &'a JiraClient, parallelism: usize) -> Self {
        Self {
            api,
            parallelism: parallelism.max(1),
        }
    }

    /// Adds to `names` (folded name → name as spelled) until it holds `total` groups or no
    /// query is left; `progress` hears the count after each round. Returns the queries made.
    pub async fn run(
        &self,
        names: &mut BTreeMap<String, String>,
        total: u64,
        progress: impl Fn(u64),
    ) -> Result<u64, Error> {
        let limit = names.len();
        let mut alphabet: BTreeSet<char> =
            "abcdefghijklmnopqrstuvwxyz0123456789 -_.".chars().collect();
        for name in names.keys() {
            alphabet.extend(name.chars());
        }
        let settled = |names: &BTreeMap<String, String>, q: &str, matching: u64| {
            names.keys().filter(|n| n.contains(q)).count() as u64 >= matching
        };
        let mut asked: HashSet<String> = HashSet::from([String::new()]);
        // (query, its parent and the parent's match count).
        let mut frontier: VecDeque<(String, Option<(String, u64)>)> =
            alphabet.iter().map(|c| (c.to_string(), None)).collect();
        let mut queries = 0u64;
        let api = self.api;
        let batch = self.parallelism * 2;
        while !frontier.is_empty() && (names.len() as u64) < total {
            let mut round = Vec::with_capacity(batch);
            while round.len() < batch {
                let Some((q, parent)) = frontier.pop_front() else {
                    break;
                };
                let parent_settled = parent
                    .as_ref()
                    .is_some_and(|(p, matching)| settled(names, p, *matching));
                if !parent_settled && asked.insert(q.clone()) {
                    round.push(q);
                }
            }
            let answers: Vec<(String, GroupSuggestions)> = futures::stream::iter(round)
                .map(|q| async move {
                    let answer = api.group_picker(&q, PICKER_MAX).await?;
                    Ok::<_, Error>((q, answer))
                })
                .buffer_unordered(self.parallelism)
                .try_collect()
                .await?;
            queries += answers.len() as u64;
            let mut cut = Vec::new();
            for (q, answer) in answers {
                let matching = answer.total.unwrap_or(answer.groups.len() as u64);
                if (answer.groups.len() as u64) < matching || answer.groups.len() >= limit {
                    cut.push((q, matching));
                }
                for g in answer.groups {
                    alphabet.extend(g.name.to_lowercase().chars());
                    names.insert(g.name.to_lowercase(), g.name);
                }
            }
            for (q, matching) in cut {
                if settled(names, &q, matching) || q.chars().count() >= MAX_QUERY_CHARS {
                    continue;
                }
                for c in &alphabet {
                    let parent = Some((q.clone(), matching));
                    frontier.push_back((format!("{q}{c}"), parent.clone()));
                    frontier.push_back((format!("{c}{q}"), parent));
                }
            }
            progress(names.len() as u64);
        }
        Ok(queries)
    }
}
