//! Confluence Data Center's REST API (`/rest/api`) and JSON-RPC, as the reference
//! (`shared/reference/confluence-dc-api.md`, cited below as "ref §N") documents them, quirks
//! included: a scanner that is correct against this module copes with the real server.
//!
//! [`handle`] routes a request (below the context path, already authenticated by
//! [`crate::server`]) to one of:
//!
//! * `instance`: the applinks manifest, `/status`, `server-information`, `user/current`;
//! * `people`: users, groups, memberships, the CQL user search and (10.2) the administrators'
//!   list of active users with their last logins;
//! * `spaces`: the space list and the 9.1+ space-permission REST resources;
//! * `global`: the 9.3+ global-permission REST resources;
//! * `rpc`: the JSON-RPC bridge (`getSpacePermissionSets`, `getUserGroups`, …).
//!
//! What is shared lives here: the common paged envelope (ref §3), the error bodies (ref §9),
//! the user object (ref §4.1) and Jersey's answer to an unknown resource.

mod global;
mod instance;
mod people;
mod rpc;
mod spaces;

use hyper::Method;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde_json::{Value, json};

use crate::dataset::Version;
use crate::server::{Call, Ctx, Reply};

/// Answers one request.
pub fn handle(ctx: &Ctx<'_>, call: &Call<'_>) -> Reply {
    let path = call.path();
    match path.as_slice() {
        ["rest", "applinks", "1.0", "manifest"] if call.method == Method::GET => {
            instance::manifest(ctx, call)
        }
        ["status"] if call.method == Method::GET => instance::status(),
        ["rpc", "json-rpc", "confluenceservice-v2"] => rpc::handle(ctx, call, None),
        ["rpc", "json-rpc", "confluenceservice-v2", method] => rpc::handle(ctx, call, Some(method)),
        // `latest` is an alias of the (only) REST version; `/rest/api/1.0/…` is not (ref §1.1).
        ["rest", "api", "latest", rest @ ..] | ["rest", "api", rest @ ..] => api(ctx, call, rest),
        ["rest", ..] => unknown_resource(ctx, call),
        _ => Reply::tomcat(404, format!("{} (unknown)", call.method), "Not Found"),
    }
}

/// A REST resource's answer, given the path after `/rest/api`.
type Resource = fn(&Ctx<'_>, &Call<'_>, &[&str]) -> Reply;

/// The `/rest/api/…` resources (`rest` is the path after `api`).
fn api(ctx: &Ctx<'_>, call: &Call<'_>, rest: &[&str]) -> Reply {
    let v = ctx.version;
    let route: Option<(&str, Resource)> = match rest {
        ["server-information"] => Some(("server-information", |c, r, _| {
            instance::server_information(c, r)
        })),
        ["user", "current"] => Some(("user/current", |c, r, _| instance::current_user(c, r))),
        ["user", "anonymous"] => Some(("user/anonymous", |c, r, _| instance::anonymous_user(c, r))),
        // "Get registered users" arrived with the 8.4 user-management REST (ref §4.1, §0).
        ["user", "list"] if v.at_least(8, 4, 0) => {
            Some(("user/list", |c, r, _| people::user_list(c, r)))
        }
        ["user"] => Some(("user", |c, r, _| people::user(c, r))),
        // The administrators' list of active users with their last logins: the `lastLogin`
        // expansion is documented in the 10.2 reference (v1020 admin-users API, ref §4.2, §15),
        // not in 9.4's text, so it is played from 10.2 (a 404 before). CONFSERVER-37100 names a
        // 9.3 endpoint `/rest/api/user/list/active` instead: the references' path is the one
        // played, and `user/list/active` is an unknown resource (404) on every version.
        ["admin", "users", "list", "active"] if crate::truth::confluence_reports_last_login(v) => {
            Some(("admin/users/list/active", |c, r, _| {
                people::active_users(c, r)
            }))
        }
        ["user", "memberof"] => Some(("user/memberof", |c, r, _| people::member_of(c, r))),
        ["search"] => Some(("search", |c, r, _| people::search(c, r))),
        ["group"] => Some(("group", |c, r, _| people::groups(c, r))),
        // The members of a group named by a query parameter, so that a `/` in the name is no
        // problem: in the 10.2.0 reference, in none of the 9.1.1, 9.2.3 and 9.4.0 ones; the
        // first version that has it is not documented (ref §15). Before 10.2 the path is
        // `group/{groupName}` with the name `member`, as on a real server of those versions.
        ["group", "member"] if v.at_least(10, 2, 0) => Some(("group/member", |c, r, _| {
            people::group_members_by_query(c, r)
        })),
        ["group", _] => Some(("group/{groupName}", |c, r, p| people::group(c, r, p[1]))),
        ["group", _, "member"] => Some(("group/{groupName}/member", |c, r, p| {
            people::group_members(c, r, p[1])
        })),
        ["space"] => Some(("space", |c, r, _| spaces::list(c, r))),
        ["space", _] => Some(("space/{spaceKey}", |c, r, p| spaces::one(c, r, p[1]))),
        // The space-permission REST resources exist from 9.1 only (ref §7.1).
        ["space", _, "permissions", ..] if !v.at_least(9, 1, 0) => None,
        ["space", _, "permissions"] => Some(("space/{spaceKey}/permissions", |c, r, p| {
            spaces::permissions(c, r, p[1], spaces::Filter::All)
        })),
        ["space", _, "permissions", "anonymous"] => {
            Some(("space/{spaceKey}/permissions/anonymous", |c, r, p| {
                spaces::permissions(c, r, p[1], spaces::Filter::Anonymous)
            }))
        }
        ["space", _, "permissions", "group", _] => Some((
            "space/{spaceKey}/permissions/group/{groupName}",
            |c, r, p| spaces::permissions(c, r, p[1], spaces::Filter::Group(p[4])),
        )),
        ["space", _, "permissions", "user", _] => {
            Some(("space/{spaceKey}/permissions/user/{userKey}", |c, r, p| {
                spaces::permissions(c, r, p[1], spaces::Filter::User(p[4]))
            }))
        }
        // The global-permission resources exist from 9.3 only (ref §0, §8, §15).
        ["permissions", ..] if !crate::truth::confluence_has_global_permissions(v) => None,
        ["permissions"] => Some(("permissions", |c, r, _| {
            global::permissions(c, r, global::Filter::All)
        })),
        ["permissions", "anonymous"] => Some(("permissions/anonymous", |c, r, _| {
            global::permissions(c, r, global::Filter::Anonymous)
        })),
        ["permissions", "unlicensed"] => Some(("permissions/unlicensed", |c, r, _| {
            global::permissions(c, r, global::Filter::Unlicensed)
        })),
        ["permissions", "group", _] => Some(("permissions/group/{groupName}", |c, r, p| {
            global::permissions(c, r, global::Filter::Group(p[2]))
        })),
        ["permissions", "user", _] => Some(("permissions/user/{user}", |c, r, p| {
            global::permissions(c, r, global::Filter::User(p[2]))
        })),
        _ => None,
    };
    let Some((pattern, answer)) = route else {
        return unknown_resource(ctx, call);
    };
    if call.method != Method::GET {
        // Jersey: the resource exists, the method does not.
        let mut reply = jersey_status(call, 405, "HTTP 405 Method Not Allowed");
        reply.endpoint = format!("{} /rest/api/{pattern}", call.method);
        return reply.header("Allow", "GET,OPTIONS,HEAD");
    }
    let mut reply = answer(ctx, call, rest);
    reply.endpoint = format!("GET /rest/api/{pattern}");
    reply
}

// ---------------------------------------------------------------------------------------------
// Error bodies (ref §9)

/// The reason phrase Confluence puts in its JSON error bodies.
fn reason(status: u16) -> &'static str {
    match status {
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        _ => "Internal Server Error",
    }
}

/// The REST error body: `{"statusCode","data":{…},"message","reason"}` (ref §9, real DC body).
fn error(status: u16, message: &str) -> Reply {
    let body = json!({
        "statusCode": status,
        "data": {
            "authorized": false,
            "valid": true,
            "allowedInReadOnlyMode": true,
            "errors": [],
            "successful": false,
        },
        "message": message,
        "reason": reason(status),
    });
    Reply::json(status, "", &body)
}

/// The REST answer to a request without a (valid) user where one is needed.
fn unauthenticated() -> Reply {
    error(401, "Client must be authenticated to access this resource.")
}

/// Jersey's own status body: JSON when the caller accepts it, XML otherwise (ref §9).
fn jersey_status(call: &Call<'_>, status: u16, json_message: &str) -> Reply {
    if call.accept_json {
        let body = json!({"message": json_message, "status-code": status, "sub-code": -1});
        Reply::json(status, "", &body)
    } else {
        let body = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\
             <status><status-code>{status}</status-code><message>{}</message></status>",
            xml_escape(json_message)
        );
        Reply::text(status, "", "application/xml;charset=UTF-8", body)
    }
}

/// Jersey's 404 for a path no resource matches (ref §9): `null for uri: …` in XML by default,
/// `{"message":"HTTP 404 Not Found","status-code":404,"sub-code":-1}` with a JSON `Accept`.
fn unknown_resource(ctx: &Ctx<'_>, call: &Call<'_>) -> Reply {
    let mut reply = if call.accept_json {
        jersey_status(call, 404, "HTTP 404 Not Found")
    } else {
        let mut uri = String::new();
        for segment in &call.segments {
            uri.push('/');
            uri.push_str(&utf8_percent_encode(segment, COMPONENT).to_string());
        }
        if !call.query.is_empty() {
            uri.push('?');
            uri.push_str(&query_string(
                call.query.iter().map(|(k, v)| (k.as_str(), v.as_str())),
            ));
        }
        jersey_status(call, 404, &format!("null for uri: {}", ctx.link(&uri)))
    };
    reply.endpoint = format!("{} (unknown)", call.method);
    reply
}

/// The 401 Confluence 8.5.16+/9.x answers a *non-admin* on an admin-only resource
/// (CONFSERVER-98582, ref §2.2): XML whatever the `Accept`, a permission problem as 401.
fn permission_as_401() -> Reply {
    Reply::text(
        401,
        "",
        "application/xml;charset=UTF-8",
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\
         <status><status-code>401</status-code>\
         <message>Client must be authenticated to access this resource.</message></status>",
    )
}

fn xml_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Links and paging (ref §3)

/// What is encoded in a path segment or a query value (everything but `-._~` and
/// alphanumerics; a space is `%20`).
const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// `text` encoded for a path segment or a query value.
fn encode(text: &str) -> String {
    utf8_percent_encode(text, COMPONENT).to_string()
}

fn query_string<'a>(pairs: impl Iterator<Item = (&'a str, &'a str)>) -> String {
    pairs
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// The servlet context path as `_links.context` shows it: the path of the configured base URL
/// (`https://host/confluence` → `/confluence`, `https://host` → `""`). The real server reports
/// its servlet context; a proxy could make the two differ, which this simulator does not play.
fn context_path<'a>(ctx: &Ctx<'a>) -> &'a str {
    let base = ctx.link_base;
    let after_scheme = base.find("://").map_or(0, |i| i + 3);
    base[after_scheme..]
        .find('/')
        .map_or("", |i| &base[after_scheme + i..])
}

/// `start` and `limit` of a paged request.
#[derive(Clone, Copy, Debug)]
struct Paging {
    start: usize,
    /// What the caller asked for (or the default).
    asked: usize,
    /// What the server serves: `asked`, silently capped.
    limit: usize,
}

impl Paging {
    /// Reads `start`/`limit`. A value that is not a number fails like Jersey fails an
    /// unparseable `@QueryParam int`: 404 (the `Err` is the answer to give).
    fn read(ctx: &Ctx<'_>, call: &Call<'_>, default: usize, cap: usize) -> Result<Self, Reply> {
        let number = |key: &str| {
            call.number(key)
                .map(|n| n.map(|n| usize::try_from(n).unwrap_or(usize::MAX)))
                .map_err(|()| unknown_resource(ctx, call))
        };
        let start = number("start")?.unwrap_or(0);
        let asked = number("limit")?.unwrap_or(default);
        Ok(Self {
            start,
            asked,
            limit: asked.min(cap),
        })
    }

    /// The server capped this page.
    fn capped(self) -> bool {
        self.asked > self.limit
    }

    /// The index range of this page in a collection of `total`.
    fn range(self, total: usize) -> std::ops::Range<usize> {
        let from = self.start.min(total);
        from..self.start.saturating_add(self.limit).min(total)
    }
}

/// A page of the common envelope.
struct Page<'a> {
    /// The path `_links.self` and `_links.next` start with (`/rest/api/user/list/`).
    path: &'a str,
    /// Query parameters (by name) carried from the request into `_links.next`.
    carry: &'a [&'a str],
    results: Vec<Value>,
    paging: Paging,
    /// `start` of the next page, when there is one.
    next: Option<usize>,
}

impl Page<'_> {
    /// `{"results","start","limit","size","_links":{"self","next"?,"base","context"}}`; `next`
    /// relative to `base` and carrying the caller's `limit` (ref §3).
    fn envelope(self, ctx: &Ctx<'_>, call: &Call<'_>) -> Value {
        let mut links = serde_json::Map::new();
        links.insert("self".into(), json!(ctx.link(self.path)));
        if let Some(start) = self.next {
            let asked = self.paging.asked.to_string();
            let start = start.to_string();
            let carried = call
                .query
                .iter()
                .filter(|(k, _)| self.carry.contains(&k.as_str()))
                .map(|(k, v)| (k.as_str(), v.as_str()));
            let query =
                query_string(carried.chain([("limit", asked.as_str()), ("start", start.as_str())]));
            links.insert("next".into(), json!(format!("{}?{query}", self.path)));
        }
        links.insert("base".into(), json!(ctx.link_base));
        links.insert("context".into(), json!(context_path(ctx)));
        json!({
            "results": self.results,
            "start": self.paging.start,
            "limit": self.paging.limit,
            "size": self.results.len(),
            "_links": links,
        })
    }
}

/// The usual `next`: the page after this one, while the collection goes on. With `limit=0`
/// that is this very page again, as the real server answers (ref §3 item 4).
fn plain_next(paging: Paging, returned: usize, total: usize) -> Option<usize> {
    let next = paging.start.saturating_add(returned);
    (next < total).then_some(next)
}

/// `next` on the user and member lists: like [`plain_next`], but on a page the server capped
/// the `start` it embeds under-counts by one (ref §3 item 2: "silently caps page size and
/// under-counts the `start` it embeds in `_links.next`"); clients must recompute it.
fn undercounting_next(paging: Paging, returned: usize, total: usize) -> Option<usize> {
    let next = plain_next(paging, returned, total)?;
    Some(if paging.capped() && returned > 0 {
        next - 1
    } else {
        next
    })
}

// ---------------------------------------------------------------------------------------------
// Users (ref §4.1)

/// `expand` names `what` (comma-separated, possibly repeated).
fn expands(call: &Call<'_>, what: &str) -> bool {
    call.query
        .iter()
        .filter(|(k, _)| k == "expand")
        .flat_map(|(_, v)| v.split(','))
        .any(|e| e.trim() == what)
}

/// Account status is reported from 8.4 (`expand=status`, ref §4.1).
fn reports_status(version: Version) -> bool {
    crate::truth::confluence_reports_status(version)
}

fn profile_picture(ctx: &Ctx<'_>, file: &str) -> Value {
    json!({
        "path": format!("{}/images/icons/profilepics/{file}", context_path(ctx)),
        "width": 48,
        "height": 48,
        "isDefault": true,
    })
}

/// A user as `/user/list`, `/user` and `/group/{g}/member` show it: no e-mail ever; `status`
/// only when expanded on 8.4+, else `_expandable.status` (8.4+) announces it.
fn user_json(ctx: &Ctx<'_>, call: &Call<'_>, user: u32) -> Value {
    let u = &ctx.data.users[user as usize];
    let mut value = json!({
        "type": "known",
        "username": u.username,
        "userKey": u.key,
        "profilePicture": profile_picture(ctx, "default.svg"),
        "displayName": u.display_name,
        "_links": {"self": ctx.link(&format!("/rest/api/user?key={}", encode(&u.key)))},
        "_expandable": {},
    });
    if reports_status(ctx.version) {
        if expands(call, "status") {
            value["status"] = json!(if u.active { "Active" } else { "Deactivated" });
        } else {
            value["_expandable"]["status"] = json!("");
        }
    }
    value
}
