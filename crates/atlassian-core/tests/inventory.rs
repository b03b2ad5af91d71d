//! The inventory document: reference strings, the builder's rules, the JSON and NDJSON forms
//! against the schema, and atomic replacement of the output file.

use std::fs;

use atlassian_core::inventory::{
    AtomicFile, Counts, Coverage, Generator, Header, INVENTORY_SCHEMA, NdjsonWriter, SCHEMA_ID,
    ScannedAs, System, Violation,
};
use atlassian_core::{
    Account, Grant, Group, Inventory, InventoryBuilder, InventoryError, Membership, Product,
    Resource, ResourceRef, Subject,
};
use jiff::Timestamp;
use serde_json::{Value, json};

// ---------------------------------------------------------------- fixtures

fn at() -> Timestamp {
    "2026-11-29T03:00:00Z".parse().unwrap()
}

fn jira_system() -> System {
    System {
        product: Product::Jira,
        base_url: "https://jira.example.com/jira".to_owned(),
        version: "9.12.2".to_owned(),
        title: Some("Example Jira".to_owned()),
        instance_id: None,
    }
}

fn confluence_system() -> System {
    System {
        product: Product::Confluence,
        base_url: "https://wiki.example.com".to_owned(),
        version: "8.5.4".to_owned(),
        title: None,
        instance_id: Some("ABCD-1234-EFGH-5678".to_owned()),
    }
}

fn scanned_as() -> ScannedAs {
    ScannedAs {
        key: "JIRAUSER10000".to_owned(),
        username: "svc-orbis".to_owned(),
    }
}

fn generator() -> Generator {
    Generator {
        name: "atlassian-dc".to_owned(),
        version: "0.1.0".to_owned(),
    }
}

fn account(
    key: &str,
    username: Option<&str>,
    display_name: Option<&str>,
    email: Option<&str>,
    active: Option<bool>,
) -> Account {
    Account {
        key: key.to_owned(),
        username: username.map(str::to_owned),
        display_name: display_name.map(str::to_owned),
        email: email.map(str::to_owned),
        active,
        last_login: None,
    }
}

fn project(key: &str) -> ResourceRef {
    ResourceRef::Project(key.to_owned())
}

fn space(key: &str) -> ResourceRef {
    ResourceRef::Space(key.to_owned())
}

fn group(name: &str) -> Subject {
    Subject::Group(name.to_owned())
}

/// A Jira-like inventory with every kind of grant subject.
fn jira_inventory() -> Inventory {
    let mut b = InventoryBuilder::new(jira_system(), scanned_as());
    b.generator(generator());
    b.account(account(
        "JIRAUSER10000",
        Some("svc-orbis"),
        Some("Orbis scanner"),
        Some("orbis@example.com"),
        Some(true),
    ))
    .account(account(
        "JIRAUSER10100",
        Some("alice"),
        Some("Alice Doe"),
        Some("alice@example.com"),
        Some(true),
    ))
    // Hidden e-mail, deactivated.
    .account(account(
        "JIRAUSER10101",
        Some("bob"),
        Some("Bob Roe"),
        None,
        Some(false),
    ))
    // An old-style key, seen only as a group member.
    .account(Account::new("admin"));
    for name in ["jira-administrators", "jira-software-users", "developers"] {
        b.group(name);
    }
    b.membership("jira-administrators", "admin")
        .membership("jira-software-users", "JIRAUSER10100")
        .membership("jira-software-users", "JIRAUSER10101")
        .membership("developers", "JIRAUSER10100");
    b.resource(Resource::new(&project("ENG"), Some("Engineering".to_owned())).with_archived(false))
        .resource(Resource::new(&project("OPS"), Some("Operations".to_owned())).with_archived(true))
        .resource(Resource::new(
            &ResourceRef::Application("jira-software".to_owned()),
            Some("Jira Software".to_owned()),
        ));
    let eng = || project("ENG");
    b.grant(eng(), "BROWSE_PROJECTS", group("jira-software-users"))
        .grant(
            eng(),
            "BROWSE_PROJECTS",
            Subject::Role("Developers".to_owned()),
        )
        .grant(
            eng(),
            "role:Developers",
            Subject::Account("JIRAUSER10100".to_owned()),
        )
        .grant(eng(), "role:Developers", group("developers"))
        .grant(
            eng(),
            "CREATE_ISSUES",
            Subject::Application("jira-software".to_owned()),
        )
        .grant(
            eng(),
            "EDIT_ISSUES",
            Subject::Special("assignee".to_owned()),
        )
        .grant(
            eng(),
            "EDIT_ISSUES",
            Subject::Special("userCustomField:10010".to_owned()),
        )
        .grant(eng(), "ADMINISTER_PROJECTS", group("jira-administrators"))
        .grant(project("OPS"), "BROWSE_PROJECTS", Subject::Anonymous)
        .grant(project("OPS"), "CREATE_ISSUES", Subject::Authenticated)
        .grant(
            ResourceRef::Application("jira-software".to_owned()),
            "use",
            group("jira-software-users"),
        );
    for collection in [
        "accounts",
        "groups",
        "memberships",
        "resources",
        "grants:project-roles",
        "grants:permission-schemes",
    ] {
        b.coverage(Coverage::complete(collection, "REST sweep"));
    }
    b.coverage(Coverage::incomplete(
        "grants:applications",
        Some("applicationrole".to_owned()),
        "HTTP 403: the scanning account is not a Jira administrator",
    ));
    b.warning("project OPS is archived; its grants are listed as configured");
    b.build(at()).unwrap()
}

/// A Confluence-like inventory with anonymous access and the `system:administer` grant.
fn confluence_inventory() -> Inventory {
    let mut b = InventoryBuilder::new(
        confluence_system(),
        ScannedAs {
            key: "8a7f808a8a1b2c3d018a1b2c3d4e0000".to_owned(),
            username: "svc-orbis".to_owned(),
        },
    );
    b.generator(generator());
    b.account(account(
        "8a7f808a8a1b2c3d018a1b2c3d4e0000",
        Some("svc-orbis"),
        Some("Orbis scanner"),
        None,
        None,
    ))
    .account(account(
        "8a7f808a8a1b2c3d018a1b2c3d4e0001",
        Some("alice"),
        Some("Alice Doe"),
        Some("alice@example.com"),
        None,
    ));
    b.group("confluence-administrators")
        .group("confluence-users");
    b.membership(
        "confluence-administrators",
        "8a7f808a8a1b2c3d018a1b2c3d4e0000",
    )
    .membership("confluence-users", "8a7f808a8a1b2c3d018a1b2c3d4e0001");
    b.resource(Resource::new(&space("DOC"), Some("Documentation".to_owned())).with_archived(false))
        .resource(Resource::new(
            &space("~alice"),
            Some("Alice Doe".to_owned()),
        ));
    b.grant(
        ResourceRef::System,
        "system:administer",
        group("confluence-administrators"),
    )
    .grant(space("DOC"), "space:read", Subject::Anonymous)
    .grant(space("DOC"), "space:read", group("confluence-users"))
    .grant(space("DOC"), "page:create", group("confluence-users"))
    .grant(
        space("~alice"),
        "space:administer",
        Subject::Account("8a7f808a8a1b2c3d018a1b2c3d4e0001".to_owned()),
    );
    for collection in [
        "accounts",
        "groups",
        "memberships",
        "resources",
        "grants:space-permissions",
    ] {
        b.coverage(Coverage::complete(collection, "REST sweep"));
    }
    b.build(at()).unwrap()
}

fn to_json(inventory: &Inventory) -> String {
    let mut out = Vec::new();
    inventory.write_json(&mut out).unwrap();
    String::from_utf8(out).unwrap()
}

fn to_ndjson(inventory: &Inventory) -> String {
    let mut out = Vec::new();
    inventory.write_ndjson(&mut out).unwrap();
    String::from_utf8(out).unwrap()
}

fn schema_validator() -> jsonschema::Validator {
    let schema: Value = serde_json::from_str(INVENTORY_SCHEMA).unwrap();
    jsonschema::draft202012::options()
        .should_validate_formats(true)
        .build(&schema)
        .unwrap()
}

fn schema_errors(document: &Value) -> Vec<String> {
    schema_validator()
        .iter_errors(document)
        .map(|error| format!("{} at {}", error, error.instance_path()))
        .collect()
}

fn violations(error: &InventoryError) -> Vec<Violation> {
    error
        .violations()
        .unwrap_or_else(|| panic!("expected InventoryError::Invalid, got {error:?}"))
        .to_vec()
}

// ---------------------------------------------------------------- reference strings

#[test]
fn reference_strings_round_trip_and_split_at_the_first_colon() {
    let subjects = [
        (
            "account:JIRAUSER10100",
            Subject::Account("JIRAUSER10100".to_owned()),
        ),
        ("group:a:b", Subject::Group("a:b".to_owned())),
        ("role:Developers", Subject::Role("Developers".to_owned())),
        (
            "application:jira-software",
            Subject::Application("jira-software".to_owned()),
        ),
        ("anonymous", Subject::Anonymous),
        ("authenticated", Subject::Authenticated),
        (
            "special:userCustomField:10010",
            Subject::Special("userCustomField:10010".to_owned()),
        ),
    ];
    for (text, subject) in subjects {
        assert_eq!(text.parse::<Subject>().unwrap(), subject, "{text}");
        assert_eq!(subject.to_string(), text);
    }
    let resources = [
        ("project:ENG", project("ENG")),
        ("space:~alice", space("~alice")),
        ("space:A:B", space("A:B")),
        (
            "application:jira-software",
            ResourceRef::Application("jira-software".to_owned()),
        ),
        ("system", ResourceRef::System),
    ];
    for (text, resource) in resources {
        assert_eq!(text.parse::<ResourceRef>().unwrap(), resource, "{text}");
        assert_eq!(resource.to_string(), text);
    }
    assert_eq!(ResourceRef::System.key(), "system");
    assert_eq!(space("A:B").key(), "A:B");
}

#[test]
fn malformed_reference_strings_are_rejected() {
    for text in [
        "",
        "group",
        "group:",
        "account:",
        "user:alice",
        "anonymous:x",
        "Group:x",
        "system",
    ] {
        assert!(text.parse::<Subject>().is_err(), "subject {text:?}");
    }
    for text in [
        "",
        "project",
        "project:",
        "system:x",
        "page:1",
        "group:x",
        "anonymous",
    ] {
        assert!(text.parse::<ResourceRef>().is_err(), "resource {text:?}");
    }
    let error = "user:alice".parse::<Subject>().unwrap_err();
    assert_eq!(error.input(), "user:alice");
    assert!(
        error
            .to_string()
            .contains("`user:alice` is not a valid subject reference")
    );
}

#[test]
fn typed_references_serialise_as_their_strings() {
    let value = serde_json::to_value((project("ENG"), Subject::Group("x:y".to_owned()))).unwrap();
    assert_eq!(value, json!(["project:ENG", "group:x:y"]));
    let back: (ResourceRef, Subject) = serde_json::from_value(value).unwrap();
    assert_eq!(back, (project("ENG"), Subject::Group("x:y".to_owned())));
    assert!(serde_json::from_value::<Subject>(json!("nobody")).is_err());
}

// ---------------------------------------------------------------- builder

#[test]
fn builder_dedups_merges_and_sorts_scrambled_input() {
    let mut b = InventoryBuilder::new(jira_system(), scanned_as());
    b.generator(generator());
    b.warning("second-seen warning")
        .account(account("K3", Some("carol"), None, None, None))
        .account(account("K1", Some("alice"), None, None, Some(true)))
        // Same key: fills the gaps, keeps the first username and `active`.
        .account(account(
            "K1",
            Some("alice-renamed"),
            Some("Alice"),
            Some("alice@example.com"),
            Some(false),
        ))
        .account(account("K2", None, None, Some(""), None))
        .group("zeta")
        .group("alpha")
        .group("zeta")
        .membership("zeta", "K3")
        .membership("alpha", "K2")
        .membership("zeta", "K1")
        .membership("alpha", "K2")
        .resource(Resource::new(&project("ZED"), None))
        .resource(Resource::new(&project("ABC"), None))
        .resource(Resource::new(&project("ZED"), Some("Zed".to_owned())).with_archived(true))
        .grant(project("ZED"), "BROWSE_PROJECTS", group("alpha"))
        .grant(
            project("ABC"),
            "role:Users",
            Subject::Account("K2".to_owned()),
        )
        .grant(project("ABC"), "BROWSE_PROJECTS", Subject::Authenticated)
        .grant(project("ABC"), "BROWSE_PROJECTS", Subject::Anonymous)
        .grant(project("ZED"), "BROWSE_PROJECTS", group("alpha"))
        .coverage(Coverage::complete("resources", "project list"))
        .coverage(Coverage::incomplete("accounts", None, "first try"))
        .coverage(Coverage::complete("accounts", "user/search prefix sweep"))
        .warning("first-seen warning")
        .warning("second-seen warning");

    assert_eq!(
        b.counts(),
        Counts {
            accounts: 3,
            groups: 2,
            memberships: 3,
            resources: 2,
            grants: 4,
            coverage: 2,
        }
    );
    let inventory = b
        .build("2026-11-29T03:00:00.987654321Z".parse().unwrap())
        .unwrap();

    let expected = json!({
        "schema": "atlassian-dc-inventory/v1",
        "generated_at": "2026-11-29T03:00:00Z",
        "generator": {"name": "atlassian-dc", "version": "0.1.0"},
        "system": {"product": "jira", "base_url": "https://jira.example.com/jira",
                   "version": "9.12.2", "title": "Example Jira", "instance_id": null},
        "scanned_as": {"key": "JIRAUSER10000", "username": "svc-orbis"},
        "accounts": [
            {"key": "K1", "username": "alice", "display_name": "Alice",
             "email": "alice@example.com", "active": true},
            {"key": "K2", "username": null, "display_name": null, "email": null, "active": null},
            {"key": "K3", "username": "carol", "display_name": null, "email": null, "active": null},
        ],
        "groups": [{"name": "alpha"}, {"name": "zeta"}],
        "memberships": [
            {"group": "alpha", "account": "K2"},
            {"group": "zeta", "account": "K1"},
            {"group": "zeta", "account": "K3"},
        ],
        "resources": [
            {"ref": "project:ABC", "type": "project", "key": "ABC", "name": null},
            {"ref": "project:ZED", "type": "project", "key": "ZED", "name": "Zed", "archived": true},
        ],
        "grants": [
            {"resource": "project:ABC", "permission": "BROWSE_PROJECTS", "subject": "anonymous"},
            {"resource": "project:ABC", "permission": "BROWSE_PROJECTS", "subject": "authenticated"},
            {"resource": "project:ABC", "permission": "role:Users", "subject": "account:K2"},
            {"resource": "project:ZED", "permission": "BROWSE_PROJECTS", "subject": "group:alpha"},
        ],
        "coverage": [
            {"collection": "accounts", "complete": true, "method": "user/search prefix sweep",
             "detail": null},
            {"collection": "resources", "complete": true, "method": "project list", "detail": null},
        ],
        "warnings": ["second-seen warning", "first-seen warning"],
    });
    assert_eq!(serde_json::to_value(&inventory).unwrap(), expected);
}

#[test]
fn sorting_is_bytewise() {
    let mut b = InventoryBuilder::new(jira_system(), scanned_as());
    for key in ["b", "B", "a", "_", "A", "äx"] {
        b.account(Account::new(key));
    }
    let inventory = b.build(at()).unwrap();
    let keys: Vec<&str> = inventory.accounts.iter().map(|a| a.key.as_str()).collect();
    assert_eq!(keys, ["A", "B", "_", "a", "b", "äx"]);
}

#[test]
fn json_output_has_the_documented_layout() {
    let mut b = InventoryBuilder::new(jira_system(), scanned_as());
    b.generator(generator());
    let mut out = Vec::new();
    b.build(at()).unwrap().write_json(&mut out).unwrap();
    let expected = r#"{
  "schema": "atlassian-dc-inventory/v1",
  "generated_at": "2026-11-29T03:00:00Z",
  "generator": {
    "name": "atlassian-dc",
    "version": "0.1.0"
  },
  "system": {
    "product": "jira",
    "base_url": "https://jira.example.com/jira",
    "version": "9.12.2",
    "title": "Example Jira",
    "instance_id": null
  },
  "scanned_as": {
    "key": "JIRAUSER10000",
    "username": "svc-orbis"
  },
  "accounts": [],
  "groups": [],
  "memberships": [],
  "resources": [],
  "grants": [],
  "coverage": [],
  "warnings": []
}
"#;
    assert_eq!(String::from_utf8(out).unwrap(), expected);
}

#[test]
fn json_output_is_byte_identical_for_differently_ordered_input() {
    let forward = to_json(&jira_inventory());

    // The same records as `jira_inventory`, fed back in reverse and with repeats.
    let source = jira_inventory();
    let mut b = InventoryBuilder::new(source.system.clone(), source.scanned_as.clone());
    b.generator(source.generator.clone());
    for coverage in source.coverage.iter().rev() {
        b.coverage(coverage.clone());
    }
    for grant in source.grants.iter().rev().chain(&source.grants) {
        b.grant(
            grant.resource.parse().unwrap(),
            grant.permission.clone(),
            grant.subject.parse().unwrap(),
        );
    }
    for resource in source.resources.iter().rev() {
        b.resource(resource.clone());
    }
    for membership in source.memberships.iter().rev().chain(&source.memberships) {
        b.membership(membership.group.clone(), membership.account.clone());
    }
    for group in source.groups.iter().rev() {
        b.group(group.name.clone());
    }
    for account in source.accounts.iter().rev() {
        b.account(Account::new(account.key.clone()));
        b.account(account.clone());
    }
    for warning in &source.warnings {
        b.warning(warning.clone());
    }
    let backward = to_json(&b.build(at()).unwrap());

    assert_eq!(forward, backward);
}

#[test]
fn groups_are_case_insensitive_and_the_first_spelling_wins() {
    let mut b = InventoryBuilder::new(jira_system(), scanned_as());
    b.account(Account::new("K1"))
        .account(Account::new("K2"))
        // Referenced before the group is known, in another spelling.
        .membership("JIRA-DEVELOPERS", "K1")
        .group("Jira-Developers")
        .group("jira-developers")
        .membership("jira-developers", "K1")
        .membership("Jira-Developers", "K2")
        .resource(Resource::new(&project("ENG"), None))
        .grant(project("ENG"), "BROWSE_PROJECTS", group("jira-DEVELOPERS"))
        .grant(project("ENG"), "BROWSE_PROJECTS", group("Jira-Developers"));

    assert!(b.has_group("JIRA-developers"));
    assert_eq!(
        b.canonical_group("jira-developers"),
        Some("Jira-Developers")
    );
    assert!(!b.has_group("developers"));
    assert!(b.has_account("K1"));
    assert!(!b.has_account("k1"), "account keys are exact");

    let inventory = b.build(at()).unwrap();
    assert_eq!(inventory.groups, [Group::new("Jira-Developers")]);
    assert_eq!(
        inventory.memberships,
        [
            Membership::new("Jira-Developers", "K1"),
            Membership::new("Jira-Developers", "K2"),
        ]
    );
    assert_eq!(
        inventory.grants,
        [Grant::new(
            &project("ENG"),
            "BROWSE_PROJECTS",
            &group("Jira-Developers")
        )]
    );
}

#[test]
fn dangling_references_are_reported_not_dropped() {
    let mut b = InventoryBuilder::new(jira_system(), scanned_as());
    b.account(Account::new("K1"))
        .group("developers")
        .resource(Resource::new(&project("ENG"), None))
        .membership("developers", "GHOST")
        .membership("ghosts", "K1")
        .grant(project("ENG"), "BROWSE_PROJECTS", group("nobody"))
        .grant(project("NOPE"), "BROWSE_PROJECTS", group("developers"))
        .grant(
            project("ENG"),
            "ADMINISTER_PROJECTS",
            Subject::Account("K9".to_owned()),
        )
        // Fine: roles and applications are not records of their own.
        .grant(
            project("ENG"),
            "BROWSE_PROJECTS",
            Subject::Role("Users".to_owned()),
        );

    let error = b.build(at()).unwrap_err();
    let found = violations(&error);
    assert_eq!(
        found,
        [
            Violation::UnknownAccount {
                account: "GHOST".to_owned(),
                referrer: "membership of `GHOST` in `developers`".to_owned(),
            },
            Violation::UnknownGroup {
                group: "ghosts".to_owned(),
                referrer: "membership of `K1` in `ghosts`".to_owned(),
            },
            Violation::UnknownAccount {
                account: "K9".to_owned(),
                referrer: "grant (`project:ENG`, `ADMINISTER_PROJECTS`, `account:K9`)".to_owned(),
            },
            Violation::UnknownGroup {
                group: "nobody".to_owned(),
                referrer: "grant (`project:ENG`, `BROWSE_PROJECTS`, `group:nobody`)".to_owned(),
            },
            Violation::UnknownResource {
                resource: "project:NOPE".to_owned(),
                referrer: "grant (`project:NOPE`, `BROWSE_PROJECTS`, `group:developers`)"
                    .to_owned(),
            },
        ]
    );
    let message = error.to_string();
    assert!(
        message.starts_with("the inventory breaks 5 rule(s): "),
        "{message}"
    );
    assert!(
        message.contains("membership of `GHOST` in `developers` names unknown account `GHOST`"),
        "{message}"
    );
}

#[test]
fn many_violations_are_summarised_with_a_count() {
    let mut b = InventoryBuilder::new(jira_system(), scanned_as());
    b.group("g");
    for n in 0..8 {
        b.membership("g", format!("K{n}"));
    }
    let error = b.build(at()).unwrap_err();
    let InventoryError::Invalid { total, .. } = &error else {
        panic!("{error:?}");
    };
    assert_eq!(*total, 8);
    let message = error.to_string();
    assert!(
        message.starts_with("the inventory breaks 8 rule(s): "),
        "{message}"
    );
    assert!(message.ends_with("; and 3 more"), "{message}");
    assert_eq!(
        message.matches("names unknown account").count(),
        5,
        "{message}"
    );
}

#[test]
fn malformed_records_are_reported() {
    let mut system = jira_system();
    system.base_url = "https://jira.example.com/".to_owned();
    let mut b = InventoryBuilder::new(system, scanned_as());
    b.account(Account::new(""))
        .group("")
        .resource(Resource {
            reference: "project:ENG".to_owned(),
            resource_type: atlassian_core::ResourceType::Space,
            key: "ENG".to_owned(),
            name: None,
            archived: None,
        })
        .grant(project("ENG"), "", Subject::Anonymous);
    let error = b.build(at()).unwrap_err();
    let records: Vec<String> = violations(&error)
        .into_iter()
        .map(|violation| match violation {
            Violation::InvalidRecord { record, .. } => record,
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(
        records,
        [
            "account \"\"",
            "group \"\"",
            "resource `project:ENG`",
            "grant (`project:ENG`, ``, `anonymous`)",
            "system.base_url `https://jira.example.com/`",
        ]
    );
}

#[test]
fn system_resource_is_added_only_for_system_grants() {
    let mut b = InventoryBuilder::new(confluence_system(), scanned_as());
    b.group("confluence-administrators").grant(
        ResourceRef::System,
        "system:administer",
        group("confluence-administrators"),
    );
    let inventory = b.build(at()).unwrap();
    assert_eq!(
        serde_json::to_value(&inventory.resources).unwrap(),
        json!([{"ref": "system", "type": "system", "key": "system", "name": null}])
    );

    let mut b = InventoryBuilder::new(confluence_system(), scanned_as());
    b.resource(Resource::new(&space("DOC"), None)).grant(
        space("DOC"),
        "space:read",
        Subject::Anonymous,
    );
    let inventory = b.build(at()).unwrap();
    assert_eq!(inventory.resources, [Resource::new(&space("DOC"), None)]);
}

#[test]
fn generated_at_is_whole_seconds_utc() {
    let b = InventoryBuilder::new(jira_system(), scanned_as());
    let inventory = b
        .build("2026-11-29T04:00:00.5+01:00".parse().unwrap())
        .unwrap();
    assert_eq!(inventory.generated_at, at());
    assert!(to_json(&inventory).contains("\"generated_at\": \"2026-11-29T03:00:00Z\""));
}

// ---------------------------------------------------------------- schema

#[test]
fn jira_inventory_validates_against_the_schema() {
    let document: Value = serde_json::from_str(&to_json(&jira_inventory())).unwrap();
    assert_eq!(schema_errors(&document), Vec::<String>::new());
    // The fixture really exercises every subject kind.
    let subjects: Vec<&str> = document["grants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|grant| grant["subject"].as_str().unwrap())
        .collect();
    for prefix in [
        "account:",
        "group:",
        "role:",
        "application:",
        "anonymous",
        "authenticated",
        "special:",
    ] {
        assert!(subjects.iter().any(|s| s.starts_with(prefix)), "{prefix}");
    }
}

#[test]
fn confluence_inventory_validates_against_the_schema() {
    let inventory = confluence_inventory();
    assert!(inventory.resources.iter().any(|r| r.reference == "system"));
    let document: Value = serde_json::from_str(&to_json(&inventory)).unwrap();
    assert_eq!(schema_errors(&document), Vec::<String>::new());
    assert_eq!(document["accounts"][0]["email"], Value::Null);
    assert_eq!(document["accounts"][0]["active"], Value::Null);
    assert!(document["grants"].as_array().unwrap().contains(
        &json!({"resource": "system", "permission": "system:administer",
                              "subject": "group:confluence-administrators"})
    ));
}

#[test]
fn schema_validator_rejects_broken_documents() {
    let good: Value = serde_json::from_str(&to_json(&jira_inventory())).unwrap();
    assert!(schema_validator().is_valid(&good));

    type Breakage = (&'static str, fn(&mut Value));
    let breakages: [Breakage; 6] = [
        ("account without email", |d| {
            d["accounts"][0].as_object_mut().unwrap().remove("email");
        }),
        ("empty email", |d| d["accounts"][0]["email"] = json!("")),
        ("bad subject", |d| {
            d["grants"][0]["subject"] = json!("user:alice")
        }),
        ("bad resource ref", |d| {
            d["resources"][0]["ref"] = json!("ENG");
        }),
        ("trailing slash", |d| {
            d["system"]["base_url"] = json!("https://jira.example.com/");
        }),
        ("other schema", |d| {
            d["schema"] = json!("atlassian-dc-inventory/v2")
        }),
    ];
    for (what, breakage) in breakages {
        let mut broken = good.clone();
        breakage(&mut broken);
        assert!(!schema_validator().is_valid(&broken), "{what} was accepted");
    }
}

// ---------------------------------------------------------------- JSON reading

#[test]
fn json_round_trips() {
    for inventory in [jira_inventory(), confluence_inventory()] {
        let text = to_json(&inventory);
        assert_eq!(Inventory::read_json(text.as_bytes()).unwrap(), inventory);
        assert_eq!(Inventory::read_auto(text.as_bytes()).unwrap(), inventory);
    }
}

#[test]
fn json_read_errors_name_the_path() {
    let mut document: Value = serde_json::from_str(&to_json(&jira_inventory())).unwrap();
    document["accounts"][2]["active"] = json!("yes");
    let error = Inventory::read_json(document.to_string().as_bytes()).unwrap_err();
    let InventoryError::Json { path, .. } = &error else {
        panic!("{error:?}");
    };
    assert_eq!(path, "accounts[2].active");
    assert_eq!(
        error.to_string(),
        "the inventory JSON does not decode at `accounts[2].active`"
    );
}

#[test]
fn json_reading_checks_schema_and_references() {
    let mut document: Value = serde_json::from_str(&to_json(&jira_inventory())).unwrap();
    document["schema"] = json!("atlassian-dc-inventory/v2");
    let error = Inventory::read_json(document.to_string().as_bytes()).unwrap_err();
    assert!(
        matches!(&error, InventoryError::UnsupportedSchema { found } if found == "atlassian-dc-inventory/v2"),
        "{error:?}"
    );

    let mut document: Value = serde_json::from_str(&to_json(&confluence_inventory())).unwrap();
    // Drop the `system` resource: the reader must not mend it.
    let resources = document["resources"].as_array_mut().unwrap();
    resources.retain(|resource| resource["ref"] != "system");
    let error = Inventory::read_json(document.to_string().as_bytes()).unwrap_err();
    assert_eq!(
        violations(&error),
        [Violation::UnknownResource {
            resource: "system".to_owned(),
            referrer: "grant (`system`, `system:administer`, `group:confluence-administrators`)"
                .to_owned(),
        }]
    );
}

// ---------------------------------------------------------------- NDJSON

#[test]
fn ndjson_round_trips_with_header_first_and_trailer_last() {
    for inventory in [jira_inventory(), confluence_inventory()] {
        let text = to_ndjson(&inventory);
        let lines: Vec<Value> = text
            .lines()
            .map(|line| serde_json::from_str(line).unwrap())
            .collect();
        let counts = inventory.counts();
        let records = counts.accounts
            + counts.groups
            + counts.memberships
            + counts.resources
            + counts.grants
            + counts.coverage;
        assert_eq!(lines.len(), records + 2);

        let header = &lines[0];
        assert_eq!(header["kind"], "header");
        assert_eq!(header["schema"], SCHEMA_ID);
        assert_eq!(header["generated_at"], "2026-11-29T03:00:00Z");
        assert_eq!(
            header["system"],
            serde_json::to_value(&inventory.system).unwrap()
        );
        assert!(text.starts_with(r#"{"kind":"header","schema":"atlassian-dc-inventory/v1","#));

        let trailer = lines.last().unwrap();
        assert_eq!(trailer["kind"], "trailer");
        assert_eq!(trailer["warnings"], json!(inventory.warnings));
        assert_eq!(
            trailer["counts"],
            json!({"accounts": counts.accounts, "groups": counts.groups,
                   "memberships": counts.memberships, "resources": counts.resources,
                   "grants": counts.grants, "coverage": counts.coverage})
        );
        // Coverage directly before the trailer.
        let kinds: Vec<&str> = lines.iter().map(|l| l["kind"].as_str().unwrap()).collect();
        let first_coverage = kinds.iter().position(|k| *k == "coverage").unwrap();
        assert!(
            kinds[first_coverage..kinds.len() - 1]
                .iter()
                .all(|k| *k == "coverage")
        );
        assert_eq!(lines[1]["kind"], "account");
        assert_eq!(lines[1], {
            let mut account = serde_json::to_value(&inventory.accounts[0]).unwrap();
            account["kind"] = json!("account");
            account
        });

        assert_eq!(Inventory::read_ndjson(text.as_bytes()).unwrap(), inventory);
        assert_eq!(Inventory::read_auto(text.as_bytes()).unwrap(), inventory);
    }
}

#[test]
fn streamed_records_in_any_order_read_back_as_the_built_inventory() {
    let built = jira_inventory();
    let mut writer = NdjsonWriter::new(Vec::new(), &built.header()).unwrap();
    // Interleaved kinds, reversed order, repeats: the reader sorts and de-duplicates.
    writer.coverage(Coverage::incomplete("accounts", None, "replaced below"));
    for grant in built.grants.iter().rev() {
        writer.grant(grant).unwrap();
    }
    for (account, membership) in built.accounts.iter().zip(built.memberships.iter().rev()) {
        writer.account(account).unwrap();
        writer.membership(membership).unwrap();
        writer.membership(membership).unwrap();
    }
    for resource in &built.resources {
        writer.resource(resource).unwrap();
    }
    for group in built.groups.iter().rev() {
        writer.group(group).unwrap();
    }
    for coverage in &built.coverage {
        writer.coverage(coverage.clone());
    }
    for warning in built.warnings.iter().chain(&built.warnings) {
        writer.warning(warning.clone());
    }
    assert_eq!(writer.counts().memberships, 8);
    let bytes = writer.finish().unwrap();

    assert_eq!(Inventory::read_ndjson(bytes.as_slice()).unwrap(), built);
}

#[test]
fn ndjson_without_trailer_or_header_is_incomplete() {
    let text = to_ndjson(&jira_inventory());
    let lines: Vec<&str> = text.lines().collect();

    let without_trailer = lines[..lines.len() - 1].join("\n");
    let error = Inventory::read_ndjson(without_trailer.as_bytes()).unwrap_err();
    assert!(error.is_incomplete(), "{error:?}");
    assert_eq!(
        error.to_string(),
        format!(
            "the NDJSON inventory is incomplete: there is no trailer; the stream ends at line {}",
            lines.len() - 1
        )
    );
    // `read_auto` must not take a cut stream for something else.
    assert!(
        Inventory::read_auto(without_trailer.as_bytes())
            .unwrap_err()
            .is_incomplete()
    );

    let without_header = lines[1..].join("\n");
    let error = Inventory::read_ndjson(without_header.as_bytes()).unwrap_err();
    assert!(error.is_incomplete(), "{error:?}");

    assert!(
        Inventory::read_ndjson(&b""[..])
            .unwrap_err()
            .is_incomplete()
    );
}

#[test]
fn ndjson_counts_must_match_the_trailer() {
    let text = to_ndjson(&jira_inventory());
    let mut lines: Vec<&str> = text.lines().collect();
    let grant = lines
        .iter()
        .position(|l| l.contains(r#""kind":"grant""#))
        .unwrap();
    lines.remove(grant);
    let error = Inventory::read_ndjson(lines.join("\n").as_bytes()).unwrap_err();
    assert!(
        matches!(
            error,
            InventoryError::CountMismatch {
                kind: "grants",
                expected: 11,
                found: 10
            }
        ),
        "{error:?}"
    );
}

#[test]
fn ndjson_errors_name_the_line() {
    let text = to_ndjson(&jira_inventory());
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    lines[2] = lines[2].replace(r#""active":true"#, r#""active":"yes""#);
    let error = Inventory::read_ndjson(lines.join("\n").as_bytes()).unwrap_err();
    assert_eq!(
        error.to_string(),
        "NDJSON line 3: invalid `account` record at `active`"
    );

    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    lines[4] = r#"{"kind":"ticket","id":1}"#.to_owned();
    let error = Inventory::read_ndjson(lines.join("\n").as_bytes()).unwrap_err();
    assert_eq!(error.to_string(), "NDJSON line 5: unknown kind `ticket`");

    let with_tail = format!("{text}{}\n", r#"{"kind":"account","key":"late"}"#);
    let error = Inventory::read_ndjson(with_tail.as_bytes()).unwrap_err();
    assert!(
        error.to_string().ends_with("a line follows the trailer"),
        "{error}"
    );
}

#[test]
fn read_auto_rejects_what_is_neither_form() {
    for input in [&b""[..], b"   \n", b"[1,2]", b"account,group\n"] {
        let error = Inventory::read_auto(input).unwrap_err();
        assert!(matches!(error, InventoryError::UnknownFormat), "{error:?}");
    }
}

#[test]
fn ndjson_header_matches_the_inventory() {
    let inventory = confluence_inventory();
    assert_eq!(
        inventory.header(),
        Header {
            generated_at: at(),
            generator: generator(),
            system: confluence_system(),
            scanned_as: inventory.scanned_as.clone(),
        }
    );
}

// ---------------------------------------------------------------- AtomicFile

#[test]
fn atomic_file_commit_replaces_the_target() {
    let folder = tempfile::tempdir().unwrap();
    let target = folder.path().join("inventory.json");
    fs::write(&target, "old").unwrap();

    let inventory = jira_inventory();
    let mut file = AtomicFile::create(&target).unwrap();
    assert_eq!(file.target(), target);
    inventory.write_json(&mut file).unwrap();
    assert_eq!(
        fs::read_to_string(&target).unwrap(),
        "old",
        "replaced before commit"
    );
    file.commit().unwrap();

    assert_eq!(fs::read_to_string(&target).unwrap(), to_json(&inventory));
    let names: Vec<_> = fs::read_dir(folder.path())
        .unwrap()
        .map(|entry| entry.unwrap().file_name())
        .collect();
    assert_eq!(names, ["inventory.json"]);
}

#[test]
fn atomic_file_dropped_without_commit_leaves_the_target_alone() {
    let folder = tempfile::tempdir().unwrap();
    let target = folder.path().join("inventory.ndjson");
    let old = to_ndjson(&confluence_inventory());
    fs::write(&target, &old).unwrap();

    {
        let mut file = AtomicFile::create(&target).unwrap();
        jira_inventory().write_ndjson(&mut file).unwrap();
        // The temporary file sits next to the target.
        assert_eq!(fs::read_dir(folder.path()).unwrap().count(), 2);
    }

    assert_eq!(fs::read(&target).unwrap(), old.as_bytes());
    assert_eq!(fs::read_dir(folder.path()).unwrap().count(), 1);
}

#[test]
fn atomic_file_errors_name_the_target() {
    let folder = tempfile::tempdir().unwrap();
    let target = folder.path().join("missing-folder").join("inventory.json");
    let error = AtomicFile::create(&target).unwrap_err();
    assert!(matches!(error, InventoryError::File { .. }), "{error:?}");
    assert!(
        error.to_string().contains(&target.display().to_string()),
        "{error}"
    );
}

#[test]
fn streamed_memberships_go_to_the_sink_checked_and_canonical() {
    let system = System {
        product: Product::Jira,
        base_url: "https://jira.example.com".into(),
        version: "9.12.2".into(),
        title: None,
        instance_id: None,
    };
    let scanned_as = ScannedAs {
        key: "K1".into(),
        username: "svc".into(),
    };
    let mut sink = atlassian_core::inventory::CollectSink::new();
    let mut b = atlassian_core::scan::begin_inventory(system, scanned_as, &mut sink).unwrap();
    b.account(Account::new("K1"));
    b.group("Developers");
    b.stream_membership("developers", "K1", &mut sink).unwrap();
    b.stream_membership("unknown-group", "K1", &mut sink)
        .unwrap();
    b.stream_membership("Developers", "NOBODY", &mut sink)
        .unwrap();
    assert_eq!(b.counts().memberships, 1);
    let err = b.build_into(&mut sink).unwrap_err().to_string();
    assert!(
        err.contains("unknown-group") && err.contains("NOBODY"),
        "{err}"
    );
    assert!(!sink.is_finished(), "a refused inventory reached finish");
}

/// Streaming memberships and sending the rest at the end gives, through either sink, the
/// inventory that holding everything gives.
#[test]
fn build_into_a_sink_gives_what_build_gives() {
    let system = System {
        product: Product::Confluence,
        base_url: "https://wiki.example.com".into(),
        version: "9.2.1".into(),
        title: Some("Wiki".into()),
        instance_id: None,
    };
    let scanned_as = ScannedAs {
        key: "k-admin".into(),
        username: "admin".into(),
    };
    let fill = |b: &mut InventoryBuilder| {
        for key in ["k-admin", "k-zoe", "k-al"] {
            b.account(Account::new(key));
        }
        b.group("Writers").group("admins");
        b.resource(
            Resource::new(
                &ResourceRef::Space("ENG".into()),
                Some("Engineering".into()),
            )
            .with_archived(false),
        );
        b.grant(
            ResourceRef::Space("ENG".into()),
            "space:view",
            Subject::Group("writers".into()),
        );
        b.coverage(Coverage::complete("accounts", "test"));
        b.warning("one warning");
    };
    let members = [
        ("writers", "k-zoe"),
        ("Writers", "k-al"),
        ("admins", "k-admin"),
    ];

    let mut held = InventoryBuilder::new(system.clone(), scanned_as.clone());
    fill(&mut held);
    for (g, a) in members {
        held.membership(g, a);
    }
    let expected = held.build(jiff::Timestamp::UNIX_EPOCH).unwrap();

    let mut collect = atlassian_core::inventory::CollectSink::new();
    let mut ndjson = atlassian_core::inventory::NdjsonSink::new(Vec::new());
    for sink in [
        &mut collect as &mut dyn atlassian_core::inventory::InventorySink,
        &mut ndjson,
    ] {
        let mut b = atlassian_core::scan::begin_inventory(system.clone(), scanned_as.clone(), sink)
            .unwrap();
        fill(&mut b);
        for (g, a) in members {
            b.stream_membership(g, a, sink).unwrap();
        }
        let summary = b.build_into(sink).unwrap();
        assert_eq!(summary.counts, expected.counts());
        assert_eq!(summary.coverage, expected.coverage);
        assert_eq!(summary.warnings, expected.warnings);
    }
    let same = |got: Inventory| {
        assert_eq!(got.accounts, expected.accounts);
        assert_eq!(got.groups, expected.groups);
        assert_eq!(got.memberships, expected.memberships);
        assert_eq!(got.resources, expected.resources);
        assert_eq!(got.grants, expected.grants);
        assert_eq!(got.coverage, expected.coverage);
        assert_eq!(got.warnings, expected.warnings);
    };
    same(collect.into_inventory().unwrap());
    let bytes = ndjson.into_finished().expect("finished");
    same(Inventory::read_auto(&bytes).unwrap());
}

/// `last_login` is written where known, absent where not (documents of servers that never say
/// are unchanged), valid against the schema, and read back from both forms.
#[test]
fn last_login_is_optional_and_round_trips() {
    let mut inventory = jira_inventory();
    let without = to_json(&inventory);
    assert!(!without.contains("last_login"));
    inventory.accounts[0].last_login = Some("2026-11-02T08:15:30Z".into());
    let with = to_json(&inventory);
    assert_eq!(with.matches("\"last_login\"").count(), 1);
    let document: Value = serde_json::from_str(&with).unwrap();
    assert_eq!(schema_errors(&document), Vec::<String>::new());
    assert_eq!(Inventory::read_json(with.as_bytes()).unwrap(), inventory);
    let mut ndjson = Vec::new();
    inventory.write_ndjson(&mut ndjson).unwrap();
    assert_eq!(Inventory::read_auto(&ndjson).unwrap(), inventory);
    let mut broken = document.clone();
    broken["accounts"][0]["last_login"] = json!("last tuesday");
    assert!(
        !schema_errors(&broken).is_empty(),
        "a non-date passes the schema"
    );
}
