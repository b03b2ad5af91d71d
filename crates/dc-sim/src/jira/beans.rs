//! The beans several resources share (users, avatars, group references) and the escaping
//! that links, XML and the group picker's `html` need.
//!
//! Every link is built with [`Ctx::link`] from the configured base URL, not from the address
//! the request reached: Jira does the same, and behind a proxy its links can point somewhere
//! unreachable (§1.1).

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde_json::{Map, Value, json};

use crate::server::Ctx;
use crate::truth::{jira_last_login_time, jira_reports_last_login};

/// What a query-string value keeps unencoded (RFC 3986 unreserved characters): a space is
/// `%20`, a `+` is `%2B`, a `&` is `%26`.
const QUERY_VALUE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Percent-encodes a query-string value or a path segment.
pub(super) fn enc(text: &str) -> String {
    utf8_percent_encode(text, QUERY_VALUE).to_string()
}

/// Escapes text for XML character data.
pub(super) fn xml_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Escapes text for HTML (the same rules as XML here).
pub(super) fn html_escape(text: &str) -> String {
    xml_escape(text)
}

/// The four avatar sizes Jira links (`48x48` has no `size` parameter).
fn avatar_urls(ctx: &Ctx<'_>, servlet: &str, owner: &str, avatar_id: u64) -> Value {
    let url = |size: Option<&str>| {
        let size = size.map(|s| format!("size={s}&")).unwrap_or_default();
        ctx.link(&format!(
            "/secure/{servlet}?{size}{owner}&avatarId={avatar_id}"
        ))
    };
    json!({
        "48x48": url(None),
        "24x24": url(Some("small")),
        "16x16": url(Some("xsmall")),
        "32x32": url(Some("medium")),
    })
}

/// A project's `avatarUrls`.
pub(super) fn project_avatars(ctx: &Ctx<'_>, project_id: u64) -> Value {
    avatar_urls(ctx, "projectavatar", &format!("pid={project_id}"), 10_324)
}

/// A user's `self` link (by username, as the DC examples show, §10.3).
pub(super) fn user_self(ctx: &Ctx<'_>, u: u32) -> String {
    let user = &ctx.data.users[u as usize];
    ctx.link(&format!(
        "/rest/api/2/user?username={}",
        enc(&user.username)
    ))
}

/// A user's small avatar, as role actors carry it (§10.7).
pub(super) fn user_avatar_small(ctx: &Ctx<'_>, u: u32) -> String {
    let user = &ctx.data.users[u as usize];
    ctx.link(&format!(
        "/secure/useravatar?size=xsmall&ownerId={}",
        enc(&user.key)
    ))
}

/// The user bean of `user/search`, `user/list`, `group/member` (§3.1, §10.3): `self`, `key`,
/// `name`, `emailAddress`, `avatarUrls`, `displayName`, `active`, `deleted`, `timeZone`,
/// `locale`.
///
/// A hidden e-mail address (the instance's visibility setting, §3.1 [UNCERTAIN]) is rendered
/// by leaving `emailAddress` out, never as `""` or a masked value.
///
/// On 11.x the bean also has `lastLoginTime` (`2026-11-02T08:15:30.000+0000`), left out for a
/// user who never logged in: the user object of the Jira DC 11.3 OpenAPI specification has
/// `lastLoginTime` (jira.js `src/server/models/user.ts`, §2.3, §13); no earlier version's
/// does. Whether the real server fills it for users other than the caller is not documented —
/// nothing was found either way; the simulator fills it for every user that has one.
pub(super) fn user_bean(ctx: &Ctx<'_>, u: u32) -> Map<String, Value> {
    let user = &ctx.data.users[u as usize];
    let mut bean = Map::new();
    bean.insert("self".into(), user_self(ctx, u).into());
    bean.insert("key".into(), user.key.clone().into());
    bean.insert("name".into(), user.username.clone().into());
    if let Some(email) = &user.email {
        bean.insert("emailAddress".into(), email.clone().into());
    }
    bean.insert(
        "avatarUrls".into(),
        avatar_urls(
            ctx,
            "useravatar",
            &format!("ownerId={}", enc(&user.key)),
            10_122,
        ),
    );
    bean.insert("displayName".into(), user.display_name.clone().into());
    bean.insert("active".into(), user.active.into());
    bean.insert("deleted".into(), false.into());
    bean.insert("timeZone".into(), "UTC".into());
    bean.insert("locale".into(), "en_US".into());
    if jira_reports_last_login(ctx.version)
        && let Some(time) = jira_last_login_time(user)
    {
        bean.insert("lastLoginTime".into(), time.into());
    }
    bean
}

/// A group reference `{name, self}` (the legacy `group` resource's URL, §10.10).
pub(super) fn group_ref(ctx: &Ctx<'_>, g: u32) -> Value {
    let name = &ctx.data.groups[g as usize].name;
    json!({
        "name": name,
        "self": ctx.link(&format!("/rest/api/2/group?groupname={}", enc(name))),
    })
}

/// The application roles a user has: those whose groups hold the user, nested groups
/// included. Indexes into `application_roles`.
pub(super) fn application_roles_of(ctx: &Ctx<'_>, u: u32) -> Vec<usize> {
    let groups = &ctx.index.effective_groups[u as usize];
    ctx.data
        .application_roles
        .iter()
        .enumerate()
        .filter(|(_, app)| app.groups.iter().any(|g| groups.contains(g)))
        .map(|(i, _)| i)
        .collect()
}

/// The full user bean of `myself` and `user` (§2.3, §10.2): the short bean plus `groups` and
/// `applicationRoles` (`size` always, `items` only when expanded) and `expand`.
pub(super) fn full_user_bean(ctx: &Ctx<'_>, u: u32, expand: &[&str]) -> Value {
    let mut bean = user_bean(ctx, u);
    let groups = &ctx.index.effective_groups[u as usize];
    let group_items: Vec<Value> = if expand.contains(&"groups") {
        groups.iter().map(|&g| group_ref(ctx, g)).collect()
    } else {
        Vec::new()
    };
    bean.insert(
        "groups".into(),
        json!({"size": groups.len(), "items": group_items}),
    );
    let apps = application_roles_of(ctx, u);
    let app_items: Vec<Value> = if expand.contains(&"applicationRoles") {
        apps.iter()
            .map(|&a| {
                let app = &ctx.data.application_roles[a];
                json!({"key": app.key, "name": app.name})
            })
            .collect()
    } else {
        Vec::new()
    };
    bean.insert(
        "applicationRoles".into(),
        json!({"size": apps.len(), "items": app_items}),
    );
    bean.insert("expand".into(), "groups,applicationRoles".into());
    Value::Object(bean)
}
