//! Users: `user/search` (capped, silently), `user/list` (cursor, 10.3.13+), `user`.

use serde_json::{Value, json};

use super::beans::{full_user_bean, user_bean};
use super::{Answer, error, expands, number, require_login};
use crate::dataset::TokenRole;
use crate::server::{Call, Ctx, Reply};

/// `GET /rest/api/2/user/search` (§3.2).
///
/// * `username` is required (400 without it). A blank one matches nobody: Jira's
///   user-picker search does not treat an empty query as a wildcard (§3.2 [UNCERTAIN]).
///   `.` matches every user by default, as Atlassian's DC App Performance Toolkit documents
///   (`jira_clients.py get_users`: `"." - search for all users`; JRASERVER-65089 reproduces
///   the cap with it); the dataset setting `dot_query: dot-only` plays PipesHub's reading
///   instead (only users with a dot somewhere, [`Index::search`]).
/// * Inactive users only with `includeInactive=true`; active ones unless `includeActive=false`.
/// * The caps are silent (§3.2, §8.1): 8.x clamps `maxResults` to 1000 and only the first
///   1000 matches are reachable at any `startAt` (JRASERVER-65089/-70269; whether its fix
///   reached 8.20 is not known, so the simulator keeps the stricter behaviour); 9.x clamps
///   `maxResults` to 1000 but `startAt` pages past it (JRASERVER-78660: "in Jira 9, one could
///   … collect up to 1000 results per request, and increment … via the startAt parameter");
///   10.x clamps to 100 and only the first 100 are reachable (JRASERVER-78520:
///   `startAt=98&maxResults=20` gives 2).
/// * Without Browse Users (or anonymous): `[]` with 200, never 403 (§3.2, §2.2).
///
/// [`Index::search`]: crate::index::Index::search
pub(super) fn search(ctx: &Ctx<'_>, call: &Call<'_>, ep: &str) -> Answer {
    let Some(query) = call.param("username") else {
        return Err(error(
            400,
            ep,
            "The username query parameter was not provided",
        ));
    };
    let start = number(call, ep, "startAt", 0)?;
    let wanted = number(call, ep, "maxResults", 50)?;
    let browse = call.caller.role().is_some_and(TokenRole::can_browse_users);
    if !browse || query.trim().is_empty() {
        return Ok(Reply::json(200, ep, &json!([])));
    }
    let include_active = call.flag("includeActive", true);
    let include_inactive = call.flag("includeInactive", false);
    // (largest page, matches reachable at all)
    let (page_cap, window): (u64, u64) = if ctx.version.at_least(10, 0, 0) {
        (100, 100)
    } else if ctx.version.at_least(9, 0, 0) {
        (1000, u64::MAX)
    } else {
        (1000, 1000)
    };
    let max = wanted.min(page_cap);
    let matches: Vec<u32> = ctx
        .index
        .search(query, ctx.data.settings.dot_query)
        .into_iter()
        .filter(|&u| {
            if ctx.data.users[u as usize].active {
                include_active
            } else {
                include_inactive
            }
        })
        .take(usize::try_from(window).unwrap_or(usize::MAX))
        .collect();
    let from = (start as usize).min(matches.len());
    let to = (start.saturating_add(max) as usize).min(matches.len());
    let beans: Vec<Value> = matches[from..to]
        .iter()
        .map(|&u| Value::Object(user_bean(ctx, u)))
        .collect();
    Ok(Reply::json(200, ep, &Value::Array(beans)))
}

/// The default and largest `user/list` page (§3.3).
const LIST_PAGE: u64 = 2000;

/// `GET /rest/api/2/user/list` (§3.3, §10.3): every user, active or not, once, in a stable
/// order (the instance's creation order), by cursor.
///
/// * The first call goes without `cursor`; `nextCursor` (a string) names the next page and is
///   absent, with `nextPage`, on the last page (`isLast: true`).
/// * `maxResults` defaults to 2000 and is clamped to 1..=2000.
/// * Never 404: a numeric cursor that was never issued answers from that position (an empty
///   last page past the end); a non-numeric one answers an empty last page.
/// * Anonymous: 401, in the REST framework's shape (`message`/`status-code`, §2.2 shape 2,
///   measured on 10.3.19); without Browse Users: 403.
pub(super) fn list(ctx: &Ctx<'_>, call: &Call<'_>, ep: &str) -> Answer {
    let role = match call.caller.role() {
        None => {
            return Err(Reply::json(
                401,
                ep,
                &json!({"message": "Client must be authenticated to access this resource.", "status-code": 401}),
            ));
        }
        Some(role) => role,
    };
    if !role.can_browse_users() {
        return Err(error(
            403,
            ep,
            "You don't have the permission to browse users.",
        ));
    }
    let max = number(call, ep, "maxResults", LIST_PAGE)?.clamp(1, LIST_PAGE);
    let total = ctx.data.users.len() as u64;
    let cursor = call.param("cursor").filter(|c| !c.is_empty());
    let position = match cursor {
        None => 0,
        Some(c) => c.trim().parse::<u64>().unwrap_or(total),
    }
    .min(total);
    let end = position.saturating_add(max).min(total);
    let values: Vec<Value> = (position..end)
        .map(|u| Value::Object(user_bean(ctx, u as u32)))
        .collect();
    let self_link = match cursor {
        None => ctx.link(&format!("/rest/api/2/user/list?maxResults={max}")),
        Some(c) => ctx.link(&format!(
            "/rest/api/2/user/list?cursor={}&maxResults={max}",
            super::beans::enc(c)
        )),
    };
    let is_last = end >= total;
    let mut page = json!({
        "self": self_link,
        "maxResults": max,
        "isLast": is_last,
        "values": values,
    });
    if !is_last {
        page["nextCursor"] = Value::String(end.to_string());
        page["nextPage"] = Value::String(ctx.link(&format!(
            "/rest/api/2/user/list?cursor={end}&maxResults={max}"
        )));
    }
    Ok(Reply::json(200, ep, &page))
}

/// `GET /rest/api/2/user?username=X|key=Y[&expand=groups,applicationRoles]` (§3.5).
///
/// `groups` are the effective (nested-inclusive) groups; `items` are filled only when
/// expanded, `size` always. Both parameters: 400; neither: 400; unknown: 404 with Jira's
/// message. Anonymous: 401. Without Browse Users a caller may look up only itself (403
/// otherwise) — [UNCERTAIN: the pessimistic choice].
pub(super) fn user(ctx: &Ctx<'_>, call: &Call<'_>, ep: &str) -> Answer {
    let (caller, role) = require_login(call, ep)?;
    let found = match (call.param("username"), call.param("key")) {
        (Some(_), Some(_)) => {
            return Err(error(
                400,
                ep,
                "You cannot specify both the username and the key",
            ));
        }
        (None, None) => {
            return Err(error(
                400,
                ep,
                "Either the 'username' or the 'key' query parameters need to be provided",
            ));
        }
        (Some(name), None) => ctx
            .index
            .user(name)
            .ok_or_else(|| error(404, ep, format!("The user named '{name}' does not exist")))?,
        (None, Some(key)) => ctx.index.user_by_key.get(key).copied().ok_or_else(|| {
            error(
                404,
                ep,
                format!("The user with the key '{key}' does not exist"),
            )
        })?,
    };
    if !role.can_browse_users() && found != caller {
        return Err(error(
            403,
            ep,
            "You do not have the permission to see the specified user.",
        ));
    }
    Ok(Reply::json(
        200,
        ep,
        &full_user_bean(ctx, found, &expands(call)),
    ))
}
