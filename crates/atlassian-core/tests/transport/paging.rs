//! Every paging style ends correctly on short pages, empty pages, a self-pointing `next` and an
//! `isLast` that lies, and never yields an item twice.

use atlassian_core::paging::{PagingStyle, items};
use atlassian_core::test_util::test_client;
use atlassian_core::{Error, Request};
use futures::TryStreamExt;
use serde_json::{Value, json};
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, Respond, ResponseTemplate};

use crate::{TOKEN, query};

/// How the simulated server misbehaves.
#[derive(Clone, Copy, Default)]
struct Quirks {
    /// Page size the server really uses, whatever was asked.
    cap: usize,
    /// `isLast`: `Some(v)` always says `v`; `None` tells the truth.
    is_last: Option<bool>,
    /// Omit `isLast` (and for cursors, `nextCursor` stays the same forever).
    stuck: bool,
    /// Ignore the offset and always serve the first page.
    ignore_offset: bool,
    /// Confluence: put a `next` on every page, even past the end, pointing at the same page.
    next_always_self: bool,
}

struct Collection {
    style: PagingStyle,
    names: Vec<String>,
    quirks: Quirks,
}

impl Collection {
    fn new(style: PagingStyle, count: usize, quirks: Quirks) -> Self {
        Self {
            style,
            names: (0..count).map(|i| format!("user{i:03}")).collect(),
            quirks,
        }
    }
}

impl Respond for Collection {
    fn respond(&self, request: &wiremock::Request) -> ResponseTemplate {
        let asked: usize = query(request, "maxResults")
            .or_else(|| query(request, "limit"))
            .and_then(|v| v.parse().ok())
            .unwrap_or(50);
        let size = if self.quirks.cap > 0 {
            asked.min(self.quirks.cap)
        } else {
            asked
        };
        let offset: usize = match self.style {
            PagingStyle::JiraCursor => query(request, "cursor")
                .and_then(|c| c.parse().ok())
                .unwrap_or(0),
            PagingStyle::Confluence => query(request, "start")
                .and_then(|c| c.parse().ok())
                .unwrap_or(0),
            _ => query(request, "startAt")
                .and_then(|c| c.parse().ok())
                .unwrap_or(0),
        };
        let offset = if self.quirks.ignore_offset { 0 } else { offset };
        let end = (offset + size).min(self.names.len());
        let page: Vec<Value> = self.names[offset.min(end)..end]
            .iter()
            .map(|n| json!({"name": n, "key": n.to_uppercase()}))
            .collect();
        let truly_last = end >= self.names.len();
        let body = match self.style {
            PagingStyle::JiraPageBean => {
                let mut body = json!({
                    "self": "https://wrong.example.com/rest/api/2/group/member",
                    "maxResults": size, "startAt": offset + 1, "total": self.names.len(),
                    "values": page,
                });
                if !self.quirks.stuck {
                    body["isLast"] = json!(self.quirks.is_last.unwrap_or(truly_last));
                }
                body
            }
            PagingStyle::JiraArray => Value::Array(page),
            PagingStyle::JiraCursor => {
                let mut body = json!({"maxResults": size, "values": page});
                if self.quirks.stuck {
                    body["nextCursor"] = json!("7");
                    body["isLast"] = json!(false);
                } else {
                    body["isLast"] = json!(self.quirks.is_last.unwrap_or(truly_last));
                    if !truly_last {
                        // Numbers on some servers, strings in the spec: alternate.
                        body["nextCursor"] = if (offset / size.max(1)) % 2 == 0 {
                            json!(end)
                        } else {
                            json!(end.to_string())
                        };
                    }
                }
                body
            }
            PagingStyle::Confluence => {
                let mut links =
                    json!({"base": "http://configured.example.com/confluence", "context": ""});
                if self.quirks.next_always_self {
                    links["next"] =
                        json!(format!("/rest/api/user/list?limit={size}&start={offset}"));
                } else if !truly_last {
                    // Under-counts `start` as capped servers do.
                    links["next"] = json!(format!(
                        "/rest/api/user/list?limit={size}&start={}",
                        offset + size / 2
                    ));
                }
                json!({"results": page, "start": offset, "limit": size, "size": page.len(), "_links": links})
            }
        };
        ResponseTemplate::new(200).set_body_json(body)
    }
}

async fn collect(
    style: PagingStyle,
    count: usize,
    quirks: Quirks,
    page_size: u32,
) -> (Vec<String>, usize) {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(Collection::new(style, count, quirks))
        .mount(&server)
        .await;
    let client = test_client(&server.uri(), Some(TOKEN));
    let names: Vec<String> = items::<Value, _>(
        &client,
        Request::get("/rest/api/2/group/member").query("groupname", "jira users"),
        style,
        page_size,
        |v| v["key"].as_str().unwrap_or_default().to_owned(),
    )
    .map_ok(|v| v["name"].as_str().unwrap().to_owned())
    .try_collect()
    .await
    .unwrap();
    let requests = server.received_requests().await.unwrap().len();
    (names, requests)
}

fn expected(count: usize) -> Vec<String> {
    (0..count).map(|i| format!("user{i:03}")).collect()
}

#[tokio::test]
async fn page_bean_advances_by_items_received_when_the_server_lowers_the_page_size() {
    let quirks = Quirks {
        cap: 2,
        ..Quirks::default()
    };
    let (names, requests) = collect(PagingStyle::JiraPageBean, 5, quirks, 50).await;
    assert_eq!(names, expected(5));
    assert_eq!(requests, 3, "pages of 2, 2, 1; isLast on the third");
}

#[tokio::test]
async fn page_bean_reads_past_an_early_is_last_when_total_says_more() {
    let quirks = Quirks {
        cap: 2,
        is_last: Some(true),
        ..Quirks::default()
    };
    let (names, _) = collect(PagingStyle::JiraPageBean, 5, quirks, 50).await;
    assert_eq!(names, expected(5));
}

#[tokio::test]
async fn page_bean_stops_on_an_empty_page_when_is_last_never_comes() {
    let quirks = Quirks {
        cap: 2,
        is_last: Some(false),
        ..Quirks::default()
    };
    let (names, requests) = collect(PagingStyle::JiraPageBean, 5, quirks, 50).await;
    assert_eq!(names, expected(5));
    assert_eq!(requests, 4, "three pages and one empty");
}

#[tokio::test]
async fn page_bean_stops_when_the_server_ignores_the_offset() {
    let quirks = Quirks {
        cap: 2,
        is_last: Some(false),
        ignore_offset: true,
        ..Quirks::default()
    };
    let (names, requests) = collect(PagingStyle::JiraPageBean, 5, quirks, 50).await;
    assert_eq!(names, expected(2));
    // The first page, then the pages read ahead (the second may or may not have left before
    // the repeated page ended the stream).
    assert!((2..=3).contains(&requests), "{requests} requests");
}

#[tokio::test]
async fn page_bean_reads_ahead_concurrently_and_keeps_the_order() {
    let quirks = Quirks {
        cap: 50,
        ..Quirks::default()
    };
    let (names, requests) = collect(PagingStyle::JiraPageBean, 1_000, quirks, 50).await;
    assert_eq!(names, expected(1_000));
    assert_eq!(requests, 20, "no page asked twice, none past the end");
}

#[tokio::test]
async fn page_bean_with_a_total_that_overstates_ends_at_the_first_empty_page() {
    let server = MockServer::start().await;
    let page = |offset: usize, n: usize| {
        json!({"startAt": offset, "maxResults": 2, "total": 9, "isLast": false,
               "values": (offset..offset + n).map(|i| json!({"name": format!("u{i}"), "key": format!("K{i}")})).collect::<Vec<_>>()})
    };
    for (offset, n) in [(0, 2), (2, 2), (4, 1), (6, 0), (8, 0), (5, 0)] {
        Mock::given(method("GET"))
            .and(wiremock::matchers::query_param(
                "startAt",
                offset.to_string(),
            ))
            .respond_with(ResponseTemplate::new(200).set_body_json(page(offset, n)))
            .mount(&server)
            .await;
    }
    let client = test_client(&server.uri(), Some(TOKEN));
    let names: Vec<String> = items::<Value, _>(
        &client,
        Request::get("/rest/api/2/group/member"),
        PagingStyle::JiraPageBean,
        50,
        |v| v["key"].as_str().unwrap_or_default().to_owned(),
    )
    .map_ok(|v| v["name"].as_str().unwrap().to_owned())
    .try_collect()
    .await
    .unwrap();
    assert_eq!(names, ["u0", "u1", "u2", "u3", "u4"]);
}

#[tokio::test]
async fn bare_arrays_end_on_an_empty_page_not_on_a_short_one() {
    let quirks = Quirks {
        cap: 3,
        ..Quirks::default()
    };
    let (names, requests) = collect(PagingStyle::JiraArray, 7, quirks, 1000).await;
    assert_eq!(names, expected(7));
    assert_eq!(requests, 4, "3 + 3 + 1, then an empty page");
    let (names, requests) = collect(PagingStyle::JiraArray, 0, Quirks::default(), 50).await;
    assert!(names.is_empty());
    assert_eq!(requests, 1);
}

#[tokio::test]
async fn bare_arrays_stop_when_the_offset_is_ignored() {
    let quirks = Quirks {
        cap: 3,
        ignore_offset: true,
        ..Quirks::default()
    };
    let (names, requests) = collect(PagingStyle::JiraArray, 7, quirks, 1000).await;
    assert_eq!(names, expected(3));
    assert_eq!(requests, 2);
}

#[tokio::test]
async fn cursors_follow_string_and_number_cursors_to_is_last() {
    let quirks = Quirks {
        cap: 2,
        ..Quirks::default()
    };
    let (names, requests) = collect(PagingStyle::JiraCursor, 5, quirks, 2000).await;
    assert_eq!(names, expected(5));
    assert_eq!(requests, 3);
}

#[tokio::test]
async fn cursors_stop_on_a_repeated_cursor() {
    let quirks = Quirks {
        cap: 2,
        stuck: true,
        ..Quirks::default()
    };
    let (names, requests) = collect(PagingStyle::JiraCursor, 9, quirks, 2000).await;
    // First page (no cursor), then cursor 7 (items 7, 8), then cursor 7 again is refused.
    assert_eq!(names, ["user000", "user001", "user007", "user008"]);
    assert_eq!(requests, 2);
}

#[tokio::test]
async fn cursors_stop_on_an_empty_page_when_is_last_lies() {
    let quirks = Quirks {
        cap: 2,
        is_last: Some(false),
        ..Quirks::default()
    };
    let (names, requests) = collect(PagingStyle::JiraCursor, 4, quirks, 2000).await;
    assert_eq!(names, expected(4));
    assert_eq!(requests, 2, "no nextCursor on the last page ends it");
}

#[tokio::test]
async fn confluence_recomputes_start_and_ignores_the_next_links_start() {
    let quirks = Quirks {
        cap: 3,
        ..Quirks::default()
    };
    let (names, requests) = collect(PagingStyle::Confluence, 8, quirks, 200).await;
    assert_eq!(names, expected(8));
    assert_eq!(requests, 3);
}

#[tokio::test]
async fn confluence_stops_on_an_empty_page_with_a_self_pointing_next() {
    let quirks = Quirks {
        cap: 3,
        next_always_self: true,
        ..Quirks::default()
    };
    let (names, requests) = collect(PagingStyle::Confluence, 5, quirks, 200).await;
    assert_eq!(names, expected(5));
    assert_eq!(
        requests, 3,
        "3 + 2, then an empty page despite its next link"
    );
}

#[tokio::test]
async fn confluence_stops_on_a_page_of_only_seen_items() {
    let quirks = Quirks {
        cap: 3,
        next_always_self: true,
        ignore_offset: true,
        ..Quirks::default()
    };
    let (names, requests) = collect(PagingStyle::Confluence, 5, quirks, 200).await;
    assert_eq!(names, expected(3));
    assert_eq!(requests, 2);
}

#[tokio::test]
async fn a_bad_item_names_the_json_path() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "isLast": true,
            "values": [{"name": "a", "active": true}, {"name": "b", "active": "yes"}]
        })))
        .mount(&server)
        .await;
    #[derive(serde::Deserialize, Debug)]
    #[allow(dead_code)]
    struct Member {
        name: String,
        active: bool,
    }
    let client = test_client(&server.uri(), Some(TOKEN));
    let err = items::<Member, _>(
        &client,
        Request::get("/rest/api/2/group/member").query("groupname", "a+b"),
        PagingStyle::JiraPageBean,
        50,
        |m| m.name.clone(),
    )
    .try_collect::<Vec<_>>()
    .await
    .unwrap_err();
    match &err {
        Error::Decode {
            json_path, path, ..
        } => {
            assert_eq!(json_path, "values[1].active");
            assert!(
                path.starts_with("/rest/api/2/group/member?groupname=a%2Bb"),
                "{path}"
            );
        }
        other => panic!("expected a decode error, got {other:?}"),
    }
}
