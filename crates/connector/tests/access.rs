//! Effective access against a reference evaluation written from the spec (`access.md`), not by
//! calling the code under test: on `dc-sim` ground truths of both products, every row and every
//! path of every account of a tiny instance, and sampled accounts and resources of a small one;
//! then the command line (`access`, `explain`, bad input).

use std::collections::{BTreeMap, BTreeSet};

use atlassian_core::access::{AccessIndex, AccessRow};
use atlassian_core::{Account, Grant, Inventory};
use dc_sim::dataset::resolve_version;
use dc_sim::{Product, Scale, generate};

const BIN: &str = env!("CARGO_BIN_EXE_atlassian-dc");

type Triple = (String, String, String);
/// (resource, permission) → every path as (grants, group), both sorted as the spec says.
type Rows = BTreeMap<(String, String), BTreeSet<(Vec<Triple>, Option<String>)>>;
/// The same, as ordered lists: ((resource, permission), paths).
type RowList = Vec<((String, String), Vec<(Vec<Triple>, Option<String>)>)>;

fn triple(g: &Grant) -> Triple {
    (g.resource.clone(), g.permission.clone(), g.subject.clone())
}

/// Spec rule 2: `next`'s subject is satisfied by `prev`.
fn follows(prev: &Grant, next: &Grant) -> bool {
    if let Some(role) = next.subject.strip_prefix("role:") {
        prev.resource == next.resource && prev.permission.strip_prefix("role:") == Some(role)
    } else if let Some(app) = next.subject.strip_prefix("application:") {
        prev.resource.strip_prefix("application:") == Some(app) && prev.permission == "use"
    } else if next.subject == "authenticated" {
        prev.resource.starts_with("application:") && prev.permission == "use"
    } else {
        false
    }
}

/// The inventory as the reference reads it: each grant's possible successors (rule 2, checked
/// for every pair of grants) and each account's groups, lower-cased.
struct Reference<'i> {
    inv: &'i Inventory,
    next: Vec<Vec<usize>>,
    groups: BTreeMap<&'i str, BTreeSet<String>>,
}

impl<'i> Reference<'i> {
    fn new(inv: &'i Inventory) -> Self {
        let next = inv
            .grants
            .iter()
            .map(|prev| {
                (0..inv.grants.len())
                    .filter(|&j| follows(prev, &inv.grants[j]))
                    .collect()
            })
            .collect();
        let mut groups: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
        for m in &inv.memberships {
            groups
                .entry(m.account.as_str())
                .or_default()
                .insert(m.group.to_lowercase());
        }
        Self { inv, next, groups }
    }
}

/// The rows of `account` (`None`: the anonymous principal), by following every chain.
fn reference(r: &Reference<'_>, account: Option<&Account>) -> Rows {
    let inv = r.inv;
    let none = BTreeSet::new();
    let groups = account
        .and_then(|a| r.groups.get(a.key.as_str()))
        .unwrap_or(&none);
    // Spec rule 1: the first grant takes the account in.
    let entry = |g: &Grant| -> Option<Option<String>> {
        if g.subject == "anonymous" {
            return Some(None);
        }
        let a = account?;
        if g.subject == format!("account:{}", a.key) {
            return Some(None);
        }
        let name = g.subject.strip_prefix("group:")?;
        groups
            .contains(&name.to_lowercase())
            .then(|| Some(name.to_owned()))
    };
    fn walk(r: &Reference<'_>, path: &mut Vec<usize>, group: &Option<String>, rows: &mut Rows) {
        let at = *path.last().unwrap();
        let last = &r.inv.grants[at];
        rows.entry((last.resource.clone(), last.permission.clone()))
            .or_default()
            .insert((
                path.iter().map(|&i| triple(&r.inv.grants[i])).collect(),
                group.clone(),
            ));
        for &i in &r.next[at] {
            // Rule 4: no grant twice.
            if !path.contains(&i) {
                path.push(i);
                walk(r, path, group, rows);
                path.pop();
            }
        }
    }
    let mut rows = Rows::new();
    for (i, g) in inv.grants.iter().enumerate() {
        if let Some(group) = entry(g) {
            walk(r, &mut vec![i], &group, &mut rows);
        }
    }
    rows
}

fn as_rows(rows: &[AccessRow<'_>]) -> RowList {
    rows.iter()
        .map(|r| {
            (
                (r.resource.to_owned(), r.permission.to_owned()),
                r.paths
                    .iter()
                    .map(|p| {
                        (
                            p.grants.iter().map(|g| triple(g)).collect(),
                            p.group.map(str::to_owned),
                        )
                    })
                    .collect(),
            )
        })
        .collect()
}

fn flat(rows: Rows) -> RowList {
    rows.into_iter()
        .map(|(k, paths)| (k, paths.into_iter().collect()))
        .collect()
}

fn truth(product: Product, scale: Scale, seed: u64) -> Inventory {
    let version = match product {
        Product::Jira => "9.12",
        Product::Confluence => "9.2",
    };
    let data = generate(product, scale, seed);
    dc_sim::truth::ground_truth(
        &data,
        resolve_version(product, version).unwrap(),
        "https://sim.invalid",
    )
}

fn check_accounts(r: &Reference<'_>, index: &AccessIndex<'_>, step: usize) -> usize {
    let mut checked = 0;
    for account in r.inv.accounts.iter().step_by(step) {
        let got = index.rows_of_account(account).unwrap();
        assert_eq!(
            as_rows(&got),
            flat(reference(r, Some(account))),
            "rows of {}",
            account.key
        );
        checked += got.len();
    }
    let anonymous = index.rows_of_anonymous().unwrap();
    assert_eq!(as_rows(&anonymous), flat(reference(r, None)));
    checked
}

/// Every account's reference rows on `resources`, as (account, (resource, permission), paths).
fn check_resources(r: &Reference<'_>, index: &AccessIndex<'_>, resources: &[&str]) {
    let mut expected: BTreeMap<&str, Vec<_>> = BTreeMap::new();
    for account in &r.inv.accounts {
        for (key, paths) in flat(reference(r, Some(account))) {
            if let Some(&resource) = resources.iter().find(|&&x| x == key.0) {
                expected
                    .entry(resource)
                    .or_default()
                    .push((account.key.clone(), key, paths));
            }
        }
    }
    for resource in resources {
        check_resource(
            index,
            resource,
            expected.remove(resource).unwrap_or_default(),
        );
    }
}

type Expected = Vec<(String, (String, String), Vec<(Vec<Triple>, Option<String>)>)>;

fn check_resource(index: &AccessIndex<'_>, resource: &str, expected: Expected) {
    let got = index.rows_of_resource(resource, None, false).unwrap();
    let got: Vec<_> = got
        .iter()
        .zip(as_rows(&got))
        .map(|(r, (key, paths))| (r.principal.account().unwrap().key.clone(), key, paths))
        .collect();
    assert_eq!(got, expected, "rows on {resource}");
}

#[test]
fn every_row_and_path_of_a_tiny_instance_matches_the_reference() {
    for product in [Product::Jira, Product::Confluence] {
        let inv = truth(product, Scale::TINY, 3);
        let index = AccessIndex::new(&inv);
        let reference = Reference::new(&inv);
        let rows = check_accounts(&reference, &index, 1);
        assert!(rows > inv.accounts.len(), "{product}: only {rows} rows");
        let resources: Vec<&str> = inv.resources.iter().map(|r| r.reference.as_str()).collect();
        check_resources(&reference, &index, &resources);
        // The streamed export is the per-account answers, in key order.
        let streamed = index.rows(false).filter(|r| r.as_ref().is_ok()).count();
        assert_eq!(streamed, rows, "{product}");
    }
}

#[test]
fn sampled_accounts_and_resources_of_a_small_instance_match_the_reference() {
    for product in [Product::Jira, Product::Confluence] {
        let inv = truth(product, Scale::SMALL, 5);
        let index = AccessIndex::new(&inv);
        let reference = Reference::new(&inv);
        check_accounts(&reference, &index, inv.accounts.len() / 40);
        let resources: Vec<&str> = inv
            .resources
            .iter()
            .step_by(inv.resources.len() / 3)
            .map(|r| r.reference.as_str())
            .collect();
        check_resources(&reference, &index, &resources);
    }
}

fn run(args: &[&str]) -> (i32, String, String) {
    let out = std::process::Command::new(BIN)
        .args(args)
        .env_remove("RUST_LOG")
        .output()
        .unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn the_command_line_answers_and_explains() {
    let inv = truth(Product::Jira, Scale::TINY, 3);
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("inventory.json");
    let mut file = std::fs::File::create(&path).unwrap();
    inv.write_json(&mut file).unwrap();
    let file = path.to_str().unwrap();
    let index = AccessIndex::new(&inv);
    let (account, row) = inv
        .accounts
        .iter()
        .find_map(|a| {
            let rows = index.rows_of_account(a).unwrap();
            let row = rows.into_iter().find(|r| r.paths.len() > 1)?;
            Some((a, row))
        })
        .expect("an account with a row of several paths");
    let username = account.username.as_deref().unwrap();

    let (code, table, _) = run(&["access", file, "--account", &username.to_uppercase()]);
    assert_eq!(code, 0);
    assert!(table.lines().all(|l| l.chars().count() <= 100), "{table}");
    assert!(
        table.lines().nth(1).unwrap().starts_with(username),
        "{table}"
    );

    let (code, json, _) = run(&["access", file, "--account", username, "--format", "json"]);
    assert_eq!(code, 0);
    let json: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(json["schema"], "atlassian-dc-access/v1");
    assert_eq!(
        json["rows"].as_array().unwrap().len(),
        index.rows_of_account(account).unwrap().len()
    );

    let out = folder.path().join("rows.ndjson");
    let (code, stdout, _) = run(&[
        "access",
        file,
        "--resource",
        row.resource,
        "--permission",
        row.permission,
        "--format",
        "ndjson",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!((code, stdout.as_str()), (0, ""));
    let written = std::fs::read_to_string(&out).unwrap();
    let rows = index
        .rows_of_resource(row.resource, Some(row.permission), false)
        .unwrap();
    assert_eq!(
        written
            .lines()
            .filter(|l| l.contains("\"kind\":\"row\""))
            .count(),
        rows.len()
    );

    let (code, text, _) = run(&["explain", file, username, row.resource, row.permission]);
    assert_eq!(code, 0, "{text}");
    assert!(
        text.contains(&format!("by {} paths", row.paths.len())),
        "{text}"
    );
    assert_eq!(
        text.lines().filter(|l| l.starts_with("path ")).count(),
        row.paths.len()
    );
    let (code, _, _) = run(&[
        "explain",
        file,
        username,
        row.resource,
        "NO_SUCH_PERMISSION",
    ]);
    assert_eq!(code, 1);
    let (code, _, err) = run(&[
        "explain",
        file,
        "nobody-at-all",
        row.resource,
        row.permission,
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("nobody-at-all"), "{err}");
}

#[test]
fn bad_inventories_are_refused_with_the_file_named() {
    let inv = truth(Product::Confluence, Scale::TINY, 3);
    let folder = tempfile::tempdir().unwrap();
    let mut good = Vec::new();
    inv.write_json(&mut good).unwrap();
    let text = String::from_utf8(good).unwrap();
    let dangling = text.replacen("\"subject\": \"group:", "\"subject\": \"group:no-such-", 1);
    let cases: [(&str, Vec<u8>); 5] = [
        ("truncated.json", text.as_bytes()[..text.len() / 2].to_vec()),
        ("dangling.json", dangling.into_bytes()),
        ("other.json", br#"{"schema": "something-else/v1"}"#.to_vec()),
        ("deep.json", "[".repeat(100_000).into_bytes()),
        ("empty.json", Vec::new()),
    ];
    for (name, bytes) in cases {
        let path = folder.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        let (code, stdout, err) = run(&["access", path.to_str().unwrap()]);
        assert_eq!(code, 2, "{name}: {err}");
        assert!(stdout.is_empty(), "{name}");
        assert!(err.contains(name), "{name}: {err}");
        assert!(!err.contains("panicked"), "{name}: {err}");
    }
}
