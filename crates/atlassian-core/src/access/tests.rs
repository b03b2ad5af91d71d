use super::*;
use crate::inventory::{
    Account, Coverage, Grant, Group, Inventory, InventoryBuilder, Membership, Product, Resource,
    ResourceRef, ScannedAs, Subject, System,
};

fn system() -> System {
    System {
        product: Product::Jira,
        base_url: "https://jira.example.com".into(),
        version: "9.12.2".into(),
        title: None,
        instance_id: None,
    }
}

fn account(key: &str, username: &str, active: bool) -> Account {
    let mut a = Account::new(key);
    a.username = Some(username.into());
    a.active = Some(active);
    a
}

/// ENG with role Developers held by alice directly and through two groups; BROWSE_PROJECTS to
/// the role; EDIT_ISSUES to the reporter; CREATE_ISSUES to any logged-in user; two
/// applications alice uses; anonymous BROWSE on PUB; bob inactive in one group.
fn inventory() -> Inventory {
    let mut b = InventoryBuilder::new(
        system(),
        ScannedAs {
            key: "K0".into(),
            username: "svc".into(),
        },
    );
    b.account(account("K0", "svc", true))
        .account(account("K1", "alice", true))
        .account(account("K2", "bob", false));
    b.group("eng-backend")
        .group("eng-frontend")
        .group("Jira-Users");
    b.membership("eng-backend", "K1")
        .membership("eng-frontend", "K1")
        .membership("jira-users", "K1")
        .membership("eng-backend", "K2");
    let eng = ResourceRef::Project("ENG".into());
    let public = ResourceRef::Project("PUB".into());
    let software = ResourceRef::Application("jira-software".into());
    let core = ResourceRef::Application("jira-core".into());
    for r in [&eng, &public, &software, &core] {
        b.resource(Resource::new(r, None));
    }
    let role = "role:Developers";
    b.grant(eng.clone(), role, Subject::Account("K1".into()))
        .grant(eng.clone(), role, Subject::Group("eng-backend".into()))
        .grant(eng.clone(), role, Subject::Group("eng-frontend".into()))
        .grant(
            eng.clone(),
            "BROWSE_PROJECTS",
            Subject::Role("Developers".into()),
        )
        .grant(
            eng.clone(),
            "EDIT_ISSUES",
            Subject::Special("reporter".into()),
        )
        .grant(eng.clone(), "CREATE_ISSUES", Subject::Authenticated)
        .grant(software.clone(), "use", Subject::Group("jira-users".into()))
        .grant(core.clone(), "use", Subject::Group("jira-users".into()))
        .grant(public.clone(), "BROWSE_PROJECTS", Subject::Anonymous);
    b.coverage(Coverage::complete("groups", "test"));
    b.coverage(Coverage::incomplete(
        "accounts",
        None,
        "the sweep proves nothing",
    ));
    b.build(jiff::Timestamp::UNIX_EPOCH).unwrap()
}

fn grants(path: &AccessPath<'_>) -> Vec<String> {
    path.grants
        .iter()
        .map(|g| format!("{} {} {}", g.resource, g.permission, g.subject))
        .collect()
}

#[test]
fn a_role_held_directly_and_through_two_groups_has_three_paths() {
    let inv = inventory();
    let index = AccessIndex::new(&inv);
    let alice = index.find_account("ALICE").unwrap();
    let row = index
        .row(alice, "project:ENG", "BROWSE_PROJECTS")
        .unwrap()
        .expect("alice browses ENG");
    assert_eq!(row.paths.len(), 3, "{row:#?}");
    // Sorted by grants: account:K1 < group:eng-backend < group:eng-frontend.
    assert_eq!(
        row.paths.iter().map(|p| p.group).collect::<Vec<_>>(),
        [None, Some("eng-backend"), Some("eng-frontend")]
    );
    assert_eq!(
        grants(&row.paths[1]),
        [
            "project:ENG role:Developers group:eng-backend",
            "project:ENG BROWSE_PROJECTS role:Developers"
        ]
    );
    // The role itself is a row too: a path's prefix confers its last grant.
    let role = index.row(alice, "project:ENG", "role:Developers").unwrap();
    assert_eq!(role.unwrap().paths.len(), 3);
}

#[test]
fn authenticated_is_reached_through_every_application() {
    let inv = inventory();
    let index = AccessIndex::new(&inv);
    let alice = index.find_account("K1").unwrap();
    let row = index
        .row(alice, "project:ENG", "CREATE_ISSUES")
        .unwrap()
        .unwrap();
    assert_eq!(row.paths.len(), 2);
    assert_eq!(
        grants(&row.paths[0]),
        [
            "application:jira-core use group:Jira-Users",
            "project:ENG CREATE_ISSUES authenticated"
        ]
    );
    assert_eq!(
        row.paths[0].group,
        Some("Jira-Users"),
        "the inventory's spelling"
    );
    // bob uses no application: not logged in to anything, no CREATE_ISSUES.
    let bob = index.find_account("bob").unwrap();
    assert!(
        index
            .row(bob, "project:ENG", "CREATE_ISSUES")
            .unwrap()
            .is_none()
    );
}

#[test]
fn anonymous_grants_reach_every_account_and_the_anonymous_principal() {
    let inv = inventory();
    let index = AccessIndex::new(&inv);
    let anonymous = index.rows_of_anonymous().unwrap();
    assert_eq!(anonymous.len(), 1);
    assert_eq!(anonymous[0].principal, Principal::Anonymous);
    assert_eq!(
        (anonymous[0].resource, anonymous[0].permission),
        ("project:PUB", "BROWSE_PROJECTS")
    );
    for who in ["svc", "alice", "bob"] {
        let a = index.find_account(who).unwrap();
        let row = index.row(a, "project:PUB", "BROWSE_PROJECTS").unwrap();
        assert_eq!(row.unwrap().paths[0].group, None, "{who}");
    }
}

#[test]
fn an_inactive_account_keeps_its_structural_rows() {
    let inv = inventory();
    let index = AccessIndex::new(&inv);
    let bob = index.find_account("bob").unwrap();
    let rows = index.rows_of_account(bob).unwrap();
    let held: Vec<(&str, &str)> = rows.iter().map(|r| (r.resource, r.permission)).collect();
    assert_eq!(
        held,
        [
            ("project:ENG", "BROWSE_PROJECTS"),
            ("project:ENG", "role:Developers"),
            ("project:PUB", "BROWSE_PROJECTS")
        ]
    );
    assert_eq!(rows[0].principal.account().unwrap().active, Some(false));
}

#[test]
fn special_subjects_are_conditional_and_confer_no_row() {
    let inv = inventory();
    let index = AccessIndex::new(&inv);
    for a in index.accounts() {
        assert!(
            index
                .row(a, "project:ENG", "EDIT_ISSUES")
                .unwrap()
                .is_none()
        );
    }
    let conditional: Vec<&Grant> = index.conditional(Some("project:ENG")).collect();
    assert_eq!(conditional.len(), 1);
    assert_eq!(conditional[0].subject, "special:reporter");
    assert_eq!(index.conditional(Some("project:PUB")).count(), 0);
}

#[test]
fn incomplete_coverage_is_carried() {
    let inv = inventory();
    let index = AccessIndex::new(&inv);
    let incomplete: Vec<&str> = index.incomplete().map(|c| c.collection.as_str()).collect();
    assert_eq!(incomplete, ["accounts"]);
}

#[test]
fn the_resource_walk_agrees_with_the_account_walk() {
    let inv = inventory();
    let index = AccessIndex::new(&inv);
    let mut by_account: Vec<AccessRow<'_>> = index.rows(true).map(Result::unwrap).collect();
    let mut by_resource = Vec::new();
    for r in &inv.resources {
        by_resource.extend(index.rows_of_resource(&r.reference, None, true).unwrap());
    }
    let key = |r: &AccessRow<'_>| {
        (
            r.principal.account().map(|a| a.key.clone()),
            r.resource.to_owned(),
            r.permission.to_owned(),
        )
    };
    by_account.sort_by_key(key);
    by_resource.sort_by_key(key);
    assert_eq!(by_account, by_resource);
    assert_eq!(
        by_account.len(),
        1 + 1 + 6 + 3,
        "anonymous, svc, alice, bob"
    );
    let one = index
        .rows_of_resource("project:ENG", Some("CREATE_ISSUES"), false)
        .unwrap();
    assert_eq!(one.len(), 1);
    assert_eq!(one[0].paths.len(), 2);
}

#[test]
fn group_names_compare_case_insensitively_even_in_a_hand_made_inventory() {
    // Not through the builder (which unifies spellings): the index must fold by itself.
    let mut inv = inventory();
    inv.memberships = vec![Membership::new("ENG-BACKEND", "K2")];
    inv.groups.push(Group::new("eng-BACKEND"));
    let index = AccessIndex::new(&inv);
    let bob = index.find_account("K2").unwrap();
    let row = index.row(bob, "project:ENG", "role:Developers").unwrap();
    assert_eq!(row.unwrap().paths.len(), 1);
}

#[test]
fn unknown_and_ambiguous_accounts_are_named() {
    let mut inv = inventory();
    inv.accounts.push(account("K9", "ALICE", true));
    let index = AccessIndex::new(&inv);
    assert_eq!(
        index.find_account("carol").unwrap_err(),
        AccessError::UnknownAccount("carol".into())
    );
    assert!(matches!(
        index.find_account("alice").unwrap_err(),
        AccessError::AmbiguousAccount { count: 2, .. }
    ));
    assert_eq!(index.find_account("K9").unwrap().key, "K9");
}

#[test]
fn a_hostile_chain_of_roles_is_refused_not_walked() {
    // 12 roles on one project, each granted to every other: 12! paths.
    let mut inv = inventory();
    for i in 0..12 {
        inv.grants.push(Grant {
            resource: "project:ENG".into(),
            permission: format!("role:R{i}"),
            subject: "group:eng-backend".into(),
        });
        for j in 0..12 {
            if i != j {
                inv.grants.push(Grant {
                    resource: "project:ENG".into(),
                    permission: format!("role:R{i}"),
                    subject: format!("role:R{j}"),
                });
            }
        }
    }
    let index = AccessIndex::new(&inv);
    let bob = index.find_account("bob").unwrap();
    assert!(matches!(
        index.rows_of_account(bob),
        Err(AccessError::TooManyPaths { .. })
    ));
    assert!(matches!(
        index.rows_of_resource("project:ENG", None, false),
        Err(AccessError::TooManyPaths { .. })
    ));
}

#[test]
fn the_three_forms_hold_the_same_rows() {
    let inv = inventory();
    let index = AccessIndex::new(&inv);
    let mut outputs = Vec::new();
    for format in [AccessFormat::Json, AccessFormat::Ndjson, AccessFormat::Csv] {
        let mut w = AccessWriter::start(Vec::new(), format, &index).unwrap();
        for row in index.rows(true) {
            w.row(&row.unwrap()).unwrap();
        }
        outputs.push(String::from_utf8(w.finish(index.conditional(None)).unwrap()).unwrap());
    }
    let json: serde_json::Value = serde_json::from_str(&outputs[0]).unwrap();
    assert_eq!(json["schema"], ACCESS_SCHEMA_ID);
    assert_eq!(json["incomplete"][0]["collection"], "accounts");
    assert_eq!(json["rows"].as_array().unwrap().len(), 11);
    assert_eq!(json["rows"][0]["account"], serde_json::Value::Null);
    assert_eq!(json["conditional"][0]["subject"], "special:reporter");
    let lines: Vec<serde_json::Value> = outputs[1]
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines[0]["kind"], "header");
    assert_eq!(lines.iter().filter(|l| l["kind"] == "row").count(), 11);
    assert_eq!(lines.last().unwrap()["rows"], 11);
    assert_eq!(lines[lines.len() - 2]["kind"], "conditional");
    // CSV: one line per path (alice's three + two + …), a header line first.
    let paths: usize = index.rows(true).map(|r| r.unwrap().paths.len()).sum();
    assert_eq!(outputs[2].lines().count(), 1 + paths);
    assert!(outputs[2].starts_with("account,username,active,resource,permission,group,path\r\n"));
    assert!(outputs[2].contains(
        "K1,alice,true,project:ENG,BROWSE_PROJECTS,eng-backend,project:ENG|role:Developers|group:eng-backend > project:ENG|BROWSE_PROJECTS|role:Developers\r\n"
    ));
}

#[test]
fn a_member_of_a_nested_group_holds_what_the_outer_group_holds() {
    // Jira reports nested-group members transitively: carol is in eng-frontend-contractors,
    // which is inside eng-frontend, so the inventory lists her in both.
    let mut inv = inventory();
    inv.accounts.push(account("K3", "carol", true));
    inv.groups.push(Group::new("eng-frontend-contractors"));
    inv.memberships
        .push(Membership::new("eng-frontend-contractors", "K3"));
    inv.memberships.push(Membership::new("eng-frontend", "K3"));
    let index = AccessIndex::new(&inv);
    let carol = index.find_account("carol").unwrap();
    let row = index
        .row(carol, "project:ENG", "BROWSE_PROJECTS")
        .unwrap()
        .expect("through the outer group");
    assert_eq!(row.paths.len(), 1);
    assert_eq!(row.paths[0].group, Some("eng-frontend"));
}
