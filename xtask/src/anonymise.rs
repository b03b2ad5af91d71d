//! Anonymisation of a recording before anything is written: host names, user keys, usernames,
//! display names, e-mails, group names, project and space names (and personal space keys, which
//! hold usernames) are replaced by deterministic pseudonyms — the same input gives the same
//! pseudonym in every file, so references still line up and a replay still works.
//!
//! What is sensitive is taken from the inventory the recorded scan produced: it holds exactly
//! the names the scan found. They are replaced wherever they occur: whole JSON strings, inside
//! longer strings (links, HTML, e-mails), in decoded path segments and query values, and in the
//! kept headers. Names every instance has (`jira-administrators`, `confluence-users`, …) are kept:
//! scans rely on them.

use std::collections::{BTreeMap, BTreeSet};

use atlassian_core::Inventory;
use atlassian_core::record::{Body, Exchange};
use atlassian_core::target::encode_path_segment;
use serde_json::Value;

/// Names that are the same on every instance and that scans look for.
const WELL_KNOWN: [&str; 8] = [
    "jira-administrators",
    "jira-software-users",
    "jira-servicedesk-users",
    "jira-core-users",
    "jira-users",
    "confluence-administrators",
    "confluence-users",
    "anonymous",
];

/// Shorter names are replaced only where they are a whole value: inside longer text they match
/// too much that is not them.
const MIN_SUBSTRING_CHARS: usize = 4;

/// The mapping from original values to pseudonyms.
#[derive(Debug, Default)]
pub struct Anonymiser {
    /// Original → pseudonym.
    map: BTreeMap<String, String>,
    /// Category → how many values.
    counts: BTreeMap<&'static str, usize>,
    /// Originals long enough to be replaced inside text, longest first.
    by_length: Vec<String>,
}

/// A stable pseudonym: a category, the original's characters other than ASCII letters and
/// digits (each once: they change how a scan proceeds — a `/` in a group name, a `.` or an `é` in
/// a username), and 10 hex digits of a fixed-key FNV-1a hash.
fn pseudonym(category: &str, original: &str) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in category.bytes().chain([0]).chain(original.bytes()) {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    let mut kept = String::new();
    for c in original.chars().filter(|c| !c.is_ascii_alphanumeric()) {
        if !kept.contains(c) {
            kept.push(c);
        }
    }
    format!("{category}-{kept}{:010x}", hash & 0xff_ffff_ffff)
}

fn host_of(url: &str) -> Option<String> {
    let parsed = url::Url::parse(url).ok()?;
    parsed.host_str().map(str::to_owned)
}

impl Anonymiser {
    /// The mapping for what `inventory` found, plus every host named in the recording.
    pub fn from_scan(inventory: &Inventory, exchanges: &[Exchange]) -> Self {
        let mut a = Self::default();
        if let Some(host) = host_of(&inventory.system.base_url) {
            a.add("host", &host);
        }
        for exchange in exchanges {
            if let Body::Json(value) = &exchange.body {
                collect_hosts(value, &mut |host| a.add("host", host));
            }
        }
        if let Some(title) = &inventory.system.title {
            a.add("title", title);
        }
        a.add("user", &inventory.scanned_as.username);
        a.add("userkey", &inventory.scanned_as.key);
        for account in &inventory.accounts {
            a.add("userkey", &account.key);
            if let Some(u) = &account.username {
                a.add("user", u);
            }
            if let Some(d) = &account.display_name {
                a.add("name", d);
            }
            if let Some(e) = &account.email {
                let local = e.split('@').next().unwrap_or(e);
                a.map
                    .entry(e.clone())
                    .or_insert_with(|| format!("{}@example.invalid", pseudonym("mail", local)));
                *a.counts.entry("email").or_default() += 1;
            }
        }
        for group in &inventory.groups {
            a.add("group", &group.name);
        }
        for resource in &inventory.resources {
            if let Some(name) = &resource.name {
                a.add(resource.resource_type.as_str(), name);
            }
            // Personal space keys are usernames.
            if resource.key.starts_with('~') {
                a.map
                    .entry(resource.key.clone())
                    .or_insert_with(|| format!("~{}", pseudonym("user", &resource.key[1..])));
            }
        }
        let mut originals: Vec<String> = a
            .map
            .keys()
            .filter(|k| k.chars().count() >= MIN_SUBSTRING_CHARS)
            .cloned()
            .collect();
        originals.sort_by_key(|k| std::cmp::Reverse(k.len()));
        a.by_length = originals;
        a
    }

    fn add(&mut self, category: &'static str, original: &str) {
        if original.is_empty() || WELL_KNOWN.contains(&original) {
            return;
        }
        if !self.map.contains_key(original) {
            self.map
                .insert(original.to_owned(), pseudonym(category, original));
            *self.counts.entry(category).or_default() += 1;
        }
    }

    /// The pseudonym of a whole value, or the value with the originals inside it replaced. A
    /// reference string (`group:dev`) maps its name as a whole value.
    pub fn whole(&self, value: &str) -> String {
        if let Some(p) = self.map.get(value) {
            return p.clone();
        }
        if let Some((kind, rest)) = value.split_once(':') {
            const KINDS: [&str; 7] = [
                "account",
                "group",
                "role",
                "application",
                "special",
                "project",
                "space",
            ];
            if KINDS.contains(&kind)
                && let Some(p) = self.map.get(rest)
            {
                return format!("{kind}:{p}");
            }
        }
        self.text(value)
    }

    /// Every long-enough original inside `text` replaced.
    pub fn text(&self, text: &str) -> String {
        if let Some(p) = self.map.get(text) {
            return p.clone();
        }
        let mut out = text.to_owned();
        for original in &self.by_length {
            if out.contains(original.as_str()) {
                out = out.replace(original.as_str(), &self.map[original]);
            }
        }
        out
    }

    /// A path and query below the base URL, component by component, re-encoded as the client
    /// encodes them (so a replay of the anonymised scan asks exactly these).
    pub fn path(&self, path_and_query: &str) -> String {
        let (path, query) = path_and_query
            .split_once('?')
            .map_or((path_and_query, None), |(p, q)| (p, Some(q)));
        let segments: Vec<String> = path
            .split('/')
            .map(|segment| {
                let decoded = percent_encoding::percent_decode_str(segment).decode_utf8_lossy();
                let replaced = self.whole(&decoded);
                if replaced == decoded {
                    segment.to_owned()
                } else {
                    encode_path_segment(&replaced)
                }
            })
            .collect();
        let mut out = segments.join("/");
        if let Some(query) = query {
            let pairs: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes())
                .map(|(k, v)| (k.into_owned(), self.whole(&v)))
                .collect();
            out.push('?');
            out.push_str(
                &url::form_urlencoded::Serializer::new(String::new())
                    .extend_pairs(pairs)
                    .finish(),
            );
        }
        out
    }

    fn value(&self, value: &mut Value) {
        match value {
            Value::String(s) => *s = self.whole(s),
            Value::Array(items) => items.iter_mut().for_each(|v| self.value(v)),
            Value::Object(map) => {
                let old = std::mem::take(map);
                for (k, mut v) in old {
                    self.value(&mut v);
                    map.insert(self.whole(&k), v);
                }
            }
            _ => {}
        }
    }

    /// Anonymises one exchange in place.
    pub fn exchange(&self, exchange: &mut Exchange) {
        exchange.path = self.path(&exchange.path);
        if let Some(body) = exchange.request_body.as_mut() {
            self.value(body);
        }
        match &mut exchange.body {
            Body::Json(value) => self.value(value),
            Body::Text(text) => *text = self.text(text),
        }
        for (name, value) in exchange.headers.iter_mut() {
            if name == "x-ausername" {
                let decoded = percent_encoding::percent_decode_str(value)
                    .decode_utf8_lossy()
                    .into_owned();
                *value = percent_encoding::utf8_percent_encode(
                    &self.whole(&decoded),
                    percent_encoding::NON_ALPHANUMERIC,
                )
                .to_string();
            }
        }
    }

    /// The originals, to check that none is left in what is written.
    pub fn originals(&self) -> BTreeSet<&str> {
        self.map.keys().map(String::as_str).collect()
    }

    /// What was replaced, by category (counts only: the originals must not be written).
    pub fn report(&self) -> Value {
        serde_json::json!({
            "replaced": self.counts,
            "rule": "every value below, wherever it occurred, replaced by <category>-<10 hex digits of a fixed-key hash>; e-mails by <mail-…>@example.invalid; names every instance has kept",
        })
    }

    /// An inventory with every string mapped as the recording was (to compare a replay of the
    /// anonymised recording with the original scan).
    pub fn inventory(&self, inventory: &Inventory) -> Value {
        let mut value = serde_json::to_value(inventory).expect("an inventory serialises");
        self.value(&mut value);
        value
    }
}

fn collect_hosts(value: &Value, add: &mut dyn FnMut(&str)) {
    match value {
        Value::String(s) if s.starts_with("http://") || s.starts_with("https://") => {
            if let Some(host) = host_of(s) {
                add(&host);
            }
        }
        Value::Array(items) => items.iter().for_each(|v| collect_hosts(v, add)),
        Value::Object(map) => map.values().for_each(|v| collect_hosts(v, add)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pseudonyms_are_stable_and_distinct() {
        assert_eq!(pseudonym("user", "alice"), pseudonym("user", "alice"));
        assert_ne!(pseudonym("user", "alice"), pseudonym("user", "bob"));
        assert_ne!(pseudonym("user", "alice"), pseudonym("group", "alice"));
        assert!(pseudonym("user", "alice").starts_with("user-"));
    }
}
