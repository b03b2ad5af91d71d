//! The checked-in fixtures are what the simulator records now: a change to the simulator or to
//! a scan's requests that is not followed by `cargo xtask snapshot --from-sim` fails here.

use xtask::snapshot::{record, versions};
use xtask::workspace_root;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fixtures_match_what_the_simulator_records() {
    for product in ["jira", "confluence"] {
        for version in versions(product) {
            let path = workspace_root()
                .join("fixtures")
                .join(format!("{product}-dc"))
                .join(version)
                .join("exchanges.json");
            let checked_in = std::fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            let mut fresh =
                serde_json::to_string_pretty(&record(product, version).await.unwrap()).unwrap();
            fresh.push('\n');
            assert!(
                checked_in == fresh,
                "{} is stale: run `cargo xtask snapshot --from-sim` and review the change",
                path.display()
            );
        }
    }
}
