//! A server that turns hostile mid-scan: the token dies or loses its rights after some answers,
//! the server restarts. Whatever happens, the scan ends in one of two states: a failure that
//! names the request and the cause, or an inventory in which every collection that says
//! `complete` holds exactly what the server holds.

#![allow(clippy::print_stderr)] // the test says how many scans failed and how many ended incomplete

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Duration;

use atlassian_core::Inventory;
use atlassian_core::inventory::CollectSink;
use connector::platform::{PlatformError, SystemConfig, scan_system};
use connector::{Progress, ProgressFn};
use dc_sim::dataset::resolve_version;
use std::sync::Arc;

use dc_sim::{MidScanChange, Product, Scale, Sim, SimConfig, TokenFate, TokenRole, generate};
use serde_json::Value;

fn sim_config(product: Product) -> SimConfig {
    let version = if product == Product::Jira {
        "9.12"
    } else {
        "8.5"
    };
    let mut config = SimConfig::new(
        generate(product, Scale::TINY, 23),
        resolve_version(product, version).unwrap(),
    );
    config.tls = true;
    config
}

fn system(sim: &Sim) -> SystemConfig {
    let mut config = SystemConfig::new(sim.base_url(), sim.token(TokenRole::Admin));
    config.ca_bundle = Some(sim.ca_pem_path().unwrap().to_owned());
    config
}

async fn scan(sim: &Sim) -> Result<Inventory, PlatformError> {
    let mut sink = CollectSink::new();
    scan_system(&system(sim), &mut sink, None).await?;
    Ok(sink.into_inventory().expect("a finished scan"))
}

/// The coverage collection a grant belongs to (inventory.md's collection names).
fn grant_collection(product: Product, resource: &str, permission: &str) -> &'static str {
    match product {
        Product::Jira if permission.starts_with("role:") => "grants:project-roles",
        Product::Jira if resource.starts_with("application:") => "grants:applications",
        Product::Jira => "grants:permission-schemes",
        Product::Confluence if resource.starts_with("space:") => "grants:space-permissions",
        Product::Confluence => "grants:global-permissions",
    }
}

/// Each collection's records, as JSON values, keyed by the coverage collection name.
fn by_collection(product: Product, inventory: &Inventory) -> BTreeMap<String, Vec<Value>> {
    let value = |v: &dyn erased::Serialize| v.to_value();
    let mut out: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    out.insert(
        "accounts".into(),
        inventory.accounts.iter().map(|r| value(r)).collect(),
    );
    out.insert(
        "groups".into(),
        inventory.groups.iter().map(|r| value(r)).collect(),
    );
    out.insert(
        "memberships".into(),
        inventory.memberships.iter().map(|r| value(r)).collect(),
    );
    out.insert(
        "resources".into(),
        inventory.resources.iter().map(|r| value(r)).collect(),
    );
    for grant in &inventory.grants {
        out.entry(grant_collection(product, &grant.resource, &grant.permission).to_owned())
            .or_default()
            .push(value(grant));
    }
    out
}

mod erased {
    /// Serialises any record to a JSON value (the records share no trait of their own).
    pub trait Serialize {
        fn to_value(&self) -> serde_json::Value;
    }
    impl<T: serde::Serialize> Serialize for T {
        fn to_value(&self) -> serde_json::Value {
            serde_json::to_value(self).expect("a record serialises")
        }
    }
}

/// Every collection the inventory calls complete holds exactly the ground truth's records.
fn assert_complete_means_complete(product: Product, scan: &Inventory, truth: &Inventory, at: &str) {
    let scanned = by_collection(product, scan);
    let expected = by_collection(product, truth);
    for coverage in scan.coverage.iter().filter(|c| c.complete) {
        let name = &coverage.collection;
        let missing: Vec<&Value> = expected
            .get(name)
            .into_iter()
            .flatten()
            .filter(|r| !scanned.get(name).is_some_and(|s| s.contains(r)))
            .take(3)
            .collect();
        assert!(
            missing.is_empty(),
            "{at}: {name} says complete but misses {missing:?}"
        );
        assert_eq!(
            scanned.get(name),
            expected.get(name),
            "{at}: {name} says complete but differs from the server's"
        );
    }
}

/// The data as the server holds it once the admin token's owner has left every
/// administrators' group (what demoting an account means on a real server).
fn demoted(config: &SimConfig) -> dc_sim::Dataset {
    let mut data = (*config.dataset).clone();
    let owner = data.token(TokenRole::Admin).expect("an admin token").owner;
    for group in &mut data.groups {
        if group.name.contains("administrators") {
            group.members.retain(|&m| m != owner);
        }
    }
    data
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_that_dies_or_loses_its_rights_mid_scan_never_yields_a_complete_lie() {
    for product in [Product::Jira, Product::Confluence] {
        // A clean scan first: its request count spreads the moments of death over the scan.
        let clean = Sim::start(sim_config(product)).await.unwrap();
        let truth = clean.ground_truth();
        let inventory = scan(&clean).await.expect("the clean scan");
        assert!(inventory.coverage.iter().all(|c| c.complete));
        // Every ground-truth grant falls in a collection the scan reports on (Confluence's
        // `system:administer` of its administrators group comes without a global-permissions
        // collection before the versions that have one: unchecked, then).
        let reported: Vec<&str> = inventory
            .coverage
            .iter()
            .map(|c| c.collection.as_str())
            .collect();
        for name in by_collection(product, &truth).keys() {
            assert!(
                reported.contains(&name.as_str()) || name == "grants:global-permissions",
                "{product}: {name}"
            );
        }
        let requests = clean.counters().total();
        assert!(requests > 20, "{product}: {requests} requests");

        let mut failed = 0;
        let mut incomplete = 0;
        for fate in [TokenFate::Revoked, TokenFate::Demoted] {
            let moments = [
                1,
                2,
                5,
                requests / 8,
                requests / 4,
                requests / 2,
                3 * requests / 4,
                requests - 3,
            ];
            for after in moments {
                let mut config = sim_config(product);
                let dataset = (fate == TokenFate::Demoted).then(|| Arc::new(demoted(&config)));
                config.change = Some(MidScanChange {
                    after,
                    token: Some(fate),
                    dataset,
                    when: None,
                });
                let sim = Sim::start(config).await.unwrap();
                let at = format!("{product}, token {fate:?} after {after} of {requests} answers");
                match scan(&sim).await {
                    Err(error) => {
                        failed += 1;
                        let message = atlassian_core::error_chain(&error);
                        // Names the request and the cause, never the token.
                        assert!(
                            message.contains("GET /") || message.contains("POST /"),
                            "{at}: {message}"
                        );
                        assert!(!message.contains(sim.token(TokenRole::Admin)), "{at}");
                        if fate == TokenFate::Revoked {
                            assert!(
                                message.contains("401") || message.contains("token"),
                                "{at}: {message}"
                            );
                        }
                    }
                    Ok(inventory) => {
                        assert!(
                            inventory.coverage.iter().any(|c| !c.complete),
                            "{at}: the token changed mid-scan, yet every collection says complete"
                        );
                        incomplete += 1;
                        assert_complete_means_complete(product, &inventory, &truth, &at);
                    }
                }
            }
        }
        eprintln!("{product}: {failed} scans failed, {incomplete} ended incomplete");
        assert!(
            failed > 0,
            "{product}: a revoked token fails the scan somewhere"
        );
    }
}

fn plain_sim_config(product: Product, port: u16) -> SimConfig {
    let mut config = sim_config(product);
    config.tls = false;
    config.port = port;
    // Slow enough that the restart falls in the middle of the scan.
    config.latency = Duration::from_millis(15);
    config
}

/// A progress function that keeps every event it is given.
fn recorder() -> (ProgressFn, Arc<Mutex<Vec<Progress>>>) {
    let seen: Arc<Mutex<Vec<Progress>>> = Arc::default();
    let keep = seen.clone();
    let progress: ProgressFn = Arc::new(move |event: &Progress| {
        keep.lock().unwrap().push(event.clone());
    });
    (progress, seen)
}

/// Stops `sim` once it has answered `after` requests; returns its port.
async fn stop_after(sim: &Sim, after: u64) -> u16 {
    while sim.counters().total() < after {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    sim.stop();
    sim.address().port()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_that_restarts_mid_scan_is_waited_for_within_the_budget() {
    for product in [Product::Jira, Product::Confluence] {
        let first = Sim::start(plain_sim_config(product, 0)).await.unwrap();
        let config = SystemConfig::new(first.base_url(), first.token(TokenRole::Admin));
        let (progress, seen) = recorder();
        let mut sink = CollectSink::new();
        let scan = scan_system(&config, &mut sink, Some(progress));
        // Down for 1 s (connections refused), then back on the same port with the same data.
        // The budget: 4 retries of 250 ms × 2^n, each scaled by 0.5–1.0, wait 1.9–3.75 s in
        // all, so a request refused at the first moment still outlasts the downtime, with
        // room for a slow machine's late timers.
        let restart = async {
            let port = stop_after(&first, 30).await;
            tokio::time::sleep(Duration::from_millis(1000)).await;
            Sim::start(plain_sim_config(product, port)).await.unwrap()
        };
        let (scanned, second) = tokio::join!(scan, restart);
        scanned.expect("the scan rides out the restart");
        let inventory = sink.into_inventory().expect("a finished scan");
        atlassian_core::test_util::assert_same_records(&inventory, &second.ground_truth());
        assert!(inventory.coverage.iter().all(|c| c.complete), "{product}");

        // The waiting showed: a retry event naming the failure and the budget.
        let seen = seen.lock().unwrap();
        let waiting = seen
            .iter()
            .find(|e| e.phase == connector::RETRY_PHASE)
            .unwrap_or_else(|| panic!("{product}: no retry progress while the server was down"));
        let note = waiting.stats.last_retry.as_ref().expect("a retry note");
        assert!(waiting.stats.waiting_to_retry > 0);
        assert_eq!(Some(u64::from(note.budget)), waiting.total);
        assert!(
            note.failure.contains("GET /") && note.failure.contains("cannot connect"),
            "{product}: {}",
            note.failure
        );
        let last = seen.last().unwrap();
        assert!(last.stats.retries > 0 && !last.stats.retry_wait.is_zero());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_that_stays_down_past_the_budget_fails_the_scan_clearly() {
    let first = Sim::start(plain_sim_config(Product::Jira, 0))
        .await
        .unwrap();
    let config = SystemConfig::new(first.base_url(), first.token(TokenRole::Admin));
    let token = first.token(TokenRole::Admin).to_owned();
    let mut sink = CollectSink::new();
    let (scanned, _) = tokio::join!(
        scan_system(&config, &mut sink, None),
        stop_after(&first, 30)
    );
    let error = scanned.expect_err("nobody answers any more");
    let message = atlassian_core::error_chain(&error);
    assert!(
        message.contains("GET /") && message.contains("cannot connect"),
        "{message}"
    );
    assert!(!message.contains(&token));
}

/// The dataset once `group` has lost its first `leave` members and gained `join` new accounts
/// (appended, with usernames that sort first, so every later offset of every sorted listing
/// shifts).
fn reshuffled(data: &dc_sim::Dataset, group: usize, leave: usize, join: usize) -> dc_sim::Dataset {
    let mut data = data.clone();
    let template = data.users[data.groups[group].members[0] as usize].clone();
    data.groups[group].members.drain(..leave);
    for n in 0..join {
        let index = data.users.len() as u32;
        let mut user = template.clone();
        user.key = format!("JIRAUSER9{n:05}");
        user.username = format!("aaa-joined-{n}");
        user.display_name = format!("Joined {n}");
        user.email = Some(format!("aaa-joined-{n}@example.com"));
        data.users.push(user);
        data.groups[group].members.push(index);
    }
    data
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_group_that_changes_between_its_pages_is_reported_moved_and_nothing_is_duplicated() {
    let mut base = sim_config(Product::Jira);
    base.dataset = Arc::new(generate(Product::Jira, Scale::SMALL, 23));
    let data = base.dataset.clone();
    let (big, _) = data
        .groups
        .iter()
        .enumerate()
        .max_by_key(|(_, g)| g.members.len())
        .unwrap();
    let name = data.groups[big].name.clone();
    assert!(
        data.groups[big].members.len() > 150,
        "{name}: a group of several pages"
    );
    let changed = Arc::new(reshuffled(&data, big, 20, 5));
    let truth_before = Sim::start(base.clone()).await.unwrap().ground_truth();

    // The change lands right after the big group's first page: its later pages (read ahead
    // at once) come from the changed group, whose total is 15 lower.
    let mut config = base.clone();
    config.change = Some(MidScanChange {
        after: 1,
        when: Some(format!("groupname={}&", name.replace(' ', "+"))),
        token: None,
        dataset: Some(changed.clone()),
    });
    let sim = Sim::start(config).await.unwrap();
    let truth_after = {
        let mut after = base.clone();
        after.dataset = changed;
        Sim::start(after).await.unwrap().ground_truth()
    };
    let inventory = scan(&sim).await.expect("a scan of a changing server");

    // Nothing duplicated.
    let mut keys: Vec<&str> = inventory.accounts.iter().map(|a| a.key.as_str()).collect();
    keys.dedup();
    assert_eq!(keys.len(), inventory.accounts.len());
    let mut pairs: Vec<(&str, &str)> = inventory
        .memberships
        .iter()
        .map(|m| (m.group.as_str(), m.account.as_str()))
        .collect();
    pairs.dedup();
    assert_eq!(pairs.len(), inventory.memberships.len());

    // The group moved: its memberships are not claimed complete, and a warning names it.
    let memberships = inventory
        .coverage
        .iter()
        .find(|c| c.collection == "memberships")
        .unwrap();
    assert!(!memberships.complete, "{memberships:?}");
    let detail = memberships.detail.as_deref().unwrap_or_default();
    assert!(
        detail.contains("moved during the scan") && detail.contains(&name),
        "{detail}"
    );
    assert!(
        inventory
            .warnings
            .iter()
            .any(|w| w.contains(&name) && w.contains("changed while its members were read"))
    );
    // Every other group's members are exactly the server's (unchanged by the change).
    let others = |truth: &Inventory| -> Vec<(String, String)> {
        truth
            .memberships
            .iter()
            .filter(|m| m.group != name)
            .map(|m| (m.group.clone(), m.account.clone()))
            .collect()
    };
    let scanned: Vec<(String, String)> = others(&inventory);
    assert_eq!(scanned, others(&truth_before));
    assert_eq!(scanned, others(&truth_after));
    // Whatever else says complete holds every account present before and after the change.
    if let Some(accounts) = inventory
        .coverage
        .iter()
        .find(|c| c.collection == "accounts")
        && accounts.complete
    {
        for account in &truth_before.accounts {
            let stayed = truth_after.accounts.iter().any(|a| a.key == account.key);
            assert!(
                !stayed || inventory.accounts.iter().any(|a| a.key == account.key),
                "{} stayed on the server but is missing",
                account.key
            );
        }
    }
}
