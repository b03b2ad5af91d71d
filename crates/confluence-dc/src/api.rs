//! [`ConfluenceClient`]: one typed method or paging stream per REST resource the scan reads,
//! and the one JSON-RPC method it needs.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use atlassian_core::paging::{self, PagingStyle};
use atlassian_core::target::encode_path_segment;
use atlassian_core::{Client, Error, Request};
use futures::{Stream, StreamExt};
use serde_json::json;

use crate::model::{
    Group, JsonRpcResponse, LegacyPermissionSet, ListOrPage, RestPermission, RpcError,
    SearchResult, SearchTotal, ServerInformation, Space, SpaceStatus, User,
};

/// Page size of `user/list` (the server caps it at 200, silently).
pub const USER_LIST_PAGE: u32 = 200;
/// Page size of `group` (the server's maximum).
pub const GROUP_PAGE: u32 = 200;
/// Page size of `group/{name}/member` (silently capped at 200).
pub const GROUP_MEMBER_PAGE: u32 = 200;
/// Page size of `user/memberof`.
pub const MEMBER_OF_PAGE: u32 = 200;
/// Page size of `space` (capped at 100).
pub const SPACE_PAGE: u32 = 100;
/// Page size of the CQL search (capped at 100).
pub const SEARCH_PAGE: u32 = 100;

/// The JSON-RPC bridge to the remote API.
pub const JSON_RPC_PATH: &str = "/rpc/json-rpc/confluenceservice-v2";

/// Confluence's REST API (and its JSON-RPC bridge) over an [`atlassian_core::Client`].
#[derive(Clone, Debug)]
pub struct ConfluenceClient {
    client: Client,
    /// The next JSON-RPC request id.
    rpc_id: Arc<AtomicU64>,
}

fn user_key(user: &User) -> String {
    user.user_key.clone().unwrap_or_default()
}

fn group_name(group: &Group) -> String {
    group.name.to_lowercase()
}

impl ConfluenceClient {
    /// Wraps a client whose base URL is the Confluence base URL (context path included, no
    /// `/wiki`).
    pub fn new(client: Client) -> Self {
        Self {
            client,
            rpc_id: Arc::new(AtomicU64::new(1)),
        }
    }

    /// The underlying client.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// `GET /rest/api/server-information`.
    pub async fn server_information(&self) -> Result<ServerInformation, Error> {
        self.client
            .get_json(&Request::get("/rest/api/server-information"))
            .await
    }

    /// `GET /rest/api/user/current?expand=status`: the caller, or `type: anonymous` when the
    /// server did not accept the token and lets anonymous users in (check
    /// [`User::is_known`]).
    pub async fn current_user(&self) -> Result<User, Error> {
        self.client
            .get_json(&Request::get("/rest/api/user/current").query("expand", "status"))
            .await
    }

    /// `GET /rest/api/user/list?expand=status`: every user, deactivated ones included (8.4+;
    /// a 404 before). A caller who may not view users gets an empty list, not an error.
    pub fn user_list(&self) -> impl Stream<Item = Result<User, Error>> + Send + 'static {
        paging::items(
            &self.client,
            Request::get("/rest/api/user/list").query("expand", "status"),
            PagingStyle::Confluence,
            USER_LIST_PAGE,
            user_key,
        )
    }

    /// `GET <path>?expand=lastLogin,status`: the administrator list of active licensed users
    /// with their last logins (`/rest/api/admin/users/list/active`, documented in the 10.2
    /// reference; CONFSERVER-37100 names `/rest/api/user/list/active`). Administrators only.
    pub fn active_users(
        &self,
        path: &'static str,
    ) -> impl Stream<Item = Result<User, Error>> + Send + 'static {
        paging::items(
            &self.client,
            Request::get(path).query("expand", "lastLogin,status"),
            PagingStyle::Confluence,
            USER_LIST_PAGE,
            user_key,
        )
    }

    /// `GET /rest/api/search?cql=type=user`: the users of the search index (no status).
    pub fn search_users(&self) -> impl Stream<Item = Result<User, Error>> + Send + 'static {
        paging::items(
            &self.client,
            Request::get("/rest/api/search").query("cql", "type=user"),
            PagingStyle::Confluence,
            SEARCH_PAGE,
            |r: &SearchResult| match r.user.as_ref().and_then(User::key) {
                Some(key) => key.to_owned(),
                None => format!("(no user) {}", r.title.as_deref().unwrap_or_default()),
            },
        )
        .filter_map(|r| async move {
            match r {
                Ok(result) => result.user.filter(|u| u.key().is_some()).map(Ok),
                Err(e) => Some(Err(e)),
            }
        })
    }

    /// The `totalSize` the CQL user search states (one result asked for).
    pub async fn search_users_total(&self) -> Result<Option<u64>, Error> {
        let page: SearchTotal = self
            .client
            .get_json(
                &Request::get("/rest/api/search")
                    .query("cql", "type=user")
                    .query("limit", 1),
            )
            .await?;
        Ok(page.total_size)
    }

    /// `GET /rest/api/user?username=…&expand=status`: one user, `None` when there is none.
    pub async fn user_by_username(&self, username: &str) -> Result<Option<User>, Error> {
        self.one_user("username", username).await
    }

    /// `GET /rest/api/user?key=…&expand=status`: one user, `None` when there is none.
    pub async fn user_by_key(&self, key: &str) -> Result<Option<User>, Error> {
        self.one_user("key", key).await
    }

    async fn one_user(&self, by: &str, value: &str) -> Result<Option<User>, Error> {
        let request = Request::get("/rest/api/user")
            .query(by, value)
            .query("expand", "status");
        self.client.get_json_optional(&request).await
    }

    /// `GET /rest/api/user/memberof?key=…`: the user's direct groups.
    pub fn member_of(
        &self,
        key: &str,
    ) -> impl Stream<Item = Result<Group, Error>> + Send + 'static {
        paging::items(
            &self.client,
            Request::get("/rest/api/user/memberof").query("key", key),
            PagingStyle::Confluence,
            MEMBER_OF_PAGE,
            group_name,
        )
    }

    /// `GET /rest/api/group`: every group.
    pub fn groups(&self) -> impl Stream<Item = Result<Group, Error>> + Send + 'static {
        paging::items(
            &self.client,
            Request::get("/rest/api/group"),
            PagingStyle::Confluence,
            GROUP_PAGE,
            group_name,
        )
    }

    /// `GET /rest/api/group/{name}/member?expand=status`: the group's DIRECT members.
    /// Administrators only from 8.5 (a non-administrator gets 401, CONFSERVER-98582); a name
    /// with `/`, `\` or `;` cannot be served (see [`member_resource_serves`]).
    pub fn group_members(
        &self,
        group: &str,
    ) -> impl Stream<Item = Result<User, Error>> + Send + 'static {
        paging::items(
            &self.client,
            Request::get(format!(
                "/rest/api/group/{}/member",
                encode_path_segment(group)
            ))
            .query("expand", "status"),
            PagingStyle::Confluence,
            GROUP_MEMBER_PAGE,
            user_key,
        )
    }

    /// `GET /rest/api/group/member?groupName=…&expand=status`: the same members as
    /// [`group_members`](Self::group_members), the name a query parameter, so any name can be
    /// served. In the 10.2 reference and not in 9.4's; where the server has no such resource,
    /// see [`has_member_query`](Self::has_member_query).
    pub fn group_members_by_query(
        &self,
        group: &str,
    ) -> impl Stream<Item = Result<User, Error>> + Send + 'static {
        paging::items(
            &self.client,
            Request::get("/rest/api/group/member")
                .query("groupName", group)
                .query("expand", "status"),
            PagingStyle::Confluence,
            GROUP_MEMBER_PAGE,
            user_key,
        )
    }

    /// Whether the server answers `group/member?groupName=` (asked with one member of an
    /// existing `group`): `true` for a page of the usual envelope; `false` for a 400, 404 or 405,
    /// and for a 200 that is not a page — before the query form existed the path reads as
    /// `group/{groupName}` with the name `member`, which is a 404, or the group `member` when
    /// one exists. A refusal (401, 403) or any other failure is the error.
    pub async fn has_member_query(&self, group: &str) -> Result<bool, Error> {
        #[derive(serde::Deserialize)]
        struct Envelope {
            #[allow(dead_code)]
            results: Vec<serde_json::Value>,
        }
        let request = Request::get("/rest/api/group/member")
            .query("groupName", group)
            .query("limit", 1);
        match self.client.get_json::<Envelope>(&request).await {
            Ok(_) => Ok(true),
            Err(Error::Decode { .. } | Error::HtmlPage { .. }) => Ok(false),
            Err(e)
                if matches!(
                    e.status().map(|s| s.as_u16()),
                    Some(400) | Some(404) | Some(405)
                ) =>
            {
                Ok(false)
            }
            Err(e) => Err(e),
        }
    }

    /// `GET /rest/api/space?status=…`: the spaces of that status the caller may view, global
    /// and personal.
    pub fn spaces(
        &self,
        status: SpaceStatus,
    ) -> impl Stream<Item = Result<Space, Error>> + Send + 'static {
        paging::items(
            &self.client,
            Request::get("/rest/api/space").query("status", status.as_str()),
            PagingStyle::Confluence,
            SPACE_PAGE,
            |s: &Space| s.key.clone(),
        )
    }

    /// `GET /rest/api/space/{key}/permissions` (9.1+, administrators only): the space's user
    /// and group grants, not paged.
    pub async fn space_permissions(&self, space: &str) -> Result<Vec<RestPermission>, Error> {
        let list: ListOrPage<RestPermission> = self
            .client
            .get_json(&Request::get(format!(
                "/rest/api/space/{}/permissions",
                encode_path_segment(space)
            )))
            .await?;
        Ok(list.into_vec())
    }

    /// `GET /rest/api/space/{key}/permissions/anonymous` (9.1+): the space's anonymous grants.
    pub async fn space_anonymous_permissions(
        &self,
        space: &str,
    ) -> Result<Vec<RestPermission>, Error> {
        let list: ListOrPage<RestPermission> = self
            .client
            .get_json(&Request::get(format!(
                "/rest/api/space/{}/permissions/anonymous",
                encode_path_segment(space)
            )))
            .await?;
        Ok(list.into_vec())
    }

    /// `GET /rest/api/permissions` (9.3+): the global permissions; `None` where the server
    /// has no such resource (404).
    pub async fn global_permissions(&self) -> Result<Option<Vec<RestPermission>>, Error> {
        self.global_permissions_at("/rest/api/permissions").await
    }

    /// `GET /rest/api/permissions/anonymous` (9.3+): the global permissions of anonymous users;
    /// `None` on a 404.
    pub async fn global_anonymous_permissions(&self) -> Result<Option<Vec<RestPermission>>, Error> {
        self.global_permissions_at("/rest/api/permissions/anonymous")
            .await
    }

    /// `GET /rest/api/permissions/unlicensed` (9.3+): the global permissions of unlicensed
    /// authenticated users; `None` on a 404.
    pub async fn global_unlicensed_permissions(
        &self,
    ) -> Result<Option<Vec<RestPermission>>, Error> {
        self.global_permissions_at("/rest/api/permissions/unlicensed")
            .await
    }

    async fn global_permissions_at(
        &self,
        path: &str,
    ) -> Result<Option<Vec<RestPermission>>, Error> {
        Ok(self
            .client
            .get_json_optional::<ListOrPage<RestPermission>>(&Request::get(path))
            .await?
            .map(ListOrPage::into_vec))
    }

    /// JSON-RPC `getSpacePermissionSets(spaceKey)`: one set per legacy permission type, holders
    /// named by USERNAME.
    ///
    /// The outer `Result` is HTTP: a 401 means the Remote API is disabled (check the token
    /// first), an [`Error::HtmlPage`] with 200 is the WebSudo prompt. The inner one is the
    /// remote API's own answer: an `error` member (not an administrator, no such space).
    pub async fn space_permission_sets(
        &self,
        space: &str,
    ) -> Result<Result<Vec<LegacyPermissionSet>, RpcError>, Error> {
        let id = self.rpc_id.fetch_add(1, Ordering::Relaxed);
        let body = json!({
            "jsonrpc": "2.0",
            "method": "getSpacePermissionSets",
            "id": id,
            "params": [space],
        });
        let answer: JsonRpcResponse<Vec<LegacyPermissionSet>> = self
            .client
            .send(&Request::post_json(JSON_RPC_PATH, &body))
            .await?
            .error_for_status()?
            .json()?;
        Ok(match (answer.result, answer.error) {
            (_, Some(error)) => Err(error),
            (Some(sets), None) => Ok(sets),
            (None, None) => Err(RpcError {
                code: None,
                message: Some("the answer holds neither a result nor an error".to_owned()),
            }),
        })
    }
}

/// Whether `GET /rest/api/group/{name}/member` can serve this group: Tomcat refuses an encoded
/// `/` or `\` in a path (400), a double-encoded one finds nothing (CONFSERVER-54066), `;`
/// starts a path parameter that the servlet container strips, and the names `.` and `..` are
/// dot segments that URL normalisation removes (`group/./member` would be `group/member`).
pub fn member_resource_serves(group: &str) -> bool {
    !group.contains(['/', '\\', ';']) && group != "." && group != ".."
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_the_member_resource_cannot_serve() {
        assert!(member_resource_serves("confluence-users"));
        assert!(member_resource_serves("R&D docs 3"));
        assert!(member_resource_serves("proj:infra:4"));
        assert!(!member_resource_serves("eng/platform-3"));
        assert!(!member_resource_serves("a\\b"));
        assert!(!member_resource_serves("a;b"));
        assert!(!member_resource_serves("."));
        assert!(!member_resource_serves(".."));
        assert!(member_resource_serves("..."));
        assert!(member_resource_serves("v1.2"));
    }
}
