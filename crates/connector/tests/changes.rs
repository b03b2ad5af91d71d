//! `diff --explain`: on two inventories around a known set of changes, every gained and lost
//! row is attributed to those changes and to nothing else, and the rows counted are exactly the
//! rows that differ (computed from every row of both inventories).

use std::collections::BTreeSet;

use atlassian_core::access::AccessIndex;
use atlassian_core::{Account, Grant, Inventory, Membership};
use connector::changes::explain_changes;
use dc_sim::dataset::resolve_version;
use dc_sim::{Product, Scale, generate};

fn truth(product: Product) -> Inventory {
    let version = if product == Product::Jira {
        "9.12"
    } else {
        "9.2"
    };
    dc_sim::truth::ground_truth(
        &generate(product, Scale::TINY, 21),
        resolve_version(product, version).unwrap(),
        "https://sim.invalid",
    )
}

fn all_rows(inv: &Inventory) -> BTreeSet<(String, String, String)> {
    let index = AccessIndex::new(inv);
    index
        .rows(false)
        .map(|r| {
            let r = r.unwrap();
            (
                r.principal.account().unwrap().key.clone(),
                r.resource.to_owned(),
                r.permission.to_owned(),
            )
        })
        .collect()
}

#[test]
fn every_changed_row_is_attributed_to_the_changes_made_and_nothing_else() {
    for product in [Product::Jira, Product::Confluence] {
        let old = truth(product);
        let mut new = old.clone();
        // The known changes.
        let resource = new
            .resources
            .iter()
            .find(|r| r.reference.starts_with("project:") || r.reference.starts_with("space:"))
            .unwrap()
            .reference
            .clone();
        let group = new.groups[3].name.clone();
        let added = Grant {
            resource: resource.clone(),
            permission: "NEW_PERMISSION".into(),
            subject: format!("group:{group}"),
        };
        new.grants.push(added.clone());
        let removed = new.memberships.remove(5);
        let revoked = new
            .grants
            .iter()
            .position(|g| g.subject.starts_with("group:") && g.resource != resource)
            .unwrap();
        // Every grant of one (resource, permission): its rows are surely lost.
        let revoked = new.grants[revoked].clone();
        new.grants
            .retain(|g| (&g.resource, &g.permission) != (&revoked.resource, &revoked.permission));
        let mut newcomer = Account::new("K-NEW");
        newcomer.username = Some("newcomer".into());
        newcomer.active = Some(true);
        new.accounts.push(newcomer);
        new.memberships
            .push(Membership::new(group.clone(), "K-NEW"));
        let deactivated = new
            .accounts
            .iter()
            .position(|a| {
                a.active == Some(true) && new.memberships.iter().any(|m| m.account == a.key)
            })
            .unwrap();
        new.accounts[deactivated].active = Some(false);

        let explained = explain_changes(&old, &new).unwrap();
        let (before, after) = (all_rows(&old), all_rows(&new));
        assert_eq!(
            explained.rows_gained,
            after.difference(&before).count(),
            "{product}"
        );
        assert_eq!(
            explained.rows_lost,
            before.difference(&after).count(),
            "{product}"
        );
        assert!(
            explained.rows_gained > 0 && explained.rows_lost > 0,
            "{product}"
        );

        let allowed = [
            format!(
                "{} granted {} on {}",
                added.subject, added.permission, added.resource
            ),
            format!("revoked {} on {}", revoked.permission, revoked.resource),
            format!("removed from group {}", removed.group),
            format!("added to group {group}"),
            "accounts added".to_owned(),
            format!(
                "{} deactivated",
                new.accounts[deactivated].username.as_deref().unwrap()
            ),
        ];
        for change in &explained.changes {
            assert!(
                allowed.iter().any(|a| change.change.contains(a.as_str())),
                "{product}: {} is not one of the changes made",
                change.change
            );
        }
        let named = |text: &str| explained.changes.iter().any(|c| c.change.contains(text));
        assert!(named(&allowed[0]), "{product}: the added grant");
        assert!(
            named(&allowed[3]) || named(&allowed[4]),
            "{product}: the newcomer"
        );
        assert!(named(&allowed[5]), "{product}: the deactivation");
        // Largest and most privileged first.
        for pair in explained.changes.windows(2) {
            assert!(
                (pair[0].administrative, pair[0].rows) >= (pair[1].administrative, pair[1].rows),
                "{product}: out of order"
            );
        }
    }
}

#[test]
fn two_equal_inventories_explain_nothing() {
    let inv = truth(Product::Jira);
    let explained = explain_changes(&inv, &inv).unwrap();
    assert_eq!((explained.rows_gained, explained.rows_lost), (0, 0));
    assert!(explained.changes.is_empty());
}
