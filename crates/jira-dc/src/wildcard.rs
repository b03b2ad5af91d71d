//! [`read_wildcard`]: `user/search?username=.` read to its end, and [`WildcardProof`]: whether
//! that answer can stand for every account.
//!
//! Atlassian's Data Center App Performance Toolkit documents `username="."` as "search for all
//! users" (`jira_clients.py get_users`), and JRASERVER-65089 reproduces the 1,000-result cap with
//! it. A third-party note (PipesHub) reads it as matching only users with a `.` somewhere
//! ("nearly every user matches (emails contain a '.')"). The answer proves the account list
//! only when all three hold, each for any data:
//!
//! 1. **It was read to its end**: a page shorter than the page size, past every total window
//!    the server's version documents (8.x: the first 1,000 matches, JRASERVER-65089, unless the
//!    server is seen to page past them; 10.x+: the first 100, JRASERVER-78520). A round total
//!    (a multiple of 50, e.g. a server that serves fewer per page than its version documents)
//!    is checked with one more page.
//! 2. **It is match-all here, by witness**: it holds an account with no `.` in its username,
//!    its display name or its e-mail (shown and dot-free, or absent where other accounts show
//!    theirs, so not hidden). Under the dot-only reading no such account can be in the answer,
//!    so a witness rules that reading out.
//! 3. **It holds every account known from elsewhere** (group members, role actors, scheme
//!    holders, the caller): one missing means the wildcard is not match-all on this server.

use std::collections::HashSet;

use atlassian_core::Error;

use crate::api::JiraClient;
use crate::model::User;

/// The wildcard query.
pub const WILDCARD: &str = ".";

/// Totals of this size are checked with one more page (a server may serve fewer per page than
/// its version documents, and a short page of a round size is what that looks like).
const ROUND: u64 = 50;

/// How a version's `user/search` caps its answers (§3.2 of the reference).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SearchCaps {
    /// The largest page (`maxResults` is clamped to it silently).
    pub page: u32,
    /// Only the first `window` matches are reachable at any `startAt`, by the version's
    /// documentation; `None`: `startAt` pages past the page size.
    pub window: Option<u64>,
    /// Whether to look past the window once: a server may have a fix its version is not known
    /// to carry (JRASERVER-65089's fix version is not documented).
    pub probe_past_window: bool,
}

impl SearchCaps {
    /// The caps of Jira `major`: ≤ 8.x the first 1,000 matches (JRASERVER-65089); 9.x 1,000 a
    /// page with `startAt` paging past it (JRASERVER-78660); 10.x+ the first 100
    /// (JRASERVER-78520, "not a bug").
    pub fn for_major(major: u32) -> Self {
        match major {
            0..=8 => Self {
                page: 1000,
                window: Some(1000),
                probe_past_window: true,
            },
            9 => Self {
                page: 1000,
                window: None,
                probe_past_window: false,
            },
            _ => Self {
                page: 100,
                window: Some(100),
                probe_past_window: false,
            },
        }
    }
}

/// How a read of the wildcard ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WildcardEnd {
    /// A short page past every documented window: the whole answer was read.
    Whole,
    /// The answer stopped at a total window the server's version documents.
    Window(u64),
    /// A page brought nothing new (a stuck `startAt`).
    Stuck,
    /// The server served at most this many a page, fewer than its version documents, and the
    /// answer ended on a page boundary: a window of its own could explain that end.
    LowerClamp(u64),
}

/// What the wildcard read found.
#[derive(Debug)]
pub struct WildcardRead {
    /// Every user in the answer, de-duplicated by key.
    pub users: Vec<User>,
    /// The keys of `users`.
    pub keys: HashSet<String>,
    /// Requests made.
    pub requests: u64,
    /// How it ended.
    pub end: WildcardEnd,
    /// Whether a page past the page size brought users (`None`: never asked).
    pub pages_past_cap: Option<bool>,
    /// Some page held the documented page size: the server's clamp is not lower.
    pub served_full_page: bool,
    /// The username of an account in the answer that the dot-only reading could not have
    /// matched ([`dotless_witness`]), kept when `users` are handed on.
    pub witness: Option<String>,
}

/// A user's key as the inventory records it (the username on servers without keys).
pub fn key_of(user: &User) -> Option<String> {
    user.key
        .clone()
        .or_else(|| user.name.clone())
        .filter(|k| !k.is_empty())
}

/// Reads `user/search?username=.` (inactive users included) to its end or to the window that
/// stops it.
pub async fn read_wildcard(api: &JiraClient, caps: SearchCaps) -> Result<WildcardRead, Error> {
    let mut read = WildcardRead {
        users: Vec::new(),
        keys: HashSet::new(),
        requests: 0,
        end: WildcardEnd::Whole,
        pages_past_cap: None,
        served_full_page: false,
        witness: None,
    };
    let mut window = caps.window;
    let mut start = 0u64;
    let (mut nonempty_pages, mut largest, mut received) = (0u32, 0u64, 0u64);
    loop {
        if received > 0 {
            nonempty_pages += 1;
        }
        let page = api.user_search(WILDCARD, start, caps.page).await?;
        read.requests += 1;
        received = page.len() as u64;
        largest = largest.max(received);
        read.served_full_page |= received >= u64::from(caps.page);
        let mut new = 0u64;
        for user in page {
            if let Some(key) = key_of(&user)
                && read.keys.insert(key)
            {
                read.users.push(user);
                new += 1;
            }
        }
        if start >= u64::from(caps.page) {
            let brought = new > 0;
            read.pages_past_cap = Some(read.pages_past_cap.unwrap_or(false) || brought);
            if brought && window.is_some_and(|w| start >= w) {
                // The server pages past the window its version documents: no window here.
                window = None;
            }
        }
        start += received;
        if received == 0 {
            break;
        }
        if new == 0 {
            read.end = WildcardEnd::Stuck;
            break;
        }
        let total = read.keys.len() as u64;
        let short = received < u64::from(caps.page);
        if short && !total.is_multiple_of(ROUND) {
            break;
        }
        if let Some(w) = window
            && start >= w
            && !(caps.probe_past_window && start == w)
        {
            // At the documented window, and it is not worth (or no longer worth) a look past.
            break;
        }
    }
    read.witness = dotless_witness(&read.users).and_then(|u| u.name.clone());
    if read.end == WildcardEnd::Stuck {
        return Ok(read);
    }
    let total = read.keys.len() as u64;
    if let Some(w) = window
        && total >= w
    {
        read.end = WildcardEnd::Window(w);
    } else if received == 0 && nonempty_pages >= 2 && largest < u64::from(caps.page) {
        // Pages smaller than documented, then nothing: not the documented contract, so an
        // empty page is no proof of the end.
        read.end = WildcardEnd::LowerClamp(largest);
    }
    Ok(read)
}

/// An account in the answer that the dot-only reading could not have matched: no `.` in its
/// username or display name, and an e-mail that is shown without a `.`, or absent while other
/// accounts in the answer show theirs (so e-mails are not hidden on this instance).
pub fn dotless_witness(users: &[User]) -> Option<&User> {
    let emails_shown = users
        .iter()
        .any(|u| u.email_address.as_deref().is_some_and(|e| !e.is_empty()));
    users.iter().find(|u| {
        let no_dot = |s: Option<&str>| !s.unwrap_or_default().contains('.');
        let email_ok = match u.email_address.as_deref().filter(|e| !e.is_empty()) {
            Some(email) => !email.contains('.'),
            None => emails_shown,
        };
        u.name.as_deref().is_some_and(|n| !n.is_empty())
            && no_dot(u.name.as_deref())
            && no_dot(u.display_name.as_deref())
            && email_ok
    })
}

/// The verdict on a wildcard answer, given every account key known from elsewhere.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WildcardProof {
    /// Every account: the three conditions of the module hold.
    Proven {
        /// The witness's username.
        witness: String,
    },
    /// Not a proof, and why.
    Unproven(String),
}

impl WildcardProof {
    /// Judges `read` against `known` (keys of accounts seen anywhere else).
    pub fn judge<'a>(read: &WildcardRead, known: impl IntoIterator<Item = &'a String>) -> Self {
        match read.end {
            WildcardEnd::Whole => {}
            WildcardEnd::Window(w) => {
                return Self::Unproven(format!(
                    "the answer stopped at the first {w} matches, the window this version documents"
                ));
            }
            WildcardEnd::Stuck => {
                return Self::Unproven(
                    "a page past the first brought only accounts already seen".to_owned(),
                );
            }
            WildcardEnd::LowerClamp(n) => {
                return Self::Unproven(format!(
                    "the server served at most {n} accounts a page, fewer than its version documents, and the answer ended on a page boundary"
                ));
            }
        }
        let missing: Vec<&String> = known
            .into_iter()
            .filter(|k| !read.keys.contains(*k))
            .collect();
        if let Some(first) = missing.first() {
            return Self::Unproven(format!(
                "{} accounts known from group members, role actors or scheme holders are not in its answer (e.g. {first:?}), so it is not match-all on this server",
                missing.len()
            ));
        }
        match &read.witness {
            Some(witness) => Self::Proven {
                witness: witness.clone(),
            },
            None => Self::Unproven(
                "every account in its answer has a '.' in its username, display name or e-mail (or a hidden e-mail), so it cannot be told from a search for a literal '.'".to_owned(),
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::test_user as user;

    fn read(users: Vec<User>, end: WildcardEnd) -> WildcardRead {
        WildcardRead {
            keys: users.iter().filter_map(key_of).collect(),
            witness: dotless_witness(&users).and_then(|u| u.name.clone()),
            users,
            requests: 1,
            end,
            pages_past_cap: None,
            served_full_page: false,
        }
    }

    #[test]
    fn a_witness_has_no_dot_anywhere_and_no_hidden_email() {
        let dotted = user("a.b", Some("a.b@example.com"), "A B");
        let hidden = user("bob", None, "Bob");
        // `a.b` shows an e-mail, so e-mails are shown here and bob has none.
        assert_eq!(
            dotless_witness(&[dotted.clone(), hidden.clone()])
                .unwrap()
                .name
                .as_deref(),
            Some("bob")
        );
        assert!(
            dotless_witness(std::slice::from_ref(&hidden)).is_none(),
            "alone, bob's e-mail may be hidden"
        );
        let mailed = user("carol", Some("carol@localhost"), "Carol");
        assert_eq!(
            dotless_witness(std::slice::from_ref(&mailed))
                .unwrap()
                .name
                .as_deref(),
            Some("carol")
        );
        let dotted_display = user("dave", Some("dave@localhost"), "Dave Jr.");
        assert!(dotless_witness(&[dotted_display]).is_none());
    }

    #[test]
    fn a_proof_needs_the_whole_answer_every_known_account_and_a_witness() {
        let users = vec![
            user("a.b", Some("a.b@example.com"), "A B"),
            user("carol", Some("carol@localhost"), "Carol"),
        ];
        let known = ["A.B".to_owned(), "CAROL".to_owned()];
        assert!(matches!(
            WildcardProof::judge(&read(users.clone(), WildcardEnd::Whole), &known),
            WildcardProof::Proven { .. }
        ));
        assert!(matches!(
            WildcardProof::judge(&read(users.clone(), WildcardEnd::Window(1000)), &known),
            WildcardProof::Unproven(_)
        ));
        let more = ["ZED".to_owned()];
        assert!(matches!(
            WildcardProof::judge(&read(users.clone(), WildcardEnd::Whole), &more),
            WildcardProof::Unproven(_)
        ));
        let no_witness = vec![users[0].clone()];
        assert!(matches!(
            WildcardProof::judge(&read(no_witness, WildcardEnd::Whole), &known[..1]),
            WildcardProof::Unproven(_)
        ));
    }
}
