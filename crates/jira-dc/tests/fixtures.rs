//! Replays every recorded fixture set (`fixtures/jira-dc/<version>/exchanges.json`) and
//! compares the inventory with its snapshot. A replay that asks for anything not recorded fails:
//! the fixtures must hold every request the scan makes.

use atlassian_core::test_util::{ReplayServer, fixtures_dir, read_exchanges, test_client};
use jira_dc::{JiraClient, ScanOptions, scan};

#[tokio::test]
async fn every_recorded_version_replays_to_its_snapshot() {
    let root = fixtures_dir().join("jira-dc");
    let mut versions: Vec<String> = std::fs::read_dir(&root)
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .collect();
    versions.sort();
    assert_eq!(
        versions,
        ["10.3", "8.20", "9.12"],
        "one fixture set per version"
    );
    for version in versions {
        let exchanges = read_exchanges(&root.join(&version).join("exchanges.json"));
        let replay = ReplayServer::start(exchanges, "/jira").await;
        let client = test_client(replay.base_url(), Some("replayed-token"));
        let inventory = scan(&JiraClient::new(client), &ScanOptions::default())
            .await
            .unwrap_or_else(|e| panic!("{version}: {}", atlassian_core::error_chain(&e)));
        assert!(
            replay.unmatched().is_empty(),
            "{version}: requests with no recorded answer: {:?}",
            replay.unmatched()
        );
        assert!(inventory.coverage.iter().all(|c| c.complete), "{version}");
        insta::with_settings!({ snapshot_suffix => version.clone(), prepend_module_to_snapshot => false }, {
            insta::assert_json_snapshot!("inventory", inventory, {
                ".generated_at" => "[generated_at]",
                ".system.base_url" => "[base_url]",
            });
        });
    }
}
