//! Confluence permissions in the inventory's vocabulary: the legacy (JSON-RPC) names and the
//! REST operations become `<targetType>:<operationKey>`, and the three ways the server names a
//! holder become a [`SubjectRef`] for the scan to resolve into a
//! [`Subject`](atlassian_core::Subject).

use crate::model::{LegacySpacePermission, Operation, PermissionSubject};

/// The legacy space-permission names and the permission each stands for (inventory spec).
pub const LEGACY_SPACE_PERMISSIONS: [(&str, &str); 14] = [
    ("VIEWSPACE", "space:read"),
    ("REMOVEOWNCONTENT", "space:delete_own"),
    ("EDITSPACE", "page:create"),
    ("REMOVEPAGE", "page:delete"),
    ("EDITBLOG", "blogpost:create"),
    ("REMOVEBLOG", "blogpost:delete"),
    ("COMMENT", "comment:create"),
    ("REMOVECOMMENT", "comment:delete"),
    ("CREATEATTACHMENT", "attachment:create"),
    ("REMOVEATTACHMENT", "attachment:delete"),
    ("SETPAGEPERMISSIONS", "space:restrict"),
    ("REMOVEMAIL", "space:delete_mail"),
    ("EXPORTSPACE", "space:export"),
    ("SETSPACEPERMISSIONS", "space:administer"),
];

/// Legacy names that duplicate another permission and are skipped.
pub const LEGACY_ALIASES: [&str; 1] = ["EXPORTPAGE"];

/// What a legacy permission name means.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LegacyName {
    /// A permission of the inventory's vocabulary.
    Permission(&'static str),
    /// A duplicate alias (`EXPORTPAGE`): skip it.
    Alias,
    /// A name this crate does not know.
    Unknown,
}

/// Maps a legacy name (`VIEWSPACE`) to the inventory's permission (`space:read`).
pub fn legacy_space_permission(name: &str) -> LegacyName {
    let name = name.trim();
    if let Some((_, permission)) = LEGACY_SPACE_PERMISSIONS
        .iter()
        .find(|(legacy, _)| legacy.eq_ignore_ascii_case(name))
    {
        return LegacyName::Permission(permission);
    }
    if LEGACY_ALIASES.iter().any(|a| a.eq_ignore_ascii_case(name)) {
        LegacyName::Alias
    } else {
        LegacyName::Unknown
    }
}

/// A REST space operation as the inventory names it: `<targetType>:<operationKey>`.
pub fn rest_space_permission(operation: &Operation) -> String {
    format!("{}:{}", operation.target_type, operation.operation_key)
}

/// A 9.3+ global operation as the inventory names it on `system`: `system:<operationKey>` for
/// the `system` target, `system:<targetType>:<operationKey>` for any other (`application`,
/// `space`, …), so that no two operations share a name.
pub fn global_permission(operation: &Operation) -> String {
    if operation.target_type.is_empty() || operation.target_type.eq_ignore_ascii_case("system") {
        format!("system:{}", operation.operation_key)
    } else {
        format!(
            "system:{}:{}",
            operation.target_type, operation.operation_key
        )
    }
}

/// A permission holder as the server named it, before the scan resolves it to an account.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SubjectRef {
    /// Anyone, logged in or not.
    Anonymous,
    /// A group, by name.
    Group(String),
    /// A user, by key (the REST resources).
    UserKey(String),
    /// A user, by username (the JSON-RPC bridge).
    Username(String),
}

fn present(value: Option<&str>) -> Option<&str> {
    value.map(str::trim).filter(|v| !v.is_empty())
}

/// The holder of a JSON-RPC permission: `userName` is a USERNAME, `groupName` a group, and
/// neither means anonymous. `None` when both are set (no such holder exists).
pub fn legacy_subject(permission: &LegacySpacePermission) -> Option<SubjectRef> {
    match (
        present(permission.user_name.as_deref()),
        present(permission.group_name.as_deref()),
    ) {
        (None, None) => Some(SubjectRef::Anonymous),
        (Some(user), None) => Some(SubjectRef::Username(user.to_owned())),
        (None, Some(group)) => Some(SubjectRef::Group(group.to_owned())),
        (Some(_), Some(_)) => None,
    }
}

/// The holder of a REST permission (`{"type":"user","userKey":…}`, `{"type":"group","name":…}`,
/// `{"type":"anonymous"}`). `None` for a shape this crate does not know.
pub fn rest_subject(subject: &PermissionSubject) -> Option<SubjectRef> {
    let key = present(subject.user_key.as_deref());
    let username = present(subject.username.as_deref());
    let name = present(subject.name.as_deref());
    let user = || {
        key.map(|k| SubjectRef::UserKey(k.to_owned()))
            .or_else(|| username.map(|u| SubjectRef::Username(u.to_owned())))
    };
    match subject
        .subject_type
        .as_deref()
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("user") => user(),
        Some("group") => name.map(|n| SubjectRef::Group(n.to_owned())),
        Some("anonymous") => Some(SubjectRef::Anonymous),
        None => user().or_else(|| name.map(|n| SubjectRef::Group(n.to_owned()))),
        Some(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_legacy_name_of_the_spec_maps() {
        let expected = [
            ("VIEWSPACE", "space:read"),
            ("EDITSPACE", "page:create"),
            ("SETSPACEPERMISSIONS", "space:administer"),
            ("REMOVEOWNCONTENT", "space:delete_own"),
            ("REMOVEPAGE", "page:delete"),
            ("EDITBLOG", "blogpost:create"),
            ("REMOVEBLOG", "blogpost:delete"),
            ("COMMENT", "comment:create"),
            ("REMOVECOMMENT", "comment:delete"),
            ("CREATEATTACHMENT", "attachment:create"),
            ("REMOVEATTACHMENT", "attachment:delete"),
            ("SETPAGEPERMISSIONS", "space:restrict"),
            ("REMOVEMAIL", "space:delete_mail"),
            ("EXPORTSPACE", "space:export"),
        ];
        for (legacy, permission) in expected {
            assert_eq!(
                legacy_space_permission(legacy),
                LegacyName::Permission(permission),
                "{legacy}"
            );
        }
        // Fourteen names, fourteen distinct permissions.
        let mut targets: Vec<&str> = LEGACY_SPACE_PERMISSIONS.iter().map(|(_, p)| *p).collect();
        targets.sort_unstable();
        targets.dedup();
        assert_eq!(targets.len(), 14);
        assert_eq!(
            legacy_space_permission("viewspace"),
            LegacyName::Permission("space:read")
        );
        assert_eq!(legacy_space_permission("EXPORTPAGE"), LegacyName::Alias);
        assert_eq!(legacy_space_permission("MAKEPIZZA"), LegacyName::Unknown);
    }

    #[test]
    fn rest_operations_keep_their_names() {
        let op = |t: &str, k: &str| Operation {
            target_type: t.to_owned(),
            operation_key: k.to_owned(),
        };
        assert_eq!(rest_space_permission(&op("space", "read")), "space:read");
        assert_eq!(
            rest_space_permission(&op("attachment", "delete")),
            "attachment:delete"
        );
        assert_eq!(
            global_permission(&op("system", "administer")),
            "system:administer"
        );
        assert_eq!(
            global_permission(&op("application", "use")),
            "system:application:use"
        );
    }

    #[test]
    fn legacy_holders_map_by_username_group_or_anonymous() {
        let holder = |user: Option<&str>, group: Option<&str>| LegacySpacePermission {
            permission_type: Some("VIEWSPACE".to_owned()),
            user_name: user.map(str::to_owned),
            group_name: group.map(str::to_owned),
        };
        assert_eq!(
            legacy_subject(&holder(None, None)),
            Some(SubjectRef::Anonymous)
        );
        assert_eq!(
            legacy_subject(&holder(Some("Alice.Doe"), None)),
            Some(SubjectRef::Username("Alice.Doe".to_owned()))
        );
        assert_eq!(
            legacy_subject(&holder(None, Some("eng/platform"))),
            Some(SubjectRef::Group("eng/platform".to_owned()))
        );
        // An empty name is no name.
        assert_eq!(
            legacy_subject(&holder(Some(""), Some(" "))),
            Some(SubjectRef::Anonymous)
        );
        assert_eq!(legacy_subject(&holder(Some("a"), Some("g"))), None);
    }

    #[test]
    fn rest_holders_map_by_key_group_or_anonymous() {
        let subject = |json: &str| -> PermissionSubject { serde_json::from_str(json).unwrap() };
        assert_eq!(
            rest_subject(&subject(r#"{"type":"user","userKey":"4028800d98"}"#)),
            Some(SubjectRef::UserKey("4028800d98".to_owned()))
        );
        assert_eq!(
            rest_subject(&subject(r#"{"type":"group","name":"confluence-users"}"#)),
            Some(SubjectRef::Group("confluence-users".to_owned()))
        );
        assert_eq!(
            rest_subject(&subject(r#"{"type":"anonymous"}"#)),
            Some(SubjectRef::Anonymous)
        );
        assert_eq!(
            rest_subject(&subject(r#"{"type":"user","username":"bob"}"#)),
            Some(SubjectRef::Username("bob".to_owned()))
        );
        assert_eq!(rest_subject(&subject(r#"{"type":"user"}"#)), None);
        assert_eq!(
            rest_subject(&subject(r#"{"type":"unlicensed","displayName":"x"}"#)),
            None
        );
    }
}
