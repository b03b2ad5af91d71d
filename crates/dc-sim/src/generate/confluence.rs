//! Confluence's part of a dataset: global and personal spaces with their permissions.

use super::jira::project_key;
use super::names::{LAST, capitalise};
use super::{Rng, Scale};
use crate::dataset::{Dataset, SPACE_OPERATIONS, Space, SpacePermission, SpaceSubject};

pub(super) fn generate_confluence(data: &mut Dataset, scale: Scale, rng: &mut Rng) {
    // Space permissions and personal spaces go to the users a scan may meet elsewhere.
    let users = u64::from(scale.reachable(data.users.len() as u32));
    let groups = data.groups.len() as u64;
    let perm = |op: usize, subject: SpaceSubject| SpacePermission {
        target_type: SPACE_OPERATIONS[op].0.to_owned(),
        operation_key: SPACE_OPERATIONS[op].1.to_owned(),
        subject,
    };
    let mut id = 98_000u64;
    for s in 0..scale.spaces.max(1) {
        id += 1;
        let admin_user = (3 + rng.below(users - 3)) as u32;
        let team = (2 + rng.below(groups - 2)) as u32;
        let mut permissions = Vec::new();
        for op in 0..SPACE_OPERATIONS.len() {
            permissions.push(perm(op, SpaceSubject::User(admin_user)));
            permissions.push(perm(op, SpaceSubject::Group(0)));
        }
        for op in [0, 2, 4, 6, 8] {
            permissions.push(perm(op, SpaceSubject::Group(1)));
            permissions.push(perm(op, SpaceSubject::Group(team)));
        }
        if s % 7 == 3 {
            permissions.push(perm(0, SpaceSubject::Anonymous));
            permissions.push(perm(12, SpaceSubject::Anonymous));
        }
        permissions.sort();
        permissions.dedup();
        data.spaces.push(Space {
            id,
            key: format!("S{}", project_key(s).trim_start_matches('P')),
            name: format!("{} space {s}", capitalise(LAST[(s as usize) % LAST.len()])),
            personal: false,
            archived: s % 12 == 11,
            permissions,
        });
    }
    // Personal spaces for some users: the owner holds everything.
    let personal = (users / 25).max(2);
    for i in 0..personal {
        let owner = (3 + (i * 25 + rng.below(25)) % (users - 3)) as u32;
        id += 1;
        let user = &data.users[owner as usize];
        let mut permissions: Vec<SpacePermission> = (0..SPACE_OPERATIONS.len())
            .map(|op| perm(op, SpaceSubject::User(owner)))
            .collect();
        if i % 5 == 0 {
            permissions.push(perm(0, SpaceSubject::Group(1)));
        }
        permissions.sort();
        permissions.dedup();
        let key = format!("~{}", user.username.to_lowercase());
        if data.spaces.iter().any(|s| s.key == key) {
            continue;
        }
        data.spaces.push(Space {
            id,
            key,
            name: user.display_name.clone(),
            personal: true,
            archived: false,
            permissions,
        });
    }
}
