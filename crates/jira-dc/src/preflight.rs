//! What the connector's probe and "Test Connection" ask of Jira: is this a Jira (without the
//! token), and can this token run a scan (with it).

use atlassian_core::diagnosis::{Diagnosis, Preflight};
use atlassian_core::{Client, Error, Request};
use futures::StreamExt;

use crate::api::JiraClient;
use crate::model::ServerInfo;

/// What an anonymous look at `serverInfo` says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Detected {
    /// The version.
    pub version: String,
    /// `deploymentType: Cloud`.
    pub cloud: bool,
    /// The server title.
    pub title: Option<String>,
}

/// Asks `serverInfo` without the token. `Ok(None)` when the answer is not Jira's (a 404, an
/// HTML page, another JSON document); errors only for transport failures.
pub async fn detect(client: &Client) -> Result<Option<Detected>, Error> {
    let response = client
        .send(&Request::get("/rest/api/2/serverInfo").without_token())
        .await?;
    if !response.status.is_success() || response.is_html() {
        return Ok(None);
    }
    Ok(response.json::<ServerInfo>().ok().map(|info| Detected {
        cloud: info.deployment_type.as_deref() == Some("Cloud"),
        version: info.version,
        title: info.server_title,
    }))
}

/// Checks with the token what a scan needs: a known user, Browse Users, administrator rights.
pub async fn preflight(api: &JiraClient) -> Preflight {
    let mut report = Preflight::new();
    let me = match api.myself().await {
        Ok(me) if me.key.is_some() || me.name.is_some() => me,
        Ok(_) => {
            report.fail(
                "token",
                Diagnosis::Unauthorized,
                "the current-user call answered without a user: the token was not accepted",
            );
            return report;
        }
        Err(e) if e.is_forbidden() => {
            report.fail(
                "token",
                Diagnosis::Unauthorized,
                format!(
                    "{}; the account may be locked (CAPTCHA) or disabled",
                    atlassian_core::error_chain(&e)
                ),
            );
            return report;
        }
        Err(e) => {
            report.fail_with("token", &e, Diagnosis::Unauthorized);
            return report;
        }
    };
    let user = me.scanned_as();
    report.pass("token", format!("authenticated as {}", user.username));
    report.user = Some(user.clone());

    match api.my_permissions().await {
        Ok(p) if !p.may_browse_users() => {
            report.fail(
                "browse users",
                Diagnosis::NoUsers,
                "the service account lacks the Browse Users global permission",
            );
        }
        Ok(_) => report.pass("browse users", "the service account may browse users"),
        Err(e) => report.fail_with("browse users", &e, Diagnosis::Forbidden),
    }
    match api.user_search(".", 0, 5).await {
        Ok(users) if users.iter().any(|u| u.key.as_ref() != Some(&user.key)) => {
            report.pass("list users", "user search answers")
        }
        Ok(_) => report.fail(
            "list users",
            Diagnosis::NoUsers,
            "user search answered no user besides the service account",
        ),
        Err(e) => report.fail_with("list users", &e, Diagnosis::NoUsers),
    }
    match api.application_roles().await {
        Ok(_) => report.pass("administrator", "application roles are readable"),
        Err(e) if e.is_refused() => report.fail(
            "administrator",
            Diagnosis::Forbidden,
            format!(
                "{}: the service account is not a Jira administrator",
                atlassian_core::error_chain(&e)
            ),
        ),
        Err(e) => report.fail_with("administrator", &e, Diagnosis::Forbidden),
    }
    match api.group_picker("", 1).await {
        Ok(groups) => match groups.groups.first() {
            Some(group) => match std::pin::pin!(api.group_members(&group.name)).next().await {
                None | Some(Ok(_)) => report.pass("group members", "group members are readable"),
                Some(Err(e)) if e.is_refused() => report.fail(
                    "group members",
                    Diagnosis::Forbidden,
                    format!(
                        "{}: group members need a Jira administrator",
                        atlassian_core::error_chain(&e)
                    ),
                ),
                Some(Err(e)) => report.fail_with("group members", &e, Diagnosis::Forbidden),
            },
            None => report.fail(
                "group members",
                Diagnosis::NoUsers,
                "the group picker lists no group",
            ),
        },
        Err(e) => report.fail_with("group members", &e, Diagnosis::NoUsers),
    }
    report
}
