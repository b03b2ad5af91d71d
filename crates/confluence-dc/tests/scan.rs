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

const VERSIONS: [&str; 4] = ["7.19", "8.5", "9.2", "10.2"];

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
    scan_sim_with(sim, role, &ScanOptions::default()).await
}

async fn scan_sim_with(sim: &Sim, role: TokenRole, options: &ScanOptions) -> Inventory {
    scan(&ConfluenceClient::new(client(sim, role)), options)
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
        let mut expected = vec![
            "accounts",
            "grants:space-permissions",
            "groups",
            "memberships",
            "resources",
        ];
        if version == "10.2" {
            expected.insert(1, "grants:global-permissions");
        }
        assert_eq!(collections(&inventory), expected, "{version}");
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
        if version == "10.2" {
            assert!(
                memberships.contains("group/member?groupName="),
                "{memberships}"
            );
            assert!(!memberships.contains("user/memberof"), "{memberships}");
            assert!(inventory.warnings.is_empty(), "{:?}", inventory.warnings);
        } else {
            assert!(memberships.contains("user/memberof"), "{memberships}");
            assert!(
                inventory
                    .warnings
                    .iter()
                    .any(|w| w.contains("user/memberof")),
                "{version}: {:?}",
                inventory.warnings
            );
        }
        let permissions = coverage_of(&inventory, "grants:space-permissions")
            .method
            .unwrap();
        if version == "9.2" || version == "10.2" {
            assert!(permissions.contains("REST"), "{permissions}");
            assert!(!permissions.contains("JSON-RPC"), "{permissions}");
        } else {
            assert!(permissions.contains("JSON-RPC"), "{permissions}");
        }
        // The groups with a '/' are among those whose members are right.
        assert!(inventory.memberships.iter().any(|m| m.group.contains('/')));
        let served = sim.counters().snapshot();
        // Expected 404s: `user/list` on 7.19, the global permissions before 9.3 (an unknown
        // resource), and the probe of `group/member?groupName=` before 10.2 (read there as the
        // group `member`, which does not exist).
        let errors: Vec<_> = served
            .iter()
            .filter(|((endpoint, status), _)| {
                let expected = endpoint.contains("user/list")
                    || endpoint.contains("unknown")
                    || (*status == 404 && endpoint == "GET /rest/api/group/{groupName}");
                *status >= 400 && !expected
            })
            .collect();
        assert!(errors.is_empty(), "{version}: {errors:?}");
    }
}

fn group(name: &str, members: Vec<u32>) -> dc_sim::dataset::Group {
    dc_sim::dataset::Group {
        name: name.to_owned(),
        members,
        subgroups: Vec::new(),
    }
}

/// The groups whose names no member-resource path can carry: `/` (generated), and added here
/// `\`, `;` and the dot segment `..`.
fn with_awkward_names(mut data: Dataset) -> Dataset {
    data.groups.push(group("back\\slash", vec![3, 4]));
    data.groups.push(group("semi;colon", vec![5]));
    data.groups.push(group("..", vec![6, 7, 8]));
    data
}

const MEMBER_OF: &str = "GET /rest/api/user/memberof";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_10_2_awkward_group_names_are_read_by_query_not_rebuilt() {
    let sim = Sim::start(sim_config(
        with_awkward_names(dataset(Scale::SMALL)),
        "10.2",
    ))
    .await
    .unwrap();
    let inventory = scan_sim(&sim, TokenRole::Admin).await;
    let truth = sim.ground_truth();
    assert_same_records(&inventory, &truth);
    assert_eq!(inventory.memberships, truth.memberships);
    for c in &inventory.coverage {
        assert!(c.complete, "{c:?}");
    }
    let counters = sim.counters();
    // Two user/memberof, the token owner's own groups (is it an administrator, at the start and
    // still at the end?); none per user.
    assert_eq!(counters.endpoint(MEMBER_OF), 2);
    let awkward = truth
        .groups
        .iter()
        .filter(|g| !confluence_dc::api::member_resource_serves(&g.name))
        .count() as u64;
    assert!(awkward >= 4, "{awkward}");
    // One probe, then each awkward group read whole, 200 members a page.
    let pages: u64 = truth
        .groups
        .iter()
        .filter(|g| !confluence_dc::api::member_resource_serves(&g.name))
        .map(|g| {
            let members = truth
                .memberships
                .iter()
                .filter(|m| m.group == g.name)
                .count();
            members.div_ceil(200).max(1) as u64
        })
        .sum();
    assert_eq!(counters.endpoint("GET /rest/api/group/member"), pages + 1);
    for name in ["back\\slash", "semi;colon", ".."] {
        assert!(
            inventory.memberships.iter().any(|m| m.group == name),
            "{name}"
        );
    }
    let method = coverage_of(&inventory, "memberships").method.unwrap();
    assert!(
        method.contains(&format!("group/member?groupName= for {awkward} groups")),
        "{method}"
    );
    assert!(inventory.warnings.is_empty(), "{:?}", inventory.warnings);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_8_5_the_rebuild_is_warned_about_with_its_cost() {
    let sim = Sim::start(sim_config(with_awkward_names(dataset(Scale::SMALL)), "8.5"))
        .await
        .unwrap();
    let inventory = scan_sim(&sim, TokenRole::Admin).await;
    let truth = sim.ground_truth();
    assert_same_records(&inventory, &truth);
    assert!(coverage_of(&inventory, "memberships").complete);
    let counters = sim.counters();
    // Less the owner's own two (is it an administrator, at the start and at the end?).
    let per_user = counters.endpoint(MEMBER_OF) - 2;
    assert_eq!(per_user, truth.accounts.len() as u64);
    // The probe found no query form: 404, the group `member` does not exist on 8.5.
    assert_eq!(counters.endpoint("GET /rest/api/group/member"), 0);
    let warning = inventory
        .warnings
        .iter()
        .find(|w| w.contains("user/memberof"))
        .expect("a warning about the rebuild");
    // The warning is written before the closing rights check's one request.
    let total = counters.total() - 1;
    for words in [
        format!("{per_user} of this scan's {total} requests"),
        "rename those groups".to_owned(),
        "CONFSERVER-54066".to_owned(),
        "group/member?groupName=".to_owned(),
        "--no-memberof-rebuild".to_owned(),
        "\"semi;colon\"".to_owned(),
    ] {
        assert!(warning.contains(&words), "{words:?} not in {warning}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn skipping_the_rebuild_reports_those_groups_incomplete() {
    let sim = Sim::start(sim_config(with_awkward_names(dataset(Scale::SMALL)), "8.5"))
        .await
        .unwrap();
    let options = ScanOptions {
        skip_memberof_rebuild: true,
        ..ScanOptions::default()
    };
    let inventory = scan_sim_with(&sim, TokenRole::Admin, &options).await;
    let truth = sim.ground_truth();
    assert_eq!(sim.counters().endpoint(MEMBER_OF), 2);
    let skipped: Vec<&str> = truth
        .groups
        .iter()
        .map(|g| g.name.as_str())
        .filter(|g| !confluence_dc::api::member_resource_serves(g))
        .collect();
    assert!(skipped.iter().any(|g| g.contains('/')), "{skipped:?}");
    // Every other membership is there, none of the skipped groups'.
    let expected: Vec<_> = truth
        .memberships
        .iter()
        .filter(|m| !skipped.contains(&m.group.as_str()))
        .cloned()
        .collect();
    assert_eq!(inventory.memberships, expected);
    let mut words = vec![
        "--no-memberof-rebuild",
        "rename those groups",
        "group/member?groupName=",
    ];
    words.extend(skipped.iter().copied());
    assert_gap(&inventory, "memberships", &words);
    for collection in [
        "accounts",
        "groups",
        "resources",
        "grants:space-permissions",
    ] {
        assert!(coverage_of(&inventory, collection).complete, "{collection}");
    }
    assert_eq!(inventory.accounts, truth.accounts);
    assert!(
        !inventory
            .warnings
            .iter()
            .any(|w| w.contains("user/memberof requests")),
        "{:?}",
        inventory.warnings
    );
    assert_valid(&inventory);
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

/// A 9.3 server (wiremock; the simulator plays 9.2.3 and 10.2): the global permissions —
/// the bulk list, the anonymous and the unlicensed ones — are read and mapped onto `system`,
/// and their collection is reported; grants to unlicensed users, which the inventory cannot
/// name, make it incomplete.
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
        (
            "/rest/api/permissions/anonymous",
            None,
            json!([{"operation": {"targetType": "application", "operationKey": "use"},
                    "subject": {"type": "anonymous", "displayName": "Anonymous"}}]),
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
    let unlicensed = Mock::given(method("GET"))
        .and(path("/rest/api/permissions/unlicensed"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .mount_as_scoped(&server)
        .await;
    let client = atlassian_core::test_util::test_client(&server.uri(), Some("token"));
    let inventory = scan(
        &ConfluenceClient::new(client.clone()),
        &ScanOptions::default(),
    )
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
            ("system", "system:application:use", "anonymous"),
            ("system", "system:application:use", "group:confluence-users"),
            ("system", "system:space:create", "account:k1"),
        ]
    );
    assert_eq!(inventory.system.instance_id.as_deref(), Some("abc-123"));
    assert_eq!(inventory.system.title.as_deref(), Some("Wiki"));
    assert_eq!(inventory.accounts[1].active, Some(false));

    // Unlicensed users holding a global permission: no subject names them.
    drop(unlicensed);
    Mock::given(method("GET"))
        .and(path("/rest/api/permissions/unlicensed"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([
            {"operation": {"targetType": "space", "operationKey": "read"},
             "subject": {"type": "unlicensed", "displayName": "Unlicensed users"}}
        ])))
        .mount(&server)
        .await;
    let inventory = scan(&ConfluenceClient::new(client), &ScanOptions::default())
        .await
        .unwrap_or_else(|e| panic!("scan failed: {}", atlassian_core::error_chain(&e)));
    assert_gap(
        &inventory,
        "grants:global-permissions",
        &["unlicensed", "system:space:read"],
    );
}

/// What the rebuild costs, and what the query form and the option save: a 20,000-user instance
/// with one group whose name holds `/`, on 8.5 (rebuild), 8.5 with the rebuild skipped, and 10.2
/// (query form). Slow; run with `cargo test -p confluence-dc --test scan -- --ignored
/// --nocapture`.
#[ignore = "slow: a measurement"]
#[allow(clippy::print_stdout)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn measure_the_rebuild_on_20000_users() {
    let scale = Scale {
        users: 20_000,
        groups: 600,
        memberships: 120_000,
        ..Scale::SMALL
    };
    let mut data = generate(Product::Confluence, scale, 42);
    let mut kept = false;
    for (i, g) in data.groups.iter_mut().enumerate() {
        if !confluence_dc::api::member_resource_serves(&g.name) {
            if kept {
                g.name = format!("{}-{i}", g.name.replace(['/', '\\', ';', '.'], "-"));
            }
            kept = true;
        }
    }
    for (version, skip) in [("8.5", false), ("8.5", true), ("10.2", false)] {
        let sim = Sim::start(sim_config(data.clone(), version)).await.unwrap();
        let options = ScanOptions {
            skip_memberof_rebuild: skip,
            ..ScanOptions::default()
        };
        let started = std::time::Instant::now();
        let inventory = scan_sim_with(&sim, TokenRole::Admin, &options).await;
        let counters = sim.counters();
        println!(
            "{version} skip={skip}: {} requests ({} user/memberof, {} group/member?groupName=) in {:.1} s; memberships complete: {}",
            counters.total(),
            counters.endpoint(MEMBER_OF),
            counters.endpoint("GET /rest/api/group/member"),
            started.elapsed().as_secs_f64(),
            coverage_of(&inventory, "memberships").complete,
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_jira_server_is_refused_as_the_wrong_product_before_the_token_is_used() {
    let sim = Sim::start(SimConfig::new(
        generate(Product::Jira, Scale::TINY, 3),
        resolve_version(Product::Jira, "9.12").unwrap(),
    ))
    .await
    .unwrap();
    let config = test_config(sim.base_url(), Some(sim.token(TokenRole::Admin)));
    let api = ConfluenceClient::new(Client::new(config).unwrap());
    let error = scan(&api, &ScanOptions::default()).await.unwrap_err();
    assert!(
        matches!(&error, atlassian_core::Error::WrongProduct { expected: "Confluence", found, .. } if found.eq_ignore_ascii_case("jira")),
        "{error:?}"
    );
    assert!(error.to_string().contains("not Confluence"), "{error}");
    assert_eq!(
        sim.counters().total(),
        1,
        "only the anonymous manifest was asked"
    );
}
