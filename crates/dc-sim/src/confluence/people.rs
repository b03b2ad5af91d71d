//! Users, groups and memberships (ref §4, §5): `user/list` (8.4+), `user`, `user/memberof`,
//! the CQL user search, `group`, `group/{name}`, `group/{name}/member` and (10.2)
//! `group/member?groupName=`, and (10.2) the administrators' `admin/users/list/active`.
//!
//! Memberships are *direct* everywhere (the ground truth maps Confluence memberships that
//! way); users come in username order, groups in name order.

use serde_json::{Value, json};

use super::{
    Page, Paging, encode, error, expands, permission_as_401, plain_next, unauthenticated,
    undercounting_next, user_json,
};
use crate::dataset::TokenRole;
use crate::server::{Call, Caller, Ctx, Reply};
use crate::truth::confluence_last_login_millis;

/// The role of an authenticated caller; `Err` (401) for anonymous.
fn role(call: &Call<'_>) -> Result<TokenRole, Reply> {
    call.caller.role().ok_or_else(unauthenticated)
}

/// May look at user profiles and groups: anonymous 401, no "view user profiles" 403.
fn may_browse(call: &Call<'_>, what: &str) -> Result<(), Reply> {
    if role(call)?.can_browse_users() {
        Ok(())
    } else {
        Err(error(403, what))
    }
}

fn group_json(ctx: &Ctx<'_>, group: u32) -> Value {
    let name = &ctx.data.groups[group as usize].name;
    json!({
        "type": "group",
        "name": name,
        "_links": {"self": ctx.link(&format!("/rest/api/group/{}", encode(name)))},
    })
}

/// `GET /rest/api/user/list` (8.4+; the router answers 404 before). Every user, deactivated
/// ones included, in username order; `limit` defaults to 100 and is silently capped at 200
/// with an under-counted `next` (ref §3 items 1–2, §4.1). `self` and `next` keep the trailing
/// slash of the real answer. A caller without "view user profiles" gets an empty 200, not an
/// error — a scan must not read that as "no users".
pub(super) fn user_list(ctx: &Ctx<'_>, call: &Call<'_>) -> Reply {
    let role = match role(call) {
        Ok(role) => role,
        Err(reply) => return reply,
    };
    let paging = match Paging::read(ctx, call, 100, 200) {
        Ok(p) => p,
        Err(reply) => return reply,
    };
    let everyone = &ctx.index.users_by_username;
    let users: &[u32] = if role.can_browse_users() {
        everyone
    } else {
        &[]
    };
    let page = &users[paging.range(users.len())];
    let results = page.iter().map(|&u| user_json(ctx, call, u)).collect();
    let next = undercounting_next(paging, page.len(), users.len());
    let body = Page {
        path: "/rest/api/user/list/",
        carry: &["expand"],
        results,
        paging,
        next,
    }
    .envelope(ctx, call);
    Reply::json(200, "", &body)
}

/// `GET /rest/api/admin/users/list/active?start=&limit=&expand=lastLogin,status` (10.2+; the
/// router answers 404 before, ref §4.2, §15): the licensed active users — not deactivated,
/// externally deleted, shadowed or unlicensed ones. The simulated instances have no unlicensed
/// users, so that is every active user, in username order (the order is not documented).
///
/// * Administrators only: anonymous 401, anyone else 403 (the reference says "Admin-only").
/// * Items `{"type":"known","username","userKey","displayName","email":null}` plus `lastLogin`
///   when `lastLogin` is expanded and the user has one, and `status` when expanded. The 10.2
///   reference says an entry may hold `email`; Confluence shows no e-mail anywhere in this
///   simulator, so it is `null`. The format of `lastLogin` is not documented: the simulator
///   sends milliseconds since the epoch as a number
///   ([`crate::truth::confluence_last_login_millis`]).
/// * The usual envelope plus `totalCount` (ref §4.2); `limit` defaults to 100 like `user/list`
///   and is silently capped at 200 with an under-counted `next`, as `user/list` does — the real
///   cap is not documented.
pub(super) fn active_users(ctx: &Ctx<'_>, call: &Call<'_>) -> Reply {
    match role(call) {
        Err(reply) => return reply,
        Ok(role) if !role.is_admin() => {
            return error(403, "Only Confluence administrators may list active users");
        }
        Ok(_) => {}
    }
    let paging = match Paging::read(ctx, call, 100, 200) {
        Ok(p) => p,
        Err(reply) => return reply,
    };
    let users: Vec<u32> = ctx
        .index
        .users_by_username
        .iter()
        .copied()
        .filter(|&u| ctx.data.users[u as usize].active)
        .collect();
    let page = &users[paging.range(users.len())];
    let (last_login, status) = (expands(call, "lastLogin"), expands(call, "status"));
    let results = page
        .iter()
        .map(|&u| {
            let user = &ctx.data.users[u as usize];
            let mut item = json!({
                "type": "known",
                "username": user.username,
                "userKey": user.key,
                "displayName": user.display_name,
                "email": null,
            });
            if last_login && let Some(millis) = confluence_last_login_millis(user) {
                item["lastLogin"] = json!(millis);
            }
            if status {
                item["status"] = json!("Active");
            }
            item
        })
        .collect();
    let mut body = Page {
        path: "/rest/api/admin/users/list/active",
        carry: &["expand"],
        results,
        paging,
        next: undercounting_next(paging, page.len(), users.len()),
    }
    .envelope(ctx, call);
    body["totalCount"] = json!(users.len());
    Reply::json(200, "", &body)
}

/// The user named by `key=` or `username=`; `Err` is the answer (400 without either, 404 when
/// unknown).
fn named_user(ctx: &Ctx<'_>, call: &Call<'_>) -> Result<u32, Reply> {
    let found = match (call.param("key"), call.param("username")) {
        (Some(key), _) => ctx.index.user_by_key.get(key).copied(),
        (None, Some(username)) => ctx.index.user(username),
        (None, None) => return Err(error(400, "Either a username or a key must be supplied")),
    };
    found.ok_or_else(|| {
        let what = call
            .param("key")
            .map(|k| format!("key: {k}"))
            .or_else(|| call.param("username").map(|u| format!("username: {u}")))
            .unwrap_or_default();
        error(404, &format!("No user found with {what}"))
    })
}

/// `GET /rest/api/user?key=|username=` (+`expand=status` from 8.4): one user or 404.
pub(super) fn user(ctx: &Ctx<'_>, call: &Call<'_>) -> Reply {
    let answer = may_browse(call, "User not permitted to view user profiles")
        .and_then(|()| named_user(ctx, call));
    match answer {
        Ok(u) => Reply::json(200, "", &user_json(ctx, call, u)),
        Err(reply) => reply,
    }
}

/// `GET /rest/api/user/memberof?key=|username=`: the user's direct groups, paged — the way
/// round group names the member resource cannot reach (ref §5.3).
pub(super) fn member_of(ctx: &Ctx<'_>, call: &Call<'_>) -> Reply {
    let answer = may_browse(call, "User not permitted to view user profiles")
        .and_then(|()| named_user(ctx, call))
        .and_then(|u| Ok((u, Paging::read(ctx, call, 200, 200)?)));
    let (user, paging) = match answer {
        Ok(found) => found,
        Err(reply) => return reply,
    };
    let groups = &ctx.index.direct_groups[user as usize];
    let page = &groups[paging.range(groups.len())];
    let body = Page {
        path: "/rest/api/user/memberof",
        carry: &["key", "username", "expand"],
        results: page.iter().map(|&g| group_json(ctx, g)).collect(),
        paging,
        next: plain_next(paging, page.len(), groups.len()),
    }
    .envelope(ctx, call);
    Reply::json(200, "", &body)
}

/// What a CQL query asks for, as far as this simulator models content.
enum Cql {
    /// `type = user`.
    Users,
    /// Another content type: nothing to find here.
    Other,
}

/// Reads `type = X` (quotes and spaces allowed); anything else does not parse.
fn parse_cql(cql: &str) -> Option<Cql> {
    let compact: String = cql.chars().filter(|c| !c.is_whitespace()).collect();
    let value = compact.to_lowercase();
    let value = value.strip_prefix("type=")?;
    let value = value.trim_matches(|c| c == '"' || c == '\'');
    match value {
        "user" => Some(Cql::Users),
        "page" | "blogpost" | "comment" | "attachment" | "space" => Some(Cql::Other),
        _ => None,
    }
}

/// `GET /rest/api/search?cql=type=user` — the fallback user listing on versions without
/// `user/list` (ref §4.2, §4.4): index-backed, every user, `limit` default 25 capped at 100;
/// items `{user:{…}, title, excerpt, url, entityType:"user"}` and a `totalSize`. Other content
/// types parse and find nothing; anything else is a 400.
pub(super) fn search(ctx: &Ctx<'_>, call: &Call<'_>) -> Reply {
    let Some(cql) = call.param("cql").filter(|c| !c.trim().is_empty()) else {
        return error(400, "The cql parameter is required");
    };
    let Some(query) = parse_cql(cql) else {
        return error(400, &format!("Could not parse cql : {cql}"));
    };
    let sees_users = match call.caller {
        Caller::Anonymous if !ctx.data.settings.anonymous_access => return unauthenticated(),
        Caller::Anonymous => false,
        Caller::User { role, .. } => role.can_browse_users(),
    };
    let paging = match Paging::read(ctx, call, 25, 100) {
        Ok(p) => p,
        Err(reply) => return reply,
    };
    let users: &[u32] = match query {
        Cql::Users if sees_users => &ctx.index.users_by_username,
        _ => &[],
    };
    let page = &users[paging.range(users.len())];
    let results = page
        .iter()
        .map(|&u| {
            let user = user_json(ctx, call, u);
            let name = &ctx.data.users[u as usize];
            json!({
                "user": {
                    "type": "known",
                    "username": user["username"],
                    "userKey": user["userKey"],
                    "displayName": user["displayName"],
                    "profilePicture": user["profilePicture"],
                },
                "title": name.display_name,
                "excerpt": "",
                "url": format!("/display/~{}", encode(&name.username)),
                "entityType": "user",
            })
        })
        .collect();
    let mut body = Page {
        path: "/rest/api/search",
        carry: &["cql", "expand"],
        results,
        paging,
        next: plain_next(paging, page.len(), users.len()),
    }
    .envelope(ctx, call);
    body["totalSize"] = json!(users.len());
    body["cqlQuery"] = json!(cql);
    body["searchDuration"] = json!(7);
    Reply::json(200, "", &body)
}

/// `GET /rest/api/group`: all groups in name order, `limit` default and cap 200.
pub(super) fn groups(ctx: &Ctx<'_>, call: &Call<'_>) -> Reply {
    if let Err(reply) = may_browse(
        call,
        "The calling user does not have permission to view groups",
    ) {
        return reply;
    }
    let paging = match Paging::read(ctx, call, 200, 200) {
        Ok(p) => p,
        Err(reply) => return reply,
    };
    let groups = &ctx.index.groups_by_name;
    let page = &groups[paging.range(groups.len())];
    let body = Page {
        path: "/rest/api/group",
        carry: &["expand"],
        results: page.iter().map(|&g| group_json(ctx, g)).collect(),
        paging,
        next: plain_next(paging, page.len(), groups.len()),
    }
    .envelope(ctx, call);
    Reply::json(200, "", &body)
}

/// `GET /rest/api/group/{groupName}`: one group or 404.
pub(super) fn group(ctx: &Ctx<'_>, call: &Call<'_>, name: &str) -> Reply {
    if let Err(reply) = may_browse(
        call,
        "The calling user does not have permission to view groups",
    ) {
        return reply;
    }
    match ctx.index.group(name) {
        Some(g) => Reply::json(200, "", &group_json(ctx, g)),
        None => error(404, &format!("No group found with name : {name}")),
    }
}

/// Who may read a group's members, the same for the path and the query form: 8.5 and later
/// answer a non-admin with a 401 XML body (CONFSERVER-98582, ref §2.2) — 10.2's reference says
/// of the query form "You need admin permissions to use this endpoint" (ref §15); 7.19 lets a
/// user who may view profiles through. `Err` is the answer to give.
fn may_read_members(ctx: &Ctx<'_>, call: &Call<'_>) -> Result<(), Reply> {
    let admin_only = ctx.version.at_least(8, 5, 0);
    match call.caller.role() {
        Some(TokenRole::Admin) => Ok(()),
        _ if admin_only => Err(permission_as_401()),
        None => Err(unauthenticated()),
        Some(role) if !role.can_browse_users() => {
            Err(error(403, "User not permitted to view user profiles"))
        }
        Some(_) => Ok(()),
    }
}

/// A page of `members`: `limit` silently capped at 200 with an under-counted `next` (ref §5.2,
/// §3). `path` starts `_links.self`/`next`; `carry` names the query parameters `next` keeps.
fn members_page(
    ctx: &Ctx<'_>,
    call: &Call<'_>,
    members: &[u32],
    path: &str,
    carry: &[&str],
) -> Reply {
    let paging = match Paging::read(ctx, call, 200, 200) {
        Ok(p) => p,
        Err(reply) => return reply,
    };
    let page = &members[paging.range(members.len())];
    let body = Page {
        path,
        carry,
        results: page.iter().map(|&u| user_json(ctx, call, u)).collect(),
        paging,
        next: undercounting_next(paging, page.len(), members.len()),
    }
    .envelope(ctx, call);
    Reply::json(200, "", &body)
}

/// `GET /rest/api/group/{groupName}/member`: the group's DIRECT members in username order,
/// `limit` silently capped at 200 with an under-counted `next` (ref §5.2, §3); who may call it
/// as [`may_read_members`].
///
/// A name that reached the server as the literal text `%2F` (a double-encoded `/`, `%252F` on
/// the wire) finds no group yet answers 200 with no members (CONFSERVER-54066, ref §5.3); a raw
/// `/` never routes here and `%2F` is Tomcat's 400 (both in the router/server).
pub(super) fn group_members(ctx: &Ctx<'_>, call: &Call<'_>, name: &str) -> Reply {
    if let Err(reply) = may_read_members(ctx, call) {
        return reply;
    }
    let members: &[u32] = match ctx.index.group(name) {
        Some(g) => &ctx.index.direct_members[g as usize],
        None if name.to_ascii_lowercase().contains("%2f") => &[],
        None => return error(404, &format!("No group found with name : {name}")),
    };
    let path = format!("/rest/api/group/{}/member", encode(name));
    members_page(ctx, call, members, &path, &["expand"])
}

/// `GET /rest/api/group/member?groupName=…` (10.2; the router sends older versions to
/// [`group`], ref §15): the same members, rules and paging as [`group_members`], the name a
/// query parameter — so `/`, `\` and `;` are no problem. The envelope is the usual one (ref
/// §15: `{results, start, limit, size, _links{next?}}`); `next` keeps `groupName` and `expand`.
///
/// Not documented, chosen: without `groupName` (or with an empty one) a 400; an unknown group a
/// 404 like the path form's (the path form's empty 200 for a literal `%2F` comes from the path,
/// so it is not played here).
pub(super) fn group_members_by_query(ctx: &Ctx<'_>, call: &Call<'_>) -> Reply {
    if let Err(reply) = may_read_members(ctx, call) {
        return reply;
    }
    let Some(name) = call.param("groupName").filter(|n| !n.is_empty()) else {
        return error(400, "The groupName parameter is required");
    };
    let Some(g) = ctx.index.group(name) else {
        return error(404, &format!("No group found with name : {name}"));
    };
    let members = &ctx.index.direct_members[g as usize];
    members_page(
        ctx,
        call,
        members,
        "/rest/api/group/member",
        &["groupName", "expand"],
    )
}
