//! What a simulated instance holds: users, groups, Jira projects/roles/schemes/applications,
//! Confluence spaces and their permissions, and the tokens that may call it.
//!
//! A dataset is plain data (serde, so it can live in `fixtures/` as JSON); the server answers
//! from it, and the ground truth is computed from it alone.

mod version;

pub use version::{CONFLUENCE_VERSIONS, JIRA_VERSIONS, Version, resolve_version};

use std::fmt;

use serde::{Deserialize, Serialize};

/// Which product the simulator plays.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Product {
    /// Jira Data Center.
    Jira,
    /// Confluence Data Center.
    Confluence,
}

impl fmt::Display for Product {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Jira => "jira",
            Self::Confluence => "confluence",
        })
    }
}

/// A user account.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    /// Jira `key` / Confluence `userKey`: stable across renames.
    pub key: String,
    /// The login name (Jira `name`, Confluence `username`); may differ from the key after a
    /// rename.
    pub username: String,
    /// The display name.
    pub display_name: String,
    /// The e-mail address; `None` when hidden by the instance's visibility setting.
    #[serde(default)]
    pub email: Option<String>,
    /// Active (may log in).
    pub active: bool,
    /// The last login, RFC 3339 in UTC (`2026-11-02T08:15:30Z`); `None` for a user who never
    /// logged in (or whose last login the instance does not know). Served only where the
    /// version documents it (Jira 11.x `lastLoginTime`, Confluence 10.2's administrator list of
    /// active users with `expand=lastLogin`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_login: Option<String>,
}

impl User {
    /// [`Self::last_login`] as a timestamp; `None` when absent or not RFC 3339 (a hand-written
    /// dataset may be wrong: the servers then report no last login).
    pub fn last_login_at(&self) -> Option<jiff::Timestamp> {
        self.last_login.as_deref()?.parse().ok()
    }
}

/// A group. Members are user indexes; `subgroups` are group indexes (nested groups: Jira
/// reports their members transitively).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Group {
    /// As the server spells it.
    pub name: String,
    /// Direct user members (indexes into `users`).
    #[serde(default)]
    pub members: Vec<u32>,
    /// Nested groups (indexes into `groups`).
    #[serde(default)]
    pub subgroups: Vec<u32>,
}

/// What a token may do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TokenRole {
    /// A Jira / Confluence administrator (with Browse Users).
    Admin,
    /// Holds Browse Users, not an administrator.
    BrowseOnly,
    /// Neither administrator nor Browse Users.
    NoBrowse,
}

impl TokenRole {
    /// All roles.
    pub const ALL: [Self; 3] = [Self::Admin, Self::BrowseOnly, Self::NoBrowse];

    /// Holds admin rights.
    pub fn is_admin(self) -> bool {
        self == Self::Admin
    }

    /// May list users and groups.
    pub fn can_browse_users(self) -> bool {
        self != Self::NoBrowse
    }
}

impl fmt::Display for TokenRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Admin => "admin",
            Self::BrowseOnly => "browse-only",
            Self::NoBrowse => "no-browse",
        })
    }
}

/// A Personal Access Token the simulated server accepts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenDef {
    /// The secret.
    pub token: String,
    /// The owner (index into `users`).
    pub owner: u32,
    /// What the owner may do.
    pub role: TokenRole,
}

/// A global Jira project role.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Role {
    /// Numeric id.
    pub id: u64,
    /// Name (`Developers`).
    pub name: String,
}

/// Who holds a project role in one project.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", content = "index", rename_all = "kebab-case")]
pub enum Actor {
    /// A user (index into `users`).
    User(u32),
    /// A group (index into `groups`).
    Group(u32),
    /// A user deleted from the directory but still in the role (its old key): Jira shows
    /// `name: ""`. Not in `users`.
    DeletedUser(String),
}

/// A Jira project.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Project {
    /// Numeric id.
    pub id: u64,
    /// Key (`ENG`).
    pub key: String,
    /// Name.
    pub name: String,
    /// Archived (only listed with `includeArchived=true`).
    #[serde(default)]
    pub archived: bool,
    /// The project's permission scheme (index into `permission_schemes`).
    pub scheme: u32,
    /// The project lead (index into `users`).
    pub lead: u32,
    /// Actors per global role (index into `roles`); every project has every role.
    #[serde(default)]
    pub role_actors: Vec<(u32, Vec<Actor>)>,
}

/// A Jira application (licence) role.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApplicationRole {
    /// `jira-software`.
    pub key: String,
    /// `Jira Software`.
    pub name: String,
    /// Groups that grant access (indexes into `groups`).
    pub groups: Vec<u32>,
    /// Default groups (indexes into `groups`).
    #[serde(default)]
    pub default_groups: Vec<u32>,
}

/// A permission-scheme holder, as Jira DC spells them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Holder {
    /// `group`, `user`, `projectRole`, `applicationRole`, `anyone`, `reporter`, `assignee`,
    /// `projectLead`, `userCustomField`, `groupCustomField`, `sd.customer.portal.only`, …
    #[serde(rename = "type")]
    pub holder_type: String,
    /// Group name, user key, role id, application key or custom field id; `None` where the
    /// type takes none (and for the legacy "anyone" group holder and any-application holder).
    #[serde(default)]
    pub parameter: Option<String>,
}

/// One grant of a permission scheme.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SchemeGrant {
    /// Grant id.
    pub id: u64,
    /// Permission key (`BROWSE_PROJECTS`).
    pub permission: String,
    /// Who holds it.
    pub holder: Holder,
}

/// A Jira permission scheme.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PermissionScheme {
    /// Numeric id.
    pub id: u64,
    /// Name.
    pub name: String,
    /// Grants.
    pub grants: Vec<SchemeGrant>,
}

/// A Confluence space.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Space {
    /// Numeric id.
    pub id: u64,
    /// Key (`DOC`, `~alice` for a personal space).
    pub key: String,
    /// Name.
    pub name: String,
    /// Personal (`type: personal`) rather than global.
    #[serde(default)]
    pub personal: bool,
    /// Archived (`status: archived`).
    #[serde(default)]
    pub archived: bool,
    /// Stored space permissions.
    #[serde(default)]
    pub permissions: Vec<SpacePermission>,
}

/// Who a Confluence space permission is given to.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "type", content = "index", rename_all = "kebab-case")]
pub enum SpaceSubject {
    /// A user (index into `users`).
    User(u32),
    /// A group (index into `groups`).
    Group(u32),
    /// Anonymous access.
    Anonymous,
}

/// One stored space permission, in the REST vocabulary (`space`/`read`).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct SpacePermission {
    /// `space`, `page`, `blogpost`, `comment`, `attachment`.
    pub target_type: String,
    /// `read`, `create`, `delete`, `administer`, `export`, `restrict`, `delete_own`,
    /// `delete_mail`.
    pub operation_key: String,
    /// Who holds it.
    pub subject: SpaceSubject,
}

/// The REST operations and their legacy (JSON-RPC) names, as the reference maps them.
pub const SPACE_OPERATIONS: [(&str, &str, &str); 14] = [
    ("space", "read", "VIEWSPACE"),
    ("space", "delete_own", "REMOVEOWNCONTENT"),
    ("page", "create", "EDITSPACE"),
    ("page", "delete", "REMOVEPAGE"),
    ("blogpost", "create", "EDITBLOG"),
    ("blogpost", "delete", "REMOVEBLOG"),
    ("comment", "create", "COMMENT"),
    ("comment", "delete", "REMOVECOMMENT"),
    ("attachment", "create", "CREATEATTACHMENT"),
    ("attachment", "delete", "REMOVEATTACHMENT"),
    ("space", "restrict", "SETPAGEPERMISSIONS"),
    ("space", "delete_mail", "REMOVEMAIL"),
    ("space", "export", "EXPORTSPACE"),
    ("space", "administer", "SETSPACEPERMISSIONS"),
];

/// Instance settings that change what the server answers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Settings {
    /// Confluence: "Remote API (XML-RPC & SOAP)" enabled (JSON-RPC answers 401 otherwise).
    #[serde(default = "yes")]
    pub remote_api_enabled: bool,
    /// Confluence: secure administrator sessions on (JSON-RPC admin calls answer an HTML
    /// WebSudo page with 200).
    #[serde(default)]
    pub websudo: bool,
    /// Anonymous access enabled (Confluence `user/current` answers `type: anonymous`).
    #[serde(default = "yes")]
    pub anonymous_access: bool,
    /// An unknown token is served as anonymous (200 with `X-AUSERNAME: anonymous`) instead of
    /// 401, as some Jira builds do.
    #[serde(default)]
    pub unknown_token_as_anonymous: bool,
    /// Jira: how `user/search?username=.` reads the dot (see [`WildcardReading`]).
    #[serde(default)]
    pub dot_query: WildcardReading,
}

/// What Jira's `user/search?username=.` matches. Sources disagree, and a scan must stay sound
/// under each reading.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum WildcardReading {
    /// Every account: Atlassian's Data Center App Performance Toolkit documents `"." - search
    /// for all users` (`jira_clients.py`, `get_users`), and JRASERVER-65089 reproduces the
    /// 1,000-result cap with it.
    #[default]
    MatchAll,
    /// Only accounts with a `.` somewhere in the username, display name or e-mail: PipesHub's
    /// note that "nearly every user matches (emails contain a '.')" read literally.
    DotOnly,
}

fn yes() -> bool {
    true
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            remote_api_enabled: true,
            websudo: false,
            anonymous_access: true,
            unknown_token_as_anonymous: false,
            dot_query: WildcardReading::MatchAll,
        }
    }
}

/// Everything one simulated instance holds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dataset {
    /// Jira or Confluence.
    pub product: Product,
    /// The server title.
    pub title: String,
    /// The applinks instance id.
    pub instance_id: String,
    /// Users.
    pub users: Vec<User>,
    /// Groups.
    pub groups: Vec<Group>,
    /// Tokens.
    pub tokens: Vec<TokenDef>,
    /// Jira: global project roles.
    #[serde(default)]
    pub roles: Vec<Role>,
    /// Jira: projects.
    #[serde(default)]
    pub projects: Vec<Project>,
    /// Jira: application roles.
    #[serde(default)]
    pub application_roles: Vec<ApplicationRole>,
    /// Jira: permission schemes.
    #[serde(default)]
    pub permission_schemes: Vec<PermissionScheme>,
    /// Confluence: spaces.
    #[serde(default)]
    pub spaces: Vec<Space>,
    /// Instance settings.
    #[serde(default)]
    pub settings: Settings,
}

impl Dataset {
    /// The token of the first owner with `role`.
    pub fn token(&self, role: TokenRole) -> Option<&TokenDef> {
        self.tokens.iter().find(|t| t.role == role)
    }

    /// The users of a group and of its nested groups, each once, as indexes (the order is not
    /// defined).
    pub fn effective_members(&self, group: u32) -> Vec<u32> {
        let mut seen_groups = vec![false; self.groups.len()];
        let mut members = Vec::new();
        let mut seen_users = std::collections::HashSet::new();
        let mut stack = vec![group];
        while let Some(g) = stack.pop() {
            if std::mem::replace(&mut seen_groups[g as usize], true) {
                continue;
            }
            let def = &self.groups[g as usize];
            for &u in &def.members {
                if seen_users.insert(u) {
                    members.push(u);
                }
            }
            stack.extend(def.subgroups.iter().copied());
        }
        members
    }

    /// Checks that every index points at something; a hand-written fixture may be wrong.
    pub fn validate(&self) -> Result<(), String> {
        let users = self.users.len() as u32;
        let groups = self.groups.len() as u32;
        let user_ok = |u: u32, what: &str| {
            (u < users)
                .then_some(())
                .ok_or_else(|| format!("{what}: user index {u} out of range"))
        };
        let group_ok = |g: u32, what: &str| {
            (g < groups)
                .then_some(())
                .ok_or_else(|| format!("{what}: group index {g} out of range"))
        };
        for g in &self.groups {
            for &u in &g.members {
                user_ok(u, &g.name)?;
            }
            for &s in &g.subgroups {
                group_ok(s, &g.name)?;
            }
        }
        for t in &self.tokens {
            user_ok(t.owner, "token")?;
        }
        for p in &self.projects {
            user_ok(p.lead, &p.key)?;
            if p.scheme as usize >= self.permission_schemes.len() {
                return Err(format!("{}: scheme index out of range", p.key));
            }
            for (role, actors) in &p.role_actors {
                if *role as usize >= self.roles.len() {
                    return Err(format!("{}: role index out of range", p.key));
                }
                for actor in actors {
                    match actor {
                        Actor::User(u) => user_ok(*u, &p.key)?,
                        Actor::Group(g) => group_ok(*g, &p.key)?,
                        Actor::DeletedUser(_) => {}
                    }
                }
            }
        }
        for a in &self.application_roles {
            for &g in a.groups.iter().chain(&a.default_groups) {
                group_ok(g, &a.key)?;
            }
        }
        for s in &self.spaces {
            for p in &s.permissions {
                match p.subject {
                    SpaceSubject::User(u) => user_ok(u, &s.key)?,
                    SpaceSubject::Group(g) => group_ok(g, &s.key)?,
                    SpaceSubject::Anonymous => {}
                }
            }
        }
        Ok(())
    }
}
