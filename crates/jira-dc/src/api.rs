//! [`JiraClient`]: one typed method or paging stream per REST resource the scan reads.

use std::collections::BTreeMap;

use atlassian_core::paging::{self, PagingStyle};
use atlassian_core::target::encode_path_segment;
use atlassian_core::{Client, Error, Request};
use futures::Stream;

use crate::model::{
    ApplicationRole, GlobalRole, GroupSuggestions, MyPermissions, PermissionSchemes, Project,
    ProjectRole, SchemeRef, ServerInfo, User,
};

/// Page size of `group/member` (the server's maximum).
pub const GROUP_MEMBER_PAGE: u32 = 50;
/// Page size of `user/list` (the server's maximum).
pub const USER_LIST_PAGE: u32 = 2000;

/// Jira's REST API over an [`atlassian_core::Client`].
#[derive(Clone, Debug)]
pub struct JiraClient {
    client: Client,
}

fn user_key(user: &User) -> String {
    user.key
        .clone()
        .or_else(|| user.name.clone())
        .unwrap_or_default()
}

impl JiraClient {
    /// Wraps a client whose base URL is the Jira base URL (context path included).
    pub fn new(client: Client) -> Self {
        Self { client }
    }

    /// The underlying client.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// `GET /rest/api/2/serverInfo`.
    pub async fn server_info(&self) -> Result<ServerInfo, Error> {
        self.client
            .get_json(&Request::get("/rest/api/2/serverInfo"))
            .await
    }

    /// `GET /rest/api/2/myself` (never anonymous: a failed token is a 401).
    pub async fn myself(&self) -> Result<User, Error> {
        self.client
            .get_json(&Request::get("/rest/api/2/myself"))
            .await
    }

    /// `GET /rest/api/2/mypermissions`: the caller's global permissions.
    pub async fn my_permissions(&self) -> Result<MyPermissions, Error> {
        self.client
            .get_json(&Request::get("/rest/api/2/mypermissions"))
            .await
    }

    /// `GET /rest/api/2/user/list`: every user (10.3 late patches and 11.x; a 404 elsewhere).
    pub fn user_list(&self) -> impl Stream<Item = Result<User, Error>> + Send + 'static {
        paging::items(
            &self.client,
            Request::get("/rest/api/2/user/list"),
            PagingStyle::JiraCursor,
            USER_LIST_PAGE,
            user_key,
        )
    }

    /// One page of `GET /rest/api/2/user/search` (inactive users included). The server caps
    /// the results silently; the caller decides what a full page means.
    pub async fn user_search(
        &self,
        query: &str,
        start_at: u64,
        max_results: u32,
    ) -> Result<Vec<User>, Error> {
        self.user_search_by_status(query, start_at, max_results, true, true)
            .await
    }

    /// [`Self::user_search`] for active users, inactive users, or both (`includeActive`,
    /// `includeInactive`).
    pub async fn user_search_by_status(
        &self,
        query: &str,
        start_at: u64,
        max_results: u32,
        active: bool,
        inactive: bool,
    ) -> Result<Vec<User>, Error> {
        self.client
            .get_json(
                &Request::get("/rest/api/2/user/search")
                    .query("username", query)
                    .query("includeActive", active)
                    .query("includeInactive", inactive)
                    .query("startAt", start_at)
                    .query("maxResults", max_results),
            )
            .await
    }

    /// `GET /rest/api/2/user?username=…`: one user, `None` when there is none.
    pub async fn user_by_username(&self, username: &str) -> Result<Option<User>, Error> {
        self.client
            .get_json_optional(&Request::get("/rest/api/2/user").query("username", username))
            .await
    }

    /// `GET /rest/api/2/user?key=…`: one user by key, `None` when there is none.
    pub async fn user_by_key(&self, key: &str) -> Result<Option<User>, Error> {
        self.client
            .get_json_optional(&Request::get("/rest/api/2/user").query("key", key))
            .await
    }

    /// `GET /rest/api/2/groups/picker`: one shot, no paging; check `total`.
    pub async fn group_picker(
        &self,
        query: &str,
        max_results: u32,
    ) -> Result<GroupSuggestions, Error> {
        self.client
            .get_json(
                &Request::get("/rest/api/2/groups/picker")
                    .query("query", query)
                    .query("maxResults", max_results),
            )
            .await
    }

    /// `GET /rest/api/2/group/member`: the group's members, nested groups' members and inactive
    /// users included, 50 a page.
    pub fn group_members(
        &self,
        group: &str,
    ) -> impl Stream<Item = Result<User, Error>> + Send + 'static {
        self.group_members_watched(group, None)
    }

    /// As [`group_members`](Self::group_members), telling `watch` the `total` each page states
    /// (a changed total: the group changed while it was read).
    pub fn group_members_watched(
        &self,
        group: &str,
        watch: Option<paging::TotalWatch>,
    ) -> impl Stream<Item = Result<User, Error>> + Send + 'static {
        paging::items_watched(
            &self.client,
            Request::get("/rest/api/2/group/member")
                .query("groupname", group)
                .query("includeInactiveUsers", "true"),
            PagingStyle::JiraPageBean,
            GROUP_MEMBER_PAGE,
            user_key,
            watch,
        )
    }

    /// `GET /rest/api/2/project?includeArchived=true`.
    pub async fn projects(&self) -> Result<Vec<Project>, Error> {
        self.client
            .get_json(&Request::get("/rest/api/2/project").query("includeArchived", "true"))
            .await
    }

    /// `GET /rest/api/2/role`: the global roles (their actors are defaults, not memberships).
    pub async fn roles(&self) -> Result<Vec<GlobalRole>, Error> {
        self.client
            .get_json(&Request::get("/rest/api/2/role"))
            .await
    }

    /// `GET /rest/api/2/project/{key}/role`: role name → role id, parsed from the URLs' last
    /// segment.
    pub async fn project_roles(&self, project: &str) -> Result<BTreeMap<String, u64>, Error> {
        let map: BTreeMap<String, String> = self
            .client
            .get_json(&Request::get(format!(
                "/rest/api/2/project/{}/role",
                encode_path_segment(project)
            )))
            .await?;
        Ok(map
            .into_iter()
            .filter_map(|(name, url)| {
                let id = url.trim_end_matches('/').rsplit('/').next()?.parse().ok()?;
                Some((name, id))
            })
            .collect())
    }

    /// `GET /rest/api/2/project/{key}/role/{id}`: the role's actors in that project.
    pub async fn project_role(&self, project: &str, role: u64) -> Result<ProjectRole, Error> {
        self.client
            .get_json(&Request::get(format!(
                "/rest/api/2/project/{}/role/{role}",
                encode_path_segment(project)
            )))
            .await
    }

    /// `GET /rest/api/2/applicationrole` (administrators only).
    pub async fn application_roles(&self) -> Result<Vec<ApplicationRole>, Error> {
        self.client
            .get_json(&Request::get("/rest/api/2/applicationrole"))
            .await
    }

    /// `GET /rest/api/2/permissionscheme?expand=permissions`: every scheme with its grants.
    pub async fn permission_schemes(&self) -> Result<PermissionSchemes, Error> {
        self.client
            .get_json(&Request::get("/rest/api/2/permissionscheme").query("expand", "permissions"))
            .await
    }

    /// `GET /rest/api/2/project/{key}/permissionscheme`, without `expand` (`expand=all` fails
    /// with 500 on some builds).
    pub async fn project_permission_scheme(&self, project: &str) -> Result<SchemeRef, Error> {
        self.client
            .get_json(&Request::get(format!(
                "/rest/api/2/project/{}/permissionscheme",
                encode_path_segment(project)
            )))
            .await
    }
}
