//! Replays every recorded fixture set (`fixtures/confluence-dc/<version>/exchanges.json`) and
//! compares the inventory with its snapshot. A replay that asks for anything not recorded fails:
//! the fixtures must hold every request the scan makes.

use atlassian_core::test_util::replay_fixture_sets;
use confluence_dc::{ConfluenceClient, ScanOptions, scan};

#[tokio::test]
async fn every_recorded_version_replays_to_its_snapshot() {
    let inventories = replay_fixture_sets("confluence-dc", "/confluence", |client| async move {
        scan(&ConfluenceClient::new(client), &ScanOptions::default()).await
    })
    .await;
    let versions: Vec<&str> = inventories.iter().map(|(v, _)| v.as_str()).collect();
    assert_eq!(
        versions,
        ["10.2", "7.19", "8.5", "9.2"],
        "one fixture set per version"
    );
    for (version, inventory) in inventories {
        assert!(inventory.coverage.iter().all(|c| c.complete), "{version}");
        insta::with_settings!({ snapshot_suffix => version, prepend_module_to_snapshot => false }, {
            insta::assert_json_snapshot!("inventory", inventory, {
                ".generated_at" => "[generated_at]",
                ".system.base_url" => "[base_url]",
            });
        });
    }
}
