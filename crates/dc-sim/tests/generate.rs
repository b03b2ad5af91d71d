//! The generator: deterministic, valid, with the awkward parts the issue lists, and a ground
//! truth that satisfies the inventory schema.

use dc_sim::dataset::{Actor, SpaceSubject, resolve_version};
use dc_sim::truth::ground_truth;
use dc_sim::{Product, Scale, generate};

fn schema_validator() -> jsonschema::Validator {
    let schema: serde_json::Value =
        serde_json::from_str(atlassian_core::inventory::INVENTORY_SCHEMA).unwrap();
    jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .unwrap()
}

#[test]
fn the_same_seed_gives_the_same_dataset_and_another_seed_another() {
    for product in [Product::Jira, Product::Confluence] {
        let a = generate(product, Scale::SMALL, 7);
        assert_eq!(a, generate(product, Scale::SMALL, 7));
        assert_ne!(a.users, generate(product, Scale::SMALL, 8).users);
        a.validate().unwrap();
    }
}

#[test]
fn jira_small_has_every_awkward_part() {
    let d = generate(Product::Jira, Scale::SMALL, 1);
    assert_eq!(d.users.len(), 2_500);
    assert!(d.users.iter().any(|u| !u.active), "inactive users");
    assert!(
        d.users
            .iter()
            .any(|u| !u.key.starts_with("JIRAUSER") && u.key != u.username.to_lowercase()),
        "renamed users"
    );
    assert!(d.users.iter().any(|u| u.email.is_none()), "hidden e-mails");
    let undotted = d.users.iter().filter(|u| {
        !u.username.contains('.')
            && !u.display_name.contains('.')
            && u.email.as_deref().is_none_or(|e| !e.contains('.'))
    });
    assert!(
        undotted.count() > 100,
        "users that `username=.` cannot find"
    );
    let in_a_group: std::collections::HashSet<u32> = d
        .groups
        .iter()
        .flat_map(|g| g.members.iter().copied())
        .collect();
    assert!(in_a_group.len() < d.users.len(), "users in no group");
    for c in [' ', '+', '&', '/', ':'] {
        assert!(
            d.groups.iter().any(|g| g.name.contains(c)),
            "a group name with {c:?}"
        );
    }
    assert!(
        d.groups.iter().any(|g| !g.name.is_ascii()),
        "a non-ASCII group name"
    );
    assert!(
        d.groups.iter().any(|g| !g.subgroups.is_empty()),
        "nested groups"
    );
    assert!(d.projects.iter().any(|p| p.archived), "archived projects");
    assert!(
        d.projects
            .iter()
            .flat_map(|p| &p.role_actors)
            .flat_map(|(_, a)| a)
            .any(|a| matches!(a, Actor::DeletedUser(_))),
        "a deleted user in a role"
    );
    let holders: std::collections::BTreeSet<(String, bool)> = d
        .permission_schemes
        .iter()
        .flat_map(|s| &s.grants)
        .map(|g| (g.holder.holder_type.clone(), g.holder.parameter.is_some()))
        .collect();
    for expected in [
        ("group", true),
        ("group", false),
        ("user", true),
        ("projectRole", true),
        ("applicationRole", true),
        ("applicationRole", false),
        ("anyone", false),
        ("reporter", false),
        ("assignee", false),
        ("projectLead", false),
        ("userCustomField", true),
        ("groupCustomField", true),
        ("sd.customer.portal.only", false),
    ] {
        assert!(
            holders.contains(&(expected.0.to_owned(), expected.1)),
            "holder {expected:?}"
        );
    }
}

#[test]
fn confluence_small_has_personal_archived_and_anonymous_spaces() {
    let d = generate(Product::Confluence, Scale::SMALL, 1);
    assert!(
        d.spaces
            .iter()
            .any(|s| s.personal && s.key.starts_with('~'))
    );
    assert!(d.spaces.iter().any(|s| s.archived));
    assert!(d.spaces.iter().any(|s| {
        s.permissions
            .iter()
            .any(|p| p.subject == SpaceSubject::Anonymous)
    }));
    assert!(
        d.groups
            .iter()
            .any(|g| g.name == "confluence-administrators" && g.members.contains(&0))
    );
    assert!(
        d.groups.iter().any(|g| g.name.contains('/')),
        "a group the member endpoint cannot serve"
    );
    assert!(d.groups.iter().all(|g| g.subgroups.is_empty()));
}

#[test]
fn ground_truths_validate_against_the_schema_and_follow_the_mapping() {
    let validator = schema_validator();
    for (product, versions) in [
        (Product::Jira, ["8.20", "9.12", "10.3", "11.3"]),
        (Product::Confluence, ["7.19", "8.5", "9.2", "10.2"]),
    ] {
        let d = generate(product, Scale::TINY, 3);
        for short in versions {
            let version = resolve_version(product, short).unwrap();
            let truth = ground_truth(&d, version, "https://sim.example.com/ctx");
            let mut json = Vec::new();
            truth.write_json(&mut json).unwrap();
            let value: serde_json::Value = serde_json::from_slice(&json).unwrap();
            let errors: Vec<String> = validator
                .iter_errors(&value)
                .map(|e| e.to_string())
                .collect();
            assert!(errors.is_empty(), "{product} {short}: {errors:?}");
            assert_eq!(truth.accounts.len(), d.users.len());
            assert!(truth.coverage.iter().all(|c| c.complete));
            match product {
                Product::Jira => {
                    // Nested groups: the parent lists its subgroups' members too.
                    let parent = d
                        .groups
                        .iter()
                        .position(|g| !g.subgroups.is_empty())
                        .unwrap();
                    let parent_name = &d.groups[parent].name;
                    let listed = truth
                        .memberships
                        .iter()
                        .filter(|m| &m.group == parent_name)
                        .count();
                    assert_eq!(listed, d.effective_members(parent as u32).len());
                    assert!(truth.grants.iter().any(|g| g.subject == "anonymous"));
                    assert!(truth.grants.iter().any(|g| g.subject == "authenticated"));
                    assert!(
                        truth
                            .grants
                            .iter()
                            .any(|g| g.subject.starts_with("special:userCustomField:"))
                    );
                    assert!(truth.grants.iter().any(|g| g.permission == "use"));
                    assert!(truth.accounts.iter().all(|a| a.active.is_some()));
                }
                Product::Confluence => {
                    assert!(truth.accounts.iter().all(|a| a.email.is_none()));
                    let status = short != "7.19";
                    assert!(
                        truth.accounts.iter().all(|a| a.active.is_some() == status),
                        "{short}"
                    );
                    assert!(truth.grants.iter().any(|g| g.resource == "system"
                        && g.permission == "system:administer"
                        && g.subject == "group:confluence-administrators"));
                    assert!(
                        truth
                            .grants
                            .iter()
                            .any(|g| g.subject == "anonymous" && g.permission == "space:read")
                    );
                }
            }
        }
    }
}

#[test]
fn the_large_scale_reaches_its_sizes() {
    // Medium only: large takes a few seconds more and proves nothing new here.
    let d = generate(Product::Jira, Scale::MEDIUM, 1);
    assert_eq!(d.users.len(), 50_000);
    assert_eq!(d.groups.len(), 3_000);
    assert_eq!(d.projects.len(), 800);
    let memberships: usize = d.groups.iter().map(|g| g.members.len()).sum();
    assert!((380_000..=400_000).contains(&memberships), "{memberships}");
}

/// The employee numbers of a dataset, in dataset order.
fn employee_numbers(d: &dc_sim::Dataset) -> Vec<u32> {
    d.users
        .iter()
        .filter_map(|u| u.username.parse::<u32>().ok())
        .collect()
}

/// The accounts only a complete sweep finds are there, as described, and nowhere but the user
/// list: no group, no role, no lead, no space permission.
fn assert_non_latin_accounts(d: &dc_sim::Dataset) {
    use dc_sim::generate::NON_LATIN;
    let by_name: std::collections::HashMap<&str, usize> = d
        .users
        .iter()
        .enumerate()
        .map(|(i, u)| (u.username.as_str(), i))
        .collect();
    let in_a_group: std::collections::HashSet<u32> = d
        .groups
        .iter()
        .flat_map(|g| g.members.iter().copied())
        .collect();
    let mut elsewhere: std::collections::HashSet<u32> = d
        .projects
        .iter()
        .flat_map(|p| {
            p.role_actors
                .iter()
                .flat_map(|(_, a)| a)
                .filter_map(|a| match a {
                    Actor::User(u) => Some(*u),
                    _ => None,
                })
                .chain([p.lead])
        })
        .collect();
    elsewhere.extend(d.spaces.iter().flat_map(|s| {
        s.permissions.iter().filter_map(|p| match p.subject {
            SpaceSubject::User(u) => Some(u),
            _ => None,
        })
    }));
    elsewhere.extend(d.tokens.iter().map(|t| t.owner));
    for (username, display_name, active) in NON_LATIN {
        let i = *by_name
            .get(username)
            .unwrap_or_else(|| panic!("{username} is missing"));
        let u = &d.users[i];
        assert_eq!(u.display_name, display_name);
        assert_eq!(u.active, active, "{username}");
        assert!(u.email.is_none(), "{username}: hidden e-mail");
        for name in [&u.username, &u.display_name] {
            let first = name.chars().next().unwrap();
            assert!(
                first.is_alphabetic() && !first.is_ascii(),
                "{name} begins with a letter outside a-z"
            );
            assert!(!name.contains('.'), "{name}: no dot");
        }
        assert!(
            !in_a_group.contains(&(i as u32)),
            "{username} is in a group"
        );
        assert!(
            !elsewhere.contains(&(i as u32)),
            "{username} is named outside the user list"
        );
    }
    assert!(
        NON_LATIN.iter().filter(|(_, _, active)| !active).count() >= 3,
        "inactive ones"
    );
}

#[test]
fn employees_5k_has_dense_employee_numbers_and_the_accounts_earlier_tools_missed() {
    let d = generate(Product::Jira, Scale::EMPLOYEES_5K, 1);
    assert_eq!(d, generate(Product::Jira, Scale::EMPLOYEES_5K, 1));
    d.validate().unwrap();
    assert_eq!(Scale::named("employees-5k"), Some(Scale::EMPLOYEES_5K));
    assert_eq!(d.users.len(), 5_012);
    assert_eq!(d.groups.len(), 60);
    assert_eq!(d.projects.len(), 40);
    assert_eq!(employee_numbers(&d), (100_000..104_500).collect::<Vec<_>>());
    let employees: Vec<_> = d
        .users
        .iter()
        .filter(|u| u.username.parse::<u32>().is_ok())
        .collect();
    assert!(
        employees.iter().any(|u| u.email.is_none()),
        "hidden e-mails"
    );
    assert!(
        employees.iter().all(|u| u
            .email
            .as_ref()
            .is_none_or(|e| *e == format!("{}@example.com", u.username))),
        "e-mails <number>@example.com"
    );
    assert!(employees.iter().any(|u| !u.active), "inactive employees");
    assert!(
        employees
            .iter()
            .all(|u| !u.display_name.contains(char::is_numeric)),
        "display names of words"
    );
    // The ordinary users are there too, with their awkward parts.
    assert!(
        d.users
            .iter()
            .any(|u| u.username.contains('.') && u.username.parse::<u32>().is_err())
    );
    assert_non_latin_accounts(&d);

    // Each three-digit prefix 100…103 matches exactly 1,000 accounts (by username, e-mail or
    // display-name word, as Jira's user search matches): the cap of a Jira 8.20 user search,
    // reached; 104 matches the last 500.
    let matching = |prefix: &str| {
        d.users
            .iter()
            .filter(|u| {
                u.username.to_lowercase().starts_with(prefix)
                    || u.email.as_deref().is_some_and(|e| e.starts_with(prefix))
                    || u.display_name
                        .split_whitespace()
                        .any(|w| w.to_lowercase().starts_with(prefix))
            })
            .count()
    };
    for prefix in ["100", "101", "102", "103"] {
        assert_eq!(matching(prefix), 1_000, "{prefix}");
    }
    assert_eq!(matching("104"), 500);
    assert_eq!(matching("1"), 4_500, "no other account begins with a digit");
    for digit in ["0", "2", "3", "4", "5", "6", "7", "8", "9"] {
        assert_eq!(matching(digit), 0, "{digit}");
    }

    let version = resolve_version(Product::Jira, "8.20").unwrap();
    let truth = ground_truth(&d, version, "https://sim.example.com");
    assert_eq!(truth.accounts.len(), 5_012);
    for (username, _, _) in dc_sim::generate::NON_LATIN {
        assert!(
            truth
                .accounts
                .iter()
                .any(|a| a.username.as_deref() == Some(username)),
            "{username} in the ground truth"
        );
    }

    let c = generate(Product::Confluence, Scale::EMPLOYEES_5K, 1);
    c.validate().unwrap();
    assert_eq!(c.users.len(), 5_012);
    assert_eq!(employee_numbers(&c), (100_000..104_500).collect::<Vec<_>>());
    assert_non_latin_accounts(&c);
}

#[test]
fn employees_50k_is_medium_with_30_000_employee_numbers() {
    let d = generate(Product::Jira, Scale::EMPLOYEES_50K, 1);
    d.validate().unwrap();
    assert_eq!(Scale::named("employees-50k"), Some(Scale::EMPLOYEES_50K));
    assert_eq!(d.users.len(), 50_000);
    assert_eq!(d.groups.len(), 3_000);
    assert_eq!(d.projects.len(), 800);
    assert!(d.projects.iter().all(|p| p.role_actors.len() == 6));
    let memberships: usize = d.groups.iter().map(|g| g.members.len()).sum();
    assert!((380_000..=400_000).contains(&memberships), "{memberships}");
    assert_eq!(employee_numbers(&d), (100_000..130_000).collect::<Vec<_>>());
    assert_non_latin_accounts(&d);
}

#[test]
fn every_named_scale_is_known() {
    for name in Scale::NAMES {
        assert!(Scale::named(name).is_some(), "{name}");
    }
    assert_eq!(Scale::named("huge"), None);
}

#[test]
fn last_logins_are_mostly_recent_some_dormant_some_never() {
    let reference: jiff::Timestamp = dc_sim::generate::LOGIN_REFERENCE.parse().unwrap();
    let d = generate(Product::Jira, Scale::SMALL, 1);
    let (mut recent, mut dormant, mut never) = (0, 0, 0);
    for user in &d.users {
        let Some(text) = &user.last_login else {
            never += 1;
            continue;
        };
        let at: jiff::Timestamp = text.parse().unwrap();
        // RFC 3339 in UTC, whole seconds.
        assert_eq!(at.to_string(), *text);
        assert!(text.ends_with('Z') && !text.contains('.'), "{text}");
        let days = (reference.as_second() - at.as_second()) as f64 / 86_400.0;
        match days {
            d if d > 0.0 && d <= 60.0 => recent += 1,
            d if (100.0..=900.0).contains(&d) => dormant += 1,
            d => panic!("{text}: {d} days before the reference"),
        }
    }
    let share = |n: i32| f64::from(n) / d.users.len() as f64;
    assert!((0.80..0.90).contains(&share(recent)), "{recent}");
    assert!((0.07..0.13).contains(&share(dormant)), "{dormant}");
    assert!((0.03..0.07).contains(&share(never)), "{never}");
    // Another seed, other last logins.
    let other = generate(Product::Jira, Scale::SMALL, 2);
    assert_ne!(
        d.users.iter().map(|u| &u.last_login).collect::<Vec<_>>(),
        other
            .users
            .iter()
            .map(|u| &u.last_login)
            .collect::<Vec<_>>()
    );
}

#[test]
fn ground_truth_last_logins_follow_the_version() {
    let jira = generate(Product::Jira, Scale::TINY, 3);
    let confluence = generate(Product::Confluence, Scale::TINY, 3);
    let check =
        |d: &dc_sim::Dataset, short: &str, expect: &dyn Fn(&dc_sim::dataset::User) -> bool| {
            let version = resolve_version(d.product, short).unwrap();
            let truth = ground_truth(d, version, "https://sim.example.com");
            for user in &d.users {
                let account = truth.accounts.iter().find(|a| a.key == user.key).unwrap();
                let wanted = if expect(user) {
                    user.last_login.clone()
                } else {
                    None
                };
                assert_eq!(
                    account.last_login, wanted,
                    "{} {short} {}",
                    d.product, user.key
                );
            }
        };
    check(&jira, "11.3", &|_| true);
    for short in ["8.20", "9.12", "10.3"] {
        check(&jira, short, &|_| false);
    }
    check(&confluence, "10.2", &|u| u.active);
    for short in ["7.19", "8.5", "9.2"] {
        check(&confluence, short, &|_| false);
    }
    assert!(jira.users.iter().any(|u| u.last_login.is_some()));
    assert!(
        confluence
            .users
            .iter()
            .any(|u| !u.active && u.last_login.is_some()),
        "an inactive user with a last login the truth must leave out"
    );
}
