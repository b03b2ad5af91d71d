use atlassian_core::paging::{PagingStyle, items};
use atlassian_core::test_util::test_client;
use atlassian_core::{Error, Request};
use futures::TryStreamExt;
use serde_json::json;
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::TOKEN;

#[tokio::test]
async fn a_cross_origin_next_link_is_not_followed() {
    let ours = MockServer::start().await;
    let elsewhere = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"results": []})))
        .mount(&elsewhere)
        .await;
    // Confluence builds `_links` from its configured base URL, here another host.
    let foreign_base = format!("{}/confluence", elsewhere.uri());
    Mock::given(method("GET"))
        .and(path("/confluence/rest/api/group"))
        .and(query_param("start", "0"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "results": [{"type": "group", "name": "a"}, {"type": "group", "name": "b"}],
            "start": 0, "limit": 2, "size": 2,
            "_links": {"base": foreign_base, "context": "/confluence",
                       "next": format!("{foreign_base}/rest/api/group?limit=2&start=2")}
        })))
        .mount(&ours)
        .await;
    Mock::given(method("GET"))
        .and(path("/confluence/rest/api/group"))
        .and(query_param("start", "2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "results": [{"type": "group", "name": "c"}],
            "start": 2, "limit": 2, "size": 1,
            "_links": {"base": foreign_base, "context": "/confluence"}
        })))
        .mount(&ours)
        .await;

    let client = test_client(&format!("{}/confluence", ours.uri()), Some(TOKEN));
    let names: Vec<String> = items::<serde_json::Value, _>(
        &client,
        Request::get("/rest/api/group"),
        PagingStyle::Confluence,
        2,
        |g| g["name"].as_str().unwrap_or_default().to_owned(),
    )
    .map_ok(|g| g["name"].as_str().unwrap().to_owned())
    .try_collect()
    .await
    .unwrap();
    assert_eq!(names, ["a", "b", "c"]);
    assert!(elsewhere.received_requests().await.unwrap().is_empty());
    // The second page went to our origin, with the token.
    let requests = ours.received_requests().await.unwrap();
    assert_eq!(requests.len(), 2);
    assert!(
        requests
            .iter()
            .all(|r| r.headers.get("authorization").is_some())
    );
}

#[tokio::test]
async fn a_cross_origin_redirect_is_not_followed_and_carries_no_token() {
    let ours = MockServer::start().await;
    let elsewhere = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"name": "stolen"})))
        .mount(&elsewhere)
        .await;
    Mock::given(method("GET"))
        .and(path("/rest/api/2/myself"))
        .respond_with(ResponseTemplate::new(302).insert_header(
            "Location",
            format!("{}/login?next=/rest/api/2/myself", elsewhere.uri()),
        ))
        .mount(&ours)
        .await;
    let client = test_client(&ours.uri(), Some(TOKEN));
    let err = client
        .get_json::<serde_json::Value>(&Request::get("/rest/api/2/myself"))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::CrossOriginRedirect { .. }), "{err:?}");
    let text = err.to_string();
    assert!(
        text.contains(&format!("{}/login", elsewhere.uri())),
        "{text}"
    );
    assert!(
        !text.contains("next="),
        "the query of the location is not echoed: {text}"
    );
    let foreign = elsewhere.received_requests().await.unwrap();
    assert!(foreign.is_empty(), "the other origin was contacted");
    assert!(
        foreign
            .iter()
            .all(|r| r.headers.get("authorization").is_none())
    );
}

#[tokio::test]
async fn a_same_origin_redirect_is_followed_with_the_token() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/rest/api/2/myself"))
        .respond_with(
            ResponseTemplate::new(301).insert_header("Location", "/jira/rest/api/2/myself"),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/jira/rest/api/2/myself"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"name": "svc"})))
        .mount(&server)
        .await;
    let client = test_client(&server.uri(), Some(TOKEN));
    let me: serde_json::Value = client
        .get_json(&Request::get("/rest/api/2/myself"))
        .await
        .unwrap();
    assert_eq!(me["name"], "svc");
    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 2);
    for r in &requests {
        assert_eq!(
            r.headers.get("authorization").unwrap().to_str().unwrap(),
            format!("Bearer {TOKEN}")
        );
    }
}

#[tokio::test]
async fn an_unauthenticated_request_sends_no_token() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_string("<manifest/>"))
        .mount(&server)
        .await;
    let client = test_client(&server.uri(), Some(TOKEN));
    let response = client
        .send(&Request::get("/rest/applinks/1.0/manifest").without_token())
        .await
        .unwrap();
    assert_eq!(response.status.as_u16(), 200);
    let requests = server.received_requests().await.unwrap();
    assert!(requests[0].headers.get("authorization").is_none());
    assert_eq!(
        requests[0].headers.get("accept").unwrap(),
        "application/json"
    );
    assert!(
        requests[0]
            .headers
            .get("user-agent")
            .unwrap()
            .to_str()
            .unwrap()
            .starts_with("atlassian-dc/")
    );
}
