//! What a client probes first (ref §1.2, §2.3): the anonymous applinks manifest, `/status`,
//! `server-information` and `user/current`.

use serde_json::{Value, json};

use super::{context_path, profile_picture, unauthenticated, user_json, xml_escape};
use crate::server::{Call, Caller, Ctx, Reply};

/// The applinks version bundled with each major (ref §1.2 shows only the element; the values
/// are plausible, nothing reads them).
fn applinks_version(ctx: &Ctx<'_>) -> &'static str {
    match ctx.version.0 {
        ..=7 => "7.2.7",
        8 => "9.1.5",
        _ => "10.1.2",
    }
}

/// `GET /rest/applinks/1.0/manifest`, anonymous: XML by default, the same fields as a JSON
/// object when the caller accepts JSON (ref §1.2 — "parse both").
pub(super) fn manifest(ctx: &Ctx<'_>, call: &Call<'_>) -> Reply {
    let data = ctx.data;
    let build = ctx.version.build_number();
    let icon = ctx.link("/images/icons/favicon_png.png");
    if call.accept_json {
        let body = json!({
            "id": data.instance_id,
            "name": data.title,
            "typeId": "confluence",
            "version": ctx.version.to_string(),
            "buildNumber": build,
            "applinksVersion": applinks_version(ctx),
            "inboundAuthenticationTypes": [
                "com.atlassian.applinks.api.auth.types.OAuthAuthenticationProvider",
                "com.atlassian.applinks.api.auth.types.BasicAuthenticationProvider",
            ],
            "outboundAuthenticationTypes": [
                "com.atlassian.applinks.api.auth.types.OAuthAuthenticationProvider",
            ],
            "publicSignup": false,
            "url": ctx.link_base,
            "iconUrl": icon,
        });
        return Reply::json(200, "GET /rest/applinks/1.0/manifest", &body);
    }
    let body = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\
         <manifest><id>{id}</id><name>{name}</name><typeId>confluence</typeId>\
         <version>{version}</version><buildNumber>{build}</buildNumber>\
         <applinksVersion>{applinks}</applinksVersion>\
         <inboundAuthenticationTypes>com.atlassian.applinks.api.auth.types.OAuthAuthenticationProvider</inboundAuthenticationTypes>\
         <inboundAuthenticationTypes>com.atlassian.applinks.api.auth.types.BasicAuthenticationProvider</inboundAuthenticationTypes>\
         <outboundAuthenticationTypes>com.atlassian.applinks.api.auth.types.OAuthAuthenticationProvider</outboundAuthenticationTypes>\
         <publicSignup>false</publicSignup><url>{url}</url><iconUrl>{icon}</iconUrl></manifest>",
        id = xml_escape(&data.instance_id),
        name = xml_escape(&data.title),
        version = ctx.version,
        applinks = applinks_version(ctx),
        url = xml_escape(ctx.link_base),
        icon = xml_escape(&icon),
    );
    Reply::text(
        200,
        "GET /rest/applinks/1.0/manifest",
        "application/xml;charset=UTF-8",
        body,
    )
}

/// `GET /status`: liveness, anonymous, not product-distinguishing (ref §1.2).
pub(super) fn status() -> Reply {
    Reply::json(200, "GET /status", &json!({"state": "RUNNING"}))
}

/// `GET /rest/api/server-information`: any authenticated caller (ref §1.2 says "probably any
/// user"); anonymous gets 401.
pub(super) fn server_information(ctx: &Ctx<'_>, call: &Call<'_>) -> Reply {
    if call.caller == Caller::Anonymous {
        return unauthenticated();
    }
    let build = ctx.version.build_number();
    let body = json!({
        "baseUrl": ctx.link_base,
        "version": ctx.version.to_string(),
        "buildNumber": build,
        "marketplaceBuildNumber": build,
        "buildDate": "2025-01-15T00:00:00.000Z",
    });
    Reply::json(200, "", &body)
}

/// Anonymous as `user/current` and `user/anonymous` show it.
fn anonymous_json(ctx: &Ctx<'_>) -> Value {
    json!({
        "type": "anonymous",
        "profilePicture": profile_picture(ctx, "anonymous.svg"),
        "displayName": "Anonymous",
        "_links": {
            "base": ctx.link_base,
            "context": context_path(ctx),
            "self": ctx.link("/rest/api/user/anonymous"),
        },
        "_expandable": {"operations": ""},
    })
}

/// `GET /rest/api/user/current` (ref §2.3): the caller, or — without a token — `type:
/// anonymous` with **200** when anonymous access is on (a dropped `Authorization` header looks
/// like success), 401 otherwise.
pub(super) fn current_user(ctx: &Ctx<'_>, call: &Call<'_>) -> Reply {
    match call.caller {
        Caller::Anonymous if ctx.data.settings.anonymous_access => {
            Reply::json(200, "", &anonymous_json(ctx))
        }
        Caller::Anonymous => unauthenticated(),
        Caller::User { index, .. } => {
            let mut value = user_json(ctx, call, index);
            value["_links"]["base"] = json!(ctx.link_base);
            value["_links"]["context"] = json!(context_path(ctx));
            Reply::json(200, "", &value)
        }
    }
}

/// `GET /rest/api/user/anonymous`: how anonymous is represented (ref §4.2).
pub(super) fn anonymous_user(ctx: &Ctx<'_>, call: &Call<'_>) -> Reply {
    if call.caller == Caller::Anonymous && !ctx.data.settings.anonymous_access {
        return unauthenticated();
    }
    Reply::json(200, "", &anonymous_json(ctx))
}
