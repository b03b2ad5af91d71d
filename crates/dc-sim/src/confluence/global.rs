//! The global-permission REST resources of 9.3+ (ref §0, §8, §15): `GET /rest/api/permissions`,
//! `/permissions/anonymous`, `/permissions/unlicensed`, `/permissions/group/{groupName}` and
//! `/permissions/user/{userKeyOrUsername}`. The router answers 404 (an unknown resource) before
//! 9.3.
//!
//! What the instance grants comes from [`crate::truth::confluence_global_permissions`] (a
//! dataset stores no global permissions; the defaults of a new installation are played).

use serde_json::{Value, json};

use super::{error, unauthenticated};
use crate::dataset::SpaceSubject;
use crate::server::{Call, Ctx, Reply};
use crate::truth::{GlobalGrant, confluence_global_permissions};

/// Which grants a global-permission resource lists.
#[derive(Clone, Copy, Debug)]
pub(super) enum Filter<'a> {
    /// `/permissions`: users and groups. Whether the bulk list also holds the anonymous grants
    /// is not clear from the reference ("granted to users/groups/anonymous user" in one
    /// sentence, "to users and groups" in the next); the stricter reading is played, as for
    /// space permissions, so a client must also ask `/permissions/anonymous`.
    All,
    /// `/permissions/anonymous`.
    Anonymous,
    /// `/permissions/unlicensed`: what unlicensed (authenticated) users may do. The simulated
    /// instances grant them nothing: an empty array.
    Unlicensed,
    /// `/permissions/group/{groupName}` (404 for an unknown group).
    Group(&'a str),
    /// `/permissions/user/{userKeyOrUsername}` (404 for an unknown user).
    User(&'a str),
}

/// `{"operation":{targetType,operationKey},"subject":{type,…,displayName}}`. The reference only
/// shows `subject: {displayName, type}` placeholders (ref §8, §15: "the subject's identifier
/// fields are not documented"); the simulator names holders as the space-permission resources
/// do (CONFSERVER-100505: `userKey` for a user, `name` for a group), plus the `displayName`.
fn grant_json(ctx: &Ctx<'_>, grant: &GlobalGrant) -> Value {
    let subject = match grant.subject {
        SpaceSubject::User(u) => {
            let user = &ctx.data.users[u as usize];
            json!({"type": "user", "userKey": user.key, "displayName": user.display_name})
        }
        SpaceSubject::Group(g) => {
            let name = &ctx.data.groups[g as usize].name;
            json!({"type": "group", "name": name, "displayName": name})
        }
        SpaceSubject::Anonymous => json!({"type": "anonymous", "displayName": "Anonymous"}),
    };
    json!({
        "operation": {
            "targetType": grant.target_type,
            "operationKey": grant.operation_key,
        },
        "subject": subject,
    })
}

/// `GET /rest/api/permissions[/anonymous|/unlicensed|/group/{g}|/user/{u}]` (9.3+): an array,
/// not paged (10.0's reference declares `array<GlobalPermission>`). Who may read them is not
/// documented; the simulator lets administrators only (anyone else authenticated 403, anonymous
/// 401), as for every other permission listing.
pub(super) fn permissions(ctx: &Ctx<'_>, call: &Call<'_>, filter: Filter<'_>) -> Reply {
    match call.caller.role() {
        None => return unauthenticated(),
        Some(role) if !role.is_admin() => {
            return error(
                403,
                "Only Confluence administrators may view global permissions",
            );
        }
        Some(_) => {}
    }
    let wanted: Box<dyn Fn(&SpaceSubject) -> bool> = match filter {
        Filter::All => Box::new(|s| !matches!(s, SpaceSubject::Anonymous)),
        Filter::Anonymous => Box::new(|s| matches!(s, SpaceSubject::Anonymous)),
        Filter::Unlicensed => Box::new(|_| false),
        Filter::Group(name) => match ctx.index.group(name) {
            Some(g) => Box::new(move |s| *s == SpaceSubject::Group(g)),
            None => return error(404, &format!("No group found with name : {name}")),
        },
        Filter::User(user) => {
            let found = ctx
                .index
                .user_by_key
                .get(user)
                .copied()
                .or_else(|| ctx.index.user(user));
            match found {
                Some(u) => Box::new(move |s| *s == SpaceSubject::User(u)),
                None => return error(404, &format!("No user found with key or name : {user}")),
            }
        }
    };
    let body: Vec<Value> = confluence_global_permissions(ctx.data)
        .iter()
        .filter(|g| wanted(&g.subject))
        .map(|g| grant_json(ctx, g))
        .collect();
    Reply::json(200, "", &Value::Array(body))
}
