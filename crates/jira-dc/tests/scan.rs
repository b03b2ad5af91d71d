//! `jira-dc` against the simulator: for every version, a scan equals the ground truth computed
//! from the dataset, validates against the schema, and proves every collection complete that
//! can be proven (accounts: `user/list`, or `username=.` read to its end); a browse-only token
//! gets honest gaps; rate limits and faults change nothing.

use std::time::Duration;

use atlassian_core::test_util::{assert_same_records, assert_valid, coverage_of, test_config};
use atlassian_core::{Client, Inventory};
use dc_sim::dataset::resolve_version;
use dc_sim::{Faults, Product, RateLimit, Scale, Sim, SimConfig, TokenRole, generate};
use jira_dc::{JiraClient, ScanOptions, scan};

/// Each version with how its accounts can be read: 8.20 stops `username=.` at 1,000 matches
/// (a sweep, never a proof), 9.12 pages it to its end (a proof), 10.3.12 stops it at 100 (a
/// sweep), 10.3.13 and 11.3 have `user/list` (a proof).
const VERSIONS: [(&str, &str); 5] = [
    ("8.20", "user/search: username=. "),
    ("9.12", "user/search?username=. read to its end"),
    ("10.3.12", "user/search: username=. "),
    ("10.3", "user/list"),
    ("11.3", "user/list"),
];

fn sim_config(version: &str, scale: Scale) -> SimConfig {
    let mut config = SimConfig::new(
        generate(Product::Jira, scale, 42),
        resolve_version(Product::Jira, version).unwrap(),
    );
    config.context_path = "/jira".to_owned();
    // Jira builds links from its configured base URL, wrong behind a proxy.
    config.configured_base_url = Some("https://jira.internal.example.com/jira".to_owned());
    config
}

async fn scan_sim(sim: &Sim, role: TokenRole) -> Inventory {
    let mut config = test_config(sim.base_url(), Some(sim.token(role)));
    if let Some(ca) = sim.ca_pem_path() {
        config.ca_bundle = Some(ca.to_owned());
    }
    config.timeout = Duration::from_secs(20);
    let client = Client::new(config).unwrap();
    scan(&JiraClient::new(client), &ScanOptions::default())
        .await
        .unwrap_or_else(|e| panic!("scan failed: {}", atlassian_core::error_chain(&e)))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_version_scans_to_the_ground_truth() {
    for (version, accounts_method) in VERSIONS {
        let sim = Sim::start(sim_config(version, Scale::SMALL)).await.unwrap();
        let inventory = scan_sim(&sim, TokenRole::Admin).await;
        let truth = sim.ground_truth();
        assert_same_records(&inventory, &truth);
        assert_valid(&inventory);
        let accounts = coverage_of(&inventory, "accounts");
        let method = accounts.method.clone().unwrap();
        assert!(method.starts_with(accounts_method), "{version}: {method}");
        let provable = !accounts_method.ends_with(' ');
        assert_eq!(accounts.complete, provable, "{version}: {accounts:?}");
        if !provable {
            let detail = accounts.detail.as_deref().unwrap();
            assert!(detail.contains("user/list"), "names the fix: {detail}");
            assert!(detail.contains("could be missing"), "{detail}");
        }
        for c in inventory
            .coverage
            .iter()
            .filter(|c| c.collection != "accounts")
        {
            assert!(c.complete, "{version}: {c:?}");
        }
        let names: Vec<&str> = inventory
            .coverage
            .iter()
            .map(|c| c.collection.as_str())
            .collect();
        assert_eq!(
            names,
            [
                "accounts",
                "grants:applications",
                "grants:permission-schemes",
                "grants:project-roles",
                "groups",
                "memberships",
                "resources"
            ]
        );
        assert!(
            inventory
                .warnings
                .iter()
                .any(|w| w.contains("deleted from the directory")),
            "{:?}",
            inventory.warnings
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_browse_only_token_gets_honest_gaps_and_the_rest_right() {
    let sim = Sim::start(sim_config("9.12", Scale::SMALL)).await.unwrap();
    let inventory = scan_sim(&sim, TokenRole::BrowseOnly).await;
    let truth = sim.ground_truth();
    for collection in [
        "memberships",
        "grants:project-roles",
        "grants:applications",
        "grants:permission-schemes",
        "resources",
    ] {
        let c = coverage_of(&inventory, collection);
        assert!(!c.complete, "{collection}: {c:?}");
        assert!(
            c.detail.as_deref().unwrap().contains("administrator"),
            "{c:?}"
        );
    }
    // Browse Users is enough for accounts and groups, and those are exactly right.
    assert!(coverage_of(&inventory, "accounts").complete);
    assert!(coverage_of(&inventory, "groups").complete);
    assert_eq!(inventory.accounts, truth.accounts);
    assert_eq!(inventory.groups, truth.groups);
    assert!(inventory.memberships.is_empty());
    assert_valid(&inventory);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_without_browse_users_is_not_taken_for_an_empty_instance() {
    let sim = Sim::start(sim_config("9.12", Scale::TINY)).await.unwrap();
    let inventory = scan_sim(&sim, TokenRole::NoBrowse).await;
    let accounts = coverage_of(&inventory, "accounts");
    assert!(!accounts.complete);
    assert!(accounts.detail.unwrap().contains("Browse Users"));
    assert!(!coverage_of(&inventory, "groups").complete);
    // Members of groups that could not be listed cannot be complete either.
    assert!(!coverage_of(&inventory, "memberships").complete);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limits_and_faults_change_nothing() {
    let mut config = sim_config("9.12", Scale::SMALL);
    config.rate_limit = Some(RateLimit {
        capacity: 60,
        per_second: 400,
    });
    config.faults = Faults::mixed(0.05);
    config.tls = true;
    let sim = Sim::start(config).await.unwrap();
    let started = std::time::Instant::now();
    let inventory = scan_sim(&sim, TokenRole::Admin).await;
    let elapsed = started.elapsed().as_secs_f64();
    assert_same_records(&inventory, &sim.ground_truth());
    assert!(
        inventory.coverage.iter().all(|c| c.complete),
        "{:?}",
        inventory.coverage
    );
    let served = sim.counters().snapshot();
    // The client kept to the server's rate (it paces by the stated bucket, so few or no 429s).
    let requests = sim.counters().total() as f64;
    assert!(
        elapsed >= (requests - 60.0 - 10.0) / 400.0,
        "{requests} requests in {elapsed:.2} s outran 400/s"
    );
    assert!(
        served.keys().any(|(e, _)| e == "(dropped connection)"),
        "faults happened"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cut_group_picker_is_completed_by_substring_queries() {
    // 10.3 clamps the picker's `maxResults` to 1,000: 1,300 more groups than that.
    let mut config = sim_config("10.3", Scale::TINY);
    let dataset = std::sync::Arc::make_mut(&mut config.dataset);
    for i in 0..1300 {
        dataset.groups.push(dc_sim::dataset::Group {
            name: format!("team-{i:04}"),
            members: Vec::new(),
            subgroups: Vec::new(),
        });
    }
    let sim = Sim::start(config).await.unwrap();
    let inventory = scan_sim(&sim, TokenRole::Admin).await;
    let groups = coverage_of(&inventory, "groups");
    assert!(groups.complete, "{groups:?}");
    assert!(
        groups
            .method
            .as_deref()
            .unwrap()
            .contains("substring sweep"),
        "{groups:?}"
    );
    assert_eq!(inventory.groups, sim.ground_truth().groups);
}
