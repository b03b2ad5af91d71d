//! Look-up structures over a dataset, built once when the server starts, so that a 200,000-user
//! instance answers a search or a member page without scanning everything.

use std::collections::HashMap;

use crate::dataset::{Dataset, WildcardReading};

/// Indexes over a [`Dataset`]. Names are folded to lower case where the servers compare them
/// case-insensitively.
#[derive(Debug)]
pub struct Index {
    /// User indexes in username order (case-insensitive).
    pub users_by_username: Vec<u32>,
    /// A user's position in `users_by_username`.
    pub username_rank: Vec<u32>,
    /// Lower-case username → user.
    pub user_by_username: HashMap<String, u32>,
    /// Key → user.
    pub user_by_key: HashMap<String, u32>,
    /// Lower-case group name → group.
    pub group_by_name: HashMap<String, u32>,
    /// Group indexes in name order (case-insensitive).
    pub groups_by_name: Vec<u32>,
    /// Direct members of each group, in username order.
    pub direct_members: Vec<Vec<u32>>,
    /// Members of each group and its nested groups, in username order.
    pub effective_members: Vec<Vec<u32>>,
    /// Groups each user is a direct member of, in name order.
    pub direct_groups: Vec<Vec<u32>>,
    /// Groups each user is an effective member of (nested included), in name order.
    pub effective_groups: Vec<Vec<u32>>,
    /// (lower-case search term, user): usernames, e-mails and display-name words, sorted.
    search_terms: Vec<(String, u32)>,
    /// Users with a `.` in their username, e-mail or display name, in username order.
    pub dotted: Vec<u32>,
}

impl Index {
    /// Builds the indexes.
    pub fn new(data: &Dataset) -> Self {
        let mut users_by_username: Vec<u32> = (0..data.users.len() as u32).collect();
        users_by_username.sort_by_cached_key(|&u| data.users[u as usize].username.to_lowercase());
        let mut username_rank = vec![0u32; data.users.len()];
        for (rank, &u) in users_by_username.iter().enumerate() {
            username_rank[u as usize] = rank as u32;
        }
        let by_rank = |list: &mut Vec<u32>| list.sort_by_key(|&u| username_rank[u as usize]);

        let mut groups_by_name: Vec<u32> = (0..data.groups.len() as u32).collect();
        groups_by_name.sort_by_cached_key(|&g| data.groups[g as usize].name.to_lowercase());
        let mut group_rank = vec![0u32; data.groups.len()];
        for (rank, &g) in groups_by_name.iter().enumerate() {
            group_rank[g as usize] = rank as u32;
        }

        let mut direct_members = Vec::with_capacity(data.groups.len());
        let mut effective_members = Vec::with_capacity(data.groups.len());
        let mut direct_groups = vec![Vec::new(); data.users.len()];
        let mut effective_groups = vec![Vec::new(); data.users.len()];
        for (g, group) in data.groups.iter().enumerate() {
            let mut direct = group.members.clone();
            direct.sort_unstable();
            direct.dedup();
            by_rank(&mut direct);
            for &u in &direct {
                direct_groups[u as usize].push(g as u32);
            }
            direct_members.push(direct);
            let mut effective = if group.subgroups.is_empty() {
                direct_members[g].clone()
            } else {
                data.effective_members(g as u32)
            };
            by_rank(&mut effective);
            for &u in &effective {
                effective_groups[u as usize].push(g as u32);
            }
            effective_members.push(effective);
        }
        for list in direct_groups.iter_mut().chain(effective_groups.iter_mut()) {
            list.sort_by_key(|&g| group_rank[g as usize]);
        }

        let mut search_terms = Vec::with_capacity(data.users.len() * 4);
        let mut dotted = Vec::new();
        for (u, user) in data.users.iter().enumerate() {
            let u = u as u32;
            search_terms.push((user.username.to_lowercase(), u));
            if let Some(email) = &user.email {
                search_terms.push((email.to_lowercase(), u));
            }
            for word in user.display_name.split_whitespace() {
                search_terms.push((word.to_lowercase(), u));
            }
            let has_dot = user.username.contains('.')
                || user.display_name.contains('.')
                || user.email.as_deref().is_some_and(|e| e.contains('.'));
            if has_dot {
                dotted.push(u);
            }
        }
        search_terms.sort_unstable();
        by_rank(&mut dotted);

        Self {
            user_by_username: data
                .users
                .iter()
                .enumerate()
                .map(|(u, user)| (user.username.to_lowercase(), u as u32))
                .collect(),
            user_by_key: data
                .users
                .iter()
                .enumerate()
                .map(|(u, user)| (user.key.clone(), u as u32))
                .collect(),
            group_by_name: data
                .groups
                .iter()
                .enumerate()
                .map(|(g, group)| (group.name.to_lowercase(), g as u32))
                .collect(),
            users_by_username,
            username_rank,
            groups_by_name,
            direct_members,
            effective_members,
            direct_groups,
            effective_groups,
            search_terms,
            dotted,
        }
    }

    /// Users with a username, e-mail or display-name word starting with `prefix`
    /// (case-insensitive), in username order. `.` reads as `dot_query` says: every user
    /// ([`WildcardReading::MatchAll`]) or every user with a dot anywhere in those fields
    /// ([`WildcardReading::DotOnly`]).
    pub fn search(&self, prefix: &str, dot_query: WildcardReading) -> Vec<u32> {
        if prefix == "." {
            return match dot_query {
                WildcardReading::MatchAll => self.users_by_username.clone(),
                WildcardReading::DotOnly => self.dotted.clone(),
            };
        }
        let prefix = prefix.to_lowercase();
        let start = self
            .search_terms
            .partition_point(|(term, _)| term.as_str() < prefix.as_str());
        let mut found: Vec<u32> = self.search_terms[start..]
            .iter()
            .take_while(|(term, _)| term.starts_with(&prefix))
            .map(|(_, u)| *u)
            .collect();
        found.sort_unstable_by_key(|&u| self.username_rank[u as usize]);
        found.dedup();
        found
    }

    /// A user by username (case-insensitive).
    pub fn user(&self, username: &str) -> Option<u32> {
        self.user_by_username.get(&username.to_lowercase()).copied()
    }

    /// A group by name (case-insensitive).
    pub fn group(&self, name: &str) -> Option<u32> {
        self.group_by_name.get(&name.to_lowercase()).copied()
    }
}
