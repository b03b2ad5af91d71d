//! Permission schemes (§7): the scheme list, one scheme, a scheme's grants, and a project's
//! scheme, with Jira's `expand` rules and the `expand=all` 500.

use serde_json::{Map, Value, json};

use super::beans::{group_ref, user_bean};
use super::projects::browsable_project;
use super::{Answer, error, expands, require_admin};
use crate::dataset::{Holder, PermissionScheme, SchemeGrant};
use crate::server::{Call, Ctx, Reply};

/// What a scheme bean says may be expanded (§10.10).
const SCHEME_EXPAND: &str = "permissions,user,group,projectRole,field,all";

/// The `expand` values asked for; `all` implies every one.
struct Expand<'a>(Vec<&'a str>);

impl Expand<'_> {
    fn has(&self, what: &str) -> bool {
        self.0.iter().any(|e| *e == what || *e == "all")
    }
}

/// A grant's holder (§7.2): `{type, parameter?, expand?, group?, projectRole?, user?}`.
///
/// `parameter` is left out when the dataset has none (`""` is kept as `""`). The nested
/// `group` / `projectRole` / `user` objects appear only when expanded (or `all`), and only
/// when the parameter names something the instance has; `expand` names the expandable one.
fn holder_bean(ctx: &Ctx<'_>, holder: &Holder, expand: &Expand<'_>) -> Value {
    let mut bean = Map::new();
    bean.insert("type".into(), holder.holder_type.clone().into());
    let Some(parameter) = holder.parameter.as_deref() else {
        return Value::Object(bean);
    };
    bean.insert("parameter".into(), parameter.into());
    let expandable = match holder.holder_type.as_str() {
        "group" => "group",
        "user" => "user",
        "projectRole" => "projectRole",
        "userCustomField" | "groupCustomField" => "field",
        _ => return Value::Object(bean),
    };
    if parameter.is_empty() {
        return Value::Object(bean);
    }
    bean.insert("expand".into(), expandable.into());
    if !expand.has(expandable) {
        return Value::Object(bean);
    }
    match expandable {
        "group" => {
            if let Some(g) = ctx.index.group(parameter) {
                bean.insert("group".into(), group_ref(ctx, g));
            }
        }
        "user" => {
            if let Some(&u) = ctx.index.user_by_key.get(parameter) {
                bean.insert("user".into(), Value::Object(user_bean(ctx, u)));
            }
        }
        "projectRole" => {
            if let Some(role) = ctx
                .data
                .roles
                .iter()
                .find(|r| r.id.to_string() == parameter)
            {
                bean.insert(
                    "projectRole".into(),
                    json!({
                        "self": ctx.link(&format!("/rest/api/2/role/{}", role.id)),
                        "name": role.name,
                        "id": role.id,
                    }),
                );
            }
        }
        _ => {}
    }
    Value::Object(bean)
}

/// One grant: `{id, self, holder, permission}`.
fn grant_bean(
    ctx: &Ctx<'_>,
    scheme: &PermissionScheme,
    grant: &SchemeGrant,
    expand: &Expand<'_>,
) -> Value {
    json!({
        "id": grant.id,
        "self": ctx.link(&format!("/rest/api/2/permissionscheme/{}/permission/{}", scheme.id, grant.id)),
        "holder": holder_bean(ctx, &grant.holder, expand),
        "permission": grant.permission,
    })
}

/// A scheme: `{expand, id, self, name, description, permissions?}`; `permissions` only when
/// `expand` has `permissions` or `all` ("by default only shortened beans are returned", §7.1).
fn scheme_bean(ctx: &Ctx<'_>, scheme: &PermissionScheme, expand: &Expand<'_>) -> Value {
    let mut bean = json!({
        "expand": SCHEME_EXPAND,
        "id": scheme.id,
        "self": ctx.link(&format!("/rest/api/2/permissionscheme/{}", scheme.id)),
        "name": scheme.name,
        "description": "",
    });
    if expand.has("permissions") {
        let grants: Vec<Value> = scheme
            .grants
            .iter()
            .map(|grant| grant_bean(ctx, scheme, grant, expand))
            .collect();
        bean["permissions"] = Value::Array(grants);
    }
    bean
}

/// The scheme a path's `{schemeId}` names; 404 otherwise.
fn find_scheme<'d>(ctx: &Ctx<'d>, ep: &str, id: &str) -> Result<&'d PermissionScheme, Reply> {
    ctx.data
        .permission_schemes
        .iter()
        .find(|s| s.id.to_string() == id)
        .ok_or_else(|| {
            error(
                404,
                ep,
                format!("The permission scheme with id '{id}' does not exist."),
            )
        })
}

/// `GET /rest/api/2/permissionscheme?expand=…` (§7.1, §10.10): administrators only.
pub(super) fn all(ctx: &Ctx<'_>, call: &Call<'_>, ep: &str) -> Answer {
    require_admin(call, ep)?;
    let expand = Expand(expands(call));
    let schemes: Vec<Value> = ctx
        .data
        .permission_schemes
        .iter()
        .map(|s| scheme_bean(ctx, s, &expand))
        .collect();
    Ok(Reply::json(200, ep, &json!({"permissionSchemes": schemes})))
}

/// `GET /rest/api/2/permissionscheme/{id}?expand=…`: one scheme, the same rules.
pub(super) fn one(ctx: &Ctx<'_>, call: &Call<'_>, ep: &str, id: &str) -> Answer {
    require_admin(call, ep)?;
    let scheme = find_scheme(ctx, ep, id)?;
    Ok(Reply::json(
        200,
        ep,
        &scheme_bean(ctx, scheme, &Expand(expands(call))),
    ))
}

/// `GET /rest/api/2/permissionscheme/{id}/permission?expand=…`: `{permissions:[grant…]}`,
/// always with the grants; holders expanded as asked.
pub(super) fn grants(ctx: &Ctx<'_>, call: &Call<'_>, ep: &str, id: &str) -> Answer {
    require_admin(call, ep)?;
    let scheme = find_scheme(ctx, ep, id)?;
    let expand = Expand(expands(call));
    let grants: Vec<Value> = scheme
        .grants
        .iter()
        .map(|grant| grant_bean(ctx, scheme, grant, &expand))
        .collect();
    Ok(Reply::json(200, ep, &json!({"permissions": grants})))
}

/// `GET /rest/api/2/project/{keyOrId}/permissionscheme` (§7.1): the project's scheme, as
/// `permissionscheme/{id}` answers it (shortened unless `expand=permissions`).
///
/// * `expand` with `all`: **500** — the documented NPE during lazy holder expansion ("returns
///   500 on some DC builds"; played on every version). Connectors take the scheme id from the
///   plain call and read `/permissionscheme/{id}/permission`.
/// * Anonymous 401; unknown or unbrowsable project 404; not an administrator 403 with "You
///   cannot edit the configuration of this project." (§2.2).
pub(super) fn of_project(ctx: &Ctx<'_>, call: &Call<'_>, ep: &str, key_or_id: &str) -> Answer {
    let project = browsable_project(ctx, call, ep, key_or_id)?;
    if !call.caller.role().is_some_and(|r| r.is_admin()) {
        return Err(error(
            403,
            ep,
            "You cannot edit the configuration of this project.",
        ));
    }
    let expand = expands(call);
    if expand.contains(&"all") {
        return Err(Reply::json(
            500,
            ep,
            &json!({"message": "java.lang.NullPointerException", "status-code": 500}),
        ));
    }
    let scheme = &ctx.data.permission_schemes[project.scheme as usize];
    Ok(Reply::json(
        200,
        ep,
        &scheme_bean(ctx, scheme, &Expand(expand)),
    ))
}
