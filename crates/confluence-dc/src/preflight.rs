//! What the connector's probe and "Test Connection" ask of Confluence: is this a Confluence
//! (without the token), and can this token run a scan (with it). Each check costs a request or
//! two; none walks a whole collection.

use atlassian_core::diagnosis::{Diagnosis, Preflight};
use atlassian_core::inventory::ScannedAs;
use atlassian_core::{Client, Error, Request, error_chain};
use futures::{StreamExt, TryStreamExt};

use crate::api::{ConfluenceClient, member_resource_serves};
use crate::model::{ServerInformation, User};

/// Asks, without the token, what only Confluence answers: `server-information` (200 with a
/// version, or Confluence's own JSON error body), else `user/current` (a user object, typed
/// `anonymous` or `known`). `Ok(false)` when neither looks like Confluence; errors only for
/// transport failures.
pub async fn detect(client: &Client) -> Result<bool, Error> {
    let response = client
        .send(&Request::get("/rest/api/server-information").without_token())
        .await?;
    if !response.is_html() {
        if response.status.is_success() && response.json::<ServerInformation>().is_ok() {
            return Ok(true);
        }
        // Confluence's REST error body: `{"statusCode":401,"data":{…},"message","reason"}`.
        if response.status.is_client_error()
            && serde_json::from_slice::<serde_json::Value>(&response.body)
                .is_ok_and(|v| v.get("statusCode").is_some() && v.get("reason").is_some())
        {
            return Ok(true);
        }
    }
    let response = client
        .send(&Request::get("/rest/api/user/current").without_token())
        .await?;
    Ok(response.status.is_success()
        && !response.is_html()
        && response
            .json::<User>()
            .is_ok_and(|u| matches!(u.user_type.as_deref(), Some("anonymous") | Some("known"))))
}

/// Checks with the token what a scan needs: a known user, user listing, administrator rights
/// (group members, every space), and a readable source of space permissions.
pub async fn preflight(api: &ConfluenceClient) -> Preflight {
    let mut report = Preflight::new();
    let me = match api.current_user().await {
        Ok(me) if me.is_known() => me,
        Ok(_) => {
            report.fail(
                "token",
                Diagnosis::Unauthorized,
                "user/current answered as the anonymous user: the token was not accepted (send it as a Bearer token; check that no proxy strips the Authorization header)",
            );
            return report;
        }
        Err(e) => {
            report.fail_with("token", &e, Diagnosis::Unauthorized);
            return report;
        }
    };
    let user = ScannedAs {
        key: me.key().unwrap_or_default().to_owned(),
        username: me.username.clone().unwrap_or_default(),
    };
    report.pass("token", format!("authenticated as {}", user.username));
    report.user = Some(user.clone());

    let version = api
        .server_information()
        .await
        .map(|info| atlassian_core::Version::parse_lenient(&info.version))
        .unwrap_or_default();

    list_users(api, &user, &mut report).await;
    administrator(api, &user, &mut report).await;
    group_members(api, &mut report).await;
    space_permissions(api, version.at_least(9, 1, 0), &mut report).await;
    report
}

async fn list_users(api: &ConfluenceClient, me: &ScannedAs, report: &mut Preflight) {
    let others = |users: &[User]| users.iter().any(|u| u.key() != Some(me.key.as_str()));
    let (source, answer) = match first_users(api.user_list()).await {
        Err(e) if e.is_not_found() => ("the user search", first_users(api.search_users()).await),
        answer => ("user/list", answer),
    };
    match answer {
        Ok(users) if others(&users) => report.pass("list users", format!("{source} answers")),
        Ok(_) => report.fail(
            "list users",
            Diagnosis::NoUsers,
            format!("{source} answered no user besides the service account: it may not view users"),
        ),
        Err(e) => report.fail_with("list users", &e, Diagnosis::NoUsers),
    }
}

/// The first few users of a listing.
async fn first_users(
    stream: impl futures::Stream<Item = Result<User, Error>>,
) -> Result<Vec<User>, Error> {
    let mut stream = std::pin::pin!(stream);
    let mut users = Vec::new();
    while let Some(user) = stream.next().await {
        users.push(user?);
        if users.len() >= 5 {
            break;
        }
    }
    Ok(users)
}

async fn administrator(api: &ConfluenceClient, me: &ScannedAs, report: &mut Preflight) {
    match api.member_of(&me.key).try_collect::<Vec<_>>().await {
        Ok(groups)
            if groups
                .iter()
                .any(|g| g.name.eq_ignore_ascii_case("confluence-administrators")) =>
        {
            report.pass(
                "administrator",
                "the service account is in confluence-administrators",
            )
        }
        Ok(_) => report.fail(
            "administrator",
            Diagnosis::Forbidden,
            "the service account is not in confluence-administrators: spaces it cannot view, group members (8.5+) and space permissions are out of reach",
        ),
        Err(e) => report.fail_with("administrator", &e, Diagnosis::Forbidden),
    }
}

async fn group_members(api: &ConfluenceClient, report: &mut Preflight) {
    let mut groups = std::pin::pin!(
        api.groups()
            .try_filter(|g| std::future::ready(member_resource_serves(&g.name)))
    );
    let group = groups.next().await;
    let group = match group {
        Some(Ok(group)) => group,
        Some(Err(e)) if e.is_refused() => {
            report.fail(
                "group members",
                Diagnosis::NoUsers,
                format!("{}: the groups cannot be listed", error_chain(&e)),
            );
            return;
        }
        Some(Err(e)) => {
            report.fail_with("group members", &e, Diagnosis::Forbidden);
            return;
        }
        None => {
            report.fail("group members", Diagnosis::NoUsers, "no group is listed");
            return;
        }
    };
    match std::pin::pin!(api.group_members(&group.name)).next().await {
        None | Some(Ok(_)) => report.pass("group members", "group members are readable"),
        // The token is valid (checked above): this 401 is CONFSERVER-98582.
        Some(Err(e)) if e.is_refused() => report.fail(
            "group members",
            Diagnosis::Forbidden,
            format!(
                "{}: group members need a Confluence administrator (8.5+ answers others 401)",
                error_chain(&e)
            ),
        ),
        Some(Err(e)) => report.fail_with("group members", &e, Diagnosis::Forbidden),
    }
}

async fn space_permissions(api: &ConfluenceClient, rest: bool, report: &mut Preflight) {
    let space = std::pin::pin!(api.spaces(crate::model::SpaceStatus::Current))
        .next()
        .await;
    let key = match space {
        Some(Ok(space)) => space.key,
        None => {
            report.pass("space permissions", "no space is visible to check");
            return;
        }
        Some(Err(e)) => {
            report.fail_with("space permissions", &e, Diagnosis::Forbidden);
            return;
        }
    };
    let name = "space permissions";
    if rest {
        match api.space_permissions(&key).await {
            Ok(_) => return report.pass(name, "space/{key}/permissions answers"),
            Err(e) if e.is_not_found() => {}
            Err(e) => {
                return report.fail(
                    name,
                    Diagnosis::Forbidden,
                    format!(
                        "{}: space permissions need a Confluence administrator (9.1+ answers others 500, CONFSERVER-99908)",
                        error_chain(&e)
                    ),
                );
            }
        }
    }
    match api.space_permission_sets(&key).await {
        Ok(Ok(_)) => report.pass(name, "JSON-RPC getSpacePermissionSets answers"),
        Ok(Err(rpc)) => report.fail(
            name,
            Diagnosis::Forbidden,
            format!("getSpacePermissionSets failed: {rpc}"),
        ),
        Err(e) if e.status().is_some_and(|s| s.as_u16() == 401) => report.fail(
            name,
            Diagnosis::Forbidden,
            "the JSON-RPC bridge answered 401: the Remote API is disabled; enable \"Remote API (XML-RPC & SOAP)\" under General Configuration → Further Configuration",
        ),
        Err(e @ Error::HtmlPage { .. }) => report.fail(
            name,
            Diagnosis::Forbidden,
            format!(
                "{}: secure administrator sessions (WebSudo) block the remote API; disable them under General Configuration → Security Configuration",
                error_chain(&e)
            ),
        ),
        Err(e) => report.fail_with(name, &e, Diagnosis::Forbidden),
    }
}
