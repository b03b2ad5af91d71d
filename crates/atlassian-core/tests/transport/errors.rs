use atlassian_core::test_util::test_client;
use atlassian_core::{ApiErrorBody, Error, Request};
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::TOKEN;

async fn answer(template: ResponseTemplate) -> (MockServer, atlassian_core::Client) {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(template)
        .mount(&server)
        .await;
    let client = test_client(&format!("{}/jira", server.uri()), Some(TOKEN));
    (server, client)
}

#[tokio::test]
async fn an_html_page_with_200_is_its_own_error() {
    let (_server, client) = answer(
        ResponseTemplate::new(200)
            .insert_header("content-type", "text/html;charset=UTF-8")
            .set_body_string("<!DOCTYPE html><html><head><title>Sign in - Okta</title></head><body>…</body></html>"),
    )
    .await;
    let err = client
        .get_json::<serde_json::Value>(
            &Request::get("/rest/api/2/user/search").query("username", "."),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, Error::HtmlPage { .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        "GET /rest/api/2/user/search?username=.: the server answered 200 OK with an HTML page \
         (\"Sign in - Okta\") instead of JSON (a login page of an SSO proxy, or not a \
         Jira/Confluence REST endpoint)"
    );
}

#[tokio::test]
async fn malformed_json_names_the_endpoint_and_the_position() {
    let (_server, client) = answer(
        ResponseTemplate::new(200)
            .insert_header("content-type", "application/json")
            .set_body_string(r#"{"version": "9.12.2", "versionNumbers": [9, 12,"#),
    )
    .await;
    #[derive(serde::Deserialize, Debug)]
    #[allow(dead_code)]
    #[serde(rename_all = "camelCase")]
    struct ServerInfo {
        version: String,
        version_numbers: Vec<u32>,
    }
    let err = client
        .get_json::<ServerInfo>(&Request::get("/rest/api/2/serverInfo"))
        .await
        .unwrap_err();
    let Error::Decode { json_path, .. } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(json_path, "versionNumbers");
    assert!(
        atlassian_core::error_chain(&err)
            .starts_with("GET /rest/api/2/serverInfo: unexpected response at versionNumbers: EOF"),
        "{}",
        atlassian_core::error_chain(&err)
    );
}

#[tokio::test]
async fn the_three_401_shapes_are_all_unauthorized() {
    let bodies = [
        ResponseTemplate::new(401).set_body_json(json!({
            "errorMessages": ["You are not authenticated. Authentication required to perform this operation."],
            "errors": {}})),
        ResponseTemplate::new(401).set_body_json(json!({
            "message": "Client must be authenticated to access this resource.", "status-code": 401})),
        ResponseTemplate::new(401)
            .insert_header("content-type", "text/html")
            .insert_header("X-Seraph-LoginReason", "AUTHENTICATED_FAILED")
            .set_body_string("<html><head><title>Unauthorized (401)</title></head></html>"),
    ];
    let expected = [
        "You are not authenticated. Authentication required to perform this operation.",
        "Client must be authenticated to access this resource.",
        "Unauthorized (401)",
    ];
    for (template, message) in bodies.into_iter().zip(expected) {
        let (_server, client) = answer(template).await;
        let err = client
            .get_json::<serde_json::Value>(&Request::get("/rest/api/2/myself"))
            .await
            .unwrap_err();
        assert!(err.is_unauthorized(), "{err:?}");
        assert_eq!(
            err.api_body().map(ApiErrorBody::summary).as_deref(),
            Some(message)
        );
        assert!(
            err.to_string()
                .starts_with("GET /rest/api/2/myself: 401 Unauthorized"),
            "{err}"
        );
    }
}

#[tokio::test]
async fn a_200_with_a_rejected_login_is_unauthorized() {
    // JRA-41559: an empty 200 that only the Seraph header marks as a failed login.
    let (_server, client) = answer(
        ResponseTemplate::new(200).insert_header("X-Seraph-LoginReason", "AUTHENTICATED_FAILED"),
    )
    .await;
    let err = client
        .get_json::<serde_json::Value>(&Request::get("/rest/api/2/myself"))
        .await
        .unwrap_err();
    assert!(err.is_unauthorized(), "{err:?}");
    assert!(err.to_string().contains("login rejected"), "{err}");
}

#[tokio::test]
async fn anonymous_answers_are_visible() {
    let server = MockServer::start().await;
    Mock::given(path("/jira/rest/api/2/serverInfo"))
        .respond_with(ResponseTemplate::new(200).insert_header("X-AUSERNAME", "svc%40example.com"))
        .mount(&server)
        .await;
    let client = test_client(&format!("{}/jira", server.uri()), Some(TOKEN));
    let response = client
        .send(&Request::get("/rest/api/2/serverInfo"))
        .await
        .unwrap();
    assert_eq!(response.remote_user().as_deref(), Some("svc@example.com"));
}

#[tokio::test]
async fn confluence_xml_errors_are_read() {
    let (_server, client) = answer(
        ResponseTemplate::new(401)
            .insert_header("content-type", "application/xml")
            .set_body_string("<status><status-code>401</status-code><message>Client must be authenticated to access this resource.</message></status>"),
    )
    .await;
    let err = client
        .get_json::<serde_json::Value>(&Request::get("/rest/api/group/a%2Fb/member"))
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "GET /rest/api/group/a%2Fb/member: 401 Unauthorized: Client must be authenticated to access this resource."
    );
}
