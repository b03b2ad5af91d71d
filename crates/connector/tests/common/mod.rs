//! Helpers shared by the test binaries that run `atlassian-dc` on a terminal.

/// Runs `BIN scan BASE_URL --out /dev/null EXTRA…` on a pty (util-linux `script`), 120 columns
/// wide, with colour allowed and no `RUST_LOG`; returns what the terminal received.
pub async fn scan_on_a_terminal(
    bin: &str,
    base_url: &str,
    token: &str,
    extra: &[&str],
) -> std::process::Output {
    let command = format!(
        "env ATLASSIAN_PAT={token} COLUMNS=120 {bin} scan {base_url} --out /dev/null {}",
        extra.join(" ")
    );
    tokio::process::Command::new("script")
        .args(["-qfec", &command, "/dev/null"])
        .env_remove("RUST_LOG")
        .env_remove("NO_COLOR")
        .output()
        .await
        .expect("util-linux script runs")
}

/// Drops the terminal's own CSI sequences (`ESC [ … final`), which the progress bar and the
/// coloured log level send, and the carriage returns the pty adds to every newline; fails on
/// any other escape (OSC, a bare ESC).
pub fn screen_text(screen: &str) -> String {
    let mut text = String::new();
    let mut chars = screen.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\u{1b}' => {
                assert_eq!(
                    chars.peek(),
                    Some(&'['),
                    "an escape that is not a CSI reached the terminal: {screen:?}"
                );
                chars.next();
                for d in chars.by_ref() {
                    if ('\u{40}'..='\u{7e}').contains(&d) {
                        break;
                    }
                    assert!(
                        ('\u{20}'..='\u{3f}').contains(&d),
                        "a malformed CSI: {screen:?}"
                    );
                }
            }
            '\r' => {}
            c => text.push(c),
        }
    }
    text
}
