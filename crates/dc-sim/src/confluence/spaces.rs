//! Spaces (ref §6) and the space-permission REST resources of 9.1+ (ref §7.1).
//!
//! Who sees a space: an administrator sees all; anyone else the spaces where they hold
//! `space/read` directly, through a group they are a direct member of, or through an anonymous
//! grant (anonymous callers only while anonymous access is on).

use serde_json::{Value, json};

use super::{Page, Paging, encode, error, plain_next, unauthenticated};
use crate::dataset::{Space, SpacePermission, SpaceSubject};
use crate::server::{Call, Caller, Ctx, Reply};

/// Which grants a space-permission resource lists.
#[derive(Clone, Copy, Debug)]
pub(super) enum Filter<'a> {
    /// `/permissions`: users and groups (anonymous grants are not in it).
    All,
    /// `/permissions/anonymous`.
    Anonymous,
    /// `/permissions/group/{groupName}`.
    Group(&'a str),
    /// `/permissions/user/{userKey}`.
    User(&'a str),
}

/// The space with `key` (space keys compare case-insensitively: `/space/ds` is `DS`).
fn find<'a>(ctx: &Ctx<'a>, key: &str) -> Option<&'a Space> {
    ctx.data.spaces.iter().find(|s| s.key == key).or_else(|| {
        ctx.data
            .spaces
            .iter()
            .find(|s| s.key.eq_ignore_ascii_case(key))
    })
}

fn no_space(key: &str) -> Reply {
    error(404, &format!("No space with key : {key}"))
}

/// The caller may see `space`.
fn visible(ctx: &Ctx<'_>, call: &Call<'_>, space: &Space) -> bool {
    let reads = |p: &&SpacePermission| p.target_type == "space" && p.operation_key == "read";
    match call.caller {
        Caller::User { role, .. } if role.is_admin() => true,
        Caller::User { index, .. } => {
            let groups = &ctx.index.direct_groups[index as usize];
            space
                .permissions
                .iter()
                .filter(reads)
                .any(|p| match p.subject {
                    SpaceSubject::User(u) => u == index,
                    SpaceSubject::Group(g) => groups.contains(&g),
                    SpaceSubject::Anonymous => true,
                })
        }
        Caller::Anonymous => {
            ctx.data.settings.anonymous_access
                && space
                    .permissions
                    .iter()
                    .filter(reads)
                    .any(|p| p.subject == SpaceSubject::Anonymous)
        }
    }
}

fn space_json(ctx: &Ctx<'_>, space: &Space) -> Value {
    json!({
        "id": space.id,
        "key": space.key,
        "name": space.name,
        "type": if space.personal { "personal" } else { "global" },
        "status": if space.archived { "archived" } else { "current" },
        "_links": {
            "webui": format!("/display/{}", encode(&space.key)),
            "self": ctx.link(&format!("/rest/api/space/{}", encode(&space.key))),
        },
        "_expandable": {
            "metadata": "",
            "icon": "",
            "description": "",
            "homepage": format!("/rest/api/content/{}", space.id + 1),
        },
    })
}

/// `GET /rest/api/space` (ref §6): `spaceKey` (repeatable), `type`, `status` (default
/// `current`: archived spaces only with `status=archived`), `limit` default 25 capped at 100,
/// in key order.
///
/// Before 9 the pagination over-delivers (CONFSERVER-95312/95272 and 95396, ref §3 item 3): a
/// `start` past the end answers the last space again, and on a collection larger than 200
/// `next` never stops — clients de-duplicate and stop on a page of already-seen spaces.
pub(super) fn list(ctx: &Ctx<'_>, call: &Call<'_>) -> Reply {
    let personal = match call.param("type") {
        None | Some("") => None,
        Some("global") => Some(false),
        Some("personal") => Some(true),
        Some(other) => return error(400, &format!("Invalid space type: {other}")),
    };
    let archived = match call.param("status") {
        None | Some("") | Some("current") => false,
        Some("archived") => true,
        Some(other) => return error(400, &format!("Invalid space status: {other}")),
    };
    let keys: Vec<&str> = call
        .query
        .iter()
        .filter(|(k, _)| k == "spaceKey")
        .map(|(_, v)| v.as_str())
        .collect();
    let paging = match Paging::read(ctx, call, 25, 100) {
        Ok(p) => p,
        Err(reply) => return reply,
    };
    let mut spaces: Vec<&Space> = ctx
        .data
        .spaces
        .iter()
        .filter(|s| s.archived == archived)
        .filter(|s| personal.is_none_or(|p| s.personal == p))
        .filter(|s| keys.is_empty() || keys.iter().any(|k| s.key.eq_ignore_ascii_case(k)))
        .filter(|s| visible(ctx, call, s))
        .collect();
    spaces.sort_by_cached_key(|s| s.key.to_lowercase());

    let total = spaces.len();
    let quirky = !ctx.version.at_least(9, 0, 0);
    let range = paging.range(total);
    let page: &[&Space] = if quirky && range.is_empty() && paging.start >= total && total > 0 {
        // CONFSERVER-95312: "returns more data than available".
        &spaces[total - 1..]
    } else {
        &spaces[range]
    };
    let next = if quirky && total > 200 {
        // CONFSERVER-95396: `next` keeps going past the end.
        Some(paging.start.saturating_add(page.len()))
    } else {
        plain_next(paging, page.len(), total)
    };
    let body = Page {
        path: "/rest/api/space",
        carry: &["spaceKey", "type", "status", "expand"],
        results: page.iter().map(|s| space_json(ctx, s)).collect(),
        paging,
        next,
    }
    .envelope(ctx, call);
    Reply::json(200, "", &body)
}

/// `GET /rest/api/space/{spaceKey}`: one space the caller may see, or 404.
pub(super) fn one(ctx: &Ctx<'_>, call: &Call<'_>, key: &str) -> Reply {
    match find(ctx, key) {
        Some(space) if visible(ctx, call, space) => Reply::json(200, "", &space_json(ctx, space)),
        _ => no_space(key),
    }
}

/// `{"operation":{targetType,operationKey},"subject":…,"spaceKey","spaceId"}`, with a user
/// subject carrying ONLY its `userKey` (CONFSERVER-100505, ref §7.1).
fn permission_json(ctx: &Ctx<'_>, space: &Space, permission: &SpacePermission) -> Value {
    let subject = match permission.subject {
        SpaceSubject::User(u) => json!({"type": "user", "userKey": ctx.data.users[u as usize].key}),
        SpaceSubject::Group(g) => {
            json!({"type": "group", "name": ctx.data.groups[g as usize].name})
        }
        SpaceSubject::Anonymous => json!({"type": "anonymous"}),
    };
    json!({
        "operation": {
            "targetType": permission.target_type,
            "operationKey": permission.operation_key,
        },
        "subject": subject,
        "spaceKey": space.key,
        "spaceId": space.id,
    })
}

/// `GET /rest/api/space/{spaceKey}/permissions[/anonymous|/group/{g}|/user/{key}]` (9.1+; the
/// router answers 404 before): an array, not paged. Administrators only — anyone else
/// authenticated gets a 500 (CONFSERVER-99908, ref §2.2), anonymous a 401. Anonymous grants
/// appear only under `/anonymous` (ref §7.1: the bulk list carries users and groups).
pub(super) fn permissions(ctx: &Ctx<'_>, call: &Call<'_>, key: &str, filter: Filter<'_>) -> Reply {
    match call.caller.role() {
        None => return unauthenticated(),
        Some(role) if !role.is_admin() => {
            return error(
                500,
                "java.lang.IllegalStateException: the current user may not administer space permissions",
            );
        }
        Some(_) => {}
    }
    let Some(space) = find(ctx, key) else {
        return no_space(key);
    };
    let wanted: Box<dyn Fn(&SpaceSubject) -> bool> = match filter {
        Filter::All => Box::new(|s| !matches!(s, SpaceSubject::Anonymous)),
        Filter::Anonymous => Box::new(|s| matches!(s, SpaceSubject::Anonymous)),
        Filter::Group(name) => match ctx.index.group(name) {
            Some(g) => Box::new(move |s| *s == SpaceSubject::Group(g)),
            None => return error(404, &format!("No group found with name : {name}")),
        },
        Filter::User(user_key) => match ctx.index.user_by_key.get(user_key) {
            Some(&u) => Box::new(move |s| *s == SpaceSubject::User(u)),
            None => return error(404, &format!("No user found with key : {user_key}")),
        },
    };
    let body: Vec<Value> = space
        .permissions
        .iter()
        .filter(|p| wanted(&p.subject))
        .map(|p| permission_json(ctx, space, p))
        .collect();
    Reply::json(200, "", &Value::Array(body))
}
