//! `confluence-dc` against the simulator: for every version, a scan equals the ground truth
//! computed from the dataset, validates against the schema, and proves every collection
//! complete; server settings that block a source (the Remote API off, WebSudo) and tokens
//! without rights get honest gaps with the fix and the rest right; rate limits and faults
//! change nothing.

use std::time::Duration;

use atlassian_core::test_util::{assert_same_records, assert_valid, coverage_of, test_config};
use atlassian_core::{Client, Inventory};
use confluence_dc::{ConfluenceClient, ScanOptions, scan};
use dc_sim::dataset::resolve_version;
use dc_sim::{Dataset, Faults, Product, RateLimit, Scale, Sim, SimConfig, TokenRole, generate};

const VERSIONS: [&str; 3] = ["7.19", "8.5", "9.2"];

fn dataset(scale: Scale) -> Dataset {
    generate(Product::Confluence, scale, 42)
}

fn sim_config(data: Dataset, version: &str) -> SimConfig {
    let mut config = SimConfig::new(data, resolve_version(Product::Confluence, version).unwrap());
    config.context_path = "/confluence".to_owned();
    // Links in answers come from the configured base URL, another host behind a proxy.
    config.configured_base_url = Some("https://wiki.internal.example.com/confluence".to_owned());
    config
}

fn client(sim: &Sim, role: TokenRole) -> Client {
    let mut config = test_config(sim.base_url(), Some(sim.token(role)));
    if let Some(ca) = sim.ca_pem_path() {
        config.ca_bundle = Some(ca.to_owned());
    }
    config.timeout = Duration::from_secs(20);
    Client::new(config).unwrap()
}

async fn scan_sim(sim: &Sim, role: TokenRole) -> Inventory {
    scan(
        &ConfluenceClient::new(client(sim, role)),
        &ScanOptions::default(),
    )
    .await
    .unwrap_or_else(|e| panic!("scan failed: {}", atlassian_core::error_chain(&e)))
}

fn collections(inventory: &Inventory) -> Vec<&str> {
    inventory
        .coverage
        .iter()
        .map(|c| c.collection.as_str())
        .collect()
}

/// Asserts `collection` is incomplete and its detail says every one of `words`.
fn assert_gap(inventory: &Inventory, collection: &str, words: &[&str]) {
    let c = coverage_of(inventory, collection);
    assert!(!c.complete, "{collection}: {c:?}");
    let detail = c.detail.unwrap_or_default();
    for word in words {
        assert!(
            detail.contains(word),
            "{collection}: {word:?} not in {detail:?}"
        );
    }
}

/// Everything but the space-permission grants equals the truth, and is complete.
fn assert_all_but_space_permissions(inventory: &Inventory, truth: &Inventory) {
    assert_eq!(inventory.accounts, truth.accounts);
    assert_eq!(inventory.groups, truth.groups);
    assert_eq!(inventory.memberships, truth.memberships);
    assert_eq!(inventory.resources, truth.resources);
    for collection in ["accounts", "groups", "memberships", "resources"] {
        assert!(coverage_of(inventory, collection).complete, "{collection}");
    }
    // The implicit administrators stay: they come from the group list, not the bridge.
    let grants: Vec<(&str, &str, &str)> = inventory
        .grants
        .iter()
        .map(|g| {
            (
                g.resource.as_str(),
                g.permission.as_str(),
                g.subject.as_str(),
            )
        })
        .collect();
    assert_eq!(
        grants,
        [(
            "system",
            "system:administer",
            "group:confluence-administrators"
        )]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_version_scans_to_the_ground_truth() {
    for version in VERSIONS {
        let sim = Sim::start(sim_config(dataset(Scale::SMALL), version))
            .await
            .unwrap();
        let inventory = scan_sim(&sim, TokenRole::Admin).await;
        let truth = sim.ground_truth();
        assert_same_records(&inventory, &truth);
        assert_valid(&inventory);
        for c in &inventory.coverage {
            assert!(c.complete, "{version}: {c:?}");
        }
        assert_eq!(
            collections(&inventory),
            [
                "accounts",
                "grants:space-permissions",
                "groups",
                "memberships",
                "resources"
            ],
            "{version}"
        );
        let accounts = coverage_of(&inventory, "accounts").method.unwrap();
        if version == "7.19" {
            assert!(accounts.contains("search?cql=type=user"), "{accounts}");
            assert!(accounts.contains("totalSize"), "{accounts}");
            assert!(inventory.accounts.iter().all(|a| a.active.is_none()));
        } else {
            assert!(accounts.starts_with("user/list"), "{accounts}");
            assert!(inventory.accounts.iter().any(|a| a.active == Some(false)));
        }
        assert!(inventory.accounts.iter().all(|a| a.email.is_none()));
        let memberships = coverage_of(&inventory, "memberships").method.unwrap();
        assert!(memberships.contains("user/memberof"), "{memberships}");
        let permissions = coverage_of(&inventory, "grants:space-permissions")
            .method
            .unwrap();
        if version == "9.2" {
            assert!(permissions.contains("REST"), "{permissions}");
            assert!(!permissions.contains("JSON-RPC"), "{permissions}");
        } else {
            assert!(permissions.contains("JSON-RPC"), "{permissions}");
        }
        // The groups with a '/' are among those whose members are right.
        assert!(inventory.memberships.iter().any(|m| m.group.contains('/')));
        let served = sim.counters().snapshot();
        let errors: Vec<_> = served
            .iter()
            .filter(|((endpoint, status), _)| {
                *status >= 400 && !endpoint.contains("user/list") && !endpoint.contains("unknown")
            })
            .collect();
        assert!(errors.is_empty(), "{version}: {errors:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_disabled_remote_api_is_a_gap_with_its_fix() {
    let mut data = dataset(Scale::SMALL);
    data.settings.remote_api_enabled = false;
    let sim = Sim::start(sim_config(data, "8.5")).await.unwrap();
    let inventory = scan_sim(&sim, TokenRole::Admin).await;
    assert_gap(
        &inventory,
        "grants:space-permissions",
        &["Remote API", "Further Configuration"],
    );
    assert_all_but_space_permissions(&inventory, &sim.ground_truth());
    assert_valid(&inventory);
    // One JSON-RPC call told it all.
    assert_eq!(
        sim.counters()
            .endpoint("POST /rpc/json-rpc/confluenceservice-v2"),
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn websudo_is_a_gap_with_its_fix() {
    let mut data = dataset(Scale::SMALL);
    data.settings.websudo = true;
    let sim = Sim::start(sim_config(data, "8.5")).await.unwrap();
    let inventory = scan_sim(&sim, TokenRole::Admin).await;
    assert_gap(
        &inventory,
        "grants:space-permissions",
        &["WebSudo", "secure administrator sessions"],
    );
    assert_all_but_space_permissions(&inventory, &sim.ground_truth());
    assert_valid(&inventory);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_browse_only_token_gets_honest_gaps_and_the_rest_right() {
    for (version, reason) in [("8.5", "CONFSERVER-98582"), ("9.2", "CONFSERVER-99908")] {
        let sim = Sim::start(sim_config(dataset(Scale::SMALL), version))
            .await
            .unwrap();
        let inventory = scan_sim(&sim, TokenRole::BrowseOnly).await;
        let truth = sim.ground_truth();
        assert_gap(&inventory, "memberships", &["administrator", "401"]);
        assert_gap(
            &inventory,
            "grants:space-permissions",
            &[
                "administrator",
                if version == "9.2" {
                    reason
                } else {
                    "NotPermitted"
                },
            ],
        );
        assert_gap(&inventory, "resources", &["confluence-administrators"]);
        assert!(
            coverage_of(&inventory, "memberships")
                .detail
                .unwrap()
                .contains("CONFSERVER-98582")
        );
        // Viewing users is enough for accounts and groups, and those are exactly right.
        assert!(coverage_of(&inventory, "accounts").complete, "{version}");
        assert!(coverage_of(&inventory, "groups").complete, "{version}");
        assert_eq!(inventory.accounts, truth.accounts, "{version}");
        assert_eq!(inventory.groups, truth.groups, "{version}");
        assert!(inventory.memberships.is_empty());
        // What it lists is true: spaces it can see, no invented grants.
        assert!(!inventory.resources.is_empty());
        assert!(
            inventory
                .resources
                .iter()
                .all(|r| truth.resources.contains(r))
        );
        assert!(inventory.grants.iter().all(|g| truth.grants.contains(g)));
        assert_valid(&inventory);
        // No member-of sweep for a token that cannot read memberships anyway.
        assert_eq!(sim.counters().endpoint("GET /rest/api/user/memberof"), 1);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_that_may_not_view_users_is_not_taken_for_an_empty_instance() {
    for version in VERSIONS {
        let sim = Sim::start(sim_config(dataset(Scale::TINY), version))
            .await
            .unwrap();
        let inventory = scan_sim(&sim, TokenRole::NoBrowse).await;
        assert_gap(&inventory, "accounts", &["no users", "view users"]);
        assert_gap(&inventory, "groups", &["view users"]);
        assert!(!coverage_of(&inventory, "memberships").complete);
        assert!(!coverage_of(&inventory, "grants:space-permissions").complete);
        // The token's owner is still listed, as itself.
        assert_eq!(inventory.accounts.len(), 1, "{version}");
        assert_valid(&inventory);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_anonymous_answer_fails_as_an_unaccepted_token() {
    let mut data = dataset(Scale::TINY);
    data.settings.unknown_token_as_anonymous = true;
    let sim = Sim::start(sim_config(data, "8.5")).await.unwrap();
    let config = test_config(sim.base_url(), Some("not-a-token-the-server-knows"));
    let api = ConfluenceClient::new(Client::new(config).unwrap());
    let error = scan(&api, &ScanOptions::default()).await.unwrap_err();
    assert!(error.is_unauthorized(), "{error}");
    assert!(error.to_string().contains("anonymous"), "{error}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limits_and_faults_change_nothing() {
    let mut config = sim_config(dataset(Scale::SMALL), "8.5");
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

/// A 9.3+ server (wiremock, as the simulator plays 9.2): the global permissions are read and
/// mapped onto `system`, and their collection is reported.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn global_permissions_are_read_where_the_server_has_them() {
    use serde_json::{Value, json};
    use wiremock::matchers::{method, path, query_param};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    let server = MockServer::start().await;
    let page = |results: Value| json!({"results": results, "start": 0, "limit": 200, "size": 1, "_links": {}});
    let user = |key: &str, status: &str| {
        json!({"type": "known", "username": format!("{key}-name"), "userKey": key,
               "displayName": key.to_uppercase(), "status": status})
    };
    let admins = json!({"type": "group", "name": "confluence-administrators"});
    let users = json!({"type": "group", "name": "confluence-users"});
    // (path, a query parameter to match, the answer)
    type Answer = (&'static str, Option<(&'static str, &'static str)>, Value);
    let answers: Vec<Answer> = vec![
        (
            "/rest/applinks/1.0/manifest",
            None,
            json!({"id": "abc-123", "name": "Wiki", "typeId": "confluence", "version": "9.3.1"}),
        ),
        (
            "/rest/api/server-information",
            None,
            json!({"version": "9.3.1"}),
        ),
        ("/rest/api/user/current", None, user("k0", "Active")),
        ("/rest/api/user/memberof", None, page(json!([admins]))),
        ("/rest/api/group", None, page(json!([admins, users]))),
        (
            "/rest/api/group/confluence-administrators/member",
            None,
            page(json!([user("k0", "Active")])),
        ),
        (
            "/rest/api/group/confluence-users/member",
            None,
            page(json!([user("k0", "Active"), user("k1", "Deactivated")])),
        ),
        (
            "/rest/api/user/list",
            None,
            page(json!([user("k0", "Active"), user("k1", "Deactivated")])),
        ),
        (
            "/rest/api/space",
            Some(("status", "current")),
            page(json!([{"key": "DOC", "name": "Docs", "type": "global", "status": "current"}])),
        ),
        (
            "/rest/api/space",
            Some(("status", "archived")),
            page(json!([])),
        ),
        (
            "/rest/api/space/DOC/permissions",
            None,
            json!([
                {"operation": {"targetType": "space", "operationKey": "read"},
                 "subject": {"type": "group", "name": "confluence-users"}, "spaceKey": "DOC"},
                {"operation": {"targetType": "space", "operationKey": "administer"},
                 "subject": {"type": "user", "userKey": "k1"}, "spaceKey": "DOC"}
            ]),
        ),
        (
            "/rest/api/space/DOC/permissions/anonymous",
            None,
            json!([{"operation": {"targetType": "space", "operationKey": "read"},
                    "subject": {"type": "anonymous"}, "spaceKey": "DOC"}]),
        ),
        (
            "/rest/api/permissions",
            None,
            json!([
                {"operation": {"targetType": "system", "operationKey": "administer"},
                 "subject": {"type": "group", "name": "confluence-administrators"}},
                {"operation": {"targetType": "application", "operationKey": "use"},
                 "subject": {"type": "group", "name": "confluence-users"}},
                {"operation": {"targetType": "space", "operationKey": "create"},
                 "subject": {"type": "user", "userKey": "k1"}}
            ]),
        ),
    ];
    for (at, query, body) in answers {
        let mut mock = Mock::given(method("GET")).and(path(at));
        if let Some((key, value)) = query {
            mock = mock.and(query_param(key, value));
        }
        mock.respond_with(ResponseTemplate::new(200).set_body_json(body))
            .mount(&server)
            .await;
    }
    let client = atlassian_core::test_util::test_client(&server.uri(), Some("token"));
    let inventory = scan(&ConfluenceClient::new(client), &ScanOptions::default())
        .await
        .unwrap_or_else(|e| panic!("scan failed: {}", atlassian_core::error_chain(&e)));
    assert_valid(&inventory);
    assert_eq!(
        collections(&inventory),
        [
            "accounts",
            "grants:global-permissions",
            "grants:space-permissions",
            "groups",
            "memberships",
            "resources"
        ]
    );
    for c in &inventory.coverage {
        assert!(c.complete, "{c:?}");
    }
    let grants: Vec<(&str, &str, &str)> = inventory
        .grants
        .iter()
        .map(|g| {
            (
                g.resource.as_str(),
                g.permission.as_str(),
                g.subject.as_str(),
            )
        })
        .collect();
    assert_eq!(
        grants,
        [
            ("space:DOC", "space:administer", "account:k1"),
            ("space:DOC", "space:read", "anonymous"),
            ("space:DOC", "space:read", "group:confluence-users"),
            (
                "system",
                "system:administer",
                "group:confluence-administrators"
            ),
            ("system", "system:application:use", "group:confluence-users"),
            ("system", "system:space:create", "account:k1"),
        ]
    );
    assert_eq!(inventory.system.instance_id.as_deref(), Some("abc-123"));
    assert_eq!(inventory.system.title.as_deref(), Some("Wiki"));
    assert_eq!(inventory.accounts[1].active, Some(false));
}
