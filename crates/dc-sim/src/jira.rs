//! Jira Data Center's REST API (`/rest/api/2`), as `shared/reference/jira-dc-api.md` (below:
//! "the reference", `§n`) documents it, quirks included: the simulator must never be kinder
//! than a real server, or a scanner that passes against it fails in production.
//!
//! Served (all below the context path; `/rest/api/latest/…` is an alias of `/rest/api/2/…`,
//! `/rest/api/3/…` is Cloud-only and answers 404, §1.1–1.2):
//!
//! | resource | module | notes |
//! |---|---|---|
//! | `GET /rest/applinks/1.0/manifest` | `system` | anonymous; XML unless JSON is asked for (§1.4) |
//! | `GET /rest/api/2/serverInfo` | `system` | anonymous; `deploymentType: "Server"` (§1.3) |
//! | `GET /rest/api/2/myself` | `system` | never anonymous (§2.3) |
//! | `GET /rest/api/2/mypermissions` | `system` | by the token's role (§2.2) |
//! | `GET /rest/api/2/user/search` | `users` | bare array, silent caps per version (§3.2) |
//! | `GET /rest/api/2/user/list` | `users` | 10.3.13+ only, cursor paging (§3.3) |
//! | `GET /rest/api/2/user` | `users` | one user, `expand=groups,applicationRoles` (§3.5) |
//! | `GET /rest/api/2/groups/picker` | `groups` | no paging, default 20 (§4.1) |
//! | `GET /rest/api/2/group/member` | `groups` | transitive, ≤ 50 a page, admin (§4.2) |
//! | `GET /rest/api/2/group` | `groups` | legacy; removed in 10.0 (§4.2) |
//! | `GET /rest/api/2/project` | `projects` | flat array of browsable projects (§5.1) |
//! | `GET /rest/api/2/role` | `projects` | global roles; actors are defaults, not members (§5.2) |
//! | `GET /rest/api/2/project/{keyOrId}/role[/{id}]` | `projects` | role map and actors (§5.2) |
//! | `GET /rest/api/2/applicationrole[/{key}]` | `projects` | admin (§6) |
//! | `GET /rest/api/2/permissionscheme…` | `schemes` | `expand` rules; `expand=all` 500 quirk (§7) |
//!
//! Anything else below `/rest` answers Jersey's 404 (`null for uri: …`, §8.2); other methods
//! on the resources above answer 405 (the simulator is read-only).

mod beans;
mod groups;
mod projects;
mod schemes;
mod system;
mod users;

use hyper::Method;
use serde_json::json;

use crate::dataset::TokenRole;
use crate::server::{Call, Caller, Ctx, Reply};

/// A resource the simulator serves, with its path parameters.
#[derive(Debug, Clone, Copy)]
enum Route<'a> {
    Manifest,
    ServerInfo,
    Myself,
    MyPermissions,
    UserSearch,
    UserList,
    User,
    GroupsPicker,
    GroupMember,
    Group,
    Projects,
    Roles,
    ProjectRoles(&'a str),
    ProjectRole(&'a str, &'a str),
    ApplicationRoles,
    ApplicationRole(&'a str),
    PermissionSchemes,
    PermissionScheme(&'a str),
    PermissionSchemeGrants(&'a str),
    ProjectPermissionScheme(&'a str),
}

impl Route<'_> {
    /// The stable label for the request counters (path templates, no parameters).
    fn path_label(self) -> &'static str {
        match self {
            Self::Manifest => "/rest/applinks/1.0/manifest",
            Self::ServerInfo => "/rest/api/2/serverInfo",
            Self::Myself => "/rest/api/2/myself",
            Self::MyPermissions => "/rest/api/2/mypermissions",
            Self::UserSearch => "/rest/api/2/user/search",
            Self::UserList => "/rest/api/2/user/list",
            Self::User => "/rest/api/2/user",
            Self::GroupsPicker => "/rest/api/2/groups/picker",
            Self::GroupMember => "/rest/api/2/group/member",
            Self::Group => "/rest/api/2/group",
            Self::Projects => "/rest/api/2/project",
            Self::Roles => "/rest/api/2/role",
            Self::ProjectRoles(_) => "/rest/api/2/project/{projectIdOrKey}/role",
            Self::ProjectRole(..) => "/rest/api/2/project/{projectIdOrKey}/role/{id}",
            Self::ApplicationRoles => "/rest/api/2/applicationrole",
            Self::ApplicationRole(_) => "/rest/api/2/applicationrole/{key}",
            Self::PermissionSchemes => "/rest/api/2/permissionscheme",
            Self::PermissionScheme(_) => "/rest/api/2/permissionscheme/{schemeId}",
            Self::PermissionSchemeGrants(_) => "/rest/api/2/permissionscheme/{schemeId}/permission",
            Self::ProjectPermissionScheme(_) => {
                "/rest/api/2/project/{projectKeyOrId}/permissionscheme"
            }
        }
    }
}

/// The resource a path names on this version, if any.
fn route<'a>(ctx: &Ctx<'_>, path: &[&'a str]) -> Option<Route<'a>> {
    let api = match path {
        ["rest", "applinks", "1.0" | "latest", "manifest"] => return Some(Route::Manifest),
        // `latest` resolves to 2 on DC; `3` is Cloud-only and falls through to 404 (§1.2).
        ["rest", "api", "2" | "latest", rest @ ..] => rest,
        _ => return None,
    };
    Some(match api {
        ["serverInfo"] => Route::ServerInfo,
        ["myself"] => Route::Myself,
        ["mypermissions"] => Route::MyPermissions,
        ["user"] => Route::User,
        ["user", "search"] => Route::UserSearch,
        // Back-ported to 10.3 LTS late; PipesHub names 10.3.13 (§3.3). Older: Jersey's 404.
        ["user", "list"] if ctx.version.at_least(10, 3, 13) => Route::UserList,
        ["groups", "picker"] => Route::GroupsPicker,
        ["group", "member"] => Route::GroupMember,
        // `GET /group` was removed in Jira 10.0 (§4.2).
        ["group"] if !ctx.version.at_least(10, 0, 0) => Route::Group,
        ["project"] => Route::Projects,
        ["project", key, "role"] => Route::ProjectRoles(key),
        ["project", key, "role", id] => Route::ProjectRole(key, id),
        ["project", key, "permissionscheme"] => Route::ProjectPermissionScheme(key),
        ["role"] => Route::Roles,
        ["applicationrole"] => Route::ApplicationRoles,
        ["applicationrole", key] => Route::ApplicationRole(key),
        ["permissionscheme"] => Route::PermissionSchemes,
        ["permissionscheme", id] => Route::PermissionScheme(id),
        ["permissionscheme", id, "permission"] => Route::PermissionSchemeGrants(id),
        _ => return None,
    })
}

/// Answers one request.
pub fn handle(ctx: &Ctx<'_>, call: &Call<'_>) -> Reply {
    let path = call.path();
    let Some(route) = route(ctx, &path) else {
        return not_found(ctx, call);
    };
    let label = route.path_label();
    // Jersey answers HEAD like GET (the server drops the body); everything else is refused:
    // the simulator is read-only.
    if call.method != Method::GET && call.method != Method::HEAD {
        return method_not_allowed(call, label);
    }
    let ep = format!("GET {label}");
    let answer = match route {
        Route::Manifest => Ok(system::manifest(ctx, call, &ep)),
        Route::ServerInfo => Ok(system::server_info(ctx, &ep)),
        Route::Myself => system::myself(ctx, call, &ep),
        Route::MyPermissions => Ok(system::my_permissions(call, &ep)),
        Route::UserSearch => users::search(ctx, call, &ep),
        Route::UserList => users::list(ctx, call, &ep),
        Route::User => users::user(ctx, call, &ep),
        Route::GroupsPicker => groups::picker(ctx, call, &ep),
        Route::GroupMember => groups::members(ctx, call, &ep),
        Route::Group => groups::legacy_group(ctx, call, &ep),
        Route::Projects => Ok(projects::list(ctx, call, &ep)),
        Route::Roles => projects::global_roles(ctx, call, &ep),
        Route::ProjectRoles(key) => projects::role_map(ctx, call, &ep, key),
        Route::ProjectRole(key, id) => projects::role_actors(ctx, call, &ep, key, id),
        Route::ApplicationRoles => projects::application_roles(ctx, call, &ep, None),
        Route::ApplicationRole(key) => projects::application_roles(ctx, call, &ep, Some(key)),
        Route::PermissionSchemes => schemes::all(ctx, call, &ep),
        Route::PermissionScheme(id) => schemes::one(ctx, call, &ep, id),
        Route::PermissionSchemeGrants(id) => schemes::grants(ctx, call, &ep, id),
        Route::ProjectPermissionScheme(key) => schemes::of_project(ctx, call, &ep, key),
    };
    answer.unwrap_or_else(|reply| reply)
}

/// What a handler gives: the answer, or an error answer (`?` returns it early).
type Answer = Result<Reply, Reply>;

/// Jira's own error body: `{"errorMessages":[…],"errors":{}}` (§8.2).
fn error(status: u16, ep: &str, message: impl Into<String>) -> Reply {
    Reply::json(
        status,
        ep,
        &json!({"errorMessages": [message.into()], "errors": {}}),
    )
}

/// 401 for an anonymous caller on a resource that needs a login (§2.2, shape 1).
fn unauthenticated(ep: &str) -> Reply {
    error(
        401,
        ep,
        "You are not authenticated. Authentication required to perform this operation.",
    )
}

/// The caller's user index and role; 401 when anonymous.
fn require_login(call: &Call<'_>, ep: &str) -> Result<(u32, TokenRole), Reply> {
    match call.caller {
        Caller::Anonymous => Err(unauthenticated(ep)),
        Caller::User { index, role } => Ok((index, role)),
    }
}

/// The caller's user index when a Jira administrator; 401 when anonymous, 403 otherwise.
fn require_admin(call: &Call<'_>, ep: &str) -> Result<u32, Reply> {
    let (index, role) = require_login(call, ep)?;
    if role.is_admin() {
        Ok(index)
    } else {
        Err(error(
            403,
            ep,
            "You do not have permission to perform this operation. Only Jira administrators may do this.",
        ))
    }
}

/// A non-negative integer query parameter with its default; 400 when it is not one.
fn number(call: &Call<'_>, ep: &str, key: &str, default: u64) -> Result<u64, Reply> {
    call.number(key)
        .map(|n| n.unwrap_or(default))
        .map_err(|()| {
            error(
                400,
                ep,
                format!("The '{key}' query parameter must be a non-negative integer."),
            )
        })
}

/// The values of `expand` (comma-separated, possibly repeated).
fn expands<'c>(call: &'c Call<'_>) -> Vec<&'c str> {
    call.query
        .iter()
        .filter(|(k, _)| k == "expand")
        .flat_map(|(_, v)| v.split(','))
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .collect()
}

/// The request URL as the server reconstructs it for Jersey's messages.
fn request_url(ctx: &Ctx<'_>, call: &Call<'_>) -> String {
    let mut url = ctx.link(&format!("/{}", call.segments.join("/")));
    if !call.query.is_empty() {
        let query: Vec<String> = call
            .query
            .iter()
            .map(|(k, v)| format!("{}={}", beans::enc(k), beans::enc(v)))
            .collect();
        url.push('?');
        url.push_str(&query.join("&"));
    }
    url
}

/// An unknown path: Jersey's 404 below `/rest` (JSON, or XML when JSON was not asked for,
/// §8.2), Tomcat's page elsewhere.
fn not_found(ctx: &Ctx<'_>, call: &Call<'_>) -> Reply {
    let ep = format!("{} (unknown)", call.method);
    if call.segments.first().map(String::as_str) != Some("rest") {
        return Reply::tomcat(404, ep, "Not Found");
    }
    jersey_status(
        404,
        &ep,
        call,
        &format!("null for uri: {}", request_url(ctx, call)),
    )
}

/// Jersey's status entity, JSON or XML.
fn jersey_status(status: u16, ep: &str, call: &Call<'_>, message: &str) -> Reply {
    if call.accept_json {
        Reply::json(
            status,
            ep,
            &json!({"message": message, "status-code": status}),
        )
    } else {
        let body = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?><status><status-code>{status}</status-code><message>{}</message></status>",
            beans::xml_escape(message)
        );
        Reply::text(status, ep, "application/xml;charset=UTF-8", body)
    }
}

/// 405 for a method the simulator does not serve.
fn method_not_allowed(call: &Call<'_>, label: &str) -> Reply {
    jersey_status(
        405,
        &format!("{} {label}", call.method),
        call,
        "Method Not Allowed",
    )
    .header("Allow", "GET,HEAD")
}
