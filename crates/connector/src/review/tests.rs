//! Each finding on a `dc-sim` ground truth with its situation seeded, and without it, so that
//! every test can fail both ways.

use super::*;
use atlassian_core::{Account, Coverage, Grant, Group, Membership};
use dc_sim::dataset::resolve_version;
use dc_sim::{Product, Scale, generate};

fn truth(product: Product) -> Inventory {
    let version = match product {
        Product::Jira => "9.12",
        Product::Confluence => "9.2",
    };
    dc_sim::truth::ground_truth(
        &generate(product, Scale::TINY, 11),
        resolve_version(product, version).unwrap(),
        "https://sim.invalid",
    )
}

fn finding(inventory: &Inventory, id: &str) -> Finding {
    let index = AccessIndex::new(inventory);
    let findings = review(inventory, &index, &ReviewOptions::default()).unwrap();
    assert_eq!(
        findings.findings[0].id, "incomplete-coverage",
        "coverage first"
    );
    findings
        .findings
        .into_iter()
        .find(|f| f.id == id)
        .unwrap_or_else(|| panic!("no finding {id}"))
}

fn grant(resource: &str, permission: &str, subject: &str) -> Grant {
    Grant {
        resource: resource.into(),
        permission: permission.into(),
        subject: subject.into(),
    }
}

#[test]
fn incomplete_coverage_comes_first_and_names_the_collection() {
    let mut inv = truth(Product::Jira);
    assert_eq!(finding(&inv, "incomplete-coverage").count, 0);
    inv.coverage[0] = Coverage::incomplete(inv.coverage[0].collection.clone(), None, "cut");
    let f = finding(&inv, "incomplete-coverage");
    assert_eq!((f.count, f.severity), (1, Severity::High));
    assert_eq!(f.items[0].detail.as_deref(), Some("cut"));
}

#[test]
fn anonymous_access_is_found_with_its_path() {
    let mut inv = truth(Product::Confluence);
    inv.grants.retain(|g| g.subject != "anonymous");
    assert_eq!(finding(&inv, "anonymous-access").count, 0);
    let space = inv
        .resources
        .iter()
        .find(|r| r.reference.starts_with("space:"))
        .unwrap();
    let reference = space.reference.clone();
    inv.grants
        .push(grant(&reference, "space:read", "anonymous"));
    let f = finding(&inv, "anonymous-access");
    assert_eq!((f.count, f.severity), (1, Severity::High));
    assert_eq!(f.items[0].label, format!("{reference} space:read"));
    assert_eq!(f.items[0].evidence[0].grants[0].subject, "anonymous");
    inv.grants
        .push(grant(&reference, "space:administer", "anonymous"));
    assert_eq!(
        finding(&inv, "anonymous-access").severity,
        Severity::Critical
    );
}

#[test]
fn administration_by_any_logged_in_user_or_a_huge_group_is_found() {
    let mut inv = truth(Product::Jira);
    let before = finding(&inv, "broad-administration");
    assert_eq!(before.count, 0, "{before:#?}");
    let project = inv
        .resources
        .iter()
        .find(|r| r.reference.starts_with("project:"))
        .unwrap();
    let reference = project.reference.clone();
    inv.grants
        .push(grant(&reference, "ADMINISTER_PROJECTS", "authenticated"));
    let f = finding(&inv, "broad-administration");
    assert_eq!(f.severity, Severity::Critical);
    assert!(f.count >= 1);
    assert!(
        f.items[0]
            .detail
            .as_deref()
            .unwrap()
            .contains("any logged-in user")
    );
    // A group holding every account.
    let mut inv = truth(Product::Jira);
    inv.groups.push(Group::new("everyone"));
    for a in &inv.accounts {
        inv.memberships
            .push(Membership::new("everyone", a.key.clone()));
    }
    inv.grants
        .push(grant(&reference, "ADMINISTER_PROJECTS", "group:everyone"));
    let f = finding(&inv, "broad-administration");
    assert_eq!(f.count, 1);
    assert!(
        f.items[0]
            .detail
            .as_deref()
            .unwrap()
            .contains(&inv.accounts.len().to_string())
    );
}

#[test]
fn administrators_are_counted_per_resource() {
    let mut inv = truth(Product::Confluence);
    let admins = inv
        .memberships
        .iter()
        .filter(|m| m.group == "confluence-administrators")
        .count();
    let f = finding(&inv, "administrators");
    assert!(
        f.title
            .starts_with(&format!("Administrators: {admins} instance-wide")),
        "{}",
        f.title
    );
    inv.grants.retain(|g| !is_administrative(&g.permission));
    let f = finding(&inv, "administrators");
    assert_eq!(f.count, 0);
}

#[test]
fn inactive_accounts_with_grants_are_found() {
    let mut inv = truth(Product::Jira);
    for a in &mut inv.accounts {
        a.active = Some(true);
    }
    assert_eq!(finding(&inv, "inactive-with-access").count, 0);
    let member = inv.memberships[0].account.clone();
    let group = inv.memberships[0].group.clone();
    inv.grants.push(grant(
        "project:PA",
        "BROWSE_PROJECTS",
        &format!("group:{group}"),
    ));
    inv.accounts
        .iter_mut()
        .find(|a| a.key == member)
        .unwrap()
        .active = Some(false);
    let f = finding(&inv, "inactive-with-access");
    assert!(f.count >= 1);
    assert!(f.items.iter().any(|i| {
        i.evidence
            .iter()
            .any(|e| e.group.as_deref() == Some(&group))
    }));
}

#[test]
fn housekeeping_findings_can_fail_both_ways() {
    let mut inv = truth(Product::Jira);
    inv.grants.retain(|g| !g.subject.starts_with("account:"));
    inv.accounts
        .iter_mut()
        .for_each(|a| a.email = Some(format!("{}@example.com", a.key)));
    inv.warnings.clear();
    let grouped: std::collections::BTreeSet<String> =
        inv.memberships.iter().map(|m| m.account.clone()).collect();
    inv.accounts.retain(|a| grouped.contains(&a.key));
    let with_members: std::collections::BTreeSet<String> = inv
        .memberships
        .iter()
        .map(|m| m.group.to_lowercase())
        .collect();
    inv.groups
        .retain(|g| with_members.contains(&g.name.to_lowercase()));
    inv.grants.retain(|g| {
        g.subject
            .strip_prefix("group:")
            .is_none_or(|n| with_members.contains(&n.to_lowercase()))
    });
    for id in [
        "account-grants",
        "empty-group-grants",
        "unused-groups",
        "ungrouped-accounts",
        "shared-email",
        "deleted-role-actors",
    ] {
        assert_eq!(finding(&inv, id).count, 0, "{id} before seeding");
    }

    let key = inv.accounts[0].key.clone();
    inv.grants.push(grant(
        "project:PA",
        "BROWSE_PROJECTS",
        &format!("account:{key}"),
    ));
    inv.groups.push(Group::new("ghosts"));
    inv.grants
        .push(grant("project:PA", "EDIT_ISSUES", "group:ghosts"));
    inv.groups.push(Group::new("forgotten"));
    let mut loner = Account::new("K-LONER");
    loner.username = Some("loner".into());
    inv.accounts.push(loner);
    inv.accounts[1].email = inv.accounts[0].email.clone().map(|e| e.to_uppercase());
    inv.warnings.push(
        "project PA: role \"Testers\" is held by a user deleted from the directory (X1); not listed"
            .into(),
    );
    let expect = [
        ("account-grants", "project:PA BROWSE_PROJECTS"),
        ("empty-group-grants", "project:PA EDIT_ISSUES"),
        ("unused-groups", "group forgotten"),
        ("ungrouped-accounts", "loner"),
        (
            "shared-email",
            &inv.accounts[0].email.clone().unwrap().to_lowercase(),
        ),
        ("deleted-role-actors", "project PA"),
    ];
    for (id, label) in expect {
        let f = finding(&inv, id);
        assert_eq!(f.count, 1, "{id}: {f:#?}");
        assert_eq!(f.items[0].label, label, "{id}");
        assert_ne!(f.severity, Severity::Info, "{id}");
    }
}

#[test]
fn dormancy_is_unknown_without_last_logins_and_found_with_them() {
    let mut inv = truth(Product::Confluence);
    inv.accounts.iter_mut().for_each(|a| a.last_login = None);
    let f = finding(&inv, "dormant-accounts");
    assert_eq!((f.count, f.severity), (0, Severity::Info));
    assert!(f.title.contains("unknown"));
    let at = inv.generated_at;
    let days_before = |days: i64| {
        Some(
            at.checked_sub(jiff::SignedDuration::from_hours(24 * days))
                .unwrap()
                .strftime("%Y-%m-%dT%H:%M:%SZ")
                .to_string(),
        )
    };
    for a in inv.accounts.iter_mut() {
        a.active = Some(true);
        a.last_login = days_before(3);
    }
    assert_eq!(finding(&inv, "dormant-accounts").count, 0, "all recent");
    inv.accounts[0].last_login = days_before(91);
    inv.accounts[1].last_login = days_before(400);
    inv.accounts[2].last_login = days_before(400);
    inv.accounts[2].active = Some(false);
    let f = finding(&inv, "dormant-accounts");
    assert_eq!((f.count, f.severity), (2, Severity::Medium), "{f:#?}");
    assert!(
        f.items[0].detail.as_deref().unwrap().contains("400 days"),
        "oldest first"
    );
}

#[test]
fn the_report_escapes_hostile_names_and_makes_no_request() {
    let mut inv = truth(Product::Jira);
    let hostile = "<img src=x onerror=alert(1)>\u{1b}[31m\u{202e}";
    inv.groups.push(Group::new(hostile));
    let index = AccessIndex::new(&inv);
    let findings = review(&inv, &index, &ReviewOptions::default()).unwrap();
    let page = html::render(&inv, &index, &findings).unwrap();
    assert!(!page.contains("<img"), "a name became markup");
    assert!(page.contains("&lt;img src=x onerror=alert(1)&gt;"));
    assert!(!page.contains('\u{1b}') && !page.contains('\u{202e}'));
    assert!(page.contains("Content-Security-Policy\" content=\"default-src 'none'"));
    for outside in ["http://", "https://", "src=", "<script", "<link"] {
        let hits: Vec<&str> = page.matches(outside).collect();
        let allowed = match outside {
            // The SVG namespace and the system's own base URL, as text.
            "http://" => page.matches("xmlns=\"http://www.w3.org/2000/svg\"").count(),
            "https://" => page.matches("https://sim.invalid").count(),
            // The hostile name, as text.
            "src=" => page.matches("&lt;img src=").count(),
            _ => 0,
        };
        assert_eq!(hits.len(), allowed, "{outside}");
    }
}

#[test]
fn the_findings_document_follows_its_schema() {
    let schema: serde_json::Value = serde_json::from_str(FINDINGS_SCHEMA).unwrap();
    let validator = jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .unwrap();
    for product in [Product::Jira, Product::Confluence] {
        let mut inv = truth(product);
        inv.coverage[0] = Coverage::incomplete(inv.coverage[0].collection.clone(), None, "cut");
        let index = AccessIndex::new(&inv);
        let mut findings = review(&inv, &index, &ReviewOptions::default()).unwrap();
        let mut old = inv.clone();
        old.grants.pop();
        old.accounts[0].active = Some(!old.accounts[0].active.unwrap_or(true));
        findings.since = Some(Since::between(&old, &inv).unwrap());
        assert!(!findings.since.as_ref().unwrap().changes.changes.is_empty());
        let page = html::render(&inv, &index, &findings).unwrap();
        assert!(page.contains("<h2>Changes since"));
        let value = serde_json::to_value(&findings).unwrap();
        let errors: Vec<String> = validator
            .iter_errors(&value)
            .map(|e| e.to_string())
            .collect();
        assert!(errors.is_empty(), "{product}: {errors:?}");
        assert_eq!(findings.findings.len(), 12);
    }
}
