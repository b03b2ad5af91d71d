//! Confluence Data Center's REST and JSON-RPC resources, typed as the server sends them
//! (`/rest/api`, `/rpc/json-rpc/confluenceservice-v2`).
//!
//! Fields that vary between versions are `Option` with `#[serde(default)]`; unknown fields are
//! ignored. Shapes follow the Data Center reference (not Cloud: no `accountId`, no e-mail, no
//! `/wiki` prefix).

use serde::Deserialize;

/// `GET /rest/api/server-information`.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct ServerInformation {
    /// The configured base URL (may differ from the address the scan uses).
    #[serde(default)]
    pub base_url: Option<String>,
    /// `8.5.17`.
    pub version: String,
}

/// A user object (`user/current`, `user`, `user/list`, `group/{name}/member`, the user of a
/// CQL search result).
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct User {
    /// `known` for a real user, `anonymous` when the server did not accept the token.
    #[serde(default, rename = "type")]
    pub user_type: Option<String>,
    /// The login name (renamable).
    #[serde(default)]
    pub username: Option<String>,
    /// The stable key.
    #[serde(default)]
    pub user_key: Option<String>,
    /// Display name.
    #[serde(default)]
    pub display_name: Option<String>,
    /// `Active` or `Deactivated`, with `expand=status` on 8.4+ only.
    #[serde(default)]
    pub status: Option<String>,
    /// The last login, in the administrator list of active users with `expand=lastLogin`
    /// (10.2 reference); its format is not documented, so it is kept as sent.
    #[serde(default)]
    pub last_login: Option<serde_json::Value>,
}

impl User {
    /// The user key, when present and not empty.
    pub fn key(&self) -> Option<&str> {
        self.user_key.as_deref().filter(|k| !k.is_empty())
    }

    /// Whether the account may log in, from `status`; `None` when the server did not say
    /// (before 8.4, or without `expand=status`).
    pub fn active(&self) -> Option<bool> {
        match self.status.as_deref()?.trim().to_ascii_lowercase().as_str() {
            "active" => Some(true),
            "deactivated" | "inactive" | "disabled" => Some(false),
            _ => None,
        }
    }

    /// `type` is `known` and the key is present: the answer is about a real user.
    pub fn is_known(&self) -> bool {
        self.user_type.as_deref() == Some("known") && self.key().is_some()
    }
}

/// One result of `GET /rest/api/search?cql=type=user`.
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct SearchResult {
    /// The user, for a user result.
    #[serde(default)]
    pub user: Option<User>,
    /// `user` for a user result.
    #[serde(default)]
    pub entity_type: Option<String>,
    /// The result's title (the display name, for a user).
    #[serde(default)]
    pub title: Option<String>,
}

/// The envelope of `GET /rest/api/search`, for its stated total.
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct SearchTotal {
    /// Every match, not only those on the page.
    #[serde(default)]
    pub total_size: Option<u64>,
}

/// A group (`group`, `user/memberof`).
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
pub struct Group {
    /// The name, as the server spells it.
    pub name: String,
}

/// Which spaces `GET /rest/api/space` lists.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SpaceStatus {
    /// `status=current` (the server's default).
    Current,
    /// `status=archived` (listed only when asked for).
    Archived,
}

impl SpaceStatus {
    /// The query value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Current => "current",
            Self::Archived => "archived",
        }
    }
}

/// A space of `GET /rest/api/space`.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
pub struct Space {
    /// Id.
    #[serde(default)]
    pub id: Option<u64>,
    /// Key (`DOC`, `~alice` for a personal space).
    pub key: String,
    /// Name.
    #[serde(default)]
    pub name: Option<String>,
    /// `global` or `personal`.
    #[serde(default, rename = "type")]
    pub space_type: Option<String>,
    /// `current` or `archived`, where the server says.
    #[serde(default)]
    pub status: Option<String>,
}

/// A REST space permission (9.1+) or global permission (9.3+).
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct RestPermission {
    /// What is permitted.
    pub operation: Operation,
    /// To whom.
    pub subject: PermissionSubject,
    /// The space, for a space permission.
    #[serde(default)]
    pub space_key: Option<String>,
}

/// `{"targetType":"space","operationKey":"read"}`.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Operation {
    /// `space`, `page`, `blogpost`, `comment`, `attachment`, …
    pub target_type: String,
    /// `read`, `create`, `delete`, `administer`, …
    pub operation_key: String,
}

/// The subject of a REST permission: a user carries only its `userKey` (CONFSERVER-100505).
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct PermissionSubject {
    /// `user`, `group`, `anonymous`.
    #[serde(default, rename = "type")]
    pub subject_type: Option<String>,
    /// A user's key.
    #[serde(default)]
    pub user_key: Option<String>,
    /// A group's name.
    #[serde(default)]
    pub name: Option<String>,
    /// A user's name, where a server adds it.
    #[serde(default)]
    pub username: Option<String>,
}

/// A list that a server sends bare or inside the paged envelope.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(untagged)]
pub enum ListOrPage<T> {
    /// `[…]`.
    List(Vec<T>),
    /// `{"results":[…]}`.
    Page {
        /// The items.
        results: Vec<T>,
    },
}

impl<T> ListOrPage<T> {
    /// The items.
    pub fn into_vec(self) -> Vec<T> {
        match self {
            Self::List(items) | Self::Page { results: items } => items,
        }
    }
}

/// A JSON-RPC 2.0 answer: `result` or `error`.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
pub struct JsonRpcResponse<T> {
    /// The method's answer (a missing member reads as `None`).
    pub result: Option<T>,
    /// The failure, in a 200.
    #[serde(default)]
    pub error: Option<RpcError>,
}

/// A JSON-RPC `error` member. The remote API reports its Java exceptions here
/// (`com.atlassian.confluence.rpc.NotPermittedException: …`).
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
pub struct RpcError {
    /// The code.
    #[serde(default)]
    pub code: Option<i64>,
    /// The message, naming the exception.
    #[serde(default)]
    pub message: Option<String>,
}

impl RpcError {
    /// The message, or a placeholder.
    pub fn text(&self) -> &str {
        self.message.as_deref().unwrap_or("(no message)")
    }

    /// The caller lacks the rights (not an administrator of the instance or the space).
    pub fn is_not_permitted(&self) -> bool {
        self.text().contains("NotPermittedException")
    }

    /// The space does not exist (any more).
    pub fn is_no_such_space(&self) -> bool {
        self.text().contains("No space found")
    }
}

impl std::fmt::Display for RpcError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.code {
            Some(code) => write!(f, "JSON-RPC error {code}: {}", self.text()),
            None => write!(f, "JSON-RPC error: {}", self.text()),
        }
    }
}

/// One set of `getSpacePermissionSets`: every holder of one legacy permission type.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct LegacyPermissionSet {
    /// The legacy name (`VIEWSPACE`, `EDITSPACE`, …).
    #[serde(rename = "type")]
    pub permission_type: String,
    /// Its holders.
    #[serde(default)]
    pub space_permissions: Vec<LegacySpacePermission>,
}

/// One holder of a legacy permission: a USERNAME (not a key), a group name, or neither
/// (anonymous).
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct LegacySpacePermission {
    /// The legacy name again.
    #[serde(default, rename = "type")]
    pub permission_type: Option<String>,
    /// The holder's username.
    #[serde(default)]
    pub user_name: Option<String>,
    /// The holder group's name.
    #[serde(default)]
    pub group_name: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_maps_to_active_and_nothing_is_guessed() {
        let user = |status: Option<&str>| User {
            status: status.map(str::to_owned),
            ..User::default()
        };
        assert_eq!(user(Some("Active")).active(), Some(true));
        assert_eq!(user(Some("Deactivated")).active(), Some(false));
        assert_eq!(user(None).active(), None);
        assert_eq!(user(Some("Shadowed")).active(), None);
    }

    #[test]
    fn json_rpc_answers_decode() {
        let ok: JsonRpcResponse<Vec<LegacyPermissionSet>> = serde_json::from_str(
            r#"{"jsonrpc":"2.0","id":7,"result":[{"type":"EXPORTSPACE","spacePermissions":[
               {"type":"EXPORTSPACE","userName":null,"groupName":null}]}]}"#,
        )
        .unwrap();
        assert_eq!(ok.result.unwrap()[0].space_permissions.len(), 1);
        let failed: JsonRpcResponse<Vec<LegacyPermissionSet>> = serde_json::from_str(
            r#"{"jsonrpc":"2.0","id":7,"error":{"code":500,"message":"com.atlassian.confluence.rpc.NotPermittedException: no"}}"#,
        )
        .unwrap();
        assert!(failed.result.is_none());
        assert!(failed.error.unwrap().is_not_permitted());
    }
}
