//! Jira's part of a dataset: project roles, application roles, permission schemes, projects.

use super::names::{LAST, capitalise};
use super::{Rng, Scale};
use crate::dataset::{
    Actor, ApplicationRole, Dataset, Holder, PermissionScheme, Project, Role, SchemeGrant,
};

pub(super) fn generate_jira(data: &mut Dataset, scale: Scale, rng: &mut Rng) {
    // Roles and leads are drawn from the users a scan may meet elsewhere.
    let users = u64::from(scale.reachable(data.users.len() as u32));
    let groups = data.groups.len() as u64;
    data.roles = [
        "Administrators",
        "Developers",
        "Users",
        "Testers",
        "Viewers",
        "atlassian-addons-project-access",
    ]
    .iter()
    .enumerate()
    .map(|(i, name)| Role {
        id: 10_002 + i as u64,
        name: (*name).to_owned(),
    })
    .collect();
    data.application_roles = vec![
        ApplicationRole {
            key: "jira-software".to_owned(),
            name: "Jira Software".to_owned(),
            groups: vec![0, 1],
            default_groups: vec![1],
        },
        ApplicationRole {
            key: "jira-servicedesk".to_owned(),
            name: "Jira Service Management".to_owned(),
            groups: vec![2],
            default_groups: vec![2],
        },
    ];

    let some_user = |rng: &mut Rng| data.users[(3 + rng.below(users - 3)) as usize].key.clone();
    let h = |t: &str, p: Option<String>| Holder {
        holder_type: t.to_owned(),
        parameter: p,
    };
    let mut grant_id = 10_000u64;
    let mut scheme = |id: u64, name: &str, holders: Vec<(&str, Holder)>| PermissionScheme {
        id,
        name: name.to_owned(),
        grants: holders
            .into_iter()
            .map(|(permission, holder)| {
                grant_id += 1;
                SchemeGrant {
                    id: grant_id,
                    permission: permission.to_owned(),
                    holder,
                }
            })
            .collect(),
    };
    let dev_role = Some("10003".to_owned());
    let admin_role = Some("10002".to_owned());
    let base = |extra: Vec<(&'static str, Holder)>| {
        let mut holders = vec![
            (
                "BROWSE_PROJECTS",
                h("applicationRole", Some("jira-software".into())),
            ),
            ("CREATE_ISSUES", h("projectRole", dev_role.clone())),
            ("ASSIGNABLE_USER", h("projectRole", dev_role.clone())),
            ("EDIT_ISSUES", h("reporter", None)),
            ("EDIT_ISSUES", h("assignee", None)),
            ("DELETE_ISSUES", h("projectLead", None)),
            ("ADMINISTER_PROJECTS", h("projectRole", admin_role.clone())),
            (
                "ADMINISTER_PROJECTS",
                h("group", Some("jira-administrators".into())),
            ),
        ];
        holders.extend(extra);
        holders
    };
    let special_user = some_user(rng);
    let awkward = data.groups[(3 + rng.below(groups - 3)) as usize]
        .name
        .clone();
    data.permission_schemes = vec![
        scheme(0, "Default Permission Scheme", base(vec![])),
        scheme(
            10_100,
            "Public projects",
            base(vec![
                ("BROWSE_PROJECTS", h("anyone", None)),
                ("ADD_COMMENTS", h("applicationRole", None)),
            ]),
        ),
        scheme(
            10_101,
            "Legacy scheme",
            base(vec![
                ("BROWSE_PROJECTS", h("group", None)),
                (
                    "RESOLVE_ISSUES",
                    h("userCustomField", Some("customfield_10100".into())),
                ),
                (
                    "TRANSITION_ISSUES",
                    h("groupCustomField", Some("customfield_10200".into())),
                ),
            ]),
        ),
        scheme(
            10_102,
            "Service desk scheme",
            base(vec![
                ("BROWSE_PROJECTS", h("sd.customer.portal.only", None)),
                (
                    "BROWSE_PROJECTS",
                    h("applicationRole", Some("jira-servicedesk".into())),
                ),
                ("MANAGE_WATCHERS", h("user", Some(special_user))),
                ("WORK_ON_ISSUES", h("group", Some(awkward))),
            ]),
        ),
    ];

    for p in 0..scale.projects.max(1) {
        let lead = (3 + rng.below(users - 3)) as u32;
        let team_group = (3 + rng.below(groups - 3)) as u32;
        let pick_users = |rng: &mut Rng, n: u64| -> Vec<Actor> {
            (0..n)
                .map(|_| Actor::User((3 + rng.below(users - 3)) as u32))
                .collect()
        };
        let mut role_actors = vec![
            (0, vec![Actor::User(lead), Actor::Group(0)]),
            (1, {
                let mut a = vec![Actor::Group(team_group)];
                let n = 1 + rng.below(4);
                a.extend(pick_users(rng, n));
                a
            }),
            (2, vec![Actor::Group(1)]),
            (3, {
                let n = rng.below(3);
                pick_users(rng, n)
            }),
            (4, Vec::new()),
            (5, vec![Actor::User(lead)]),
        ];
        if p % 20 == 7 {
            role_actors[3]
                .1
                .push(Actor::DeletedUser(format!("JIRAUSER{}", 900_000 + p)));
        }
        for (_, actors) in &mut role_actors {
            actors.sort_by_key(|a| format!("{a:?}"));
            actors.dedup();
        }
        data.projects.push(Project {
            id: 10_000 + u64::from(p),
            key: project_key(p),
            name: format!(
                "Project {} {}",
                capitalise(LAST[(p as usize) % LAST.len()]),
                p
            ),
            archived: p % 15 == 14,
            scheme: (p % 4).min(data.permission_schemes.len() as u32 - 1),
            lead,
            role_actors,
        });
    }
}

/// `A`, `B`, … `Z`, `AA`… prefixed so keys look like Jira's (`[A-Z][A-Z0-9]+`).
pub(super) fn project_key(mut n: u32) -> String {
    let mut letters = Vec::new();
    loop {
        letters.push(b'A' + (n % 26) as u8);
        n /= 26;
        if n == 0 {
            break;
        }
        n -= 1;
    }
    letters.reverse();
    format!("P{}", String::from_utf8(letters).expect("ASCII letters"))
}
