//! `read_wildcard` against servers that page in each way a source describes, and in ways none
//! documents (a lower clamp, a hidden window, a `startAt` that is ignored): the read says
//! "whole" only where the answer's end was reached.

use std::collections::HashMap;

use atlassian_core::Client;
use atlassian_core::test_util::test_config;
use jira_dc::JiraClient;
use jira_dc::wildcard::{SearchCaps, WildcardEnd, read_wildcard};
use serde_json::{Value, json};
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

/// `user/search?username=.` over `users` accounts, `per_page` at most a page, only the first
/// `window` reachable, `startAt` honoured or not.
struct Search {
    users: Vec<Value>,
    per_page: usize,
    window: usize,
    honours_start: bool,
}

impl Respond for Search {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let q: HashMap<String, String> = request.url.query_pairs().into_owned().collect();
        let start: usize = if self.honours_start {
            q["startAt"].parse().unwrap()
        } else {
            0
        };
        let max: usize = q["maxResults"].parse().unwrap();
        let end = self.window.min(self.users.len());
        let from = start.min(end);
        let to = (start + max.min(self.per_page)).min(end);
        ResponseTemplate::new(200).set_body_json(&self.users[from..to])
    }
}

async fn read(
    users: usize,
    per_page: usize,
    window: usize,
    honours: bool,
    caps: SearchCaps,
) -> (WildcardEnd, usize, u64) {
    let server = MockServer::start().await;
    let users = (0..users)
        .map(|i| {
            json!({"key": format!("JIRAUSER{i}"), "name": format!("u{i}"),
                   "displayName": format!("U {i}"), "active": true})
        })
        .collect();
    Mock::given(method("GET"))
        .and(path("/rest/api/2/user/search"))
        .and(query_param("username", "."))
        .respond_with(Search {
            users,
            per_page,
            window,
            honours_start: honours,
        })
        .mount(&server)
        .await;
    let client = Client::new(test_config(&server.uri(), Some("token"))).unwrap();
    let read = read_wildcard(&JiraClient::new(client), caps).await.unwrap();
    (read.end, read.users.len(), read.requests)
}

const NINE: SearchCaps = SearchCaps {
    page: 1000,
    window: None,
    probe_past_window: false,
};

#[tokio::test]
async fn nine_pages_past_the_cap_to_a_short_page() {
    assert_eq!(
        read(2345, 1000, usize::MAX, true, NINE).await,
        (WildcardEnd::Whole, 2345, 3)
    );
    // A total of exactly the page size ends on an empty page: 9.x documents no window.
    assert_eq!(
        read(1000, 1000, usize::MAX, true, NINE).await,
        (WildcardEnd::Whole, 1000, 2)
    );
}

#[tokio::test]
async fn a_lower_clamp_is_paged_through_and_a_hidden_window_behind_it_is_no_end() {
    // 50 a page (fewer than documented): the round page asks for the next, to a short one.
    assert_eq!(
        read(120, 50, usize::MAX, true, NINE).await,
        (WildcardEnd::Whole, 120, 3)
    );
    // 50 a page, and nothing past 100: it ends on a page boundary, which proves nothing.
    assert_eq!(
        read(130, 50, 100, true, NINE).await,
        (WildcardEnd::LowerClamp(50), 100, 3)
    );
}

#[tokio::test]
async fn eight_stops_at_its_window_unless_the_server_pages_past_it() {
    let eight = SearchCaps::for_major(8);
    assert_eq!(
        read(1500, 1000, 1000, true, eight).await,
        (WildcardEnd::Window(1000), 1000, 2),
        "one look past the window, which brings nothing"
    );
    assert_eq!(
        read(1517, 1000, usize::MAX, true, eight).await,
        (WildcardEnd::Whole, 1517, 2),
        "a server with JRASERVER-65089's fix pages past it"
    );
    assert_eq!(
        read(640, 1000, 1000, true, eight).await,
        (WildcardEnd::Whole, 640, 1)
    );
}

#[tokio::test]
async fn ten_never_looks_past_its_window() {
    let ten = SearchCaps::for_major(10);
    assert_eq!(
        read(150, 100, 100, true, ten).await,
        (WildcardEnd::Window(100), 100, 1)
    );
    assert_eq!(
        read(99, 100, 100, true, ten).await,
        (WildcardEnd::Whole, 99, 1)
    );
}

#[tokio::test]
async fn an_ignored_start_at_is_no_end() {
    assert_eq!(
        read(1200, 1000, usize::MAX, false, NINE).await,
        (WildcardEnd::Stuck, 1000, 2)
    );
}
