//! Replays every recorded fixture set (`fixtures/confluence-dc/<version>/exchanges.json`) and
//! compares what the inventory tells a reader (system, counts, coverage, warnings) with its
//! snapshot. A replay that asks for anything not recorded fails:
//! the fixtures must hold every request the scan makes.

use atlassian_core::test_util::replay_fixture_sets;
use confluence_dc::{ConfluenceClient, ScanOptions, scan};

#[tokio::test]
async fn every_recorded_version_replays_to_its_snapshot() {
    let inventories = replay_fixture_sets("confluence-dc", "/confluence", |client| async move {
        scan(&ConfluenceClient::new(client), &ScanOptions::default()).await
    })
    .await;
    // Every simulated version has its recording; recordings of real servers may sit beside them.
    let simulated: Vec<&str> = dc_sim::dataset::CONFLUENCE_VERSIONS
        .iter()
        .map(|v| {
            v.rsplit_once('.')
                .map_or(*v, |(major_minor, _)| major_minor)
        })
        .collect();
    for version in &simulated {
        assert!(
            inventories.iter().any(|(v, _)| v == version),
            "no recording of the simulated {version}: cargo xtask snapshot --from-sim"
        );
    }
    for (version, inventory) in inventories {
        if simulated.contains(&version.as_str()) {
            // A small simulated instance: every collection is proven.
            assert!(inventory.coverage.iter().all(|c| c.complete), "{version}");
        }
        // What the records are is the ground-truth tests' business; a recording pins what a
        // reader of the inventory is told about it.
        let summary = serde_json::json!({
            "system": {"product": inventory.system.product, "version": inventory.system.version,
                        "title": inventory.system.title},
            "scanned_as": inventory.scanned_as,
            "counts": inventory.counts(),
            "coverage": inventory.coverage,
            "warnings": inventory.warnings,
        });
        insta::with_settings!({ snapshot_suffix => version, prepend_module_to_snapshot => false }, {
            insta::assert_json_snapshot!("summary", summary);
        });
    }
}
