use super::*;
use crate::model::test_user as user;

fn terms(users: &[User]) -> Terms {
    let mut t = Terms::default();
    for u in users {
        t.add(u);
    }
    t
}

#[test]
fn terms_count_distinct_accounts_over_all_fields() {
    let t = terms(&[
        user("alice", Some("alice@example.com"), "Alice Smith"),
        user("bob", Some("b.smith@example.com"), "Bob Smith"),
        user("carol", None, "Carol Alison"),
    ]);
    assert_eq!(
        t.count("ali", Status::Any),
        2,
        "alice (three fields, once) and carol's surname"
    );
    assert_eq!(t.count("smith", Status::Any), 2);
    assert_eq!(t.count("b", Status::Any), 1);
    assert_eq!(t.count("z", Status::Any), 0);
    assert_eq!(t.count("ali", Status::Inactive), 0, "both are active");
}

#[test]
fn children_follow_known_names_in_any_script() {
    let t = terms(&[
        user("100231", None, "Émile Ørsted"),
        user("100299", None, "李 小龙"),
        user("ørjan", None, "Ørjan Å"),
    ]);
    assert_eq!(t.followers("1002"), BTreeSet::from(['3', '9']));
    assert_eq!(t.followers("ø"), BTreeSet::from(['r']));
    assert_eq!(t.followers("é"), BTreeSet::from(['m']), "Émile");
    assert!(t.firsts().contains(&'李'));
    assert!(t.firsts().contains(&'é'));
}
