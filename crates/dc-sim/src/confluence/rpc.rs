//! The JSON-RPC bridge to the remote (SOAP v2) API, `POST /rpc/json-rpc/confluenceservice-v2`
//! (ref §7.3): the only way to read space permissions before 9.1, on every version played.
//!
//! Two call forms: the JSON-RPC 2.0 envelope (`{"jsonrpc":"2.0","method","id","params"}` →
//! `{"jsonrpc":"2.0","id","result"}`) and "light" mode with the method in the URL and the bare
//! params array as the body (→ the bare result). The remote API's `token` argument is left out.
//!
//! Failure modes, in the order the server meets them:
//! 1. Remote API disabled → 401, a Tomcat HTML page (ref §7.3 pitfall 1);
//! 2. anonymous → 401, the same page;
//! 3. secure administrator sessions on and an admin method → **200 with an HTML WebSudo page**
//!    (ref §7.3 pitfall 2), whoever calls;
//! 4. a non-admin calling an admin method → 200 with an `error` member naming
//!    `NotPermittedException` (ref §7.3 pitfall 3);
//! 5. unknown space / user → 200 with an `error` member (`RemoteException`).
//!
//! In light mode an error comes in the same envelope, `"id": null` (there is no id to echo).
//! The real bridge errors without `Content-Type: application/json` (ref §7.3, baton note);
//! [`Call`] carries no request header but `Accept`, so this simulator cannot check it until
//! `Call` gains the request's content type (it should then answer 415).

use serde_json::{Value, json};

use super::{context_path, encode};
use crate::dataset::{SPACE_OPERATIONS, SpaceSubject};
use crate::server::{Call, Caller, Ctx, Reply};
use hyper::Method;

const ENDPOINT: &str = "POST /rpc/json-rpc/confluenceservice-v2";
const LIGHT_ENDPOINT: &str = "POST /rpc/json-rpc/confluenceservice-v2/{method}";

/// A JSON-RPC error member.
struct RpcError {
    code: i64,
    message: String,
}

impl RpcError {
    fn new(code: i64, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }

    /// A Java exception thrown by the remote API, as the bridge reports it.
    fn remote(exception: &str, message: &str) -> Self {
        Self::new(
            500,
            format!("com.atlassian.confluence.rpc.{exception}: {message}"),
        )
    }

    fn not_permitted() -> Self {
        Self::remote(
            "NotPermittedException",
            "You do not have the permissions to perform this action.",
        )
    }

    fn params(method: &str) -> Self {
        Self::new(-32602, format!("Invalid params for method {method}"))
    }
}

/// A remote-API method: its name, whether it needs an administrator, and its body.
type RemoteMethod = fn(&Ctx<'_>, &[Value]) -> Result<Value, RpcError>;

const METHODS: [(&str, bool, RemoteMethod); 5] = [
    ("getSpacePermissionSets", true, get_space_permission_sets),
    ("getSpacePermissionSet", true, get_space_permission_set),
    ("getUserGroups", true, get_user_groups),
    ("getGroups", true, get_groups),
    ("getActiveUsers", true, get_active_users),
];

/// Answers a call to the bridge; `light` is the method named in the URL.
pub(super) fn handle(ctx: &Ctx<'_>, call: &Call<'_>, light: Option<&str>) -> Reply {
    let endpoint = if light.is_some() {
        LIGHT_ENDPOINT
    } else {
        ENDPOINT
    };
    if call.method != Method::POST {
        let label = format!("{} {}", call.method, endpoint.trim_start_matches("POST "));
        return Reply::tomcat(405, label, "Method Not Allowed");
    }
    if !ctx.data.settings.remote_api_enabled || call.caller == Caller::Anonymous {
        return Reply::tomcat(401, endpoint, "Unauthorized");
    }
    // The JSON-RPC servlet errors unless the content type is set explicitly (§7.3).
    if !call
        .content_type
        .as_deref()
        .is_some_and(|c| c.contains("application/json"))
    {
        return Reply::tomcat(415, endpoint, "Unsupported Media Type");
    }
    let (id, outcome) = match parse(call.body, light) {
        Ok((id, method, params)) => (id, run(ctx, call, &method, &params)),
        Err(e) => (Value::Null, Err(e)),
    };
    let value = match outcome {
        Ok(Outcome::Html(page)) => {
            return Reply::text(200, endpoint, "text/html;charset=UTF-8", page);
        }
        Ok(Outcome::Result(result)) if light.is_some() => result,
        Ok(Outcome::Result(result)) => json!({"jsonrpc": "2.0", "id": id, "result": result}),
        Err(e) => json!({
            "jsonrpc": "2.0",
            "id": id,
            "error": {"code": e.code, "message": e.message},
        }),
    };
    Reply::json(200, endpoint, &value)
}

/// (id, method, params) of a request.
fn parse(body: &[u8], light: Option<&str>) -> Result<(Value, String, Vec<Value>), RpcError> {
    let parse_error = || RpcError::new(-32700, "Parse error");
    if let Some(method) = light {
        if body.iter().all(u8::is_ascii_whitespace) {
            return Ok((Value::Null, method.to_owned(), Vec::new()));
        }
        return match serde_json::from_slice(body).map_err(|_| parse_error())? {
            Value::Array(params) => Ok((Value::Null, method.to_owned(), params)),
            _ => Err(RpcError::new(-32600, "Invalid Request")),
        };
    }
    let request: Value = serde_json::from_slice(body).map_err(|_| parse_error())?;
    let id = request.get("id").cloned().unwrap_or(Value::Null);
    let Some(method) = request.get("method").and_then(Value::as_str) else {
        return Err(RpcError::new(-32600, "Invalid Request"));
    };
    let params = match request.get("params") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(params)) => params.clone(),
        Some(_) => return Err(RpcError::new(-32600, "Invalid Request")),
    };
    Ok((id, method.to_owned(), params))
}

enum Outcome {
    Result(Value),
    /// The WebSudo page.
    Html(String),
}

fn run(
    ctx: &Ctx<'_>,
    call: &Call<'_>,
    method: &str,
    params: &[Value],
) -> Result<Outcome, RpcError> {
    let Some(&(_, admin, body)) = METHODS.iter().find(|(name, _, _)| *name == method) else {
        return Err(RpcError::new(-32601, format!("Method not found: {method}")));
    };
    if admin && ctx.data.settings.websudo {
        return Ok(Outcome::Html(websudo_page(ctx, method)));
    }
    if admin && !call.caller.role().is_some_and(|r| r.is_admin()) {
        return Err(RpcError::not_permitted());
    }
    body(ctx, params).map(Outcome::Result)
}

/// The "Administrator Access" page Confluence serves instead of an admin method's answer while
/// secure administrator sessions are on (WebSudoRequiredException, ref §7.3).
fn websudo_page(ctx: &Ctx<'_>, method: &str) -> String {
    let context = context_path(ctx);
    format!(
        "<!DOCTYPE html>\n<html><head><title>Administrator Access - {title}</title>\
         <meta name=\"ajs-version-number\" content=\"{version}\"></head>\
         <body id=\"com-atlassian-confluence\" class=\"websudo\">\
         <form method=\"post\" action=\"{context}/doauthenticate.action\" name=\"authenticateform\">\
         <h1>Administrator Access</h1>\
         <p>You have requested access to an administrative function in Confluence and are required \
         to validate your credentials below.</p>\
         <input type=\"hidden\" name=\"destination\" value=\"/rpc/json-rpc/confluenceservice-v2/{method}\">\
         <input type=\"password\" name=\"password\" id=\"password\">\
         <input type=\"submit\" value=\"Confirm\"></form></body></html>",
        title = super::xml_escape(&ctx.data.title),
        version = ctx.version,
        method = encode(method),
    )
}

fn string_param<'a>(params: &'a [Value], at: usize, method: &str) -> Result<&'a str, RpcError> {
    params
        .get(at)
        .and_then(Value::as_str)
        .ok_or_else(|| RpcError::params(method))
}

fn space<'a>(ctx: &Ctx<'a>, key: &str) -> Result<&'a crate::dataset::Space, RpcError> {
    ctx.data
        .spaces
        .iter()
        .find(|s| s.key.eq_ignore_ascii_case(key))
        .ok_or_else(|| {
            RpcError::remote(
                "RemoteException",
                &format!("No space found for space key: {key}"),
            )
        })
}

/// The permissions of one legacy type: `userName` is the USERNAME (not the key); anonymous is
/// `userName: null, groupName: null` (ref §7.3).
fn permission_set(ctx: &Ctx<'_>, space: &crate::dataset::Space, legacy: &str) -> Value {
    let rest = SPACE_OPERATIONS
        .iter()
        .find(|(_, _, name)| *name == legacy)
        .map(|(target, op, _)| (*target, *op));
    let granted: Vec<Value> = space
        .permissions
        .iter()
        .filter(|p| rest == Some((p.target_type.as_str(), p.operation_key.as_str())))
        .map(|p| {
            let (user, group) = match p.subject {
                SpaceSubject::User(u) => (json!(ctx.data.users[u as usize].username), Value::Null),
                SpaceSubject::Group(g) => (Value::Null, json!(ctx.data.groups[g as usize].name)),
                SpaceSubject::Anonymous => (Value::Null, Value::Null),
            };
            json!({"type": legacy, "userName": user, "groupName": group})
        })
        .collect();
    json!({"type": legacy, "spacePermissions": granted})
}

/// `getSpacePermissionSets(spaceKey)`: one set per legacy permission type, empty ones included,
/// plus the deprecated `EXPORTPAGE` alias (always empty here) that real instances still list
/// and clients must ignore (ref §7.2: baton skips it as a "duplicate permission alias").
fn get_space_permission_sets(ctx: &Ctx<'_>, params: &[Value]) -> Result<Value, RpcError> {
    let key = string_param(params, 0, "getSpacePermissionSets")?;
    let space = space(ctx, key)?;
    let sets: Vec<Value> = SPACE_OPERATIONS
        .iter()
        .map(|(_, _, legacy)| *legacy)
        .chain(["EXPORTPAGE"])
        .map(|legacy| permission_set(ctx, space, legacy))
        .collect();
    Ok(Value::Array(sets))
}

/// `getSpacePermissionSet(spaceKey, permissionType)`.
fn get_space_permission_set(ctx: &Ctx<'_>, params: &[Value]) -> Result<Value, RpcError> {
    let key = string_param(params, 0, "getSpacePermissionSet")?;
    let legacy = string_param(params, 1, "getSpacePermissionSet")?;
    let space = space(ctx, key)?;
    if legacy != "EXPORTPAGE" && !SPACE_OPERATIONS.iter().any(|(_, _, l)| *l == legacy) {
        return Err(RpcError::remote(
            "RemoteException",
            &format!("Unknown permission type: {legacy}"),
        ));
    }
    Ok(permission_set(ctx, space, legacy))
}

/// `getUserGroups(username)`: the names of the user's direct groups, in name order.
fn get_user_groups(ctx: &Ctx<'_>, params: &[Value]) -> Result<Value, RpcError> {
    let username = string_param(params, 0, "getUserGroups")?;
    let user = ctx.index.user(username).ok_or_else(|| {
        RpcError::remote(
            "RemoteException",
            &format!("No user with username '{username}' found."),
        )
    })?;
    let names: Vec<&str> = ctx.index.direct_groups[user as usize]
        .iter()
        .map(|&g| ctx.data.groups[g as usize].name.as_str())
        .collect();
    Ok(json!(names))
}

/// `getGroups()`: every group name, in name order.
fn get_groups(ctx: &Ctx<'_>, _params: &[Value]) -> Result<Value, RpcError> {
    let names: Vec<&str> = ctx
        .index
        .groups_by_name
        .iter()
        .map(|&g| ctx.data.groups[g as usize].name.as_str())
        .collect();
    Ok(json!(names))
}

/// `getActiveUsers(viewAll)`: the usernames of ACTIVE users only (deactivated ones are not
/// in it), in username order.
fn get_active_users(ctx: &Ctx<'_>, params: &[Value]) -> Result<Value, RpcError> {
    if params.first().is_some_and(|p| !p.is_boolean()) {
        return Err(RpcError::params("getActiveUsers"));
    }
    let names: Vec<&str> = ctx
        .index
        .users_by_username
        .iter()
        .map(|&u| &ctx.data.users[u as usize])
        .filter(|u| u.active)
        .map(|u| u.username.as_str())
        .collect();
    Ok(json!(names))
}
