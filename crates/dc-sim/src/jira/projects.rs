//! Projects, project roles and application roles (licences).

use std::collections::HashSet;

use serde_json::{Map, Value, json};

use super::beans::{enc, project_avatars, user_avatar_small};
use super::{Answer, error, require_admin, require_login};
use crate::dataset::{Actor, Holder, Project, Role};
use crate::server::{Call, Caller, Ctx, Reply};

/// Whether a holder with this parameter means "no parameter" (`None` or `""`).
fn no_parameter(holder: &Holder) -> bool {
    holder.parameter.as_deref().is_none_or(str::is_empty)
}

/// Whether `caller` holds role `role` (index into `roles`) in `project`, directly or through
/// a group (nested groups included).
fn holds_role(ctx: &Ctx<'_>, project: &Project, role: usize, user: u32) -> bool {
    let groups = &ctx.index.effective_groups[user as usize];
    project
        .role_actors
        .iter()
        .filter(|(r, _)| *r as usize == role)
        .flat_map(|(_, actors)| actors)
        .any(|actor| match actor {
            Actor::User(u) => *u == user,
            Actor::Group(g) => groups.contains(g),
            Actor::DeletedUser(_) => false,
        })
}

/// Whether `caller` may browse `project`: an administrator always; anyone else through a
/// `BROWSE_PROJECTS` grant of the project's scheme to `anyone` or a group without parameter
/// (both mean Anyone, §7.2), a group the user is in (nested included), the user's key, an
/// application role (with or without parameter: every user is assumed to have application
/// access), or a project role the user holds. Anonymous: `anyone` and the parameterless
/// group only. Issue-relative holders (reporter, assignee, lead, custom fields) grant no
/// project visibility here — the pessimistic reading. Archived projects are for
/// administrators only.
pub(super) fn can_browse(ctx: &Ctx<'_>, caller: Caller, project: &Project) -> bool {
    let user = match caller {
        Caller::User { role, .. } if role.is_admin() => return true,
        Caller::User { index, .. } => Some(index),
        Caller::Anonymous => None,
    };
    if project.archived {
        return false;
    }
    let scheme = &ctx.data.permission_schemes[project.scheme as usize];
    scheme
        .grants
        .iter()
        .filter(|grant| grant.permission == "BROWSE_PROJECTS")
        .any(|grant| {
            let holder = &grant.holder;
            let parameter = holder.parameter.as_deref().unwrap_or("");
            match (holder.holder_type.as_str(), user) {
                ("anyone", _) => true,
                ("group", _) if no_parameter(holder) => true,
                (_, None) => false,
                ("group", Some(u)) => ctx
                    .index
                    .group(parameter)
                    .is_some_and(|g| ctx.index.effective_groups[u as usize].contains(&g)),
                ("user", Some(u)) => ctx.data.users[u as usize].key == parameter,
                ("applicationRole", Some(_)) => true,
                ("projectRole", Some(u)) => ctx
                    .data
                    .roles
                    .iter()
                    .position(|r| r.id.to_string() == parameter)
                    .is_some_and(|r| holds_role(ctx, project, r, u)),
                _ => false,
            }
        })
}

/// A project's list bean (§5.1, §10.9).
fn project_bean(ctx: &Ctx<'_>, project: &Project) -> Value {
    json!({
        "self": ctx.link(&format!("/rest/api/2/project/{}", enc(&project.key))),
        "id": project.id.to_string(),
        "key": project.key,
        "name": project.name,
        "avatarUrls": project_avatars(ctx, project.id),
        "projectTypeKey": "software",
        "archived": project.archived,
    })
}

/// `GET /rest/api/2/project?includeArchived=` (§5.1): a flat array, no paging, of the projects
/// the caller may browse ([`can_browse`]), sorted by name; archived ones only with
/// `includeArchived=true` (default false).
pub(super) fn list(ctx: &Ctx<'_>, call: &Call<'_>, ep: &str) -> Reply {
    let archived = call.flag("includeArchived", false);
    let mut projects: Vec<&Project> = ctx
        .data
        .projects
        .iter()
        .filter(|p| archived || !p.archived)
        .filter(|p| can_browse(ctx, call.caller, p))
        .collect();
    projects.sort_by_cached_key(|p| (p.name.to_lowercase(), p.key.clone()));
    let beans: Vec<Value> = projects.iter().map(|p| project_bean(ctx, p)).collect();
    Reply::json(200, ep, &Value::Array(beans))
}

/// A role's description (the dataset has none; Jira's defaults read like this).
fn role_description(role: &Role) -> String {
    format!(
        "A project role that represents {} in a project",
        role.name.to_lowercase()
    )
}

/// `GET /rest/api/2/role` (§5.2, §10.6): the global roles. `actors` are a role's *default*
/// actors for new projects, not memberships, so they stay `[]` here. Any logged-in user
/// (anonymous: 401) — [UNCERTAIN: the permission].
pub(super) fn global_roles(ctx: &Ctx<'_>, call: &Call<'_>, ep: &str) -> Answer {
    require_login(call, ep)?;
    let roles: Vec<Value> = ctx
        .data
        .roles
        .iter()
        .map(|role| {
            json!({
                "self": ctx.link(&format!("/rest/api/2/role/{}", role.id)),
                "name": role.name,
                "id": role.id,
                "description": role_description(role),
                "actors": [],
            })
        })
        .collect();
    Ok(Reply::json(200, ep, &Value::Array(roles)))
}

/// The project named by a path's `{projectIdOrKey}` (an id, or the key exactly as Jira spells
/// it), for a Jira administrator: anonymous 401; unknown (or not browsable by the caller)
/// 404; browsable but not an administrator 403.
fn admin_project<'d>(
    ctx: &Ctx<'d>,
    call: &Call<'_>,
    ep: &str,
    key_or_id: &str,
) -> Result<&'d Project, Reply> {
    let project = browsable_project(ctx, call, ep, key_or_id)?;
    require_admin(call, ep)?;
    Ok(project)
}

/// The project named by key or id, as a logged-in caller sees it: anonymous 401; unknown (or
/// not browsable by the caller) 404, as Jira hides what one may not browse.
pub(super) fn browsable_project<'d>(
    ctx: &Ctx<'d>,
    call: &Call<'_>,
    ep: &str,
    key_or_id: &str,
) -> Result<&'d Project, Reply> {
    require_login(call, ep)?;
    ctx.data
        .projects
        .iter()
        .find(|p| p.key == key_or_id || p.id.to_string() == key_or_id)
        .filter(|p| can_browse(ctx, call.caller, p))
        .ok_or_else(|| {
            error(
                404,
                ep,
                format!("No project could be found with key '{key_or_id}'."),
            )
        })
}

/// `GET /rest/api/2/project/{keyOrId}/role` (§5.2, §10.6): role name → role URL, every
/// global role (every project has them all). Administrators only — [UNCERTAIN: exact].
pub(super) fn role_map(ctx: &Ctx<'_>, call: &Call<'_>, ep: &str, key_or_id: &str) -> Answer {
    let project = admin_project(ctx, call, ep, key_or_id)?;
    let mut map = Map::new();
    for role in &ctx.data.roles {
        map.insert(
            role.name.clone(),
            ctx.link(&format!(
                "/rest/api/2/project/{}/role/{}",
                enc(&project.key),
                role.id
            ))
            .into(),
        );
    }
    Ok(Reply::json(200, ep, &Value::Object(map)))
}

/// `GET /rest/api/2/project/{keyOrId}/role/{id}` (§5.2, §10.7): the DC actor shape
/// `{id, displayName, type, name, avatarUrl?}` with no `actorUser`/`actorGroup`.
///
/// * A user actor's `name` is the **username** (not the key); `displayName` its display name.
/// * A group actor's `name` and `displayName` are the group name.
/// * A user deleted from the directory: `name: ""` and `displayName` its old key.
///
/// Administrators only; unknown project or role: 404. A role the project has no actors in
/// answers `actors: []`.
pub(super) fn role_actors(
    ctx: &Ctx<'_>,
    call: &Call<'_>,
    ep: &str,
    key_or_id: &str,
    id: &str,
) -> Answer {
    let project = admin_project(ctx, call, ep, key_or_id)?;
    let p = ctx
        .data
        .projects
        .iter()
        .position(|q| std::ptr::eq(q, project))
        .unwrap_or(0) as u64;
    let Some((r, role)) = ctx
        .data
        .roles
        .iter()
        .enumerate()
        .find(|(_, role)| role.id.to_string() == id)
    else {
        return Err(error(
            404,
            ep,
            format!("Can not retrieve a role actor for a null project role (id '{id}')."),
        ));
    };
    let actors: Vec<Value> = project
        .role_actors
        .iter()
        .filter(|(role, _)| *role as usize == r)
        .flat_map(|(_, actors)| actors)
        .enumerate()
        .map(|(n, actor)| {
            // Role actor ids are database ids: stable per (project, role, position).
            let actor_id = 10_000 + p * 1_000_000 + r as u64 * 10_000 + n as u64;
            match actor {
                Actor::User(u) => {
                    let user = &ctx.data.users[*u as usize];
                    json!({
                        "id": actor_id,
                        "displayName": user.display_name,
                        "type": "atlassian-user-role-actor",
                        "name": user.username,
                        "avatarUrl": user_avatar_small(ctx, *u),
                    })
                }
                Actor::Group(g) => {
                    let name = &ctx.data.groups[*g as usize].name;
                    json!({
                        "id": actor_id,
                        "displayName": name,
                        "type": "atlassian-group-role-actor",
                        "name": name,
                    })
                }
                // RoleActorBean.convert: the user no longer resolves, so no username.
                Actor::DeletedUser(old_key) => json!({
                    "id": actor_id,
                    "displayName": old_key,
                    "type": "atlassian-user-role-actor",
                    "name": "",
                }),
            }
        })
        .collect();
    Ok(Reply::json(
        200,
        ep,
        &json!({
            "self": ctx.link(&format!("/rest/api/2/project/{}/role/{}", enc(&project.key), role.id)),
            "name": role.name,
            "id": role.id,
            "description": role_description(role),
            "actors": actors,
        }),
    ))
}

/// `GET /rest/api/2/applicationrole[/{key}]` (§6, §10.8): administrators only (403
/// otherwise). `groups` and `defaultGroups` are names; `userCount` counts the active users in
/// any of the role's groups (nested included). Seats are illustrative.
pub(super) fn application_roles(
    ctx: &Ctx<'_>,
    call: &Call<'_>,
    ep: &str,
    key: Option<&str>,
) -> Answer {
    require_admin(call, ep)?;
    let group_name = |g: &u32| ctx.data.groups[*g as usize].name.clone();
    let bean = |app: &crate::dataset::ApplicationRole| {
        let mut users = HashSet::new();
        for &g in &app.groups {
            users.extend(
                ctx.index.effective_members[g as usize]
                    .iter()
                    .copied()
                    .filter(|&u| ctx.data.users[u as usize].active),
            );
        }
        let count = users.len() as u64;
        let seats = count.div_ceil(500).max(1) * 500;
        let mut groups: Vec<String> = app.groups.iter().map(group_name).collect();
        groups.sort_by_key(|n| n.to_lowercase());
        let mut defaults: Vec<String> = app.default_groups.iter().map(group_name).collect();
        defaults.sort_by_key(|n| n.to_lowercase());
        json!({
            "key": app.key,
            "groups": groups,
            "name": app.name,
            "defaultGroups": defaults,
            "selectedByDefault": false,
            "defined": true,
            "numberOfSeats": seats,
            "remainingSeats": seats - count,
            "userCount": count,
            "userCountDescription": "users",
            "hasUnlimitedSeats": false,
            "platform": app.key == "jira-core",
        })
    };
    match key {
        Some(key) => {
            let app = ctx
                .data
                .application_roles
                .iter()
                .find(|a| a.key == key)
                .ok_or_else(|| {
                    error(
                        404,
                        ep,
                        format!("The application role with key '{key}' does not exist."),
                    )
                })?;
            Ok(Reply::json(200, ep, &bean(app)))
        }
        None => {
            let mut apps: Vec<_> = ctx.data.application_roles.iter().collect();
            apps.sort_by(|a, b| a.key.cmp(&b.key));
            let beans: Vec<Value> = apps.into_iter().map(bean).collect();
            Ok(Reply::json(200, ep, &Value::Array(beans)))
        }
    }
}
