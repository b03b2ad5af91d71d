//! Pins the simulated Jira Data Center's documented behaviours (shared/reference/jira-dc-api.md),
//! quirks included, so that no later change quietly makes the simulator kinder than a real
//! server: the user-search caps per version, `.` missing users without a dot, `user/list` only
//! on 10.3.13, the group picker's default of 20, `group/member`'s 50-cap and transitive
//! members, role actors by username, the `expand=all` 500, links from the configured base URL.

use std::collections::HashSet;

use dc_sim::dataset::{
    Actor, ApplicationRole, Group, Holder, PermissionScheme, Project, Role, SchemeGrant, Settings,
    TokenDef, User,
};
use dc_sim::{Dataset, Product, Sim, SimConfig, TokenRole, Version};
use serde_json::Value;

const V8: &str = "8.20.30";
const V9: &str = "9.12.15";
const V10: &str = "10.3.13";
const VERSIONS: [&str; 3] = [V8, V9, V10];

fn version(text: &str) -> Version {
    Version::parse(text).expect("a version")
}

fn user(key: &str, username: &str, display: &str, email: Option<&str>, active: bool) -> User {
    User {
        key: key.to_owned(),
        username: username.to_owned(),
        display_name: display.to_owned(),
        email: email.map(str::to_owned),
        active,
        last_login: None,
    }
}

fn group(name: &str, members: &[u32], subgroups: &[u32]) -> Group {
    Group {
        name: name.to_owned(),
        members: members.to_vec(),
        subgroups: subgroups.to_vec(),
    }
}

fn holder(kind: &str, parameter: Option<&str>) -> Holder {
    Holder {
        holder_type: kind.to_owned(),
        parameter: parameter.map(str::to_owned),
    }
}

fn grant(id: u64, permission: &str, holder: Holder) -> SchemeGrant {
    SchemeGrant {
        id,
        permission: permission.to_owned(),
        holder,
    }
}

fn tokens() -> Vec<TokenDef> {
    [
        ("admin-token", 0, TokenRole::Admin),
        ("browse-token", 1, TokenRole::BrowseOnly),
        ("nobrowse-token", 2, TokenRole::NoBrowse),
    ]
    .into_iter()
    .map(|(token, owner, role)| TokenDef {
        token: token.to_owned(),
        owner,
        role,
    })
    .collect()
}

/// Users (index: username, key):
/// 0 svc.admin (JIRAUSER10000), 1 svc-browse, 2 svc-nobrowse (no dot anywhere), 3 alice.smith
/// (legacy key `asmith`), 4 bob (no dot anywhere), 5 carol.inactive (inactive), 6 dave,
/// 7 erin (no dot, inactive).
///
/// Groups: 0 jira-administrators {0}; 1 jira-software-users {0..=6}; 2 `dev+ops` {3} + nested
/// 3 `R&D équipe` {4, 5}; 4 `开发组` {6}; 5 `Team-Alpha` {}.
fn small() -> Dataset {
    Dataset {
        product: Product::Jira,
        title: "Test Jira".to_owned(),
        instance_id: "9f2d636e-c842-3388-8a66-17c1b951dd45".to_owned(),
        users: vec![
            user(
                "JIRAUSER10000",
                "svc.admin",
                "Scanner Admin",
                Some("svc.admin@example.com"),
                true,
            ),
            user(
                "JIRAUSER10001",
                "svc-browse",
                "Browse Service",
                Some("svc-browse@example.com"),
                true,
            ),
            user(
                "JIRAUSER10002",
                "svc-nobrowse",
                "Nobrowse Service",
                None,
                true,
            ),
            user(
                "asmith",
                "alice.smith",
                "Alice Smith",
                Some("alice@example.com"),
                true,
            ),
            user("JIRAUSER10004", "bob", "Bob Jones", None, true),
            user(
                "JIRAUSER10005",
                "carol.inactive",
                "Carol Inactive",
                Some("carol@example.com"),
                false,
            ),
            user(
                "JIRAUSER10006",
                "dave",
                "Dave Doe",
                Some("dave@example.com"),
                true,
            ),
            user("JIRAUSER10007", "erin", "Erin Ørsted", None, false),
        ],
        groups: vec![
            group("jira-administrators", &[0], &[]),
            group("jira-software-users", &[0, 1, 2, 3, 4, 5, 6], &[]),
            group("dev+ops", &[3], &[3]),
            group("R&D équipe", &[4, 5], &[]),
            group("开发组", &[6], &[]),
            group("Team-Alpha", &[], &[]),
        ],
        tokens: tokens(),
        roles: vec![
            Role {
                id: 10_002,
                name: "Administrators".to_owned(),
            },
            Role {
                id: 10_003,
                name: "Developers".to_owned(),
            },
            Role {
                id: 10_004,
                name: "Users".to_owned(),
            },
        ],
        projects: vec![
            Project {
                id: 10_000,
                key: "ENG".to_owned(),
                name: "Engineering".to_owned(),
                archived: false,
                scheme: 0,
                lead: 3,
                role_actors: vec![
                    (0, vec![Actor::User(3), Actor::Group(0)]),
                    (
                        1,
                        vec![
                            Actor::Group(2),
                            Actor::User(6),
                            Actor::DeletedUser("JIRAUSER99999".to_owned()),
                        ],
                    ),
                ],
            },
            Project {
                id: 10_001,
                key: "PUB".to_owned(),
                name: "Public".to_owned(),
                archived: false,
                scheme: 1,
                lead: 0,
                role_actors: Vec::new(),
            },
            Project {
                id: 10_002,
                key: "SEC".to_owned(),
                name: "Secret".to_owned(),
                archived: false,
                scheme: 2,
                lead: 0,
                role_actors: vec![(1, vec![Actor::User(1)])],
            },
            Project {
                id: 10_003,
                key: "OLD".to_owned(),
                name: "Old stuff".to_owned(),
                archived: true,
                scheme: 1,
                lead: 0,
                role_actors: Vec::new(),
            },
        ],
        application_roles: vec![ApplicationRole {
            key: "jira-software".to_owned(),
            name: "Jira Software".to_owned(),
            groups: vec![0, 1],
            default_groups: vec![1],
        }],
        permission_schemes: vec![
            PermissionScheme {
                id: 0,
                name: "Default Permission Scheme".to_owned(),
                grants: vec![
                    grant(
                        10_001,
                        "BROWSE_PROJECTS",
                        holder("applicationRole", Some("jira-software")),
                    ),
                    grant(
                        10_002,
                        "ADMINISTER_PROJECTS",
                        holder("projectRole", Some("10002")),
                    ),
                    grant(
                        10_003,
                        "ADMINISTER_PROJECTS",
                        holder("group", Some("jira-administrators")),
                    ),
                    grant(
                        10_004,
                        "MANAGE_WATCHERS",
                        holder("user", Some("JIRAUSER10006")),
                    ),
                    grant(10_005, "EDIT_ISSUES", holder("reporter", None)),
                ],
            },
            PermissionScheme {
                id: 10_100,
                name: "Public".to_owned(),
                grants: vec![grant(10_101, "BROWSE_PROJECTS", holder("anyone", None))],
            },
            PermissionScheme {
                id: 10_101,
                name: "Restricted".to_owned(),
                grants: vec![
                    grant(10_201, "BROWSE_PROJECTS", holder("group", Some("dev+ops"))),
                    grant(
                        10_202,
                        "BROWSE_PROJECTS",
                        holder("projectRole", Some("10003")),
                    ),
                ],
            },
        ],
        spaces: Vec::new(),
        settings: Settings::default(),
    }
}

/// `count` users named `user.NNNN` (all with a dot), every 10th inactive, plus the three token
/// owners; 30 groups `grp-NN`, the first holding everyone.
fn big(count: u32) -> Dataset {
    let mut data = small();
    data.users.truncate(3);
    for i in 0..count {
        data.users.push(user(
            &format!("JIRAUSER{}", 20_000 + i),
            &format!("user.{i:04}"),
            &format!("User {i}"),
            Some(&format!("user.{i:04}@example.com")),
            i % 10 != 9,
        ));
    }
    let everyone: Vec<u32> = (0..data.users.len() as u32).collect();
    data.groups = (0..30)
        .map(|g| {
            if g == 0 {
                group("grp-00", &everyone, &[])
            } else {
                group(&format!("grp-{g:02}"), &[0], &[])
            }
        })
        .collect();
    data.projects.clear();
    data.application_roles.clear();
    data
}

async fn start(data: Dataset, v: &str) -> Sim {
    Sim::start(SimConfig::new(data, version(v)))
        .await
        .expect("the simulator starts")
}

fn client() -> reqwest::Client {
    atlassian_core::install_crypto_provider();
    reqwest::Client::builder().build().expect("a client")
}

fn bearer(sim: &Sim, role: Option<TokenRole>) -> Option<String> {
    role.map(|r| format!("Bearer {}", sim.token(r)))
}

/// GETs `path` (below the base URL) as `role` (`None`: anonymous), asking for JSON; returns
/// the status and the parsed body (which must be valid JSON).
async fn get(sim: &Sim, role: Option<TokenRole>, path: &str) -> (u16, Value) {
    let (status, content_type, body) = fetch(sim, role, path, true).await;
    assert!(
        content_type.contains("json"),
        "{path}: {status} answered {content_type}"
    );
    let value = serde_json::from_slice(&body).unwrap_or_else(|e| {
        panic!(
            "{path}: invalid JSON ({e}): {}",
            String::from_utf8_lossy(&body)
        )
    });
    (status, value)
}

/// GETs `path` and returns status, content type and body.
async fn fetch(
    sim: &Sim,
    role: Option<TokenRole>,
    path: &str,
    json: bool,
) -> (u16, String, Vec<u8>) {
    let mut request = client().get(format!("{}{path}", sim.base_url()));
    if json {
        request = request.header("Accept", "application/json");
    }
    if let Some(auth) = bearer(sim, role) {
        request = request.header("Authorization", auth);
    }
    let response = request.send().await.expect("an answer");
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let body = response.bytes().await.expect("a body").to_vec();
    (status, content_type, body)
}

/// GETs `path` with `query` encoded by reqwest (form encoding: space `+`, `+` `%2B`, `&` `%26`).
async fn get_query(
    sim: &Sim,
    role: Option<TokenRole>,
    path: &str,
    query: &[(&str, &str)],
) -> (u16, Value) {
    let mut request = client()
        .get(format!("{}{path}", sim.base_url()))
        .query(query)
        .header("Accept", "application/json");
    if let Some(auth) = bearer(sim, role) {
        request = request.header("Authorization", auth);
    }
    let response = request.send().await.expect("an answer");
    let status = response.status().as_u16();
    let body = response.bytes().await.expect("a body");
    (status, serde_json::from_slice(&body).expect("valid JSON"))
}

fn names(values: &Value, field: &str) -> Vec<String> {
    values
        .as_array()
        .unwrap_or_else(|| panic!("an array: {values}"))
        .iter()
        .map(|v| v[field].as_str().expect("a string").to_owned())
        .collect()
}

const ADMIN: Option<TokenRole> = Some(TokenRole::Admin);
const BROWSE: Option<TokenRole> = Some(TokenRole::BrowseOnly);
const NOBROWSE: Option<TokenRole> = Some(TokenRole::NoBrowse);
const ANON: Option<TokenRole> = None;

// ---------------------------------------------------------------------------------------
// Probe and identity
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn server_info_is_anonymous_and_says_server() {
    for v in VERSIONS {
        let sim = start(small(), v).await;
        let (status, info) = get(&sim, ANON, "/rest/api/2/serverInfo").await;
        assert_eq!(status, 200);
        // §1.3: real DC reports "Server".
        assert_eq!(info["deploymentType"], "Server");
        assert_eq!(info["version"], v);
        let numbers: Vec<u64> = v.split('.').map(|n| n.parse().unwrap()).collect();
        assert_eq!(info["versionNumbers"], serde_json::json!(numbers));
        assert_eq!(info["baseUrl"], sim.base_url());
        assert_eq!(info["serverTitle"], "Test Jira");
        let time = info["serverTime"].as_str().unwrap();
        assert!(time.ends_with("+0000"), "{time}");
        for field in ["buildNumber", "databaseBuildNumber", "buildDate", "scmInfo"] {
            assert!(!info[field].is_null(), "{field} missing");
        }
    }
    let sim = start(small(), V10).await;
    let (_, info) = get(&sim, ANON, "/rest/api/2/serverInfo").await;
    assert_eq!(info["buildNumber"], 10_030_013);
    let sim = start(small(), V8).await;
    let (_, info) = get(&sim, ANON, "/rest/api/2/serverInfo").await;
    assert_eq!(info["buildNumber"], 820_030);
}

#[tokio::test]
async fn manifest_is_xml_by_default_and_json_on_request() {
    let sim = start(small(), V9).await;
    let (status, content_type, body) =
        fetch(&sim, ANON, "/rest/applinks/1.0/manifest", false).await;
    assert_eq!(status, 200);
    assert!(content_type.contains("xml"), "{content_type}");
    let xml = String::from_utf8(body).unwrap();
    assert!(xml.contains("<typeId>jira</typeId>"), "{xml}");
    assert!(xml.contains("<id>9f2d636e-c842-3388-8a66-17c1b951dd45</id>"));
    assert!(xml.contains("<version>9.12.15</version>"));
    let (status, manifest) = get(&sim, ANON, "/rest/applinks/1.0/manifest").await;
    assert_eq!(status, 200);
    assert_eq!(manifest["typeId"], "jira");
    assert_eq!(manifest["name"], "Test Jira");
    assert_eq!(manifest["id"], "9f2d636e-c842-3388-8a66-17c1b951dd45");
    assert_eq!(manifest["url"], sim.base_url());
    assert_eq!(manifest["publicSignup"], false);
}

#[tokio::test]
async fn myself_is_never_anonymous() {
    let sim = start(small(), V10).await;
    let (status, body) = get(&sim, ANON, "/rest/api/2/myself").await;
    assert_eq!(status, 401);
    assert_eq!(
        body["errorMessages"][0],
        "You are not authenticated. Authentication required to perform this operation."
    );
    assert!(body["errors"].is_object());

    let (status, me) = get(&sim, ADMIN, "/rest/api/2/myself").await;
    assert_eq!(status, 200);
    assert_eq!(me["name"], "svc.admin");
    assert_eq!(me["key"], "JIRAUSER10000");
    assert_eq!(me["emailAddress"], "svc.admin@example.com");
    assert_eq!(me["deleted"], false);
    assert_eq!(me["groups"]["size"], 2);
    assert_eq!(me["groups"]["items"], serde_json::json!([]));
    assert_eq!(me["applicationRoles"]["size"], 1);
    assert!(me.get("username").is_none(), "DC has no username field");
    for size in ["16x16", "24x24", "32x32", "48x48"] {
        assert!(me["avatarUrls"][size].is_string());
    }
    // A hidden e-mail address: the field is left out.
    let (_, me) = get(&sim, NOBROWSE, "/rest/api/2/myself").await;
    assert_eq!(me["name"], "svc-nobrowse");
    assert!(me.get("emailAddress").is_none(), "{me}");
}

#[tokio::test]
async fn mypermissions_follow_the_token_role() {
    let sim = start(small(), V9).await;
    let have = |body: &Value, key: &str| body["permissions"][key]["havePermission"].as_bool();
    let (status, admin) = get(&sim, ADMIN, "/rest/api/2/mypermissions").await;
    assert_eq!(status, 200);
    for key in [
        "USER_PICKER",
        "ADMINISTER",
        "SYSTEM_ADMIN",
        "BROWSE_PROJECTS",
    ] {
        assert_eq!(have(&admin, key), Some(true), "{key}");
        assert_eq!(admin["permissions"][key]["key"], key);
    }
    let (_, browse) = get(&sim, BROWSE, "/rest/api/2/mypermissions").await;
    assert_eq!(have(&browse, "USER_PICKER"), Some(true));
    assert_eq!(have(&browse, "ADMINISTER"), Some(false));
    assert_eq!(have(&browse, "SYSTEM_ADMIN"), Some(false));
    for role in [NOBROWSE, ANON] {
        let (status, body) = get(&sim, role, "/rest/api/2/mypermissions").await;
        assert_eq!(status, 200);
        for key in [
            "USER_PICKER",
            "ADMINISTER",
            "SYSTEM_ADMIN",
            "BROWSE_PROJECTS",
        ] {
            assert_eq!(have(&body, key), Some(false), "{role:?} {key}");
        }
    }
}

// ---------------------------------------------------------------------------------------
// Users
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn user_search_dot_matches_everyone_by_default() {
    let sim = start(small(), V9).await;
    let (status, found) = get(
        &sim,
        ADMIN,
        "/rest/api/2/user/search?username=.&includeInactive=true",
    )
    .await;
    assert_eq!(status, 200);
    // DCAPT's `"." - search for all users`: every account, inactive ones on request.
    assert_eq!(
        names(&found, "name"),
        [
            "alice.smith",
            "bob",
            "carol.inactive",
            "dave",
            "erin",
            "svc-browse",
            "svc-nobrowse",
            "svc.admin"
        ]
    );
}

#[tokio::test]
async fn user_search_dot_only_reading_misses_users_without_a_dot() {
    let mut data = small();
    data.settings.dot_query = dc_sim::WildcardReading::DotOnly;
    let sim = start(data, V9).await;
    let (status, found) = get(
        &sim,
        ADMIN,
        "/rest/api/2/user/search?username=.&includeInactive=true",
    )
    .await;
    assert_eq!(status, 200);
    // PipesHub's reading: svc-nobrowse, bob and erin have no dot anywhere.
    assert_eq!(
        names(&found, "name"),
        [
            "alice.smith",
            "carol.inactive",
            "dave",
            "svc-browse",
            "svc.admin"
        ]
    );
    let first = &found[0];
    assert_eq!(first["key"], "asmith");
    assert_eq!(first["deleted"], false);
    assert!(
        first["self"]
            .as_str()
            .unwrap()
            .ends_with("/rest/api/2/user?username=alice.smith")
    );
    // The prefix sweep finds them.
    let (_, found) = get(&sim, ADMIN, "/rest/api/2/user/search?username=b").await;
    assert_eq!(names(&found, "name"), ["bob", "svc-browse"]);
}

#[tokio::test]
async fn user_search_shows_inactive_users_only_on_request() {
    let sim = start(small(), V10).await;
    let (_, default) = get(&sim, ADMIN, "/rest/api/2/user/search?username=.").await;
    assert!(!names(&default, "name").contains(&"carol.inactive".to_owned()));
    let (_, with) = get(
        &sim,
        ADMIN,
        "/rest/api/2/user/search?username=.&includeInactive=true",
    )
    .await;
    assert!(names(&with, "name").contains(&"carol.inactive".to_owned()));
    let (_, only) = get(
        &sim,
        ADMIN,
        "/rest/api/2/user/search?username=.&includeInactive=true&includeActive=false",
    )
    .await;
    assert_eq!(names(&only, "name"), ["carol.inactive", "erin"]);
    assert_eq!(only[0]["active"], false);
}

#[tokio::test]
async fn user_search_is_empty_without_browse_users() {
    let sim = start(small(), V9).await;
    // §3.2/§2.2: 200 with nothing, never 403.
    for role in [NOBROWSE, ANON] {
        let (status, found) = get(&sim, role, "/rest/api/2/user/search?username=.").await;
        assert_eq!(status, 200, "{role:?}");
        assert_eq!(found, serde_json::json!([]), "{role:?}");
    }
    let (status, found) = get(&sim, BROWSE, "/rest/api/2/user/search?username=.").await;
    assert_eq!(status, 200);
    assert!(!found.as_array().unwrap().is_empty());
    let (status, body) = get(&sim, ADMIN, "/rest/api/2/user/search").await;
    assert_eq!(status, 400);
    assert!(body["errorMessages"][0].is_string());
}

#[tokio::test]
async fn user_search_caps_per_version() {
    let data = big(1_200);
    let q = "/rest/api/2/user/search?username=user.";
    for v in [V8, V9] {
        let sim = start(data.clone(), v).await;
        let count = |path: String| {
            let sim = &sim;
            async move {
                let (status, found) = get(sim, ADMIN, &path).await;
                assert_eq!(status, 200);
                found.as_array().unwrap().len()
            }
        };
        let active = 1_200 - 120;
        assert!(active > 1_000);
        // maxResults is clamped to 1000, silently.
        assert_eq!(count(format!("{q}&maxResults=5000")).await, 1_000, "{v}");
        // The default page is 50.
        assert_eq!(count(q.to_owned()).await, 50, "{v}");
        if v == V8 {
            // Only the first 1000 matches are reachable (JRASERVER-65089).
            assert_eq!(count(format!("{q}&startAt=600&maxResults=1000")).await, 400);
            assert_eq!(count(format!("{q}&startAt=1000&maxResults=50")).await, 0);
            assert_eq!(count(format!("{q}&startAt=990&maxResults=50")).await, 10);
        } else {
            // 9.x: 1000 a call, but startAt pages past it (JRASERVER-78660).
            assert_eq!(
                count(format!("{q}&startAt=600&maxResults=1000")).await,
                active - 600
            );
            assert_eq!(
                count(format!("{q}&startAt=1000&maxResults=1000")).await,
                active - 1000
            );
            assert_eq!(count(format!("{q}&startAt=1000&maxResults=50")).await, 50);
        }
    }
    let sim = start(data, V10).await;
    let count = |path: String| {
        let sim = &sim;
        async move {
            let (status, found) = get(sim, ADMIN, &path).await;
            assert_eq!(status, 200);
            found.as_array().unwrap().len()
        }
    };
    // 10.x: maxResults ≤ 100 and only the first 100 results (JRASERVER-78520).
    assert_eq!(count(format!("{q}&maxResults=1000")).await, 100);
    assert_eq!(count(format!("{q}&startAt=98&maxResults=20")).await, 2);
    assert_eq!(count(format!("{q}&startAt=100&maxResults=50")).await, 0);
    assert_eq!(count(format!("{q}&startAt=500")).await, 0);
}

#[tokio::test]
async fn user_list_exists_only_on_10_3_13() {
    let sim = start(small(), V9).await;
    let (status, body) = get(&sim, ADMIN, "/rest/api/2/user/list").await;
    assert_eq!(status, 404);
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .starts_with("null for uri: "),
        "{body}"
    );
    assert_eq!(body["status-code"], 404);
    let sim = start(small(), V8).await;
    let (status, _) = get(&sim, ADMIN, "/rest/api/2/user/list").await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn user_list_pages_by_cursor_over_every_user_once() {
    let data = big(1_200);
    let total = data.users.len();
    let keys: HashSet<String> = data.users.iter().map(|u| u.key.clone()).collect();
    let sim = start(data, V10).await;

    // The default page is 2000: everyone at once.
    let (status, page) = get(&sim, ADMIN, "/rest/api/2/user/list").await;
    assert_eq!(status, 200);
    assert_eq!(page["maxResults"], 2000);
    assert_eq!(page["isLast"], true);
    assert_eq!(page["values"].as_array().unwrap().len(), total);

    let mut seen = HashSet::new();
    let mut inactive = 0;
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let path = match &cursor {
            None => "/rest/api/2/user/list?maxResults=500".to_owned(),
            Some(c) => format!("/rest/api/2/user/list?cursor={c}&maxResults=500"),
        };
        let (status, page) = get(&sim, BROWSE, &path).await;
        assert_eq!(status, 200);
        pages += 1;
        for user in page["values"].as_array().unwrap() {
            assert!(
                seen.insert(user["key"].as_str().unwrap().to_owned()),
                "twice: {user}"
            );
            if user["active"] == false {
                inactive += 1;
            }
        }
        if page["isLast"] == true {
            assert!(page.get("nextCursor").is_none());
            break;
        }
        // §3.3: nextCursor is a string.
        cursor = Some(
            page["nextCursor"]
                .as_str()
                .expect("a string cursor")
                .to_owned(),
        );
        assert!(
            page["nextPage"]
                .as_str()
                .unwrap()
                .starts_with(sim.base_url())
        );
    }
    assert_eq!(pages, 3);
    assert_eq!(seen, keys);
    assert_eq!(inactive, 120);

    // A cursor never issued never gives 404.
    let (status, page) = get(&sim, ADMIN, "/rest/api/2/user/list?cursor=99999999").await;
    assert_eq!(status, 200);
    assert_eq!(page["isLast"], true);
    assert_eq!(page["values"], serde_json::json!([]));
    let (status, _) = get(&sim, ADMIN, "/rest/api/2/user/list?cursor=bogus").await;
    assert_eq!(status, 200);

    let (status, _) = get(&sim, ANON, "/rest/api/2/user/list").await;
    assert_eq!(status, 401);
    let (status, _) = get(&sim, NOBROWSE, "/rest/api/2/user/list").await;
    assert_eq!(status, 403);
}

#[tokio::test]
async fn single_user_by_name_or_key_with_effective_groups() {
    let sim = start(small(), V10).await;
    let (status, bob) = get(
        &sim,
        ADMIN,
        "/rest/api/2/user?username=bob&expand=groups,applicationRoles",
    )
    .await;
    assert_eq!(status, 200);
    let groups = names(&bob["groups"]["items"], "name");
    // bob is in `R&D équipe`, nested in `dev+ops`: effective groups include the parent.
    assert_eq!(
        groups,
        ["dev+ops", "jira-software-users", "R&D équipe"],
        "{bob}"
    );
    assert_eq!(bob["groups"]["size"], 3);
    assert_eq!(bob["applicationRoles"]["items"][0]["key"], "jira-software");
    assert!(bob.get("emailAddress").is_none());

    let (status, alice) = get(&sim, ADMIN, "/rest/api/2/user?key=asmith").await;
    assert_eq!(status, 200);
    assert_eq!(alice["name"], "alice.smith");
    assert_eq!(alice["groups"]["items"], serde_json::json!([]));

    let (status, body) = get(&sim, ADMIN, "/rest/api/2/user?username=nobody").await;
    assert_eq!(status, 404);
    assert_eq!(
        body["errorMessages"][0],
        "The user named 'nobody' does not exist"
    );
    let (status, _) = get(&sim, ADMIN, "/rest/api/2/user?username=bob&key=asmith").await;
    assert_eq!(status, 400);
    let (status, _) = get(&sim, ANON, "/rest/api/2/user?username=bob").await;
    assert_eq!(status, 401);
}

/// Jira 11.x user beans carry `lastLoginTime` in Jira's time format (the 11.3 specification's
/// user object); 10.3 and earlier never do. The ground truth follows what is served.
#[tokio::test]
async fn last_login_time_only_on_11() {
    let mut data = small();
    data.users[3].last_login = Some("2026-11-02T08:15:30Z".to_owned()); // alice.smith
    data.users[5].last_login = Some("2024-02-29T23:59:59Z".to_owned()); // carol.inactive
    let v11 = "11.3.0";
    let sim = start(data.clone(), v11).await;
    let (status, alice) = get(&sim, ADMIN, "/rest/api/2/user?username=alice.smith").await;
    assert_eq!(status, 200);
    assert_eq!(alice["lastLoginTime"], "2026-11-02T08:15:30.000+0000");
    // Never logged in: no field at all (not null, not "").
    let (_, bob) = get(&sim, ADMIN, "/rest/api/2/user?username=bob").await;
    assert!(bob.get("lastLoginTime").is_none(), "{bob}");
    // Every user bean has it, an inactive user's too.
    let (_, page) = get(&sim, ADMIN, "/rest/api/2/user/list").await;
    let carol = page["values"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["name"] == "carol.inactive")
        .unwrap();
    assert_eq!(carol["lastLoginTime"], "2024-02-29T23:59:59.000+0000");
    let (_, found) = get(&sim, BROWSE, "/rest/api/2/user/search?username=alice").await;
    assert_eq!(found[0]["lastLoginTime"], "2026-11-02T08:15:30.000+0000");
    let (_, me) = get(&sim, ADMIN, "/rest/api/2/myself").await;
    assert!(me.get("lastLoginTime").is_none(), "{me}");

    let truth = dc_sim::truth::ground_truth(&data, version(v11), sim.base_url());
    let login = |key: &str| {
        truth
            .accounts
            .iter()
            .find(|a| a.key == key)
            .unwrap()
            .last_login
            .clone()
    };
    assert_eq!(login("asmith").as_deref(), Some("2026-11-02T08:15:30Z"));
    assert_eq!(
        login("JIRAUSER10005").as_deref(),
        Some("2024-02-29T23:59:59Z")
    );
    assert_eq!(login("JIRAUSER10004"), None);

    for v in VERSIONS {
        let sim = start(data.clone(), v).await;
        let (status, alice) = get(&sim, ADMIN, "/rest/api/2/user?username=alice.smith").await;
        assert_eq!(status, 200);
        assert!(alice.get("lastLoginTime").is_none(), "{v}: {alice}");
        let (_, found) = get(&sim, BROWSE, "/rest/api/2/user/search?username=alice").await;
        assert!(found[0].get("lastLoginTime").is_none(), "{v}: {found}");
        let truth = dc_sim::truth::ground_truth(&data, version(v), sim.base_url());
        assert!(truth.accounts.iter().all(|a| a.last_login.is_none()), "{v}");
    }
}

// ---------------------------------------------------------------------------------------
// Groups
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn groups_picker_defaults_to_20_and_reports_the_total() {
    let sim = start(big(10), V9).await;
    let (status, picked) = get(&sim, BROWSE, "/rest/api/2/groups/picker?query=").await;
    assert_eq!(status, 200);
    assert_eq!(picked["total"], 30);
    assert_eq!(picked["groups"].as_array().unwrap().len(), 20);
    assert_eq!(picked["header"], "Showing 20 of 30 matching groups");
    let (_, all) = get(&sim, ADMIN, "/rest/api/2/groups/picker?maxResults=10000").await;
    assert_eq!(all["groups"].as_array().unwrap().len(), 30);
    assert_eq!(all["groups"][0]["labels"], serde_json::json!([]));

    let sim = start(small(), V10).await;
    let (_, picked) = get(&sim, ADMIN, "/rest/api/2/groups/picker?maxResults=100").await;
    // Sorted by name, case-insensitively.
    assert_eq!(
        names(&picked["groups"], "name"),
        [
            "dev+ops",
            "jira-administrators",
            "jira-software-users",
            "R&D équipe",
            "Team-Alpha",
            "开发组"
        ]
    );
    let (_, picked) = get_query(
        &sim,
        ADMIN,
        "/rest/api/2/groups/picker",
        &[("query", "d É"), ("maxResults", "100")],
    )
    .await;
    assert_eq!(picked["total"], 1);
    assert_eq!(picked["groups"][0]["html"], "R&amp;<b>D é</b>quipe");
    let (_, picked) = get_query(
        &sim,
        ADMIN,
        "/rest/api/2/groups/picker",
        &[("query", "jira"), ("exclude", "jira-administrators")],
    )
    .await;
    assert_eq!(names(&picked["groups"], "name"), ["jira-software-users"]);
    assert_eq!(picked["total"], 1);
}

#[tokio::test]
async fn groups_picker_without_browse_users_matches_exact_names_only() {
    let sim = start(small(), V9).await;
    for role in [NOBROWSE, ANON] {
        let (status, picked) = get(&sim, role, "/rest/api/2/groups/picker?query=jira").await;
        assert_eq!(status, 200);
        assert_eq!(picked["total"], 0, "{role:?}");
        assert_eq!(picked["groups"], serde_json::json!([]));
        let (_, picked) = get_query(
            &sim,
            role,
            "/rest/api/2/groups/picker",
            &[("query", "DEV+OPS")],
        )
        .await;
        assert_eq!(names(&picked["groups"], "name"), ["dev+ops"], "{role:?}");
    }
}

#[tokio::test]
async fn group_members_are_transitive_active_by_default_and_in_username_order() {
    let sim = start(small(), V8).await;
    let (status, page) = get_query(
        &sim,
        ADMIN,
        "/rest/api/2/group/member",
        &[("groupname", "dev+ops")],
    )
    .await;
    assert_eq!(status, 200);
    // Direct alice, nested bob and carol; carol is inactive.
    assert_eq!(names(&page["values"], "name"), ["alice.smith", "bob"]);
    assert_eq!(page["total"], 2);
    assert_eq!(page["isLast"], true);
    assert!(page.get("nextPage").is_none());
    let (_, page) = get_query(
        &sim,
        ADMIN,
        "/rest/api/2/group/member",
        &[("groupname", "dev+ops"), ("includeInactiveUsers", "true")],
    )
    .await;
    assert_eq!(
        names(&page["values"], "name"),
        ["alice.smith", "bob", "carol.inactive"]
    );
    assert_eq!(page["total"], 3);
}

#[tokio::test]
async fn group_members_come_50_a_page() {
    let data = big(1_200);
    let everyone = data.users.len() as u64;
    let sim = start(data, V10).await;
    let path = "/rest/api/2/group/member?groupname=grp-00&includeInactiveUsers=true";
    let (status, page) = get(&sim, ADMIN, &format!("{path}&maxResults=1000")).await;
    assert_eq!(status, 200);
    // Clamped and echoed clamped (§4.2, §8.1).
    assert_eq!(page["maxResults"], 50);
    assert_eq!(page["values"].as_array().unwrap().len(), 50);
    assert_eq!(page["total"], everyone);
    assert_eq!(page["isLast"], false);
    assert!(page["nextPage"].as_str().unwrap().contains("startAt=50"));

    let mut seen = HashSet::new();
    let mut start_at = 0;
    loop {
        let (_, page) = get(&sim, ADMIN, &format!("{path}&startAt={start_at}")).await;
        let values = page["values"].as_array().unwrap();
        for v in values {
            assert!(seen.insert(v["key"].as_str().unwrap().to_owned()));
        }
        start_at += values.len();
        if page["isLast"] == true {
            assert!(page.get("nextPage").is_none());
            break;
        }
    }
    assert_eq!(seen.len() as u64, everyone);
}

#[tokio::test]
async fn group_members_need_an_administrator() {
    let sim = start(small(), V9).await;
    let path = "/rest/api/2/group/member?groupname=jira-administrators";
    for (role, expected) in [(BROWSE, 403), (NOBROWSE, 403), (ANON, 401), (ADMIN, 200)] {
        let (status, body) = get(&sim, role, path).await;
        assert_eq!(status, expected, "{role:?}: {body}");
        if expected != 200 {
            assert!(body["errorMessages"][0].is_string());
        }
    }
    let (status, _) = get(&sim, ADMIN, "/rest/api/2/group/member?groupname=nope").await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn group_names_need_proper_encoding() {
    let sim = start(small(), V9).await;
    let member_count = |query: &'static str| {
        let sim = &sim;
        async move {
            let (status, page) =
                get(sim, ADMIN, &format!("/rest/api/2/group/member?{query}")).await;
            (status, page["total"].as_u64())
        }
    };
    // A literal plus must be %2B; a raw `+` is a space.
    assert_eq!(member_count("groupname=dev%2Bops").await, (200, Some(2)));
    assert_eq!(member_count("groupname=dev+ops").await.0, 404);
    // A raw `&` ends the value.
    assert_eq!(
        member_count("groupname=R%26D%20%C3%A9quipe").await,
        (200, Some(1))
    );
    assert_eq!(
        member_count("groupname=R%26D+%C3%A9quipe").await,
        (200, Some(1))
    );
    assert_eq!(member_count("groupname=R&D%20%C3%A9quipe").await.0, 404);
    // Non-ASCII, percent-encoded UTF-8.
    assert_eq!(
        member_count("groupname=%E5%BC%80%E5%8F%91%E7%BB%84").await,
        (200, Some(1))
    );
    // reqwest's form encoding gets all of them right.
    for name in ["dev+ops", "R&D équipe", "开发组", "Team-Alpha"] {
        let (status, page) = get_query(
            &sim,
            ADMIN,
            "/rest/api/2/group/member",
            &[("groupname", name), ("includeInactiveUsers", "true")],
        )
        .await;
        assert_eq!(status, 200, "{name}");
        // The links carry the name encoded.
        assert!(
            page["self"].as_str().unwrap().contains("groupname="),
            "{page}"
        );
    }
}

#[tokio::test]
async fn legacy_group_resource_is_gone_in_10() {
    let path = "/rest/api/2/group?groupname=jira-administrators";
    let sim = start(small(), V9).await;
    let (status, group) = get(&sim, ADMIN, path).await;
    assert_eq!(status, 200);
    assert_eq!(group["name"], "jira-administrators");
    assert_eq!(group["users"]["size"], 1);
    let sim = start(small(), V10).await;
    let (status, _) = get(&sim, ADMIN, path).await;
    assert_eq!(status, 404);
}

// ---------------------------------------------------------------------------------------
// Projects, roles, applications, schemes
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn project_list_filters_archived_and_by_browse_permission() {
    let sim = start(small(), V10).await;
    let (status, projects) = get(&sim, ADMIN, "/rest/api/2/project").await;
    assert_eq!(status, 200);
    assert_eq!(names(&projects, "key"), ["ENG", "PUB", "SEC"]);
    assert_eq!(projects[0]["id"], "10000");
    assert_eq!(projects[0]["projectTypeKey"], "software");
    assert_eq!(projects[0]["archived"], false);
    let (_, projects) = get(&sim, ADMIN, "/rest/api/2/project?includeArchived=true").await;
    assert_eq!(names(&projects, "key"), ["ENG", "OLD", "PUB", "SEC"]);
    assert_eq!(projects[1]["archived"], true);
    // Browse-only holds Developers in SEC; no-browse is in no group that grants it.
    let (_, projects) = get(&sim, BROWSE, "/rest/api/2/project").await;
    assert_eq!(names(&projects, "key"), ["ENG", "PUB", "SEC"]);
    let (_, projects) = get(&sim, NOBROWSE, "/rest/api/2/project").await;
    assert_eq!(names(&projects, "key"), ["ENG", "PUB"]);
    let (status, projects) = get(&sim, ANON, "/rest/api/2/project").await;
    assert_eq!(status, 200);
    assert_eq!(names(&projects, "key"), ["PUB"]);
}

#[tokio::test]
async fn role_actors_name_usernames_and_deleted_users_have_an_empty_name() {
    let sim = start(small(), V9).await;
    let (status, roles) = get(&sim, ADMIN, "/rest/api/2/role").await;
    assert_eq!(status, 200);
    assert_eq!(
        names(&roles, "name"),
        ["Administrators", "Developers", "Users"]
    );
    // Global actors are defaults, not memberships.
    assert_eq!(roles[0]["actors"], serde_json::json!([]));

    let (status, map) = get(&sim, ADMIN, "/rest/api/2/project/ENG/role").await;
    assert_eq!(status, 200);
    assert_eq!(
        map["Developers"],
        format!("{}/rest/api/2/project/ENG/role/10003", sim.base_url())
    );
    assert_eq!(map.as_object().unwrap().len(), 3);

    let (status, admins) = get(&sim, ADMIN, "/rest/api/2/project/ENG/role/10002").await;
    assert_eq!(status, 200);
    assert_eq!(admins["name"], "Administrators");
    let actors = admins["actors"].as_array().unwrap();
    let alice = actors
        .iter()
        .find(|a| a["type"] == "atlassian-user-role-actor")
        .unwrap();
    // The username, not the key `asmith`.
    assert_eq!(alice["name"], "alice.smith");
    assert_eq!(alice["displayName"], "Alice Smith");
    assert!(alice.get("actorUser").is_none());
    let group = actors
        .iter()
        .find(|a| a["type"] == "atlassian-group-role-actor")
        .unwrap();
    assert_eq!(group["name"], "jira-administrators");
    assert_eq!(group["displayName"], "jira-administrators");

    let (_, developers) = get(&sim, ADMIN, "/rest/api/2/project/10000/role/10003").await;
    let deleted = developers["actors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["displayName"] == "JIRAUSER99999")
        .expect("the deleted user");
    assert_eq!(deleted["name"], "");
    assert_eq!(deleted["type"], "atlassian-user-role-actor");

    // Every project has every role.
    let (status, users) = get(&sim, ADMIN, "/rest/api/2/project/PUB/role/10004").await;
    assert_eq!(status, 200);
    assert_eq!(users["actors"], serde_json::json!([]));

    let (status, _) = get(&sim, ADMIN, "/rest/api/2/project/ENG/role/99").await;
    assert_eq!(status, 404);
    let (status, _) = get(&sim, ADMIN, "/rest/api/2/project/NOPE/role/10002").await;
    assert_eq!(status, 404);
    let (status, _) = get(&sim, BROWSE, "/rest/api/2/project/ENG/role/10002").await;
    assert_eq!(status, 403);
    let (status, _) = get(&sim, ANON, "/rest/api/2/project/ENG/role/10002").await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn application_roles_need_an_administrator() {
    let sim = start(small(), V10).await;
    for role in [BROWSE, NOBROWSE] {
        let (status, body) = get(&sim, role, "/rest/api/2/applicationrole").await;
        assert_eq!(status, 403, "{role:?}");
        assert!(body["errorMessages"][0].is_string());
    }
    let (status, _) = get(&sim, ANON, "/rest/api/2/applicationrole").await;
    assert_eq!(status, 401);
    let (status, apps) = get(&sim, ADMIN, "/rest/api/2/applicationrole").await;
    assert_eq!(status, 200);
    assert_eq!(apps[0]["key"], "jira-software");
    assert_eq!(
        apps[0]["groups"],
        serde_json::json!(["jira-administrators", "jira-software-users"])
    );
    assert_eq!(
        apps[0]["defaultGroups"],
        serde_json::json!(["jira-software-users"])
    );
    assert_eq!(apps[0]["defined"], true);
    // Active users only: carol does not count.
    assert_eq!(apps[0]["userCount"], 6);
}

#[tokio::test]
async fn permission_schemes_expand_only_when_asked() {
    let sim = start(small(), V9).await;
    let (status, body) = get(&sim, ADMIN, "/rest/api/2/permissionscheme").await;
    assert_eq!(status, 200);
    let schemes = body["permissionSchemes"].as_array().unwrap();
    assert_eq!(schemes.len(), 3);
    assert!(
        schemes[0].get("permissions").is_none(),
        "shortened beans by default"
    );
    assert_eq!(schemes[0]["name"], "Default Permission Scheme");

    let (_, body) = get(
        &sim,
        ADMIN,
        "/rest/api/2/permissionscheme?expand=permissions",
    )
    .await;
    let grants = body["permissionSchemes"][0]["permissions"]
        .as_array()
        .unwrap();
    assert_eq!(grants.len(), 5);
    let by_id = |grants: &[Value], id: u64| grants.iter().find(|g| g["id"] == id).unwrap().clone();
    let group = by_id(grants, 10_003);
    assert_eq!(group["holder"]["type"], "group");
    assert_eq!(group["holder"]["parameter"], "jira-administrators");
    assert!(group["holder"].get("group").is_none());
    let reporter = by_id(grants, 10_005);
    // A holder with no parameter has no `parameter` field.
    assert!(reporter["holder"].get("parameter").is_none(), "{reporter}");
    let user = by_id(grants, 10_004);
    assert_eq!(user["holder"]["parameter"], "JIRAUSER10006");

    let (_, body) = get(
        &sim,
        ADMIN,
        "/rest/api/2/permissionscheme?expand=permissions,group",
    )
    .await;
    let grants = body["permissionSchemes"][0]["permissions"]
        .as_array()
        .unwrap();
    assert_eq!(
        by_id(grants, 10_003)["holder"]["group"]["name"],
        "jira-administrators"
    );
    assert!(by_id(grants, 10_002)["holder"].get("projectRole").is_none());

    let (_, body) = get(&sim, ADMIN, "/rest/api/2/permissionscheme?expand=all").await;
    let grants = body["permissionSchemes"][0]["permissions"]
        .as_array()
        .unwrap();
    assert_eq!(
        by_id(grants, 10_002)["holder"]["projectRole"]["name"],
        "Administrators"
    );
    assert_eq!(by_id(grants, 10_004)["holder"]["user"]["name"], "dave");
    assert_eq!(
        by_id(grants, 10_003)["holder"]["group"]["name"],
        "jira-administrators"
    );

    let (status, body) = get(&sim, ADMIN, "/rest/api/2/permissionscheme/10101/permission").await;
    assert_eq!(status, 200);
    assert_eq!(body["permissions"].as_array().unwrap().len(), 2);
    let (status, one) = get(&sim, ADMIN, "/rest/api/2/permissionscheme/10100").await;
    assert_eq!(status, 200);
    assert_eq!(one["name"], "Public");
    let (status, _) = get(&sim, ADMIN, "/rest/api/2/permissionscheme/4242").await;
    assert_eq!(status, 404);
    for role in [BROWSE, NOBROWSE] {
        let (status, _) = get(&sim, role, "/rest/api/2/permissionscheme").await;
        assert_eq!(status, 403);
    }
}

#[tokio::test]
async fn project_permission_scheme_with_expand_all_is_a_500() {
    for v in VERSIONS {
        let sim = start(small(), v).await;
        let (status, scheme) = get(&sim, ADMIN, "/rest/api/2/project/ENG/permissionscheme").await;
        assert_eq!(status, 200);
        assert_eq!(scheme["id"], 0);
        assert!(scheme.get("permissions").is_none());
        let (status, _) = get(
            &sim,
            ADMIN,
            "/rest/api/2/project/ENG/permissionscheme?expand=all",
        )
        .await;
        assert_eq!(status, 500, "{v}");
        let (status, body) = get(&sim, BROWSE, "/rest/api/2/project/ENG/permissionscheme").await;
        assert_eq!(status, 403);
        assert_eq!(
            body["errorMessages"][0],
            "You cannot edit the configuration of this project."
        );
    }
}

// ---------------------------------------------------------------------------------------
// Links, context path, routing
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn links_come_from_the_configured_base_url() {
    let configured = "https://jira.example.com/jira";
    let mut config = SimConfig::new(big(120), version(V9));
    config.configured_base_url = Some(format!("{configured}/"));
    let sim = Sim::start(config).await.unwrap();
    assert!(!sim.base_url().starts_with(configured));

    let (_, info) = get(&sim, ANON, "/rest/api/2/serverInfo").await;
    assert_eq!(info["baseUrl"], configured);
    let (_, page) = get(&sim, ADMIN, "/rest/api/2/group/member?groupname=grp-00").await;
    for link in [&page["self"], &page["nextPage"], &page["values"][0]["self"]] {
        assert!(link.as_str().unwrap().starts_with(configured), "{link}");
    }
    assert!(
        page["values"][0]["avatarUrls"]["48x48"]
            .as_str()
            .unwrap()
            .starts_with(configured)
    );
    let (_, found) = get(&sim, ADMIN, "/rest/api/2/user/search?username=user.").await;
    assert!(found[0]["self"].as_str().unwrap().starts_with(configured));

    let mut config = SimConfig::new(small(), version(V10));
    config.configured_base_url = Some(configured.to_owned());
    let sim = Sim::start(config).await.unwrap();
    let (_, map) = get(&sim, ADMIN, "/rest/api/2/project/ENG/role").await;
    assert_eq!(
        map["Users"],
        format!("{configured}/rest/api/2/project/ENG/role/10004")
    );
    let (_, projects) = get(&sim, ADMIN, "/rest/api/2/project").await;
    assert_eq!(
        projects[0]["self"],
        format!("{configured}/rest/api/2/project/ENG")
    );
    let (_, page) = get(&sim, ADMIN, "/rest/api/2/user/list?maxResults=3").await;
    assert!(page["nextPage"].as_str().unwrap().starts_with(configured));
    let (_, manifest) = get(&sim, ANON, "/rest/applinks/1.0/manifest").await;
    assert_eq!(manifest["url"], configured);
}

#[tokio::test]
async fn the_context_path_is_respected() {
    let mut config = SimConfig::new(small(), version(V10));
    config.context_path = "/jira".to_owned();
    let sim = Sim::start(config).await.unwrap();
    assert!(sim.base_url().ends_with("/jira"));
    let (status, info) = get(&sim, ANON, "/rest/api/2/serverInfo").await;
    assert_eq!(status, 200);
    assert_eq!(info["baseUrl"], sim.base_url());
    let (_, me) = get(&sim, ADMIN, "/rest/api/2/myself").await;
    assert!(
        me["self"]
            .as_str()
            .unwrap()
            .starts_with(&format!("{}/rest/api/2/user", sim.base_url()))
    );
    // Outside the context path: nothing.
    let origin = sim.base_url().trim_end_matches("/jira").to_owned();
    let response = client()
        .get(format!("{origin}/rest/api/2/serverInfo"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 404);
}

#[tokio::test]
async fn routing_aliases_404s_and_405s() {
    let sim = start(small(), V10).await;
    // `latest` is 2 (§1.1); 3 is Cloud-only (§1.2).
    let (status, me) = get(&sim, ADMIN, "/rest/api/latest/myself").await;
    assert_eq!(status, 200);
    assert_eq!(me["name"], "svc.admin");
    let (status, body) = get(&sim, ADMIN, "/rest/api/3/myself").await;
    assert_eq!(status, 404);
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .starts_with("null for uri: ")
    );
    let (status, _) = get(&sim, ADMIN, "/rest/api/2/nonsense").await;
    assert_eq!(status, 404);
    // Without Accept: application/json, Jersey's 404 is XML.
    let (status, content_type, body) = fetch(&sim, ADMIN, "/rest/api/2/nonsense", false).await;
    assert_eq!(status, 404);
    assert!(content_type.contains("xml"));
    let body = String::from_utf8(body).unwrap();
    assert!(body.contains("<status-code>404</status-code>"), "{body}");
    assert!(body.contains("null for uri: "));

    let response = client()
        .post(format!(
            "{}/rest/api/2/user/search?username=.",
            sim.base_url()
        ))
        .header(
            "Authorization",
            format!("Bearer {}", sim.token(TokenRole::Admin)),
        )
        .header("Accept", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 405);
    let body: Value = response.json().await.expect("JSON");
    assert_eq!(body["status-code"], 405);
    assert_eq!(
        sim.counters().endpoint("GET /rest/api/2/myself"),
        1,
        "{}",
        sim.counters().report()
    );
}

/// Every answer that claims JSON is valid JSON, and every XML one looks like XML — across
/// versions, callers and the error paths.
#[tokio::test]
async fn every_json_answer_is_valid_json() {
    const PATHS: [&str; 34] = [
        "/rest/applinks/1.0/manifest",
        "/rest/api/2/serverInfo",
        "/rest/api/2/myself",
        "/rest/api/2/myself?expand=groups,applicationRoles",
        "/rest/api/2/mypermissions",
        "/rest/api/2/user/search",
        "/rest/api/2/user/search?username=.",
        "/rest/api/2/user/search?username=.&startAt=x",
        "/rest/api/2/user/search?username=&includeInactive=true",
        "/rest/api/2/user/list",
        "/rest/api/2/user/list?cursor=2&maxResults=2",
        "/rest/api/2/user",
        "/rest/api/2/user?username=bob&expand=groups,applicationRoles",
        "/rest/api/2/user?key=nope",
        "/rest/api/2/groups/picker",
        "/rest/api/2/groups/picker?query=%3Cb%3E&maxResults=0",
        "/rest/api/2/group/member",
        "/rest/api/2/group/member?groupname=dev%2Bops&startAt=1&maxResults=1",
        "/rest/api/2/group?groupname=dev%2Bops&expand=users%5B0:2%5D",
        "/rest/api/2/project?includeArchived=true",
        "/rest/api/2/role",
        "/rest/api/2/project/ENG/role",
        "/rest/api/2/project/ENG/role/10003",
        "/rest/api/2/project/ENG/role/abc",
        "/rest/api/2/applicationrole",
        "/rest/api/2/applicationrole/jira-software",
        "/rest/api/2/permissionscheme?expand=all",
        "/rest/api/2/permissionscheme/0/permission?expand=all",
        "/rest/api/2/permissionscheme/0",
        "/rest/api/2/project/ENG/permissionscheme",
        "/rest/api/2/project/ENG/permissionscheme?expand=all",
        "/rest/api/3/serverInfo",
        "/rest/api/latest/nothing/here",
        "/rest/nothing",
    ];
    for v in VERSIONS {
        let sim = start(small(), v).await;
        for path in PATHS {
            for role in [ADMIN, BROWSE, NOBROWSE, ANON] {
                for json in [true, false] {
                    let (status, content_type, body) = fetch(&sim, role, path, json).await;
                    assert!((200..600).contains(&status));
                    if content_type.contains("json") {
                        serde_json::from_slice::<Value>(&body).unwrap_or_else(|e| {
                            panic!(
                                "{v} {path} {role:?}: {status} invalid JSON ({e}): {}",
                                String::from_utf8_lossy(&body)
                            )
                        });
                    } else if content_type.contains("xml") {
                        assert!(body.starts_with(b"<?xml"), "{v} {path}");
                    } else {
                        assert!(content_type.contains("html"), "{v} {path}: {content_type}");
                    }
                    if json && status != 404 && path.starts_with("/rest/api/2/") {
                        assert!(content_type.contains("json"), "{v} {path}: {content_type}");
                    }
                }
            }
        }
    }
}
