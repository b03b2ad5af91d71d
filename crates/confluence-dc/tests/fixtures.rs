//! Replays every recorded fixture set (`fixtures/confluence-dc/<version>/exchanges.json`) and
//! compares what the inventory tells a reader (system, counts, coverage, warnings) with its
//! snapshot. A replay that asks for anything not recorded fails:
//! the fixtures must hold every request the scan makes.

use atlassian_core::test_util::{recording_summaries, replay_fixture_sets};
use confluence_dc::{ConfluenceClient, ScanOptions, scan};

#[tokio::test]
async fn every_recorded_version_replays_to_its_snapshot() {
    let inventories = replay_fixture_sets("confluence-dc", "/confluence", |client| async move {
        scan(&ConfluenceClient::new(client), &ScanOptions::default()).await
    })
    .await;
    let summaries = recording_summaries(inventories, &dc_sim::dataset::CONFLUENCE_VERSIONS);
    for (version, summary) in summaries {
        insta::with_settings!({ snapshot_suffix => version, prepend_module_to_snapshot => false }, {
            insta::assert_json_snapshot!("summary", summary);
        });
    }
}
