//! The directory: users (employee numbers and sweep-only accounts too), groups, memberships.

use super::names::{FIRST, LAST, NON_LATIN, ascii, awkward_group_name, capitalise, name_word};
use super::{FIRST_EMPLOYEE_NUMBER, Rng, Scale};
use crate::dataset::{Dataset, Group, Product, User};

pub(super) fn generate_users(product: Product, scale: Scale, rng: &mut Rng) -> Vec<User> {
    let count = scale.users.max(10);
    let non_latin = count - scale.reachable(count);
    let employees = scale.employees.min(count - 3 - non_latin);
    // Service accounts and ordinary users, then the employee numbers, then the accounts only a
    // sweep finds.
    let first_employee = count - non_latin - employees;
    let mut users = Vec::with_capacity(count as usize);
    for i in 0..first_employee {
        let first = name_word(rng, &FIRST, 2);
        let syllables = 2 + rng.below(2);
        let last = name_word(rng, &LAST, syllables);
        let display_name = format!("{} {}", capitalise(&first), capitalise(&last));
        let (fa, la) = (ascii(&first), ascii(&last));
        let style = rng.below(100);
        let (mut username, email) = match i {
            // The service accounts.
            0 => (
                "svc-scanner".to_owned(),
                Some("svc-scanner@example.com".to_owned()),
            ),
            1 => (
                "svc-browse".to_owned(),
                Some("svc-browse@example.com".to_owned()),
            ),
            2 => (
                "svc-nobrowse".to_owned(),
                Some("svc-nobrowse@example.com".to_owned()),
            ),
            // first.last: found by Jira's "." search through the username.
            _ if style < 55 => (
                format!("{fa}.{la}{i}"),
                Some(format!("{fa}.{la}{i}@example.com")),
            ),
            // flast with a visible e-mail that has a dot.
            _ if style < 80 => (
                format!("{}{la}{i}", &fa[..1]),
                Some(format!("{fa}{i}@corp.example.org")),
            ),
            // flast with a hidden e-mail: no dot anywhere, "." misses it.
            _ => (format!("{}{la}{i}", &fa[..1]), None),
        };
        if i > 2 && rng.chance(3) {
            // A login name in upper case, as some directories deliver them.
            username = username.to_uppercase();
        }
        let key = match product {
            Product::Jira => {
                if i > 2 && rng.chance(12) {
                    // A user created before Jira 8.4: the key is the original lower-case
                    // username, and some were renamed since.
                    let original = format!("{}{la}{i}", &fa[..1]).to_lowercase();
                    if rng.chance(40) {
                        username = format!("{fa}-{la}-{i}");
                    } else {
                        username = original.clone();
                    }
                    original
                } else {
                    format!("JIRAUSER{}", 10_000 + i)
                }
            }
            Product::Confluence => format!("2c9680{:05x}{}", i, rng.hex(21)),
        };
        users.push(User {
            key,
            username,
            display_name,
            email,
            active: i <= 2 || !rng.chance(8),
            last_login: None,
        });
    }
    for i in first_employee..first_employee + employees {
        users.push(employee(
            product,
            i,
            FIRST_EMPLOYEE_NUMBER + i - first_employee,
            rng,
        ));
    }
    for (n, (username, display_name, active)) in
        NON_LATIN.iter().take(non_latin as usize).enumerate()
    {
        let i = first_employee + employees + n as u32;
        users.push(User {
            key: match product {
                Product::Jira => format!("JIRAUSER{}", 10_000 + i),
                Product::Confluence => format!("2c9680{:05x}{}", i, rng.hex(21)),
            },
            username: (*username).to_owned(),
            display_name: (*display_name).to_owned(),
            email: None,
            active: *active,
            last_login: None,
        });
    }
    users
}

/// An account whose username is an employee number: a display name of syllables, an e-mail
/// `<number>@example.com` (hidden for some), a key from before Jira 8.4 (the number) for some.
fn employee(product: Product, i: u32, number: u32, rng: &mut Rng) -> User {
    let first = name_word(rng, &FIRST, 2);
    let syllables = 2 + rng.below(2);
    let last = name_word(rng, &LAST, syllables);
    let username = number.to_string();
    let email = (!rng.chance(20)).then(|| format!("{number}@example.com"));
    let key = match product {
        Product::Jira if rng.chance(12) => username.clone(),
        Product::Jira => format!("JIRAUSER{}", 10_000 + i),
        Product::Confluence => format!("2c9680{:05x}{}", i, rng.hex(21)),
    };
    User {
        key,
        username,
        display_name: format!("{} {}", capitalise(&first), capitalise(&last)),
        email,
        active: !rng.chance(8),
        last_login: None,
    }
}

/// The instant generated last logins are counted back from.
pub const LOGIN_REFERENCE: &str = "2026-11-30T00:00:00Z";

/// Fills every user's last login from its own generator (seeded from `seed` alone, so that the
/// rest of a dataset stays what it was before datasets had last logins): about 85% logged in
/// within the 60 days before [`LOGIN_REFERENCE`], about 10% are dormant (100 to 900 days
/// before it), about 5% never logged in (`None`). Whole seconds, RFC 3339 in UTC.
pub(super) fn generate_last_logins(users: &mut [User], seed: u64) {
    const DAY: i64 = 86_400;
    let mut rng = Rng(seed ^ 0x1a57_10c1);
    let reference: jiff::Timestamp = LOGIN_REFERENCE.parse().expect("a valid timestamp");
    let reference = reference.as_second();
    for user in users {
        let kind = rng.below(100);
        let before = if kind < 5 {
            None
        } else if kind < 15 {
            Some(100 * DAY + rng.below(800 * DAY as u64 + 1) as i64)
        } else {
            Some(1 + rng.below(60 * DAY as u64) as i64)
        };
        user.last_login = before.map(|seconds| {
            jiff::Timestamp::from_second(reference - seconds)
                .expect("within jiff's range")
                .to_string()
        });
    }
}

pub(super) fn generate_groups(data: &mut Dataset, scale: Scale, rng: &mut Rng) {
    let wellknown: &[&str] = match data.product {
        Product::Jira => &[
            "jira-administrators",
            "jira-software-users",
            "jira-servicedesk-users",
        ],
        Product::Confluence => &["confluence-administrators", "confluence-users"],
    };
    let users = data.users.len() as u32;
    // The accounts only a sweep may find are in no group.
    let reachable = scale.reachable(users);
    let total = scale.groups.max(wellknown.len() as u32 + 6);
    for name in wellknown {
        data.groups.push(Group {
            name: (*name).to_owned(),
            members: Vec::new(),
            subgroups: Vec::new(),
        });
    }
    for i in wellknown.len() as u32..total {
        let mut name = awkward_group_name(i, rng);
        if data.product == Product::Confluence && i % 9 == 3 && i > 30 {
            // Only a few `/` groups on Confluence: each one costs a member-of sweep.
            name = name.replace('/', "-");
        }
        data.groups.push(Group {
            name,
            members: Vec::new(),
            subgroups: Vec::new(),
        });
    }

    // Administrators: the scanning account and a few others.
    data.groups[0].members.push(0);
    for _ in 0..(users / 500).clamp(2, 20) {
        data.groups[0]
            .members
            .push(3 + rng.below(u64::from(reachable - 3)) as u32);
    }
    // Everyone but ~3% of users (in no group at all) is in the users group.
    let loners: Vec<bool> = (0..users)
        .map(|u| u >= reachable || (u > 2 && rng.chance(3)))
        .collect();
    let mut budget = scale.memberships as i64;
    for u in 0..users {
        if !loners[u as usize] {
            data.groups[1].members.push(u);
            budget -= 1;
        }
    }
    if data.product == Product::Jira {
        for u in 0..users {
            if !loners[u as usize] && rng.chance(10) {
                data.groups[2].members.push(u);
                budget -= 1;
            }
        }
    }
    // The rest of the budget, spread over the other groups with skewed sizes.
    let first_team = wellknown.len() as u32;
    let teams = total - first_team;
    while budget > 0 {
        let g = first_team
            + (rng.below(u64::from(teams)) * rng.below(u64::from(teams)) / u64::from(teams)) as u32;
        let u = rng.below(u64::from(users)) as u32;
        if loners[u as usize] {
            continue;
        }
        data.groups[g as usize].members.push(u);
        budget -= 1;
    }
    for group in &mut data.groups {
        group.members.sort_unstable();
        group.members.dedup();
    }
    // Jira: nested groups (every 40th team group holds the next two).
    if data.product == Product::Jira {
        let mut g = first_team;
        while g + 2 < total {
            data.groups[g as usize].subgroups = vec![g + 1, g + 2];
            g += 40;
        }
    }
}
