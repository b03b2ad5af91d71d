//! The ground truth: the inventory a complete, correct scan of a simulated server must produce,
//! computed from the dataset alone (never by running scanning code, or a test would compare
//! the scanner with itself).
//!
//! The mapping follows `atlassian-dc-inventory/v1`: Jira memberships are transitive (Jira
//! reports nested-group members), Confluence memberships are direct; Confluence never shows
//! e-mail addresses, and shows account status only from 8.4 (`expand=status`). Last logins are
//! known where the version reports them: Jira 11.x for every user, Confluence 10.2+ for active
//! users ([`last_login`]).

use atlassian_core::inventory::{Coverage, ScannedAs, System, normalize_login_time};
use atlassian_core::{Account, Inventory, InventoryBuilder, ResourceRef, Subject};

use crate::dataset::{Actor, Dataset, Holder, Product, SpaceSubject, TokenRole, User, Version};

/// The moment every ground truth claims to be from (scans are compared without it).
pub const TRUTH_TIME: &str = "2026-01-01T00:00:00Z";

/// The coverage collections a scan of `product` reports.
pub fn collections(product: Product, version: Version) -> Vec<&'static str> {
    match product {
        Product::Jira => vec![
            "accounts",
            "groups",
            "memberships",
            "resources",
            "grants:project-roles",
            "grants:applications",
            "grants:permission-schemes",
        ],
        Product::Confluence => {
            let mut c = vec![
                "accounts",
                "groups",
                "memberships",
                "resources",
                "grants:space-permissions",
            ];
            if confluence_has_global_permissions(version) {
                c.push("grants:global-permissions");
            }
            c
        }
    }
}

/// Whether the Confluence version reports account status (`expand=status`, 8.4+).
pub fn confluence_reports_status(version: Version) -> bool {
    version.at_least(8, 4, 0)
}

/// Whether the Jira version puts `lastLoginTime` in its user beans: the user object of the
/// Jira DC 11.3 OpenAPI specification has it (jira.js `src/server/models/user.ts`, reference
/// §2.3, §13); no earlier reference does. Since which 11.x it is there, and whether it is
/// filled for users other than the caller, is not documented (nothing was found either way);
/// the simulator fills it on every 11.x for every user with a last login.
pub fn jira_reports_last_login(version: Version) -> bool {
    version.at_least(11, 0, 0)
}

/// Whether the Confluence version serves `GET /rest/api/admin/users/list/active` with the
/// `lastLogin` expansion: documented in the 10.2 REST reference (v1020 admin-users API,
/// reference §4.2, §15), not in 9.4's text; the simulator plays it from 10.2.0.
pub fn confluence_reports_last_login(version: Version) -> bool {
    version.at_least(10, 2, 0)
}

/// A user's last login as Jira writes times (`2026-11-02T08:15:30.000+0000`, in UTC), as the
/// simulated Jira 11.x sends it in `lastLoginTime`; `None` without one.
pub fn jira_last_login_time(user: &User) -> Option<String> {
    let at = jiff::tz::TimeZone::UTC.to_datetime(user.last_login_at()?);
    Some(format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}+0000",
        at.year(),
        at.month(),
        at.day(),
        at.hour(),
        at.minute(),
        at.second(),
        at.subsec_nanosecond() / 1_000_000
    ))
}

/// A user's last login as the simulated Confluence sends `lastLogin`: milliseconds since the
/// epoch, as a JSON number. The format is not documented (reference §15: "accept what the server
/// sends"); nothing was found that shows a real answer, so the simulator chose this one.
pub fn confluence_last_login_millis(user: &User) -> Option<i64> {
    Some(user.last_login_at()?.as_millisecond())
}

/// The last login a correct scan records for `user` of `data` served as `version`: what the
/// server sends, normalised as the inventory stores it
/// ([`atlassian_core::inventory::normalize_login_time`]). Jira 11.x reports it for every user;
/// Confluence 10.2+ for active users only (its list is of licensed active users); anything
/// else never.
pub fn last_login(data: &Dataset, version: Version, user: &User) -> Option<String> {
    let sent = match data.product {
        Product::Jira if jira_reports_last_login(version) => jira_last_login_time(user)?,
        Product::Confluence if confluence_reports_last_login(version) && user.active => {
            confluence_last_login_millis(user)?.to_string()
        }
        _ => return None,
    };
    normalize_login_time(&sent)
}

/// Whether the Confluence version has the global-permission REST resources
/// (`/rest/api/permissions`): "Since 9.3.0" (`RemoteGlobalPermissionServiceImpl`, ref §0, §8);
/// they are in the 9.3.1, 9.4.0 and 10.x references. The 9.2 LTS got them at a bug-fix release
/// after 9.2.3 (in 9.2.18's reference, not 9.2.3's); the simulator plays 9.2.3, so 9.2 has none.
pub fn confluence_has_global_permissions(version: Version) -> bool {
    version.at_least(9, 3, 0)
}

/// One Confluence global permission: `targetType`, `operationKey` and its holder (ref §15:
/// `application use` is "Can use", `application administer` "Confluence Administrator",
/// `system administer` "System Administrator", `space create`, `personal_space create`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GlobalGrant {
    /// `application`, `system`, `space`, `personal_space`.
    pub target_type: &'static str,
    /// `use`, `administer`, `create`.
    pub operation_key: &'static str,
    /// A group, a user or anonymous.
    pub subject: SpaceSubject,
}

/// The global permissions of a simulated Confluence. A dataset stores none, so the simulator
/// plays the usual assignment of a new installation: `confluence-administrators` holds every
/// one of them (it "automatically grants both System Administrator and Confluence
/// Administrator permissions", ref §7.4, source S32c), `confluence-users` may use Confluence and
/// create spaces and a personal space, and anonymous users may use Confluence while anonymous
/// access is on (ref §8's list of global permissions, source S32e). The exact defaults of a new
/// installation are not documented in the reference; no source was found for them.
pub fn confluence_global_permissions(data: &Dataset) -> Vec<GlobalGrant> {
    const ADMIN: [(&str, &str); 5] = [
        ("application", "use"),
        ("application", "administer"),
        ("system", "administer"),
        ("space", "create"),
        ("personal_space", "create"),
    ];
    const USERS: [(&str, &str); 3] = [
        ("application", "use"),
        ("space", "create"),
        ("personal_space", "create"),
    ];
    let mut grants = Vec::new();
    let mut give = |operations: &[(&'static str, &'static str)], subject: SpaceSubject| {
        for &(target_type, operation_key) in operations {
            grants.push(GlobalGrant {
                target_type,
                operation_key,
                subject: subject.clone(),
            });
        }
    };
    for (g, group) in data.groups.iter().enumerate() {
        if group.name.eq_ignore_ascii_case("confluence-administrators") {
            give(&ADMIN, SpaceSubject::Group(g as u32));
        } else if group.name.eq_ignore_ascii_case("confluence-users") {
            give(&USERS, SpaceSubject::Group(g as u32));
        }
    }
    if data.settings.anonymous_access {
        give(&[("application", "use")], SpaceSubject::Anonymous);
    }
    grants
}

/// The ground truth of `data` served as `version` at `base_url`, as seen by the admin token.
pub fn ground_truth(data: &Dataset, version: Version, base_url: &str) -> Inventory {
    let admin = data
        .token(TokenRole::Admin)
        .map(|t| &data.users[t.owner as usize]);
    let system = System {
        product: match data.product {
            Product::Jira => atlassian_core::Product::Jira,
            Product::Confluence => atlassian_core::Product::Confluence,
        },
        base_url: base_url.trim_end_matches('/').to_owned(),
        version: version.to_string(),
        title: Some(data.title.clone()),
        instance_id: Some(data.instance_id.clone()),
    };
    let scanned_as = ScannedAs {
        key: admin.map(|u| u.key.clone()).unwrap_or_default(),
        username: admin.map(|u| u.username.clone()).unwrap_or_default(),
    };
    let mut b = InventoryBuilder::new(system, scanned_as);
    let reports_status = match data.product {
        Product::Jira => true,
        Product::Confluence => confluence_reports_status(version),
    };
    for user in &data.users {
        let mut account = Account::new(user.key.clone());
        account.username = Some(user.username.clone());
        account.display_name = Some(user.display_name.clone());
        account.email = match data.product {
            Product::Jira => user.email.clone(),
            Product::Confluence => None,
        };
        account.active = reports_status.then_some(user.active);
        account.last_login = last_login(data, version, user);
        b.account(account);
    }
    for group in &data.groups {
        b.group(group.name.clone());
    }
    for (g, group) in data.groups.iter().enumerate() {
        let members = match data.product {
            Product::Jira => data.effective_members(g as u32),
            Product::Confluence => group.members.clone(),
        };
        for u in members {
            b.membership(group.name.clone(), data.users[u as usize].key.clone());
        }
    }
    match data.product {
        Product::Jira => jira_truth(data, &mut b),
        Product::Confluence => confluence_truth(data, version, &mut b),
    }
    for collection in collections(data.product, version) {
        b.coverage(Coverage::complete(collection, "ground truth"));
    }
    let at: jiff::Timestamp = TRUTH_TIME.parse().expect("a valid timestamp");
    b.build(at)
        .unwrap_or_else(|e| panic!("the dataset's ground truth is inconsistent: {e}"))
}

fn jira_truth(data: &Dataset, b: &mut InventoryBuilder) {
    let user_key = |u: u32| data.users[u as usize].key.clone();
    let group_name = |g: u32| data.groups[g as usize].name.clone();
    for app in &data.application_roles {
        let resource = ResourceRef::Application(app.key.clone());
        b.resource(atlassian_core::Resource::new(
            &resource,
            Some(app.name.clone()),
        ));
        for &g in &app.groups {
            b.grant(resource.clone(), "use", Subject::Group(group_name(g)));
        }
    }
    for project in &data.projects {
        let resource = ResourceRef::Project(project.key.clone());
        b.resource(
            atlassian_core::Resource::new(&resource, Some(project.name.clone()))
                .with_archived(project.archived),
        );
        for (role, actors) in &project.role_actors {
            let permission = format!("role:{}", data.roles[*role as usize].name);
            for actor in actors {
                let subject = match actor {
                    Actor::User(u) => Subject::Account(user_key(*u)),
                    Actor::Group(g) => Subject::Group(group_name(*g)),
                    // Jira shows no name for it: nothing to grant to.
                    Actor::DeletedUser(_) => continue,
                };
                b.grant(resource.clone(), permission.clone(), subject);
            }
        }
        let scheme = &data.permission_schemes[project.scheme as usize];
        for grant in &scheme.grants {
            if let Some(subject) = holder_subject(data, &grant.holder) {
                b.grant(resource.clone(), grant.permission.clone(), subject);
            }
        }
    }
}

/// The spec's subject for a permission-scheme holder. `None` for a holder that names nothing
/// (a user key or role id the instance does not have).
pub fn holder_subject(data: &Dataset, holder: &Holder) -> Option<Subject> {
    let parameter = holder.parameter.as_deref().filter(|p| !p.is_empty());
    Some(match (holder.holder_type.as_str(), parameter) {
        ("group", Some(name)) => Subject::Group(name.to_owned()),
        ("group", None) | ("anyone", _) => Subject::Anonymous,
        ("user", Some(key)) => {
            data.users.iter().find(|u| u.key == key)?;
            Subject::Account(key.to_owned())
        }
        ("projectRole", Some(id)) => {
            let role = data.roles.iter().find(|r| r.id.to_string() == id)?;
            Subject::Role(role.name.clone())
        }
        ("applicationRole", Some(key)) => Subject::Application(key.to_owned()),
        ("applicationRole", None) => Subject::Authenticated,
        (other, Some(p)) => Subject::Special(format!("{other}:{p}")),
        (other, None) => Subject::Special(other.to_owned()),
    })
}

fn confluence_truth(data: &Dataset, version: Version, b: &mut InventoryBuilder) {
    for space in &data.spaces {
        let resource = ResourceRef::Space(space.key.clone());
        b.resource(
            atlassian_core::Resource::new(&resource, Some(space.name.clone()))
                .with_archived(space.archived),
        );
        for permission in &space.permissions {
            let subject = match permission.subject {
                SpaceSubject::User(u) => Subject::Account(data.users[u as usize].key.clone()),
                SpaceSubject::Group(g) => Subject::Group(data.groups[g as usize].name.clone()),
                SpaceSubject::Anonymous => Subject::Anonymous,
            };
            b.grant(
                resource.clone(),
                format!("{}:{}", permission.target_type, permission.operation_key),
                subject,
            );
        }
    }
    if let Some(admins) = data
        .groups
        .iter()
        .find(|g| g.name.eq_ignore_ascii_case("confluence-administrators"))
    {
        b.grant(
            ResourceRef::System,
            "system:administer",
            Subject::Group(admins.name.clone()),
        );
    }
    // 9.3+: the global permissions, named as the inventory spec names them on `system`
    // (`system:<operationKey>` for the `system` target, `system:<targetType>:<operationKey>`
    // for any other).
    if confluence_has_global_permissions(version) {
        for grant in confluence_global_permissions(data) {
            let permission = if grant.target_type == "system" {
                format!("system:{}", grant.operation_key)
            } else {
                format!("system:{}:{}", grant.target_type, grant.operation_key)
            };
            let subject = match grant.subject {
                SpaceSubject::User(u) => Subject::Account(data.users[u as usize].key.clone()),
                SpaceSubject::Group(g) => Subject::Group(data.groups[g as usize].name.clone()),
                SpaceSubject::Anonymous => Subject::Anonymous,
            };
            b.grant(ResourceRef::System, permission, subject);
        }
    }
}
