//! The application-links manifest (`/rest/applinks/1.0/manifest`): served anonymously by every
//! Atlassian server product, in XML (or JSON when asked). Its `typeId` names the product and its
//! `id` is a stable instance identifier. Product-neutral: the product crates and the probe read
//! it alike.

use serde::Deserialize;

use crate::{Client, Error, Request};

/// The path of the manifest.
pub const MANIFEST_PATH: &str = "/rest/applinks/1.0/manifest";

/// What the manifest says.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Manifest {
    /// The instance (applink) id.
    #[serde(default, deserialize_with = "string_or_number")]
    pub id: Option<String>,
    /// The server title.
    #[serde(default)]
    pub name: Option<String>,
    /// `jira`, `confluence`, `stash`, `bamboo`, …
    #[serde(default)]
    pub type_id: Option<String>,
    /// The product version.
    #[serde(default, deserialize_with = "string_or_number")]
    pub version: Option<String>,
    /// The build number.
    #[serde(default, deserialize_with = "string_or_number")]
    pub build_number: Option<String>,
    /// The configured base URL.
    #[serde(default)]
    pub url: Option<String>,
}

fn string_or_number<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match Option::<serde_json::Value>::deserialize(d)? {
        Some(serde_json::Value::String(s)) => Some(s),
        Some(serde_json::Value::Number(n)) => Some(n.to_string()),
        _ => None,
    })
}

impl Manifest {
    /// Reads a manifest in either form; `None` when the body is neither (an HTML page, say).
    pub fn parse(body: &[u8]) -> Option<Self> {
        let text = String::from_utf8_lossy(body);
        let text = text.trim();
        if text.starts_with('{') {
            return serde_json::from_str(text).ok();
        }
        if !text.contains("<manifest") {
            return None;
        }
        let element = |name: &str| -> Option<String> {
            let open = format!("<{name}>");
            let start = text.find(&open)? + open.len();
            let end = start + text[start..].find(&format!("</{name}>"))?;
            let value = text[start..end].trim();
            (!value.is_empty()).then(|| xml_unescape(value))
        };
        Some(Self {
            id: element("id"),
            name: element("name"),
            type_id: element("typeId"),
            version: element("version"),
            build_number: element("buildNumber"),
            url: element("url"),
        })
    }
}

fn xml_unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

/// Fetches the manifest without the token. `Ok(None)` when the server has none (404, or an
/// answer that is not a manifest).
pub async fn fetch_manifest(client: &Client) -> Result<Option<Manifest>, Error> {
    let response = client
        .send(&Request::get(MANIFEST_PATH).without_token())
        .await?;
    if !response.status.is_success() {
        return Ok(None);
    }
    Ok(Manifest::parse(&response.body))
}

/// [`fetch_manifest`] for a scan, to which the manifest is optional (it only names the
/// instance): a failure is logged and is `None`.
pub async fn optional_manifest(client: &Client) -> Option<Manifest> {
    fetch_manifest(client).await.unwrap_or_else(|e| {
        tracing::debug!("no applinks manifest: {e}");
        None
    })
}

/// Whether the server answers Atlassian Cloud's tenant information (`/_edge/tenant_info`,
/// anonymous, Cloud only).
pub async fn is_cloud_tenant(client: &Client) -> Result<bool, Error> {
    let response = client
        .send(&Request::get("/_edge/tenant_info").without_token())
        .await?;
    Ok(response.status.is_success()
        && serde_json::from_slice::<serde_json::Value>(&response.body)
            .is_ok_and(|v| v.get("cloudId").is_some()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_both_forms() {
        let xml = br#"<?xml version="1.0"?><manifest><id>9f2d636e-c842-3388-8a66-17c1b951dd45</id><name>My Jira &amp; Co</name><typeId>jira</typeId>
 <version>10.3.2</version><buildNumber>10030002</buildNumber><publicSignup>false</publicSignup><url>https://jira.example.com</url></manifest>"#;
        let m = Manifest::parse(xml).unwrap();
        assert_eq!(m.type_id.as_deref(), Some("jira"));
        assert_eq!(m.name.as_deref(), Some("My Jira & Co"));
        assert_eq!(m.build_number.as_deref(), Some("10030002"));
        let json = br#"{"id":"abc","name":"Wiki","typeId":"confluence","version":"8.5.4","buildNumber":9012}"#;
        let m = Manifest::parse(json).unwrap();
        assert_eq!(m.type_id.as_deref(), Some("confluence"));
        assert_eq!(m.build_number.as_deref(), Some("9012"));
        assert!(Manifest::parse(b"<html><title>Login</title></html>").is_none());
    }
}
