//! Replays every recorded fixture set (`fixtures/jira-dc/<version>/exchanges.json`) and
//! compares what the inventory tells a reader (system, counts, coverage, warnings) with its
//! snapshot. A replay that asks for anything not recorded fails:
//! the fixtures must hold every request the scan makes.

use atlassian_core::test_util::{recording_summaries, replay_fixture_sets};
use jira_dc::{JiraClient, ScanOptions, scan};

#[tokio::test]
async fn every_recorded_version_replays_to_its_snapshot() {
    let inventories = replay_fixture_sets("jira-dc", "/jira", |client| async move {
        scan(&JiraClient::new(client), &ScanOptions::default()).await
    })
    .await;
    let summaries = recording_summaries(inventories, &dc_sim::dataset::JIRA_VERSIONS);
    for (version, summary) in summaries {
        insta::with_settings!({ snapshot_suffix => version, prepend_module_to_snapshot => false }, {
            insta::assert_json_snapshot!("summary", summary);
        });
    }
}
