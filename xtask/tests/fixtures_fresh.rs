//! The checked-in fixtures are what the simulator records now: a change to the simulator or to
//! a scan's requests that is not followed by `cargo xtask snapshot --from-sim` fails here, naming
//! the first differing line; outside CI the stale files are rewritten, so re-running passes.

use xtask::snapshot::{record, versions};
use xtask::workspace_root;

/// The first line where two texts differ, with its number, for a failure message.
fn first_difference(old: &str, new: &str) -> String {
    let (mut old_lines, mut new_lines) = (old.lines(), new.lines());
    for n in 1.. {
        match (old_lines.next(), new_lines.next()) {
            (Some(a), Some(b)) if a == b => continue,
            (None, None) => break,
            (a, b) => {
                return format!(
                    "line {n}: checked in {:?}, recorded now {:?}",
                    a.unwrap_or("(end)"),
                    b.unwrap_or("(end)")
                );
            }
        }
    }
    "only line endings differ".to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fixtures_match_what_the_simulator_records() {
    // Outside CI a stale file is rewritten, so the fix is to re-run and review `git diff`.
    let rewrite = std::env::var_os("CI").is_none();
    let mut stale = Vec::new();
    for product in ["jira", "confluence"] {
        for version in versions(product) {
            let path = workspace_root()
                .join("fixtures")
                .join(format!("{product}-dc"))
                .join(version)
                .join("exchanges.json");
            let checked_in = std::fs::read_to_string(&path).unwrap_or_default();
            let mut fresh =
                serde_json::to_string_pretty(&record(product, version).await.unwrap()).unwrap();
            fresh.push('\n');
            if checked_in != fresh {
                stale.push(format!(
                    "{} ({})",
                    path.display(),
                    first_difference(&checked_in, &fresh)
                ));
                if rewrite {
                    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
                    std::fs::write(&path, &fresh).unwrap();
                }
            }
        }
    }
    assert!(
        stale.is_empty(),
        "stale fixtures:\n  {}\n{}",
        stale.join("\n  "),
        if rewrite {
            "rewritten: re-run the tests and review `git diff fixtures/` (the insta snapshots may follow)"
        } else {
            "run `cargo xtask snapshot --from-sim` and review the change"
        }
    );
}
