//! Files that attack, through the real binary: `diff`, `access`, `explain` and `report` handed
//! truncated, reordered, retyped, deeply nested, bloated, non-UTF-8 and dangling inventories end
//! in exit 2 with a message naming the file and the line or JSON path — never a panic — and an
//! NDJSON line of 300 MB is refused at the line cap with the reader's memory bounded.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use atlassian_core::inventory::{Coverage, ScannedAs, System};
use atlassian_core::{
    Account, Inventory, InventoryBuilder, Product, Resource, ResourceRef, Subject,
};

const BIN: &str = env!("CARGO_BIN_EXE_atlassian-dc");

fn inventory() -> Inventory {
    let mut b = InventoryBuilder::new(
        System {
            product: Product::Jira,
            base_url: "https://jira.example.com".to_owned(),
            version: "9.12.2".to_owned(),
            title: None,
            instance_id: None,
        },
        ScannedAs {
            key: "JIRAUSER10000".to_owned(),
            username: "svc".to_owned(),
        },
    );
    let mut alice = Account::new("JIRAUSER10100");
    alice.username = Some("alice".to_owned());
    alice.active = Some(true);
    b.account(Account::new("JIRAUSER10000")).account(alice);
    b.group("developers")
        .membership("developers", "JIRAUSER10100");
    let eng = ResourceRef::Project("ENG".to_owned());
    b.resource(Resource::new(&eng, Some("Engineering".to_owned())));
    b.grant(
        eng,
        "BROWSE_PROJECTS",
        Subject::Group("developers".to_owned()),
    );
    b.coverage(Coverage::complete("accounts", "user/list"));
    b.build("2026-11-29T03:00:00Z".parse().unwrap()).unwrap()
}

fn json_text() -> String {
    let mut out = Vec::new();
    inventory().write_json(&mut out).unwrap();
    String::from_utf8(out).unwrap()
}

fn ndjson_text() -> String {
    let mut out = Vec::new();
    inventory().write_ndjson(&mut out).unwrap();
    String::from_utf8(out).unwrap()
}

/// Hostile files, each with what its message must say besides the file's name.
fn hostile_files() -> Vec<(&'static str, Vec<u8>, &'static str)> {
    let json = json_text();
    let ndjson = ndjson_text();
    let lines: Vec<&str> = ndjson.lines().collect();
    let mut reordered = lines.clone();
    reordered.swap(0, 1);
    let mut not_utf8 = ndjson.clone().into_bytes();
    let at = not_utf8.windows(5).position(|w| w == b"alice").unwrap();
    not_utf8[at + 1] = 0xFE;
    vec![
        (
            "truncated.json",
            json.as_bytes()[..json.len() / 2].to_vec(),
            "the inventory JSON does not decode at `",
        ),
        (
            "truncated.ndjson",
            ndjson.as_bytes()[..ndjson.len() - 20].to_vec(),
            "NDJSON line ",
        ),
        (
            "reordered.ndjson",
            reordered.join("\n").into_bytes(),
            "line 1 is a `account` record but the stream must open with its header",
        ),
        (
            "wrong-type.json",
            json.replacen("\"active\": true", "\"active\": \"yes\"", 1)
                .into_bytes(),
            "does not decode at `accounts[1].active`: invalid type: string \"yes\", expected a \
             boolean at line ",
        ),
        (
            "deep.json",
            json.replacen(
                "{\n",
                &format!("{{\"x\": {}1{},\n", "[".repeat(5000), "]".repeat(5000)),
                1,
            )
            .into_bytes(),
            "nesting deeper than 64 levels (an inventory nests 3) (at line 1, column 70)",
        ),
        (
            "huge-string.json",
            json.replacen(
                "\"alice\"",
                &format!("\"{}\"", "a".repeat(Inventory::MAX_STRING_BYTES * 3)),
                1,
            )
            .into_bytes(),
            "refused at `accounts[1].username`: a string longer than the 1 MiB cap (at line ",
        ),
        (
            "not-utf8.ndjson",
            not_utf8,
            "invalid `account` record at `username`: invalid unicode code point",
        ),
        (
            "dangling.ndjson",
            ndjson
                .replacen(
                    r#"{"kind":"group","name":"developers"}"#,
                    r#"{"kind":"group","name":"admins"}"#,
                    1,
                )
                .into_bytes(),
            "grant (`project:ENG`, `BROWSE_PROJECTS`, `group:developers`) names unknown group \
             `developers`",
        ),
        (
            "other-schema.json",
            json.replace("atlassian-dc-inventory/v1", "atlassian-dc-inventory/v7")
                .into_bytes(),
            "unsupported inventory schema at `schema`: `atlassian-dc-inventory/v7`",
        ),
    ]
}

fn run(args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .env_remove("ATLASSIAN_PAT")
        .env_remove("RUST_LOG")
        .env("NO_COLOR", "1")
        .output()
        .expect("the binary runs")
}

#[track_caller]
fn assert_refused(output: &Output, file: &Path, says: &str, what: &str) {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{what}: {stderr}");
    assert!(!stderr.contains("panicked"), "{what}: {stderr}");
    assert!(
        stderr.contains(&format!("{}: ", file.display())),
        "{what}: the file is not named: {stderr}"
    );
    assert!(
        stderr.contains(says),
        "{what}: does not say {says:?}: {stderr}"
    );
    assert!(output.stdout.is_empty(), "{what}: wrote output");
}

#[test]
fn every_command_refuses_a_hostile_inventory_with_exit_2_naming_file_and_place() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.json");
    std::fs::write(&good, json_text()).unwrap();
    // The good file passes, so each refusal below is the hostile file's.
    let fine = run(&["access", good.to_str().unwrap()]);
    assert_eq!(
        fine.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&fine.stderr)
    );

    for (name, bytes, says) in hostile_files() {
        let bad = dir.path().join(name);
        std::fs::write(&bad, bytes).unwrap();
        let (good, bad_path) = (good.to_str().unwrap(), bad.to_str().unwrap());
        let commands: [(&str, Vec<&str>); 5] = [
            ("access", vec!["access", bad_path]),
            (
                "explain",
                vec![
                    "explain",
                    bad_path,
                    "alice",
                    "project:ENG",
                    "BROWSE_PROJECTS",
                ],
            ),
            ("report", vec!["report", bad_path, "--format", "json"]),
            ("diff (new)", vec!["diff", good, bad_path]),
            ("diff (old)", vec!["diff", bad_path, good]),
        ];
        for (command, args) in commands {
            assert_refused(&run(&args), &bad, says, &format!("{command} {name}"));
        }
    }
}

#[test]
fn a_hostile_inventory_on_standard_input_is_refused_the_same_way() {
    let (_, bytes, says) = hostile_files()
        .into_iter()
        .find(|(name, ..)| *name == "reordered.ndjson")
        .unwrap();
    let mut child = Command::new(BIN)
        .args(["access", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(&bytes).unwrap();
    let output = child.wait_with_output().unwrap();
    assert_refused(&output, Path::new("-"), says, "access -");
}

/// Writes a stream whose second line is `size` bytes long, a chunk at a time.
fn write_enormous_line(path: &Path, size: usize) {
    let ndjson = ndjson_text();
    let mut lines = ndjson.lines();
    let mut file = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    writeln!(file, "{}", lines.next().unwrap()).unwrap();
    let open = br#"{"kind":"account","key":"JIRAUSER1","display_name":""#;
    file.write_all(open).unwrap();
    let chunk = vec![b'a'; 1 << 20];
    let mut left = size - open.len() - 3;
    while left > 0 {
        let n = left.min(chunk.len());
        file.write_all(&chunk[..n]).unwrap();
        left -= n;
    }
    file.write_all(b"\"}\n").unwrap();
    for line in lines {
        writeln!(file, "{line}").unwrap();
    }
    file.flush().unwrap();
}

/// Runs the binary and measures its peak resident memory in KiB: GNU time's `%M` where it is
/// installed (exact), else the highest `VmHWM` seen while it runs (a lower bound).
fn run_measured(args: &[&str], dir: &Path) -> (Output, u64, &'static str) {
    let time = Path::new("/usr/bin/time");
    if time.exists() {
        let report = dir.join("rss");
        let output = Command::new(time)
            .arg("-f")
            .arg("%M")
            .arg("-o")
            .arg(&report)
            .arg(BIN)
            .args(args)
            .env("NO_COLOR", "1")
            .output()
            .unwrap();
        let kib = std::fs::read_to_string(&report).unwrap();
        let kib = kib.lines().last().unwrap().trim().parse().unwrap();
        return (output, kib, "/usr/bin/time");
    }
    let mut child = Command::new(BIN)
        .args(args)
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let status = PathBuf::from(format!("/proc/{}/status", child.id()));
    let mut peak = 0;
    while child.try_wait().unwrap().is_none() {
        if let Ok(text) = std::fs::read_to_string(&status)
            && let Some(kib) = text
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches(" kB").trim().parse().ok())
        {
            peak = peak.max(kib);
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    (child.wait_with_output().unwrap(), peak, "VmHWM")
}

#[test]
fn an_ndjson_line_of_300_mb_is_refused_at_the_cap_with_memory_bounded() {
    const SIZE: usize = 300 << 20;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("enormous.ndjson");
    write_enormous_line(&file, SIZE);
    assert!(std::fs::metadata(&file).unwrap().len() > SIZE as u64);

    let (output, peak_kib, how) = run_measured(&["access", file.to_str().unwrap()], dir.path());
    assert_refused(
        &output,
        &file,
        "NDJSON line 2: the line is longer than the 16 MiB cap (a record is a few hundred \
         bytes); reading stopped there",
        "access enormous.ndjson",
    );
    // The cap (16 MiB) plus the program itself; the whole line would be 300 MiB.
    let bound_kib = 64 << 10;
    assert!(
        peak_kib > 0 && peak_kib < bound_kib,
        "peak RSS {peak_kib} KiB ({how}) is not under {bound_kib} KiB"
    );
    #[allow(clippy::print_stderr)]
    {
        eprintln!(
            "peak RSS reading a 300 MiB line: {} MiB ({how})",
            peak_kib >> 10
        );
    }
}
