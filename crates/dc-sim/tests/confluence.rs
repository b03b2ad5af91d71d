//! Pins the documented behaviours of the simulated Confluence Data Center
//! (`shared/reference/confluence-dc-api.md`), quirks included, so that the simulator cannot
//! quietly become kinder than the real server.

use dc_sim::dataset::{Group, Settings, Space, SpacePermission, SpaceSubject, TokenDef, User};
use dc_sim::{Dataset, Product, Sim, SimConfig, TokenRole, Version};
use serde_json::{Value, json};

// ---------------------------------------------------------------------------------------------
// Datasets

const ADMIN: u32 = 0;
const BROWSER: u32 = 1;
const NOBODY: u32 = 2;
const ALICE: u32 = 3;
const BOB: u32 = 4;
const CAROL: u32 = 5;

const G_USERS: u32 = 1;
const G_SLASH: u32 = 2;
const G_CHILD: u32 = 5;

fn user(key: &str, username: &str, display: &str, active: bool) -> User {
    User {
        key: key.into(),
        username: username.into(),
        display_name: display.into(),
        email: Some(format!("{username}@example.com")),
        active,
        last_login: None,
    }
}

fn group(name: &str, members: &[u32], subgroups: &[u32]) -> Group {
    Group {
        name: name.into(),
        members: members.to_vec(),
        subgroups: subgroups.to_vec(),
    }
}

fn grant(target: &str, op: &str, subject: SpaceSubject) -> SpacePermission {
    SpacePermission {
        target_type: target.into(),
        operation_key: op.into(),
        subject,
    }
}

fn space(
    id: u64,
    key: &str,
    personal: bool,
    archived: bool,
    permissions: Vec<SpacePermission>,
) -> Space {
    Space {
        id,
        key: key.into(),
        name: format!("Space {key}"),
        personal,
        archived,
        permissions,
    }
}

fn tokens() -> Vec<TokenDef> {
    vec![
        TokenDef {
            token: "admin-token".into(),
            owner: ADMIN,
            role: TokenRole::Admin,
        },
        TokenDef {
            token: "browse-token".into(),
            owner: BROWSER,
            role: TokenRole::BrowseOnly,
        },
        TokenDef {
            token: "nobrowse-token".into(),
            owner: NOBODY,
            role: TokenRole::NoBrowse,
        },
    ]
}

fn dataset(users: Vec<User>, groups: Vec<Group>, spaces: Vec<Space>) -> Dataset {
    Dataset {
        product: Product::Confluence,
        title: "Test Wiki".into(),
        instance_id: "5c2b1f0e-0000-4000-8000-00000000c0f1".into(),
        users,
        groups,
        tokens: tokens(),
        roles: Vec::new(),
        projects: Vec::new(),
        application_roles: Vec::new(),
        permission_schemes: Vec::new(),
        spaces,
        settings: Settings::default(),
    }
}

/// Six users (one renamed, one deactivated), groups with awkward names and a nested group,
/// four spaces (one archived, one personal, one only a plain user can read).
fn small() -> Dataset {
    let users = vec![
        user("k-admin", "admin", "Ada Admin", true),
        user("k-browser", "browser", "Bea Browser", true),
        user("k-nobody", "nobody", "Ned Nobody", true),
        // Renamed: the key no longer matches the username.
        user("k-alice-old", "alice", "Alice Able", true),
        user("k-bob", "bob", "Bob Gone", false),
        user("k-carol", "carol", "Carol Cole", true),
    ];
    let groups = vec![
        group("confluence-administrators", &[ADMIN], &[]),
        group(
            "confluence-users",
            &[ADMIN, BROWSER, NOBODY, ALICE, BOB, CAROL],
            &[],
        ),
        group("team/a", &[ALICE], &[]),
        group("eng & ops", &[CAROL], &[]),
        group("parent", &[BROWSER], &[G_CHILD]),
        group("child", &[BOB], &[]),
        group("équipe +1:x", &[ALICE, CAROL], &[]),
    ];
    let spaces = vec![
        space(
            1001,
            "DOC",
            false,
            false,
            vec![
                grant("space", "read", SpaceSubject::Group(G_USERS)),
                grant("space", "administer", SpaceSubject::User(ALICE)),
                grant("space", "read", SpaceSubject::Anonymous),
                grant("page", "create", SpaceSubject::Group(G_SLASH)),
                grant("space", "export", SpaceSubject::Anonymous),
            ],
        ),
        space(
            1002,
            "OLD",
            false,
            true,
            vec![grant("space", "read", SpaceSubject::Group(G_USERS))],
        ),
        space(
            1003,
            "~alice",
            true,
            false,
            vec![
                grant("space", "read", SpaceSubject::User(ALICE)),
                grant("space", "administer", SpaceSubject::User(ALICE)),
            ],
        ),
        space(
            1004,
            "SEC",
            false,
            false,
            vec![grant("space", "read", SpaceSubject::User(CAROL))],
        ),
    ];
    dataset(users, groups, spaces)
}

/// The three token owners plus `extra` generated users, all direct members of `big` (and
/// `confluence-users`); `spaces` global spaces the admin sees.
fn large(extra: u32, spaces: u64) -> Dataset {
    let mut users = vec![
        user("k-admin", "admin", "Ada Admin", true),
        user("k-browser", "browser", "Bea Browser", true),
        user("k-nobody", "nobody", "Ned Nobody", true),
    ];
    for i in 0..extra {
        users.push(user(
            &format!("k-{i:05}"),
            &format!("user{i:05}"),
            &format!("User {i}"),
            i % 7 != 0,
        ));
    }
    let everyone: Vec<u32> = (0..users.len() as u32).collect();
    let generated: Vec<u32> = (3..users.len() as u32).collect();
    let groups = vec![
        group("confluence-administrators", &[ADMIN], &[]),
        group("confluence-users", &everyone, &[]),
        group("big", &generated, &[]),
    ];
    let spaces = (0..spaces)
        .map(|i| {
            space(
                5000 + i,
                &format!("S{i:04}"),
                false,
                false,
                vec![grant("space", "read", SpaceSubject::Group(1))],
            )
        })
        .collect();
    dataset(users, groups, spaces)
}

// ---------------------------------------------------------------------------------------------
// Serving and calling

async fn serve(data: Dataset, version: &str) -> Sim {
    serve_with(SimConfig::new(
        data,
        Version::parse(version).expect("a version"),
    ))
    .await
}

async fn serve_with(config: SimConfig) -> Sim {
    Sim::start(config).await.expect("the simulator starts")
}

#[derive(Debug)]
struct Answer {
    status: u16,
    content_type: String,
    text: String,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_str(&self.text)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {} {}", self.status, self.text))
    }
}

fn client() -> reqwest::Client {
    atlassian_core::install_crypto_provider();
    reqwest::Client::builder().build().expect("a client")
}

async fn send(
    sim: &Sim,
    method: reqwest::Method,
    token: Option<&str>,
    path: &str,
    accept_json: bool,
    body: Option<Value>,
) -> Answer {
    let mut request = client().request(method, format!("{}{path}", sim.base_url()));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if accept_json {
        request = request.header("Accept", "application/json");
    }
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.expect("an answer");
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let text = response.text().await.expect("a body");
    Answer {
        status,
        content_type,
        text,
    }
}

/// GET with `Accept: application/json`.
async fn get(sim: &Sim, token: Option<&str>, path: &str) -> Answer {
    send(sim, reqwest::Method::GET, token, path, true, None).await
}

/// GET without `Accept: application/json`.
async fn get_plain(sim: &Sim, token: Option<&str>, path: &str) -> Answer {
    send(sim, reqwest::Method::GET, token, path, false, None).await
}

async fn post(sim: &Sim, token: Option<&str>, path: &str, body: Value) -> Answer {
    send(sim, reqwest::Method::POST, token, path, true, Some(body)).await
}

const ADMIN_T: Option<&str> = Some("admin-token");
const BROWSE_T: Option<&str> = Some("browse-token");
const NOBROWSE_T: Option<&str> = Some("nobrowse-token");

fn usernames(page: &Value) -> Vec<String> {
    page["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|u| u["username"].as_str().expect("a username").to_owned())
        .collect()
}

fn names(page: &Value) -> Vec<String> {
    page["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|g| g["name"].as_str().expect("a name").to_owned())
        .collect()
}

fn keys(page: &Value) -> Vec<String> {
    page["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|s| s["key"].as_str().expect("a key").to_owned())
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Users

#[tokio::test]
async fn user_list_is_absent_on_7_19_and_present_on_8_5_and_9_2() {
    let sim = serve(small(), "7.19.26").await;
    let a = get(&sim, ADMIN_T, "/rest/api/user/list").await;
    assert_eq!(a.status, 404);
    assert_eq!(
        a.json(),
        json!({"message": "HTTP 404 Not Found", "status-code": 404, "sub-code": -1})
    );
    let a = get_plain(&sim, ADMIN_T, "/rest/api/user/list").await;
    assert_eq!(a.status, 404);
    assert!(
        a.text.contains("<status-code>404</status-code>"),
        "{}",
        a.text
    );
    assert!(a.text.contains("null for uri: "), "{}", a.text);

    for version in ["8.5.17", "9.2.3"] {
        let sim = serve(small(), version).await;
        let a = get(&sim, ADMIN_T, "/rest/api/user/list").await;
        assert_eq!(a.status, 200, "{version}");
        let page = a.json();
        // Every user, deactivated included, in username order; never an e-mail.
        assert_eq!(
            usernames(&page),
            ["admin", "alice", "bob", "browser", "carol", "nobody"],
            "{version}"
        );
        assert_eq!(page["limit"], 100);
        assert_eq!(page["size"], 6);
        assert!(!a.text.contains("email") && !a.text.contains("@example.com"));
        assert_eq!(
            page["_links"]["self"],
            format!("{}/rest/api/user/list/", sim.base_url())
        );
        assert!(page["_links"].get("next").is_none());
        let alice = &page["results"][1];
        assert_eq!(alice["type"], "known");
        assert_eq!(alice["userKey"], "k-alice-old");
        assert_eq!(alice["displayName"], "Alice Able");
        assert_eq!(
            alice["_links"]["self"],
            format!("{}/rest/api/user?key=k-alice-old", sim.base_url())
        );
    }
}

#[tokio::test]
async fn user_list_access_by_role() {
    let sim = serve(small(), "9.2.3").await;
    assert_eq!(get(&sim, None, "/rest/api/user/list").await.status, 401);
    // No "view user profiles": an empty 200, not an error.
    let a = get(&sim, NOBROWSE_T, "/rest/api/user/list").await;
    assert_eq!(a.status, 200);
    assert_eq!(a.json()["results"], json!([]));
    assert_eq!(a.json()["size"], 0);
    let a = get(&sim, BROWSE_T, "/rest/api/user/list").await;
    assert_eq!(usernames(&a.json()).len(), 6);
}

#[tokio::test]
async fn user_list_caps_at_200_and_undercounts_next_start() {
    let data = large(460, 0);
    let total = data.users.len();
    let sim = serve(data, "8.5.17").await;

    let a = get(&sim, ADMIN_T, "/rest/api/user/list?limit=1000").await;
    let page = a.json();
    assert_eq!(page["size"], 200);
    assert_eq!(page["limit"], 200, "the served limit, not the asked one");
    // The start embedded in `next` under-counts: 199, not 200.
    assert_eq!(
        page["_links"]["next"],
        "/rest/api/user/list/?limit=1000&start=199"
    );

    // A client that recomputes start = previous start + returned sees everyone exactly once.
    let mut seen = Vec::new();
    let mut start = 0;
    loop {
        let page = get(
            &sim,
            ADMIN_T,
            &format!("/rest/api/user/list?limit=1000&start={start}"),
        )
        .await
        .json();
        let batch = usernames(&page);
        start += batch.len();
        seen.extend(batch);
        if page["_links"].get("next").is_none() {
            break;
        }
    }
    assert_eq!(seen.len(), total);
    let mut unique = seen.clone();
    unique.dedup();
    assert_eq!(unique.len(), total);

    // Following `next` blindly duplicates the boundary users.
    let mut followed = Vec::new();
    let mut next = Some("/rest/api/user/list?limit=1000".to_owned());
    while let Some(path) = next {
        let page = get(&sim, ADMIN_T, &path).await.json();
        followed.extend(usernames(&page));
        next = page["_links"]["next"].as_str().map(str::to_owned);
    }
    assert!(followed.len() > total, "{} vs {total}", followed.len());

    // Uncapped pages embed the right start.
    let page = get(&sim, ADMIN_T, "/rest/api/user/list?limit=200")
        .await
        .json();
    assert_eq!(
        page["_links"]["next"],
        "/rest/api/user/list/?limit=200&start=200"
    );
    let page = get(&sim, ADMIN_T, "/rest/api/user/list").await.json();
    assert_eq!(page["size"], 100);
    assert_eq!(
        page["_links"]["next"],
        "/rest/api/user/list/?limit=100&start=100"
    );
}

#[tokio::test]
async fn user_list_limit_zero_points_next_at_the_same_page() {
    let sim = serve(small(), "9.2.3").await;
    let page = get(&sim, ADMIN_T, "/rest/api/user/list?limit=0")
        .await
        .json();
    assert_eq!(page["results"], json!([]));
    assert_eq!(page["size"], 0);
    assert_eq!(
        page["_links"]["next"],
        "/rest/api/user/list/?limit=0&start=0"
    );
}

#[tokio::test]
async fn user_status_only_with_expand_and_only_from_8_4() {
    let sim = serve(small(), "8.5.17").await;
    let page = get(&sim, ADMIN_T, "/rest/api/user/list").await.json();
    let bob = &page["results"][2];
    assert!(bob.get("status").is_none());
    assert_eq!(bob["_expandable"]["status"], "");
    let page = get(&sim, ADMIN_T, "/rest/api/user/list?expand=status")
        .await
        .json();
    assert_eq!(page["results"][2]["username"], "bob");
    assert_eq!(page["results"][2]["status"], "Deactivated");
    assert_eq!(page["results"][0]["status"], "Active");
    let one = get(&sim, ADMIN_T, "/rest/api/user?username=bob&expand=status")
        .await
        .json();
    assert_eq!(one["status"], "Deactivated");
    let members = get(&sim, ADMIN_T, "/rest/api/group/child/member?expand=status")
        .await
        .json();
    assert_eq!(members["results"][0]["status"], "Deactivated");

    // 7.19 knows no status, expanded or not.
    let sim = serve(small(), "7.19.26").await;
    let one = get(&sim, ADMIN_T, "/rest/api/user?username=bob&expand=status").await;
    assert_eq!(one.status, 200);
    assert!(one.json().get("status").is_none());
    assert!(!one.text.contains("status"), "{}", one.text);
    let members = get(&sim, ADMIN_T, "/rest/api/group/child/member?expand=status").await;
    assert!(!members.text.contains("Deactivated"), "{}", members.text);
}

/// 10.2's administrators' list of active users: active users only, in username order, with
/// `lastLogin` (epoch milliseconds) when expanded; `status` when expanded; `email: null`.
#[tokio::test]
async fn active_users_with_last_login_on_10_2() {
    let mut data = small();
    data.users[ALICE as usize].last_login = Some("2026-11-02T08:15:30Z".into());
    // Deactivated: not listed, so its last login is nowhere to be read.
    data.users[BOB as usize].last_login = Some("2025-01-01T00:00:00Z".into());
    data.users[ADMIN as usize].last_login = Some("2026-11-29T12:00:00Z".into());
    let sim = serve(data.clone(), "10.2.0").await;
    let path = "/rest/api/admin/users/list/active";

    let a = get(&sim, ADMIN_T, &format!("{path}?expand=lastLogin,status")).await;
    assert_eq!(a.status, 200, "{}", a.text);
    let page = a.json();
    assert_eq!(
        usernames(&page),
        ["admin", "alice", "browser", "carol", "nobody"]
    );
    assert_eq!(page["totalCount"], 5);
    assert_eq!(page["size"], 5);
    assert_eq!(page["start"], 0);
    assert_eq!(page["limit"], 100);
    assert!(page["_links"].get("next").is_none());
    let alice = &page["results"][1];
    assert_eq!(
        *alice,
        json!({
            "type": "known",
            "username": "alice",
            "userKey": "k-alice-old",
            "displayName": "Alice Able",
            "email": null,
            "lastLogin": 1_793_607_330_000_i64,
            "status": "Active",
        })
    );
    assert!(page["results"][3].get("lastLogin").is_none(), "carol never");

    // Without the expansion: no lastLogin, no status.
    let page = get(&sim, ADMIN_T, path).await.json();
    assert_eq!(page["size"], 5);
    assert!(
        page["results"]
            .as_array()
            .unwrap()
            .iter()
            .all(|u| u.get("lastLogin").is_none() && u.get("status").is_none()),
        "{page}"
    );
    let page = get(&sim, ADMIN_T, &format!("{path}?expand=status"))
        .await
        .json();
    assert!(page["results"][1].get("lastLogin").is_none());

    // Administrators only.
    for token in [BROWSE_T, NOBROWSE_T] {
        let a = get(&sim, token, path).await;
        assert_eq!(a.status, 403, "{token:?}: {}", a.text);
        assert_eq!(a.json()["statusCode"], 403);
    }
    assert_eq!(get(&sim, None, path).await.status, 401);
    // CONFSERVER-37100's path is not played.
    let a = get(&sim, ADMIN_T, "/rest/api/user/list/active?expand=lastLogin").await;
    assert_eq!(a.status, 404, "{}", a.text);

    // The ground truth: active users' last logins only.
    let truth = dc_sim::truth::ground_truth(&data, Version(10, 2, 0), sim.base_url());
    let login = |key: &str| {
        truth
            .accounts
            .iter()
            .find(|a| a.key == key)
            .unwrap()
            .last_login
            .clone()
    };
    assert_eq!(
        login("k-alice-old").as_deref(),
        Some("2026-11-02T08:15:30Z")
    );
    assert_eq!(login("k-admin").as_deref(), Some("2026-11-29T12:00:00Z"));
    assert_eq!(login("k-bob"), None);
    assert_eq!(login("k-carol"), None);

    // Before 10.2: no such resource, and no last logins in the truth.
    for version in ["9.2.3", "8.5.17", "7.19.26"] {
        let sim = serve(data.clone(), version).await;
        let a = get(&sim, ADMIN_T, &format!("{path}?expand=lastLogin")).await;
        assert_eq!(a.status, 404, "{version}: {}", a.text);
        let v = Version::parse(version).unwrap();
        let truth = dc_sim::truth::ground_truth(&data, v, sim.base_url());
        assert!(truth.accounts.iter().all(|a| a.last_login.is_none()));
    }
}

#[tokio::test]
async fn active_users_page_with_a_silent_cap() {
    let mut data = large(460, 0);
    for (i, user) in data.users.iter_mut().enumerate() {
        user.last_login = Some(format!("2026-11-{:02}T10:00:00Z", 1 + i % 28));
    }
    let active: Vec<String> = {
        let mut names: Vec<String> = data
            .users
            .iter()
            .filter(|u| u.active)
            .map(|u| u.username.clone())
            .collect();
        names.sort();
        names
    };
    assert!(active.len() < data.users.len());
    let sim = serve(data, "10.2.0").await;
    let path = "/rest/api/admin/users/list/active";

    let page = get(
        &sim,
        ADMIN_T,
        &format!("{path}?expand=lastLogin&limit=1000"),
    )
    .await
    .json();
    assert_eq!(page["size"], 200);
    assert_eq!(page["limit"], 200);
    assert_eq!(page["totalCount"], active.len());
    assert_eq!(
        page["_links"]["next"],
        format!("{path}?expand=lastLogin&limit=1000&start=199")
    );

    let mut seen = Vec::new();
    let mut start = 0;
    loop {
        let page = get(
            &sim,
            ADMIN_T,
            &format!("{path}?expand=lastLogin&limit=1000&start={start}"),
        )
        .await
        .json();
        for user in page["results"].as_array().unwrap() {
            assert!(user["lastLogin"].is_i64(), "{user}");
        }
        let batch = usernames(&page);
        start += batch.len();
        seen.extend(batch);
        if page["_links"].get("next").is_none() {
            break;
        }
    }
    assert_eq!(seen, active);

    let page = get(&sim, ADMIN_T, path).await.json();
    assert_eq!(page["size"], 100);
    assert_eq!(
        page["_links"]["next"],
        format!("{path}?limit=100&start=100")
    );
}

#[tokio::test]
async fn single_user_and_memberof_show_direct_groups() {
    let sim = serve(small(), "7.19.26").await;
    let by_key = get(&sim, ADMIN_T, "/rest/api/user?key=k-alice-old")
        .await
        .json();
    assert_eq!(by_key["username"], "alice");
    let by_name = get(&sim, ADMIN_T, "/rest/api/user?username=alice")
        .await
        .json();
    assert_eq!(by_name["userKey"], "k-alice-old");
    assert_eq!(
        get(&sim, ADMIN_T, "/rest/api/user?username=ghost")
            .await
            .status,
        404
    );
    assert_eq!(
        get(&sim, ADMIN_T, "/rest/api/user?key=alice").await.status,
        404
    );

    let groups = get(&sim, ADMIN_T, "/rest/api/user/memberof?key=k-alice-old")
        .await
        .json();
    assert_eq!(
        names(&groups),
        ["confluence-users", "team/a", "équipe +1:x"]
    );
    assert_eq!(groups["results"][0]["type"], "group");
    // Bob is in `child`, which is nested in `parent`: memberships are direct.
    let groups = get(&sim, ADMIN_T, "/rest/api/user/memberof?username=bob")
        .await
        .json();
    assert_eq!(names(&groups), ["child", "confluence-users"]);
    assert_eq!(
        get(&sim, ADMIN_T, "/rest/api/user/memberof?username=ghost")
            .await
            .status,
        404
    );
    assert_eq!(
        get(&sim, None, "/rest/api/user/memberof?username=bob")
            .await
            .status,
        401
    );
}

#[tokio::test]
async fn search_cql_type_user_lists_every_user() {
    let data = large(150, 0);
    let total = data.users.len();
    for version in ["7.19.26", "9.2.3"] {
        let sim = serve(data.clone(), version).await;
        let page = get(&sim, ADMIN_T, "/rest/api/search?cql=type%3Duser&limit=500")
            .await
            .json();
        assert_eq!(page["limit"], 100, "capped at 100");
        assert_eq!(page["size"], 100);
        assert_eq!(page["totalSize"], total);
        let first = &page["results"][0];
        assert_eq!(first["entityType"], "user");
        assert_eq!(first["user"]["type"], "known");
        assert_eq!(first["user"]["username"], "admin");
        assert_eq!(first["user"]["userKey"], "k-admin");
        assert_eq!(first["excerpt"], "");
        assert_eq!(
            page["_links"]["next"],
            "/rest/api/search?cql=type%3Duser&limit=500&start=100"
        );

        let mut seen = 0;
        let mut start = 0;
        loop {
            let page = get(
                &sim,
                ADMIN_T,
                &format!("/rest/api/search?cql=type+%3D+user&limit=100&start={start}"),
            )
            .await
            .json();
            let n = page["results"].as_array().unwrap().len();
            seen += n;
            start += n;
            if page["_links"].get("next").is_none() {
                break;
            }
        }
        assert_eq!(seen, total, "{version}");
    }
    let sim = serve(small(), "8.5.17").await;
    assert_eq!(
        get(&sim, ADMIN_T, "/rest/api/search?cql=nonsense%20here")
            .await
            .status,
        400
    );
    assert_eq!(get(&sim, ADMIN_T, "/rest/api/search").await.status, 400);
    let page = get(&sim, ADMIN_T, "/rest/api/search?cql=type%3Dpage")
        .await
        .json();
    assert_eq!(page["results"], json!([]));
    assert_eq!(page["totalSize"], 0);
}

#[tokio::test]
async fn user_current_known_anonymous_and_401() {
    let sim = serve(small(), "9.2.3").await;
    let me = get(&sim, BROWSE_T, "/rest/api/user/current").await.json();
    assert_eq!(me["type"], "known");
    assert_eq!(me["username"], "browser");
    assert_eq!(me["userKey"], "k-browser");
    assert_eq!(me["displayName"], "Bea Browser");
    assert_eq!(me["_expandable"], json!({"status": ""}));
    assert_eq!(me["_links"]["base"], sim.base_url());
    assert_eq!(me["_links"]["context"], "");
    assert_eq!(
        me["profilePicture"]["path"],
        "/images/icons/profilepics/default.svg"
    );

    // Without a token and anonymous access on: 200, but not a known user.
    let anon = get(&sim, None, "/rest/api/user/current").await;
    assert_eq!(anon.status, 200);
    assert_eq!(anon.json()["type"], "anonymous");
    assert!(anon.json().get("userKey").is_none());

    let mut data = small();
    data.settings.anonymous_access = false;
    let sim = serve(data, "9.2.3").await;
    let anon = get(&sim, None, "/rest/api/user/current").await;
    assert_eq!(anon.status, 401);
    assert_eq!(anon.json()["statusCode"], 401);
    assert_eq!(anon.json()["data"]["successful"], false);
}

// ---------------------------------------------------------------------------------------------
// Groups

#[tokio::test]
async fn groups_in_name_order() {
    let sim = serve(small(), "8.5.17").await;
    let page = get(&sim, BROWSE_T, "/rest/api/group").await.json();
    assert_eq!(
        names(&page),
        [
            "child",
            "confluence-administrators",
            "confluence-users",
            "eng & ops",
            "parent",
            "team/a",
            "équipe +1:x"
        ]
    );
    assert_eq!(page["limit"], 200);
    assert_eq!(
        page["results"][3]["_links"]["self"],
        format!("{}/rest/api/group/eng%20%26%20ops", sim.base_url())
    );
    let page = get(&sim, ADMIN_T, "/rest/api/group?limit=2&start=2")
        .await
        .json();
    assert_eq!(names(&page), ["confluence-users", "eng & ops"]);
    assert_eq!(page["_links"]["next"], "/rest/api/group?limit=2&start=4");
    assert_eq!(get(&sim, None, "/rest/api/group").await.status, 401);
}

#[tokio::test]
async fn group_members_cap_at_200_and_are_direct_only() {
    let data = large(460, 0);
    let sim = serve(data, "9.2.3").await;
    let page = get(&sim, ADMIN_T, "/rest/api/group/big/member?limit=500")
        .await
        .json();
    assert_eq!(page["size"], 200);
    assert_eq!(page["limit"], 200);
    assert_eq!(page["results"][0]["username"], "user00000");
    assert_eq!(
        page["_links"]["next"],
        "/rest/api/group/big/member?limit=500&start=199"
    );

    let mut all = Vec::new();
    let mut start = 0;
    loop {
        let page = get(
            &sim,
            ADMIN_T,
            &format!("/rest/api/group/big/member?limit=500&start={start}"),
        )
        .await
        .json();
        let batch = usernames(&page);
        start += batch.len();
        all.extend(batch);
        if page["_links"].get("next").is_none() {
            break;
        }
    }
    assert_eq!(all.len(), 460);

    // `parent` holds `browser` directly and `child` (with bob) nested: only browser.
    let sim = serve(small(), "9.2.3").await;
    let page = get(&sim, ADMIN_T, "/rest/api/group/parent/member")
        .await
        .json();
    assert_eq!(usernames(&page), ["browser"]);
    assert_eq!(
        get(&sim, ADMIN_T, "/rest/api/group/ghosts/member")
            .await
            .status,
        404
    );
}

#[tokio::test]
async fn group_members_refuse_non_admin_with_xml_401_on_8_5_and_9_2() {
    let xml = "<status><status-code>401</status-code><message>Client must be authenticated to access this resource.</message></status>";
    for version in ["8.5.17", "9.2.3"] {
        let sim = serve(small(), version).await;
        for token in [BROWSE_T, NOBROWSE_T, None] {
            let a = get(&sim, token, "/rest/api/group/confluence-users/member").await;
            assert_eq!(a.status, 401, "{version} {token:?}");
            assert!(a.content_type.contains("xml"), "{}", a.content_type);
            assert!(a.text.contains(xml), "{}", a.text);
        }
        assert_eq!(
            get(&sim, ADMIN_T, "/rest/api/group/confluence-users/member")
                .await
                .status,
            200
        );
    }
    // 7.19 lets a user who may view profiles through.
    let sim = serve(small(), "7.19.26").await;
    let a = get(&sim, BROWSE_T, "/rest/api/group/confluence-users/member").await;
    assert_eq!(a.status, 200);
    assert_eq!(usernames(&a.json()).len(), 6);
}

#[tokio::test]
async fn group_names_with_slash_and_other_characters() {
    let sim = serve(small(), "9.2.3").await;
    // A raw `/` splits the path: no resource matches.
    assert_eq!(
        get(&sim, ADMIN_T, "/rest/api/group/team/a/member")
            .await
            .status,
        404
    );
    // An encoded one is refused by Tomcat.
    let a = get(&sim, ADMIN_T, "/rest/api/group/team%2Fa/member").await;
    assert_eq!(a.status, 400);
    assert_eq!(
        get(&sim, ADMIN_T, "/rest/api/group/team%2fa/member")
            .await
            .status,
        400
    );
    // Double-encoded: the server sees the text `team%2Fa` and answers an EMPTY 200.
    let a = get(&sim, ADMIN_T, "/rest/api/group/team%252Fa/member").await;
    assert_eq!(a.status, 200);
    assert_eq!(a.json()["results"], json!([]));
    assert_eq!(a.json()["size"], 0);
    // The way round: memberof.
    let groups = get(&sim, ADMIN_T, "/rest/api/user/memberof?username=alice")
        .await
        .json();
    assert!(names(&groups).contains(&"team/a".to_owned()));

    // Spaces, `&`, `+`, `:` and non-ASCII work when percent-encoded.
    let page = get(&sim, ADMIN_T, "/rest/api/group/eng%20%26%20ops/member")
        .await
        .json();
    assert_eq!(usernames(&page), ["carol"]);
    let encoded =
        percent_encoding::utf8_percent_encode("équipe +1:x", percent_encoding::NON_ALPHANUMERIC);
    let page = get(&sim, ADMIN_T, &format!("/rest/api/group/{encoded}/member"))
        .await
        .json();
    assert_eq!(usernames(&page), ["alice", "carol"]);
    let one = get(&sim, ADMIN_T, &format!("/rest/api/group/{encoded}"))
        .await
        .json();
    assert_eq!(one["name"], "équipe +1:x");
}

#[tokio::test]
async fn group_members_by_query_on_10_2_only() {
    let sim = serve(small(), "10.2.0").await;
    // The name is a query parameter: `/` (encoded as `%2F`, which Tomcat accepts in a query)
    // and every other character are no problem.
    let a = get(&sim, ADMIN_T, "/rest/api/group/member?groupName=team%2Fa").await;
    assert_eq!(a.status, 200, "{}", a.text);
    let page = a.json();
    assert_eq!(usernames(&page), ["alice"]);
    assert_eq!(page["start"], 0);
    assert_eq!(page["size"], 1);
    assert!(page["_links"].get("next").is_none());
    let a = get(
        &sim,
        ADMIN_T,
        "/rest/api/group/member?groupName=%C3%A9quipe%20%2B1%3Ax&expand=status",
    )
    .await;
    let page = a.json();
    assert_eq!(usernames(&page), ["alice", "carol"]);
    assert_eq!(page["results"][0]["status"], "Active");
    // Direct members only, as the path form.
    let page = get(&sim, ADMIN_T, "/rest/api/group/member?groupName=parent")
        .await
        .json();
    assert_eq!(usernames(&page), ["browser"]);
    // Unknown group, no name.
    let a = get(&sim, ADMIN_T, "/rest/api/group/member?groupName=ghosts").await;
    assert_eq!(a.status, 404);
    assert_eq!(a.json()["message"], "No group found with name : ghosts");
    assert_eq!(
        get(&sim, ADMIN_T, "/rest/api/group/member").await.status,
        400
    );
    // The same rule as the path form on this version: a non-admin gets the 401 XML body.
    for token in [BROWSE_T, NOBROWSE_T, None] {
        let a = get(&sim, token, "/rest/api/group/member?groupName=team%2Fa").await;
        assert_eq!(a.status, 401, "{token:?}");
        assert!(a.content_type.contains("xml"), "{}", a.content_type);
    }
    assert_eq!(
        sim.counters().endpoint("GET /rest/api/group/member"),
        8,
        "{}",
        sim.counters().report()
    );

    // Paging: capped at 200, `next` under-counted and carrying the name.
    let sim = serve(large(460, 0), "10.2.0").await;
    let page = get(
        &sim,
        ADMIN_T,
        "/rest/api/group/member?groupName=big&limit=500&expand=status",
    )
    .await
    .json();
    assert_eq!(page["size"], 200);
    assert_eq!(page["limit"], 200);
    assert_eq!(
        page["_links"]["next"],
        "/rest/api/group/member?groupName=big&expand=status&limit=500&start=199"
    );

    // Before 10.2 the path is `group/{groupName}` with the name `member`: 404 here, and the
    // group itself (not a page) where a group `member` exists.
    for version in ["7.19.26", "8.5.17", "9.2.3"] {
        let sim = serve(small(), version).await;
        let a = get(&sim, ADMIN_T, "/rest/api/group/member?groupName=team%2Fa").await;
        assert_eq!(a.status, 404, "{version}");
        assert_eq!(a.json()["message"], "No group found with name : member");
        assert_eq!(
            sim.counters().endpoint("GET /rest/api/group/{groupName}"),
            1
        );
    }
    let mut data = small();
    data.groups.push(group("member", &[CAROL], &[]));
    let sim = serve(data, "9.2.3").await;
    let a = get(&sim, ADMIN_T, "/rest/api/group/member?groupName=team%2Fa").await;
    assert_eq!(a.status, 200);
    assert_eq!(a.json()["name"], "member");
    assert!(a.json().get("results").is_none());
}

#[tokio::test]
async fn global_permissions_from_9_3() {
    let sim = serve(small(), "9.2.3").await;
    for path in [
        "/rest/api/permissions",
        "/rest/api/permissions/anonymous",
        "/rest/api/permissions/unlicensed",
    ] {
        let a = get(&sim, ADMIN_T, path).await;
        assert_eq!(a.status, 404, "{path}");
        assert_eq!(a.json()["message"], "HTTP 404 Not Found");
    }

    let sim = serve(small(), "10.2.0").await;
    let grant = |target: &str, op: &str, subject: Value| json!({"operation": {"targetType": target, "operationKey": op}, "subject": subject});
    let admins = json!({"type": "group", "name": "confluence-administrators",
                        "displayName": "confluence-administrators"});
    let users = json!({"type": "group", "name": "confluence-users",
                       "displayName": "confluence-users"});
    let all = get(&sim, ADMIN_T, "/rest/api/permissions").await;
    assert_eq!(all.status, 200);
    assert_eq!(
        all.json(),
        json!([
            grant("application", "use", admins.clone()),
            grant("application", "administer", admins.clone()),
            grant("system", "administer", admins.clone()),
            grant("space", "create", admins.clone()),
            grant("personal_space", "create", admins),
            grant("application", "use", users.clone()),
            grant("space", "create", users.clone()),
            grant("personal_space", "create", users),
        ])
    );
    // Anonymous grants only under `/anonymous` (while anonymous access is on).
    assert_eq!(
        get(&sim, ADMIN_T, "/rest/api/permissions/anonymous")
            .await
            .json(),
        json!([grant(
            "application",
            "use",
            json!({"type": "anonymous", "displayName": "Anonymous"})
        )])
    );
    assert_eq!(
        get(&sim, ADMIN_T, "/rest/api/permissions/unlicensed")
            .await
            .json(),
        json!([])
    );
    let one = get(
        &sim,
        ADMIN_T,
        "/rest/api/permissions/group/confluence-users",
    )
    .await
    .json();
    assert_eq!(one.as_array().unwrap().len(), 3);
    assert_eq!(
        get(&sim, ADMIN_T, "/rest/api/permissions/user/alice")
            .await
            .json(),
        json!([])
    );
    assert_eq!(
        get(&sim, ADMIN_T, "/rest/api/permissions/group/ghosts")
            .await
            .status,
        404
    );
    assert_eq!(
        get(&sim, BROWSE_T, "/rest/api/permissions").await.status,
        403
    );
    assert_eq!(get(&sim, None, "/rest/api/permissions").await.status, 401);

    let mut data = small();
    data.settings.anonymous_access = false;
    let sim = serve(data, "10.2.0").await;
    assert_eq!(
        get(&sim, ADMIN_T, "/rest/api/permissions/anonymous")
            .await
            .json(),
        json!([])
    );
}

// ---------------------------------------------------------------------------------------------
// Spaces

#[tokio::test]
async fn spaces_current_archived_and_personal() {
    let sim = serve(small(), "9.2.3").await;
    let page = get(&sim, ADMIN_T, "/rest/api/space").await.json();
    // Key order: `~` sorts after letters.
    assert_eq!(keys(&page), ["DOC", "SEC", "~alice"]);
    assert_eq!(page["limit"], 25);
    let doc = &page["results"][0];
    assert_eq!(doc["id"], 1001);
    assert_eq!(doc["type"], "global");
    assert_eq!(doc["status"], "current");
    assert_eq!(doc["_links"]["webui"], "/display/DOC");
    assert_eq!(
        doc["_links"]["self"],
        format!("{}/rest/api/space/DOC", sim.base_url())
    );
    assert_eq!(page["results"][2]["type"], "personal");
    assert_eq!(page["results"][2]["_links"]["webui"], "/display/~alice");

    let page = get(&sim, ADMIN_T, "/rest/api/space?status=archived")
        .await
        .json();
    assert_eq!(keys(&page), ["OLD"]);
    assert_eq!(page["results"][0]["status"], "archived");
    let page = get(&sim, ADMIN_T, "/rest/api/space?type=personal")
        .await
        .json();
    assert_eq!(keys(&page), ["~alice"]);
    let page = get(&sim, ADMIN_T, "/rest/api/space?type=global")
        .await
        .json();
    assert_eq!(keys(&page), ["DOC", "SEC"]);
    let page = get(&sim, ADMIN_T, "/rest/api/space?spaceKey=SEC&spaceKey=DOC")
        .await
        .json();
    assert_eq!(keys(&page), ["DOC", "SEC"]);
    assert_eq!(
        get(&sim, ADMIN_T, "/rest/api/space?limit=1000")
            .await
            .json()["limit"],
        100
    );

    // Others see what they may read: directly, through a direct group, or anonymously.
    let page = get(&sim, BROWSE_T, "/rest/api/space").await.json();
    assert_eq!(keys(&page), ["DOC"]);
    let page = get(&sim, None, "/rest/api/space").await.json();
    assert_eq!(keys(&page), ["DOC"]);
    assert_eq!(get(&sim, BROWSE_T, "/rest/api/space/SEC").await.status, 404);
    assert_eq!(
        get(&sim, ADMIN_T, "/rest/api/space/sec").await.json()["key"],
        "SEC"
    );
}

#[tokio::test]
async fn spaces_past_the_end_quirk_on_8_5_not_on_9_2() {
    let sim = serve(large(0, 205), "8.5.17").await;
    // A start past the end still answers the last space.
    let page = get(&sim, ADMIN_T, "/rest/api/space?limit=100&start=1000")
        .await
        .json();
    assert_eq!(keys(&page), ["S0204"]);
    // With more than 200 spaces, `next` never stops.
    let page = get(&sim, ADMIN_T, "/rest/api/space?limit=100&start=200")
        .await
        .json();
    assert_eq!(page["size"], 5);
    assert_eq!(
        page["_links"]["next"],
        "/rest/api/space?limit=100&start=205"
    );
    // A client that de-duplicates and stops on a page of seen spaces gets each once.
    let mut seen = std::collections::BTreeSet::new();
    let mut start = 0;
    for _ in 0..20 {
        let page = get(
            &sim,
            ADMIN_T,
            &format!("/rest/api/space?limit=100&start={start}"),
        )
        .await
        .json();
        let batch = keys(&page);
        start += batch.len();
        let before = seen.len();
        seen.extend(batch);
        if seen.len() == before || page["_links"].get("next").is_none() {
            break;
        }
    }
    assert_eq!(seen.len(), 205);

    let sim = serve(large(0, 205), "9.2.3").await;
    let page = get(&sim, ADMIN_T, "/rest/api/space?limit=100&start=1000")
        .await
        .json();
    assert_eq!(page["results"], json!([]));
    let page = get(&sim, ADMIN_T, "/rest/api/space?limit=100&start=200")
        .await
        .json();
    assert!(page["_links"].get("next").is_none());

    // A small collection past its end on 8.5: the last space again, but no endless `next`.
    let sim = serve(small(), "8.5.17").await;
    let page = get(&sim, ADMIN_T, "/rest/api/space?start=50").await.json();
    assert_eq!(keys(&page), ["~alice"]);
    assert!(page["_links"].get("next").is_none());
}

#[tokio::test]
async fn space_permissions_rest_absent_on_8_5_present_on_9_2() {
    let sim = serve(small(), "8.5.17").await;
    assert_eq!(
        get(&sim, ADMIN_T, "/rest/api/space/DOC/permissions")
            .await
            .status,
        404
    );
    assert_eq!(
        get(&sim, ADMIN_T, "/rest/api/space/DOC/permissions/anonymous")
            .await
            .status,
        404
    );

    let sim = serve(small(), "9.2.3").await;
    let a = get(&sim, ADMIN_T, "/rest/api/space/DOC/permissions").await;
    assert_eq!(a.status, 200);
    assert_eq!(
        a.json(),
        json!([
            {"operation": {"targetType": "space", "operationKey": "read"},
             "subject": {"type": "group", "name": "confluence-users"}, "spaceKey": "DOC", "spaceId": 1001},
            {"operation": {"targetType": "space", "operationKey": "administer"},
             "subject": {"type": "user", "userKey": "k-alice-old"}, "spaceKey": "DOC", "spaceId": 1001},
            {"operation": {"targetType": "page", "operationKey": "create"},
             "subject": {"type": "group", "name": "team/a"}, "spaceKey": "DOC", "spaceId": 1001},
        ])
    );
    let anon = get(&sim, ADMIN_T, "/rest/api/space/DOC/permissions/anonymous")
        .await
        .json();
    assert_eq!(
        anon,
        json!([
            {"operation": {"targetType": "space", "operationKey": "read"},
             "subject": {"type": "anonymous"}, "spaceKey": "DOC", "spaceId": 1001},
            {"operation": {"targetType": "space", "operationKey": "export"},
             "subject": {"type": "anonymous"}, "spaceKey": "DOC", "spaceId": 1001},
        ])
    );
    assert_eq!(
        get(&sim, ADMIN_T, "/rest/api/space/SEC/permissions/anonymous")
            .await
            .json(),
        json!([])
    );
    // Archived spaces keep their permissions.
    assert_eq!(
        get(&sim, ADMIN_T, "/rest/api/space/OLD/permissions")
            .await
            .json()
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        get(&sim, ADMIN_T, "/rest/api/space/NOPE/permissions")
            .await
            .status,
        404
    );
    // CONFSERVER-99908: a non-admin gets a 500.
    assert_eq!(
        get(&sim, BROWSE_T, "/rest/api/space/DOC/permissions")
            .await
            .status,
        500
    );
    assert_eq!(
        get(&sim, NOBROWSE_T, "/rest/api/space/DOC/permissions")
            .await
            .status,
        500
    );
    assert_eq!(
        get(&sim, None, "/rest/api/space/DOC/permissions")
            .await
            .status,
        401
    );
}

// ---------------------------------------------------------------------------------------------
// JSON-RPC

const RPC: &str = "/rpc/json-rpc/confluenceservice-v2";

fn expected_sets() -> Value {
    let mut sets: Vec<Value> = dc_sim::dataset::SPACE_OPERATIONS
        .iter()
        .map(|(_, _, legacy)| json!({"type": legacy, "spacePermissions": []}))
        .collect();
    let set = |sets: &mut Vec<Value>, legacy: &str, entries: Value| {
        let s = sets.iter_mut().find(|s| s["type"] == legacy).unwrap();
        s["spacePermissions"] = entries;
    };
    set(
        &mut sets,
        "VIEWSPACE",
        json!([
            {"type": "VIEWSPACE", "userName": null, "groupName": "confluence-users"},
            {"type": "VIEWSPACE", "userName": null, "groupName": null},
        ]),
    );
    set(
        &mut sets,
        "SETSPACEPERMISSIONS",
        json!([{"type": "SETSPACEPERMISSIONS", "userName": "alice", "groupName": null}]),
    );
    set(
        &mut sets,
        "EDITSPACE",
        json!([{"type": "EDITSPACE", "userName": null, "groupName": "team/a"}]),
    );
    set(
        &mut sets,
        "EXPORTSPACE",
        json!([{"type": "EXPORTSPACE", "userName": null, "groupName": null}]),
    );
    sets.push(json!({"type": "EXPORTPAGE", "spacePermissions": []}));
    Value::Array(sets)
}

#[tokio::test]
async fn json_rpc_both_call_forms() {
    for version in ["7.19.26", "8.5.17", "9.2.3"] {
        let sim = serve(small(), version).await;
        let a = post(
            &sim,
            ADMIN_T,
            RPC,
            json!({"jsonrpc": "2.0", "method": "getSpacePermissionSets", "id": 7, "params": ["DOC"]}),
        )
        .await;
        assert_eq!(a.status, 200);
        assert_eq!(
            a.json(),
            json!({"jsonrpc": "2.0", "id": 7, "result": expected_sets()}),
            "{version}"
        );

        let a = post(
            &sim,
            ADMIN_T,
            &format!("{RPC}/getSpacePermissionSets"),
            json!(["DOC"]),
        )
        .await;
        assert_eq!(a.status, 200);
        assert_eq!(a.json(), expected_sets(), "{version}");

        let a = post(
            &sim,
            ADMIN_T,
            &format!("{RPC}/getUserGroups"),
            json!(["alice"]),
        )
        .await;
        assert_eq!(
            a.json(),
            json!(["confluence-users", "team/a", "équipe +1:x"])
        );
        let a = post(
            &sim,
            ADMIN_T,
            RPC,
            json!({"jsonrpc": "2.0", "method": "getUserGroups", "id": "x", "params": ["bob"]}),
        )
        .await;
        assert_eq!(
            a.json(),
            json!({"jsonrpc": "2.0", "id": "x", "result": ["child", "confluence-users"]})
        );
    }
}

#[tokio::test]
async fn json_rpc_errors_come_in_a_200() {
    let sim = serve(small(), "8.5.17").await;
    // Unknown space.
    let a = post(
        &sim,
        ADMIN_T,
        RPC,
        json!({"jsonrpc": "2.0", "method": "getSpacePermissionSets", "id": 1, "params": ["NOPE"]}),
    )
    .await;
    assert_eq!(a.status, 200);
    let body = a.json();
    assert!(body.get("result").is_none());
    assert_eq!(body["id"], 1);
    assert!(body["error"]["message"].as_str().unwrap().contains("NOPE"));
    // A non-admin caller.
    for token in [BROWSE_T, NOBROWSE_T] {
        let a = post(
            &sim,
            token,
            RPC,
            json!({"jsonrpc": "2.0", "method": "getSpacePermissionSets", "id": 2, "params": ["DOC"]}),
        )
        .await;
        assert_eq!(a.status, 200);
        let message = a.json()["error"]["message"].as_str().unwrap().to_owned();
        assert!(
            message.starts_with("com.atlassian.confluence.rpc.NotPermittedException"),
            "{message}"
        );
        let a = post(
            &sim,
            token,
            &format!("{RPC}/getSpacePermissionSets"),
            json!(["DOC"]),
        )
        .await;
        assert_eq!(a.status, 200);
        assert!(
            a.json()["error"]["message"]
                .as_str()
                .unwrap()
                .contains("NotPermittedException")
        );
    }
    // Anonymous.
    let a = post(
        &sim,
        None,
        &format!("{RPC}/getSpacePermissionSets"),
        json!(["DOC"]),
    )
    .await;
    assert_eq!(a.status, 401);
}

#[tokio::test]
async fn json_rpc_401_when_the_remote_api_is_disabled() {
    let mut data = small();
    data.settings.remote_api_enabled = false;
    let sim = serve(data, "7.19.26").await;
    let a = post(
        &sim,
        ADMIN_T,
        &format!("{RPC}/getSpacePermissionSets"),
        json!(["DOC"]),
    )
    .await;
    assert_eq!(a.status, 401);
    assert!(
        a.content_type.starts_with("text/html"),
        "{}",
        a.content_type
    );
    // The token itself is fine.
    assert_eq!(
        get(&sim, ADMIN_T, "/rest/api/user/current").await.status,
        200
    );
}

#[tokio::test]
async fn json_rpc_websudo_answers_an_html_200() {
    let mut data = small();
    data.settings.websudo = true;
    let sim = serve(data, "8.5.17").await;
    let a = post(
        &sim,
        ADMIN_T,
        &format!("{RPC}/getSpacePermissionSets"),
        json!(["DOC"]),
    )
    .await;
    assert_eq!(a.status, 200);
    assert!(
        a.content_type.starts_with("text/html"),
        "{}",
        a.content_type
    );
    assert!(serde_json::from_str::<Value>(&a.text).is_err());
    let a = post(
        &sim,
        ADMIN_T,
        RPC,
        json!({"jsonrpc": "2.0", "method": "getSpacePermissionSets", "id": 1, "params": ["DOC"]}),
    )
    .await;
    assert_eq!(a.status, 200);
    assert!(a.content_type.starts_with("text/html"));
}

// ---------------------------------------------------------------------------------------------
// Probing, links, errors

#[tokio::test]
async fn links_use_the_configured_base_url_and_context_path() {
    let mut config = SimConfig::new(small(), Version::parse("9.2.3").unwrap());
    config.context_path = "/confluence".into();
    config.configured_base_url = Some("https://wiki.example.com/confluence/".into());
    let sim = serve_with(config).await;
    assert!(sim.base_url().ends_with("/confluence"));
    let page = get(&sim, ADMIN_T, "/rest/api/group?limit=2").await.json();
    let links = &page["_links"];
    assert_eq!(links["base"], "https://wiki.example.com/confluence");
    assert_eq!(links["context"], "/confluence");
    assert_eq!(
        links["self"],
        "https://wiki.example.com/confluence/rest/api/group"
    );
    // `next` is relative to `base` (which already holds the context path).
    assert_eq!(links["next"], "/rest/api/group?limit=2&start=2");
    assert_eq!(
        page["results"][0]["_links"]["self"],
        "https://wiki.example.com/confluence/rest/api/group/child"
    );
    let me = get(&sim, ADMIN_T, "/rest/api/user/current").await.json();
    assert_eq!(me["_links"]["base"], "https://wiki.example.com/confluence");
    assert_eq!(me["_links"]["context"], "/confluence");
    assert_eq!(
        me["_links"]["self"],
        "https://wiki.example.com/confluence/rest/api/user?key=k-admin"
    );
    let info = get(&sim, ADMIN_T, "/rest/api/server-information")
        .await
        .json();
    assert_eq!(info["baseUrl"], "https://wiki.example.com/confluence");
    // Outside the context path there is nothing.
    let outside = format!("http://{}/rest/api/group", sim.address());
    let status = client()
        .get(outside)
        .bearer_auth("admin-token")
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status.as_u16(), 404);
}

#[tokio::test]
async fn probes_manifest_server_information_and_jira_serverinfo() {
    let sim = serve(small(), "8.5.17").await;
    let xml = get_plain(&sim, None, "/rest/applinks/1.0/manifest").await;
    assert_eq!(xml.status, 200);
    assert!(xml.content_type.contains("xml"));
    assert!(xml.text.contains("<typeId>confluence</typeId>"));
    assert!(xml.text.contains("<version>8.5.17</version>"));
    assert!(
        xml.text
            .contains("<id>5c2b1f0e-0000-4000-8000-00000000c0f1</id>")
    );
    let json = get(&sim, None, "/rest/applinks/1.0/manifest").await.json();
    assert_eq!(json["typeId"], "confluence");
    assert_eq!(json["version"], "8.5.17");
    assert_eq!(json["url"], sim.base_url());

    assert_eq!(
        get(&sim, None, "/rest/api/server-information").await.status,
        401
    );
    let info = get(&sim, NOBROWSE_T, "/rest/api/server-information")
        .await
        .json();
    assert_eq!(info["version"], "8.5.17");
    assert!(info["buildNumber"].is_number());

    // Jira's serverInfo is not here.
    let a = get(&sim, ADMIN_T, "/rest/api/2/serverInfo").await;
    assert_eq!(a.status, 404);
    assert_eq!(a.json()["status-code"], 404);
    let a = get_plain(&sim, ADMIN_T, "/rest/api/2/serverInfo").await;
    assert_eq!(a.status, 404);
    assert!(a.text.contains("null for uri: "));
    // `/rest/api/latest` is an alias; `/rest/api/1.0` is not.
    assert_eq!(
        get(&sim, ADMIN_T, "/rest/api/latest/group").await.status,
        200
    );
    assert_eq!(get(&sim, ADMIN_T, "/rest/api/1.0/group").await.status, 404);
    // Error bodies have the documented shape.
    let missing = get(&sim, ADMIN_T, "/rest/api/space/NOPE").await;
    assert_eq!(missing.status, 404);
    let body = missing.json();
    assert_eq!(body["statusCode"], 404);
    assert_eq!(body["reason"], "Not Found");
    assert_eq!(
        body["data"],
        json!({"authorized": false, "valid": true, "allowedInReadOnlyMode": true, "errors": [], "successful": false})
    );
    assert_eq!(sim.counters().endpoint("GET /rest/api/space/{spaceKey}"), 1);
}

#[tokio::test]
async fn json_rpc_needs_the_json_content_type() {
    let sim = serve(small(), "8.5.17").await;
    let response = client()
        .post(format!(
            "{}/rpc/json-rpc/confluenceservice-v2/getSpacePermissionSets",
            sim.base_url()
        ))
        .bearer_auth("admin-token")
        .body(r#"["DS"]"#)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 415);
}
