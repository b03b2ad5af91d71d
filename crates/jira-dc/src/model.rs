//! Jira Data Center's REST resources, typed as the server sends them (`/rest/api/2`).
//!
//! Fields that vary between versions are `Option` with `#[serde(default)]`; unknown fields are
//! ignored. Shapes follow the Data Center reference (not Cloud: no `accountId`, no `groupId`,
//! role actors without `actorUser`).

use std::collections::BTreeMap;

use serde::Deserialize;

/// `GET /rest/api/2/serverInfo`.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct ServerInfo {
    /// The configured base URL (may differ from the address the scan uses).
    #[serde(default)]
    pub base_url: Option<String>,
    /// `9.12.2`.
    pub version: String,
    /// `[9, 12, 2]`.
    #[serde(default)]
    pub version_numbers: Vec<u32>,
    /// `Server` on Data Center too; only `Cloud` means Cloud.
    #[serde(default)]
    pub deployment_type: Option<String>,
    /// Build number.
    #[serde(default)]
    pub build_number: Option<u64>,
    /// The instance's title.
    #[serde(default)]
    pub server_title: Option<String>,
}

impl ServerInfo {
    /// The version, from `versionNumbers` or else the version text.
    pub fn version(&self) -> atlassian_core::Version {
        if self.version_numbers.is_empty() {
            atlassian_core::Version::parse_lenient(&self.version)
        } else {
            atlassian_core::Version::from_parts(&self.version_numbers)
        }
    }
}

impl User {
    /// The account a scan runs as: its key (the username on servers without keys).
    pub fn scanned_as(&self) -> atlassian_core::inventory::ScannedAs {
        atlassian_core::inventory::ScannedAs {
            key: self
                .key
                .clone()
                .or_else(|| self.name.clone())
                .unwrap_or_default(),
            username: self.name.clone().unwrap_or_default(),
        }
    }
}

/// A user bean (`myself`, `user`, `user/search`, `user/list`, `group/member`).
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct User {
    /// The stable key (`JIRAUSER10100`, or a legacy lower-case username).
    #[serde(default)]
    pub key: Option<String>,
    /// The username (renamable).
    #[serde(default)]
    pub name: Option<String>,
    /// Empty or absent when hidden.
    #[serde(default)]
    pub email_address: Option<String>,
    /// Display name.
    #[serde(default)]
    pub display_name: Option<String>,
    /// Active.
    #[serde(default)]
    pub active: Option<bool>,
    /// Removed from the directory but still referenced.
    #[serde(default)]
    pub deleted: Option<bool>,
    /// The last login, in the 11.3 specification's user object (reference §13: whether it is
    /// filled for users other than the caller is not documented; read when present).
    #[serde(default)]
    pub last_login_time: Option<String>,
}

/// `GET /rest/api/2/groups/picker`.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
pub struct GroupSuggestions {
    /// `Showing X of Y matching groups`.
    #[serde(default)]
    pub header: Option<String>,
    /// Y: every match, not only those returned.
    #[serde(default)]
    pub total: Option<u64>,
    /// The groups returned (at most `maxResults`, no paging).
    #[serde(default)]
    pub groups: Vec<GroupSuggestion>,
}

/// One group of the picker.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
pub struct GroupSuggestion {
    /// The name (use this, not `html`).
    pub name: String,
}

/// `GET /rest/api/2/project` item.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Project {
    /// Key (`ENG`).
    pub key: String,
    /// Name.
    #[serde(default)]
    pub name: Option<String>,
    /// Archived (listed only with `includeArchived=true`).
    #[serde(default)]
    pub archived: Option<bool>,
}

/// `GET /rest/api/2/role` item: a global project role.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
pub struct GlobalRole {
    /// Id.
    pub id: u64,
    /// Name.
    pub name: String,
}

/// `GET /rest/api/2/project/{key}/role/{id}`.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
pub struct ProjectRole {
    /// Id.
    pub id: u64,
    /// Name.
    pub name: String,
    /// Who holds it in this project.
    #[serde(default)]
    pub actors: Vec<RoleActor>,
}

/// A role actor, Data Center shape.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct RoleActor {
    /// `atlassian-user-role-actor` or `atlassian-group-role-actor`.
    #[serde(rename = "type")]
    pub actor_type: String,
    /// Username (users; `""` for a user deleted from the directory) or group name.
    #[serde(default)]
    pub name: Option<String>,
    /// Display name (the group name for groups).
    #[serde(default)]
    pub display_name: Option<String>,
}

/// The user actor type.
pub const USER_ACTOR: &str = "atlassian-user-role-actor";
/// The group actor type.
pub const GROUP_ACTOR: &str = "atlassian-group-role-actor";

/// `GET /rest/api/2/applicationrole` item.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct ApplicationRole {
    /// `jira-software`.
    pub key: String,
    /// `Jira Software`.
    #[serde(default)]
    pub name: Option<String>,
    /// Groups that grant access.
    #[serde(default)]
    pub groups: Vec<String>,
}

/// `GET /rest/api/2/permissionscheme?expand=permissions`.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct PermissionSchemes {
    /// The schemes.
    #[serde(default)]
    pub permission_schemes: Vec<PermissionScheme>,
}

/// A permission scheme.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
pub struct PermissionScheme {
    /// Id.
    pub id: u64,
    /// Name.
    #[serde(default)]
    pub name: Option<String>,
    /// Grants (present with `expand=permissions`).
    #[serde(default)]
    pub permissions: Option<Vec<PermissionGrant>>,
}

/// One grant of a scheme.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
pub struct PermissionGrant {
    /// Permission key (`BROWSE_PROJECTS`).
    pub permission: String,
    /// Who holds it.
    pub holder: Holder,
}

/// A grant's holder.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Holder {
    /// `group`, `user`, `projectRole`, `applicationRole`, `anyone`, `reporter`, …
    #[serde(rename = "type")]
    pub holder_type: String,
    /// Group name, user key, role id, application key, custom field id.
    #[serde(default)]
    pub parameter: Option<String>,
    /// The role, when expanded.
    #[serde(default)]
    pub project_role: Option<GlobalRole>,
}

/// `GET /rest/api/2/project/{key}/permissionscheme` (without expansion).
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
pub struct SchemeRef {
    /// Scheme id.
    pub id: u64,
}

/// `GET /rest/api/2/mypermissions`.
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
pub struct MyPermissions {
    /// By permission key.
    #[serde(default)]
    pub permissions: BTreeMap<String, MyPermission>,
}

impl MyPermissions {
    /// Whether the caller holds `key`.
    pub fn has(&self, key: &str) -> bool {
        self.permissions.get(key).is_some_and(|p| p.have_permission)
    }

    /// Whether the server said anything (an old server, or an error, leaves this empty: then
    /// the rights are assumed and the endpoints say no).
    pub fn is_known(&self) -> bool {
        !self.permissions.is_empty()
    }

    /// Browse Users, or administrator rights that include it (assumed when not known).
    pub fn may_browse_users(&self) -> bool {
        !self.is_known()
            || ["USER_PICKER", "ADMINISTER", "SYSTEM_ADMIN"]
                .iter()
                .any(|k| self.has(k))
    }

    /// Jira administrator or system administrator (assumed when not known).
    pub fn is_admin(&self) -> bool {
        !self.is_known() || self.has("ADMINISTER") || self.has("SYSTEM_ADMIN")
    }
}

/// One permission of `mypermissions`.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct MyPermission {
    /// Held.
    #[serde(default)]
    pub have_permission: bool,
}

/// An active user for unit tests: key the upper-cased username.
#[cfg(test)]
pub(crate) fn test_user(name: &str, email: Option<&str>, display: &str) -> User {
    User {
        key: Some(name.to_uppercase()),
        name: Some(name.to_owned()),
        email_address: email.map(str::to_owned),
        display_name: Some(display.to_owned()),
        active: Some(true),
        deleted: Some(false),
        last_login_time: None,
    }
}
