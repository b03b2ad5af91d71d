//! Names that attack: a server whose accounts, groups, projects and spaces carry terminal
//! control sequences (ANSI colour, clear screen, OSC 8 hyperlinks, window titles), carriage
//! returns, backspaces, C1 controls, DEL and Unicode bidirectional controls. Every human output
//! of the real binary shows them as visible escapes (`atlassian_core::human::inert`), while the
//! machine outputs keep them exactly.
#![allow(clippy::print_stderr)]

mod common;

use std::process::Output;

use atlassian_core::access::AccessIndex;
use atlassian_core::human::{inert, is_hostile};
use atlassian_core::test_util::assert_same_records;
use atlassian_core::{Group, Inventory, Membership};
use dc_sim::dataset::resolve_version;
use dc_sim::generate::{HOSTILE, make_hostile};
use dc_sim::{Dataset, Product, Scale, Sim, SimConfig, TokenRole, generate};
use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_atlassian-dc");

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

async fn run(args: &[&str], token: Option<&str>) -> Run {
    let mut command = tokio::process::Command::new(BIN);
    command
        .args(args)
        .env_remove("ATLASSIAN_PAT")
        .env_remove("RUST_LOG")
        .env_remove("NO_COLOR");
    if let Some(token) = token {
        command.env("ATLASSIAN_PAT", token);
    }
    let Output {
        status,
        stdout,
        stderr,
    } = command.output().await.expect("the binary runs");
    Run {
        code: status.code().unwrap_or(-1),
        stdout: String::from_utf8(stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8(stderr).expect("stderr is UTF-8"),
    }
}

/// The characters no human output may send: every control but `\n` and `\t` (ESC, CR, BS, BEL,
/// NUL, DEL, C1), bidirectional controls, line separators.
fn hostile_in(text: &str) -> Vec<(usize, char)> {
    text.char_indices()
        .filter(|&(_, c)| c != '\n' && c != '\t' && is_hostile(c))
        .collect()
}

#[track_caller]
fn assert_inert(what: &str, text: &str) {
    let found = hostile_in(text);
    assert!(
        found.is_empty(),
        "{what}: {} control characters sent, first {:?}:\n{text:?}",
        found.len(),
        &found[..found.len().min(5)]
    );
}

fn hostile_dataset(product: Product) -> Dataset {
    let mut data = generate(product, Scale::TINY, 9);
    make_hostile(&mut data);
    data
}

async fn sim(product: Product, version: &str, data: Dataset) -> Sim {
    let mut config = SimConfig::new(data, resolve_version(product, version).unwrap());
    config.tls = false;
    Sim::start(config).await.unwrap()
}

fn carries_hostile(name: &str) -> bool {
    name.chars().any(is_hostile)
}

/// The names of the inventory that carry a hostile character, each kind sorted.
fn hostile_names(inventory: &Inventory) -> Vec<String> {
    let mut names: Vec<String> = inventory
        .accounts
        .iter()
        .flat_map(|a| [&a.username, &a.display_name, &a.email])
        .flatten()
        .chain(inventory.groups.iter().map(|g| &g.name))
        .chain(inventory.resources.iter().filter_map(|r| r.name.as_ref()))
        .filter(|n| carries_hostile(n))
        .cloned()
        .collect();
    names.sort();
    names
}

/// The hostile names the dataset gives its server, as it gives them.
fn dataset_hostile_names(data: &Dataset) -> Vec<String> {
    let mut names: Vec<String> = data
        .users
        .iter()
        .flat_map(|u| [Some(&u.username), Some(&u.display_name), u.email.as_ref()])
        .flatten()
        .chain(data.groups.iter().map(|g| &g.name))
        .chain(data.projects.iter().map(|p| &p.name))
        .chain(data.spaces.iter().map(|s| &s.name))
        .filter(|n| carries_hostile(n))
        .cloned()
        .collect();
    names.sort();
    names
}

/// A scan of a hostile server: stderr inert (summary, the scanners' warnings quoting names,
/// every log line at -vvv), the inventory equal to the ground truth with every hostile name
/// exactly as the server sent it; the JSON log format exact and free of raw controls.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scan_of_a_server_whose_names_attack_shows_them_inert_and_keeps_them_exactly() {
    let dir = tempfile::tempdir().unwrap();
    for (product, version) in [(Product::Jira, "10.3"), (Product::Confluence, "8.5")] {
        let data = hostile_dataset(product);
        let expected = dataset_hostile_names(&data);
        assert!(expected.len() > 10, "the dataset attacks too little");
        let sim = sim(product, version, data).await;
        let token = sim.token(TokenRole::Admin).to_owned();
        let out = dir.path().join(format!("{product}.json"));
        let scan = run(
            &[
                "scan",
                sim.base_url(),
                "--out",
                out.to_str().unwrap(),
                "-vvv",
            ],
            Some(&token),
        )
        .await;
        assert_eq!(scan.code, 0, "{}", scan.stderr);
        assert_inert(&format!("{product} scan stderr"), &scan.stderr);
        let inventory = Inventory::read_json(std::fs::read(&out).unwrap().as_slice()).unwrap();
        assert_same_records(&inventory, &sim.ground_truth());
        // Exactly as the server sent them: the ground truth is computed from the dataset.
        let found = hostile_names(&inventory);
        assert_eq!(found, hostile_names(&sim.ground_truth()));
        let sent: Vec<&String> = expected.iter().filter(|n| found.contains(n)).collect();
        assert!(
            sent.len() > 10,
            "{product}: too few hostile names scanned: {found:?}"
        );
        if product == Product::Jira {
            // The scanner's warning quotes the deleted user's hostile old key: shown, inert.
            let key = format!("JIRAUSER999999{}", HOSTILE[0]);
            assert!(
                inventory.warnings.iter().any(|w| w.contains(&key)),
                "{:?}",
                inventory.warnings
            );
            assert!(
                scan.stderr.contains(&*inert(&key)),
                "the warning is not shown: {}",
                scan.stderr
            );
        }

        // NDJSON on stdout: the names exactly, after JSON decoding.
        let ndjson = run(
            &["scan", sim.base_url(), "--format", "ndjson"],
            Some(&token),
        )
        .await;
        assert_eq!(ndjson.code, 0, "{}", ndjson.stderr);
        assert_inert("ndjson scan stderr", &ndjson.stderr);
        let streamed = Inventory::read_ndjson(ndjson.stdout.as_bytes()).unwrap();
        assert_eq!(hostile_names(&streamed), found);

        // --log-format json: every line one object, no raw control; decoded, the warning
        // quotes the name exactly.
        let json = run(
            &[
                "scan",
                sim.base_url(),
                "--out",
                "/dev/null",
                "--log-format",
                "json",
                "-vv",
            ],
            Some(&token),
        )
        .await;
        assert_eq!(json.code, 0, "{}", json.stderr);
        assert_inert("json log", &json.stderr);
        let messages: Vec<String> = json
            .stderr
            .lines()
            .map(|line| {
                let value: Value =
                    serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"));
                value["fields"]["message"].as_str().unwrap().to_owned()
            })
            .collect();
        if product == Product::Jira {
            let key = format!("JIRAUSER999999{}", HOSTILE[0]);
            assert!(
                messages.iter().any(|m| m.contains(&key)),
                "the JSON log does not carry the name exactly: {messages:?}"
            );
        }
    }
}

/// `test` against a server whose token owner is called with control sequences.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_connection_names_a_hostile_token_owner_inert() {
    for (product, version) in [(Product::Jira, "10.3"), (Product::Confluence, "8.5")] {
        let data = hostile_dataset(product);
        let owner = data.users[0].username.clone();
        assert!(carries_hostile(&owner));
        let sim = sim(product, version, data).await;
        let token = sim.token(TokenRole::Admin).to_owned();
        let human = run(&["test", sim.base_url(), "-vvv"], Some(&token)).await;
        assert_eq!(human.code, 0, "{}{}", human.stdout, human.stderr);
        assert_inert("test stdout", &human.stdout);
        assert_inert("test stderr", &human.stderr);
        assert!(
            human.stdout.contains(&*inert(&owner)),
            "the owner is not shown: {}",
            human.stdout
        );
        let json = run(&["test", sim.base_url(), "--json"], Some(&token)).await;
        let report: Value = serde_json::from_str(&json.stdout).unwrap();
        assert_eq!(report["user"], owner.as_str(), "{}", json.stdout);
    }
}

/// A scanned hostile inventory, and a later one in which hostile names changed: `diff` (table
/// and `--explain`), `access`, `explain` and `report` show them inert; `--json`, `--format json`
/// and `csv` keep them exactly.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_commands_that_read_inventories_show_hostile_names_inert() {
    let dir = tempfile::tempdir().unwrap();
    let data = hostile_dataset(Product::Jira);
    let sim = sim(Product::Jira, "10.3", data).await;
    let token = sim.token(TokenRole::Admin).to_owned();
    let old_path = dir.path().join("old.json");
    let scan = run(
        &["scan", sim.base_url(), "--out", old_path.to_str().unwrap()],
        Some(&token),
    )
    .await;
    assert_eq!(scan.code, 0, "{}", scan.stderr);
    let old = Inventory::read_json(std::fs::read(&old_path).unwrap().as_slice()).unwrap();

    // The new inventory: a hostile group with a member, an account and a project renamed to
    // hostile names.
    let mut new = old.clone();
    let group = format!("evil{}{}", HOSTILE[2], HOSTILE[7]);
    let member = new.accounts[3].key.clone();
    new.groups.push(Group::new(group.clone()));
    new.groups.sort();
    new.memberships.push(Membership::new(group.clone(), member));
    new.memberships.sort();
    let renamed = format!("Mallory{}", HOSTILE[4]);
    new.accounts[5].display_name = Some(renamed.clone());
    let project = new
        .resources
        .iter_mut()
        .find(|r| r.reference.starts_with("project:"))
        .unwrap();
    project.name = Some(format!("Payroll{}", HOSTILE[8]));
    let new_path = dir.path().join("new.json");
    let mut file = std::fs::File::create(&new_path).unwrap();
    new.write_json(&mut file).unwrap();
    drop(file);
    let (old_arg, new_arg) = (old_path.to_str().unwrap(), new_path.to_str().unwrap());

    let table = run(&["diff", old_arg, new_arg], None).await;
    assert_eq!(table.code, 1, "{}", table.stderr);
    assert_inert("diff", &table.stdout);
    assert_inert("diff stderr", &table.stderr);
    assert!(table.stdout.contains(&*inert(&group)), "{}", table.stdout);
    assert!(table.stdout.contains(&*inert(&renamed)), "{}", table.stdout);
    // A name's newline or carriage return never starts a line of its own.
    assert!(
        table.stdout.lines().all(|l| !l.starts_with("FORGED")),
        "{}",
        table.stdout
    );

    let explained = run(&["diff", old_arg, new_arg, "--explain"], None).await;
    assert_eq!(explained.code, 1, "{}", explained.stderr);
    assert_inert("diff --explain", &explained.stdout);

    let json = run(&["diff", old_arg, new_arg, "--json"], None).await;
    let value: Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(value["groups"]["added"][0]["name"], group.as_str());
    assert_eq!(
        value["accounts"]["changed"][0]["changes"]["display_name"][1],
        renamed.as_str()
    );

    // access: the table inert, the machine forms exact.
    let access = run(&["access", new_arg], None).await;
    assert_eq!(access.code, 0, "{}", access.stderr);
    assert_inert("access table", &access.stdout);
    assert_inert("access stderr", &access.stderr);
    let index = AccessIndex::new(&new);
    let hostile_account = new
        .accounts
        .iter()
        .filter(|a| a.username.as_deref().is_some_and(carries_hostile))
        .find(|a| !index.rows_of_account(a).unwrap().is_empty())
        .expect("a hostile account with access");
    let username = hostile_account.username.clone().unwrap();
    let shown: String = inert(&username).chars().take(10).collect();
    assert!(
        access.stdout.contains(&shown),
        "{shown:?} not in\n{}",
        access.stdout
    );
    let csv = run(&["access", new_arg, "--format", "csv"], None).await;
    assert_eq!(csv.code, 0, "{}", csv.stderr);
    assert!(
        csv.stdout.contains(&username),
        "CSV lost the exact username {username:?}"
    );
    let rows = run(
        &[
            "access",
            new_arg,
            "--format",
            "json",
            "--account",
            &hostile_account.key,
        ],
        None,
    )
    .await;
    assert_eq!(rows.code, 0, "{}", rows.stderr);
    assert!(
        serde_json::from_str::<Value>(&rows.stdout)
            .unwrap()
            .to_string()
            .contains(&serde_json::to_string(&username).unwrap()[1..]),
        "the JSON rows lost the exact username"
    );

    // explain: a row reached through the hostile group, and a permission not held.
    let via_group = index
        .rows_of_account(
            new.accounts
                .iter()
                .find(|a| a.key == new.accounts[3].key)
                .unwrap(),
        )
        .unwrap()
        .into_iter()
        .find(|r| r.paths.iter().any(|p| p.group == Some(group.as_str())));
    let row = match via_group {
        Some(row) => row,
        None => index.rows_of_account(hostile_account).unwrap().remove(0),
    };
    let account = match row.principal.account() {
        Some(a) => a.key.clone(),
        None => unreachable!("rows of an account"),
    };
    let held = run(
        &["explain", new_arg, &account, row.resource, row.permission],
        None,
    )
    .await;
    assert_eq!(held.code, 0, "{}{}", held.stdout, held.stderr);
    assert_inert("explain", &held.stdout);
    assert_inert("explain stderr", &held.stderr);
    let hostile_key = hostile_account.key.clone();
    let not_held = run(
        &[
            "explain",
            new_arg,
            &hostile_key,
            row.resource,
            "NO_SUCH_PERMISSION",
        ],
        None,
    )
    .await;
    assert_eq!(not_held.code, 1, "{}{}", not_held.stdout, not_held.stderr);
    assert_inert("explain (not held)", &not_held.stdout);
    assert!(
        not_held.stdout.contains(&*inert(&username)),
        "{}",
        not_held.stdout
    );

    // report: the HTML page shows every name as text, no control obeyed.
    let page_path = dir.path().join("review.html");
    let report = run(
        &[
            "report",
            new_arg,
            "--since",
            old_arg,
            "--out",
            page_path.to_str().unwrap(),
        ],
        None,
    )
    .await;
    assert_eq!(report.code, 0, "{}", report.stderr);
    assert_inert("report stderr", &report.stderr);
    let page = std::fs::read_to_string(&page_path).unwrap();
    assert_inert("report page", &page);
    assert!(page.contains("\\x1b"), "no escaped name in the page");
    let findings = run(&["report", new_arg, "--format", "json"], None).await;
    assert_eq!(findings.code, 0, "{}", findings.stderr);
    let _: Value = serde_json::from_str(&findings.stdout).unwrap();
}

/// On a terminal (a pty from util-linux `script`): the progress line, the coloured log lines
/// and the summary send nothing but their own colour and cursor sequences.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_a_terminal_only_the_tools_own_sequences_are_sent() {
    let data = hostile_dataset(Product::Jira);
    let mut config = SimConfig::new(data, resolve_version(Product::Jira, "10.3").unwrap());
    config.tls = false;
    config.latency = std::time::Duration::from_millis(30);
    let sim = Sim::start(config).await.unwrap();
    let out =
        common::scan_on_a_terminal(BIN, sim.base_url(), sim.token(TokenRole::Admin), &["-v"]).await;
    let screen = String::from_utf8(out.stdout).expect("the terminal got UTF-8");
    let text = common::screen_text(&screen);
    assert!(out.status.success(), "{text}");
    assert!(
        screen.contains("\u{1b}["),
        "no colour or progress: not a terminal?"
    );
    assert_inert("terminal", &text);
    let key = format!("JIRAUSER999999{}", HOSTILE[0]);
    assert!(text.contains(&*inert(&key)), "no warning shown: {text}");
}

#[test]
fn the_hostile_dataset_changes_nothing_unless_asked() {
    let plain = generate(Product::Jira, Scale::TINY, 9);
    assert!(dataset_hostile_names(&plain).is_empty());
    let again = generate(Product::Jira, Scale::TINY, 9);
    assert_eq!(plain, again);
    let hostile = hostile_dataset(Product::Jira);
    assert_ne!(plain, hostile);
    assert_eq!(plain.users.len(), hostile.users.len());
    assert!(
        HOSTILE.iter().all(|p| dataset_hostile_names(&hostile)
            .iter()
            .any(|n| n.contains(p))),
        "every payload is used"
    );
}
