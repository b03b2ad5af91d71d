//! Groups: `groups/picker` (single shot, no paging), `group/member` (transitive, ≤ 50 a
//! page), the legacy `group` resource (gone in 10.0).

use std::borrow::Cow;

use serde_json::{Value, json};

use super::beans::{enc, html_escape, user_bean};
use super::{Answer, error, expands, number, require_admin};
use crate::dataset::TokenRole;
use crate::server::{Call, Ctx, Reply};

/// `name` with the first case-insensitive occurrence of `query` in `<b>…</b>`, HTML-escaped
/// (§4.1: "`html` is HTML-escaped and may contain `<b>…</b>` highlighting").
fn highlight(name: &str, query: &str) -> String {
    if query.is_empty() {
        return html_escape(name);
    }
    let wanted = query.to_lowercase();
    for (start, _) in name.char_indices() {
        let mut folded = String::new();
        for (offset, c) in name[start..].char_indices() {
            folded.extend(c.to_lowercase());
            if folded == wanted {
                let end = start + offset + c.len_utf8();
                return format!(
                    "{}<b>{}</b>{}",
                    html_escape(&name[..start]),
                    html_escape(&name[start..end]),
                    html_escape(&name[end..])
                );
            }
            if folded.len() >= wanted.len() {
                break;
            }
        }
    }
    html_escape(name)
}

/// `GET /rest/api/2/groups/picker` (§4.1, §10.4).
///
/// * `query`: case-insensitive substring, empty meaning all; `exclude` (repeatable) drops
///   names; sorted by name case-insensitively; no `startAt`, no paging.
/// * `maxResults`: default 20 (`jira.ajax.autocomplete.limit`); 8.20 and 9.12 use a given value
///   as is (GPRH source); 10.3 clamps it to 1000 — [UNCERTAIN: whether newer versions clamp;
///   the pessimistic choice]. `total` counts every match, so `len(groups) < total` shows the
///   truncation.
/// * Without Browse Users (or anonymous): only an exact, case-insensitive name match (GPRH).
/// * `labels` are always `[]` here (the real ones are hints only, §7.4).
pub(super) fn picker(ctx: &Ctx<'_>, call: &Call<'_>, ep: &str) -> Answer {
    let query = call.param("query").unwrap_or("");
    let mut max = number(call, ep, "maxResults", 20)?;
    if ctx.version.at_least(10, 0, 0) {
        max = max.min(1000);
    }
    let excluded: Vec<String> = call
        .query
        .iter()
        .filter(|(k, _)| k == "exclude")
        .map(|(_, v)| v.to_lowercase())
        .collect();
    let browse = call.caller.role().is_some_and(TokenRole::can_browse_users);
    let groups = &ctx.data.groups;
    let kept = |g: &u32| !excluded.contains(&groups[*g as usize].name.to_lowercase());
    let matches: Vec<u32> = if browse {
        let folded = query.to_lowercase();
        ctx.index
            .groups_by_name
            .iter()
            .copied()
            .filter(|&g| groups[g as usize].name.to_lowercase().contains(&folded))
            .filter(kept)
            .collect()
    } else {
        ctx.index
            .group(query)
            .filter(|_| !query.is_empty())
            .into_iter()
            .filter(kept)
            .collect()
    };
    let shown: Vec<Value> = matches
        .iter()
        .take(max as usize)
        .map(|&g| {
            let name = &groups[g as usize].name;
            json!({"name": name, "html": highlight(name, query), "labels": []})
        })
        .collect();
    Ok(Reply::json(
        200,
        ep,
        &json!({
            "header": format!("Showing {} of {} matching groups", shown.len(), matches.len()),
            "total": matches.len(),
            "groups": shown,
        }),
    ))
}

/// The largest `group/member` page (§4.2: "50 max per page").
const MEMBER_PAGE: u64 = 50;

/// `GET /rest/api/2/group/member` (§4.2, §10.5).
///
/// * Jira administrators only: anonymous 401, others 403; unknown group 404.
/// * `groupname` as the query decodes it (a raw `+` is a space; a literal plus is `%2B`),
///   looked up case-insensitively.
/// * Members are effective (nested groups included), in username order; inactive ones only
///   with `includeInactiveUsers=true`.
/// * `maxResults` (default 50) is clamped to 50 and echoed clamped; `nextPage` only when not
///   last. Links come from the configured base URL (§1.1), so follow them at your peril.
pub(super) fn members(ctx: &Ctx<'_>, call: &Call<'_>, ep: &str) -> Answer {
    require_admin(call, ep)?;
    let name = call.param("groupname").unwrap_or("");
    if name.is_empty() {
        return Err(error(400, ep, "The group name must not be empty."));
    }
    let start = number(call, ep, "startAt", 0)?;
    let max = number(call, ep, "maxResults", MEMBER_PAGE)?.min(MEMBER_PAGE);
    let inactive = call.flag("includeInactiveUsers", false);
    let Some(g) = ctx.index.group(name) else {
        return Err(error(
            404,
            ep,
            format!("The group named '{name}' does not exist."),
        ));
    };
    let all = &ctx.index.effective_members[g as usize];
    // Borrowed when nothing is filtered: a 200,000-user group is paged 4,000 times.
    let members: Cow<'_, [u32]> = if inactive {
        Cow::Borrowed(all)
    } else {
        all.iter()
            .copied()
            .filter(|&u| ctx.data.users[u as usize].active)
            .collect()
    };
    let total = members.len() as u64;
    let from = start.min(total) as usize;
    let to = start.saturating_add(max).min(total) as usize;
    let values: Vec<Value> = members[from..to]
        .iter()
        .map(|&u| Value::Object(user_bean(ctx, u)))
        .collect();
    let is_last = to as u64 >= total;
    let link = |at: u64| {
        ctx.link(&format!(
            "/rest/api/2/group/member?groupname={}&includeInactiveUsers={inactive}&startAt={at}&maxResults={max}",
            enc(name)
        ))
    };
    let mut page = json!({
        "self": link(start),
        "maxResults": max,
        "startAt": start,
        "total": total,
        "isLast": is_last,
        "values": values,
    });
    if !is_last {
        page["nextPage"] = Value::String(link(start + max));
    }
    Ok(Reply::json(200, ep, &page))
}

/// `users[start:end]` from an `expand` value: the legacy resource's member window, at most
/// 50 (§4.2).
fn users_window(expand: &[&str]) -> Option<(usize, usize)> {
    let spec = expand.iter().find(|e| e.starts_with("users"))?;
    let Some(range) = spec
        .strip_prefix("users[")
        .and_then(|r| r.strip_suffix(']'))
    else {
        return Some((0, 50));
    };
    let (a, b) = range.split_once(':')?;
    let start = a.trim().parse().unwrap_or(0);
    let end = b.trim().parse().unwrap_or(start + 50);
    Some((start, end.max(start).min(start + 50)))
}

/// `GET /rest/api/2/group?groupname=…` (legacy; §4.2): 8.x and 9.x only (removed in 10.0,
/// where the router answers 404). Admin only. `users` carries `size` (effective members,
/// inactive included) and `items` only with `expand=users[start:end]`, at most 50.
pub(super) fn legacy_group(ctx: &Ctx<'_>, call: &Call<'_>, ep: &str) -> Answer {
    require_admin(call, ep)?;
    let name = call.param("groupname").unwrap_or("");
    let Some(g) = ctx.index.group(name).filter(|_| !name.is_empty()) else {
        return Err(error(
            404,
            ep,
            format!("The group named '{name}' does not exist."),
        ));
    };
    let group_name = &ctx.data.groups[g as usize].name;
    let members = &ctx.index.effective_members[g as usize];
    let expand = expands(call);
    let (start, end, items): (usize, usize, Vec<Value>) = match users_window(&expand) {
        Some((start, end)) => {
            let from = start.min(members.len());
            let to = end.min(members.len());
            let items = members[from..to]
                .iter()
                .map(|&u| Value::Object(user_bean(ctx, u)))
                .collect();
            (start, to.max(from).saturating_sub(1), items)
        }
        None => (0, 0, Vec::new()),
    };
    Ok(Reply::json(
        200,
        ep,
        &json!({
            "name": group_name,
            "self": ctx.link(&format!("/rest/api/2/group?groupname={}", enc(group_name))),
            "users": {
                "size": members.len(),
                "items": items,
                "max-results": 50,
                "start-index": start,
                "end-index": end,
            },
            "expand": "users",
        }),
    ))
}

#[cfg(test)]
mod tests {
    use super::highlight;

    #[test]
    fn highlights_the_first_match_and_escapes() {
        assert_eq!(highlight("R&D team", "d t"), "R&amp;<b>D t</b>eam");
        assert_eq!(highlight("Jira-Admins", "admin"), "Jira-<b>Admin</b>s");
        assert_eq!(highlight("équipe", "ÉQU"), "<b>équ</b>ipe");
        assert_eq!(highlight("<x>", ""), "&lt;x&gt;");
    }
}
