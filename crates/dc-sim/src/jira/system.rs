//! Probing and identity: the applinks manifest, `serverInfo`, `myself`, `mypermissions`.

use serde_json::{Map, Value, json};

use super::beans::{full_user_bean, xml_escape};
use super::{Answer, expands, require_login};
use crate::dataset::{TokenRole, Version};
use crate::server::{Call, Ctx, Reply};

/// Jira's build number: 8.x and 9.x use six digits (8.5.5 → 805005, §10.1), 10.x eight
/// (10.3.19 → 10030019, §1.3). [UNCERTAIN for 9.x: assumed like 8.x.]
fn build_number(version: Version) -> u64 {
    let Version(major, minor, patch) = version;
    let (major, minor, patch) = (u64::from(major), u64::from(minor), u64::from(patch));
    if major >= 10 {
        major * 1_000_000 + minor * 10_000 + patch
    } else {
        major * 100_000 + minor * 1_000 + patch
    }
}

/// A fixed build date per version (Jira style: milliseconds and a `+0000` offset).
fn build_date(version: Version) -> &'static str {
    match version.0 {
        ..=8 => "2024-04-11T00:00:00.000+0000",
        9 => "2025-03-20T00:00:00.000+0000",
        _ => "2025-09-25T00:00:00.000+0000",
    }
}

/// A stable 40-hex-digit commit id per version.
fn scm_info(version: Version) -> String {
    let mut z = version.build_number() ^ 0x6A09_E667_F3BC_C908;
    let mut out = String::with_capacity(40);
    while out.len() < 40 {
        z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut x = z;
        x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        out.push_str(&format!("{:016x}", x ^ (x >> 31)));
    }
    out.truncate(40);
    out
}

/// The applinks plugin's version bundled with each Jira line. [UNCERTAIN: illustrative.]
fn applinks_version(version: Version) -> &'static str {
    match version.0 {
        ..=8 => "7.2.6",
        9 => "9.1.8",
        _ => "10.1.6",
    }
}

/// `GET /rest/applinks/1.0/manifest`: anonymous, XML by default, JSON when asked (§1.4).
pub(super) fn manifest(ctx: &Ctx<'_>, call: &Call<'_>, ep: &str) -> Reply {
    let data = ctx.data;
    let version = ctx.version.to_string();
    let build = build_number(ctx.version);
    let inbound = [
        "com.atlassian.applinks.api.auth.types.BasicAuthenticationProvider",
        "com.atlassian.applinks.api.auth.types.OAuthAuthenticationProvider",
        "com.atlassian.applinks.api.auth.types.TrustedAppsAuthenticationProvider",
    ];
    let outbound = [
        "com.atlassian.applinks.api.auth.types.BasicAuthenticationProvider",
        "com.atlassian.applinks.api.auth.types.OAuthAuthenticationProvider",
    ];
    let url = ctx.link("");
    let icon = ctx.link("/s/en_US/jira/favicon.ico");
    if call.accept_json {
        return Reply::json(
            200,
            ep,
            &json!({
                "id": data.instance_id,
                "name": data.title,
                "typeId": "jira",
                "version": version,
                "buildNumber": build,
                "applinksVersion": applinks_version(ctx.version),
                "inboundAuthenticationTypes": inbound,
                "outboundAuthenticationTypes": outbound,
                "publicSignup": false,
                "url": url,
                "iconUrl": icon,
                "iconUri": icon,
            }),
        );
    }
    let mut xml = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>");
    xml.push_str("<manifest>");
    let mut element = |name: &str, value: &str| {
        xml.push_str(&format!("<{name}>{}</{name}>", xml_escape(value)));
    };
    element("id", &data.instance_id);
    element("name", &data.title);
    element("typeId", "jira");
    element("version", &version);
    element("buildNumber", &build.to_string());
    element("applinksVersion", applinks_version(ctx.version));
    for kind in inbound {
        element("inboundAuthenticationTypes", kind);
    }
    for kind in outbound {
        element("outboundAuthenticationTypes", kind);
    }
    element("publicSignup", "false");
    element("url", &url);
    element("iconUrl", &icon);
    element("iconUri", &icon);
    xml.push_str("</manifest>");
    Reply::text(200, ep, "application/xml;charset=UTF-8", xml)
}

/// `GET /rest/api/2/serverInfo`: anonymous; `deploymentType` is `"Server"` on DC too (§1.3,
/// §10.1); `baseUrl` is the configured base URL.
pub(super) fn server_info(ctx: &Ctx<'_>, ep: &str) -> Reply {
    let Version(major, minor, patch) = ctx.version;
    let build = build_number(ctx.version);
    let now = jiff::Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::UTC)
        .strftime("%Y-%m-%dT%H:%M:%S%.3f%z")
        .to_string();
    Reply::json(
        200,
        ep,
        &json!({
            "baseUrl": ctx.link(""),
            "version": ctx.version.to_string(),
            "versionNumbers": [major, minor, patch],
            "deploymentType": "Server",
            "buildNumber": build,
            "buildDate": build_date(ctx.version),
            "databaseBuildNumber": build,
            "serverTime": now,
            "scmInfo": scm_info(ctx.version),
            "serverTitle": ctx.data.title,
        }),
    )
}

/// `GET /rest/api/2/myself`: never anonymous (§2.3).
pub(super) fn myself(ctx: &Ctx<'_>, call: &Call<'_>, ep: &str) -> Answer {
    let (index, _) = require_login(call, ep)?;
    Ok(Reply::json(
        200,
        ep,
        &full_user_bean(ctx, index, &expands(call)),
    ))
}

/// The permissions `mypermissions` reports: (key, id, name, type, description, deprecated).
/// The real list has ~81 keys, some twice under deprecated aliases (§2.2); these are the
/// ones a connector reads, plus two aliases.
const PERMISSIONS: [(&str, &str, &str, &str, &str, bool); 12] = [
    (
        "ADMINISTER",
        "0",
        "Administer Jira",
        "GLOBAL",
        "Create and administer projects, issue types, fields, workflows, and schemes for all projects. Users with this permission can perform most administration tasks, except: managing users, importing data, and editing system email settings.",
        false,
    ),
    (
        "SYSTEM_ADMIN",
        "44",
        "Jira System Administrators",
        "GLOBAL",
        "Ability to perform all administration functions. There must be at least one group with this permission.",
        false,
    ),
    (
        "USER_PICKER",
        "27",
        "Browse users and groups",
        "GLOBAL",
        "View and select users or groups from the user picker, and share issues. Users with this permission can see the names of all users and groups on your site.",
        false,
    ),
    (
        "CREATE_SHARED_OBJECTS",
        "22",
        "Create Shared Objects",
        "GLOBAL",
        "Share dashboards and filters with other users.",
        false,
    ),
    (
        "MANAGE_GROUP_FILTER_SUBSCRIPTIONS",
        "24",
        "Manage Group Filter Subscriptions",
        "GLOBAL",
        "Create and delete group filter subscriptions.",
        false,
    ),
    (
        "BULK_CHANGE",
        "33",
        "Make bulk changes",
        "GLOBAL",
        "Modify collections of issues at once. For example, resolve multiple issues in one step.",
        false,
    ),
    (
        "BROWSE_PROJECTS",
        "10",
        "Browse Projects",
        "PROJECT",
        "Ability to browse projects and the issues within them.",
        false,
    ),
    (
        "BROWSE",
        "10",
        "Browse Projects",
        "PROJECT",
        "Ability to browse projects and the issues within them.",
        true,
    ),
    (
        "ADMINISTER_PROJECTS",
        "23",
        "Administer Projects",
        "PROJECT",
        "Ability to administer a project in Jira.",
        false,
    ),
    (
        "PROJECT_ADMIN",
        "23",
        "Administer Projects",
        "PROJECT",
        "Ability to administer a project in Jira.",
        true,
    ),
    (
        "CREATE_ISSUES",
        "11",
        "Create Issues",
        "PROJECT",
        "Ability to create issues.",
        false,
    ),
    (
        "ASSIGNABLE_USER",
        "17",
        "Assignable User",
        "PROJECT",
        "Users with this permission may be assigned to issues.",
        false,
    ),
];

/// `GET /rest/api/2/mypermissions`: the caller's permissions by token role; `permissions=`
/// filtering is ignored, as on the real server (§2.2). Anonymous: 200, nothing held.
pub(super) fn my_permissions(call: &Call<'_>, ep: &str) -> Reply {
    let role = call.caller.role();
    let mut permissions = Map::new();
    for (key, id, name, kind, description, deprecated) in PERMISSIONS {
        let have = match role {
            Some(TokenRole::Admin) => true,
            Some(TokenRole::BrowseOnly) => key == "USER_PICKER",
            Some(TokenRole::NoBrowse) | None => false,
        };
        let mut bean = json!({
            "id": id,
            "key": key,
            "name": name,
            "type": kind,
            "description": description,
            "havePermission": have,
        });
        if deprecated {
            bean["deprecatedKey"] = Value::Bool(true);
        }
        permissions.insert(key.to_owned(), bean);
    }
    Reply::json(200, ep, &json!({"permissions": permissions}))
}
