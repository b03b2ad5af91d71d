//! Text as a person reads it: figures in logs and summaries, and names from the server made
//! inert before they reach a terminal or a page.
//!
//! # Names that attack
//!
//! Every name an inventory holds (accounts, display names, e-mail, groups, projects, spaces,
//! keys) comes from the server, or from a file a user was handed, and may carry terminal
//! control sequences (`ESC [ 2 J`, an OSC 8 hyperlink, `ESC ] 0 ; title BEL`), carriage
//! returns and backspaces that overwrite what was printed, or Unicode bidirectional controls
//! that reorder what a reviewer reads. [`inert`] shows each such character as a visible escape
//! instead of sending it, so every human output (the progress line, log lines, `test`, `diff`,
//! `access`, `explain`, the HTML report) displays the name as it is, while the machine outputs
//! (JSON, NDJSON, CSV) keep it byte for byte.
//!
//! The rule:
//! - `\n`, `\r`, `\t` are shown as those two characters; every other C0 control and DEL as
//!   `\xHH` (`\x1b`, `\x08`, `\x7f`);
//! - C1 controls (U+0080–U+009F), the bidirectional controls (U+061C, U+200E, U+200F,
//!   U+202A–U+202E, U+2066–U+2069) and the line and paragraph separators (U+2028, U+2029) as
//!   `\u{HHHH}` in lower-case hex (`\u{202e}`);
//! - a backslash in the name is doubled (`\\`) only where it could otherwise be read as the
//!   start of one of these escapes: when the next character is `\`, `x`, `u`, `n`, `r` or
//!   `t`, or is itself escaped. `CORP\alice` stays `CORP\alice`; `CORP\xavier` reads
//!   `CORP\\xavier`. So two different names never look the same: reading left to right,
//!   `\\` is a backslash, `\xHH`, `\u{…}`, `\n`, `\r`, `\t` are the escapes above, and any other
//!   backslash is itself (the tests decode every rendering back to its name).
//!
//! Nothing is removed: a name is never made to look like another by stripping.

use std::borrow::Cow;
use std::fmt::Write as _;
use std::time::Duration;

/// A duration in the unit a person expects: `0 s`, `180 ms`, `2.4 s`, `3 min 05 s`,
/// `1 h 02 min`.
pub fn duration(d: Duration) -> String {
    let ms = d.as_millis();
    match ms {
        0 => "0 s".to_owned(),
        1..=999 => format!("{ms} ms"),
        1_000..=59_999 => format!("{:.1} s", d.as_secs_f64()),
        60_000..=3_599_999 => format!("{} min {:02} s", ms / 60_000, ms / 1_000 % 60),
        _ => format!("{} h {:02} min", ms / 3_600_000, ms / 60_000 % 60),
    }
}

/// Whether `c` is shown as an escape rather than sent: controls (C0, DEL, C1), bidirectional
/// controls, line and paragraph separators.
pub fn is_hostile(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061c}'
                | '\u{200e}'
                | '\u{200f}'
                | '\u{202a}'..='\u{202e}'
                | '\u{2066}'..='\u{2069}'
                | '\u{2028}'
                | '\u{2029}'
        )
}

/// Whether a backslash followed by `next` must be doubled to stay unambiguous.
fn doubles_backslash(next: Option<char>) -> bool {
    next.is_some_and(|n| matches!(n, '\\' | 'x' | 'u' | 'n' | 'r' | 't') || is_hostile(n))
}

/// Appends the visible escape of a hostile character.
fn push_escape(out: &mut String, c: char) {
    match c {
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        c if u32::from(c) < 0x20 || c == '\u{7f}' => {
            let _ = write!(out, "\\x{:02x}", u32::from(c));
        }
        c => {
            let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
        }
    }
}

/// One value (a name, an e-mail, a key, a message line) safe to print for a person: see the
/// [module documentation](self) for the rule. Borrowed, without copying, when there is
/// nothing to escape (the common case).
pub fn inert(text: &str) -> Cow<'_, str> {
    let mut chars = text.char_indices().peekable();
    let start = loop {
        let Some((i, c)) = chars.next() else {
            return Cow::Borrowed(text);
        };
        if is_hostile(c) || (c == '\\' && doubles_backslash(chars.peek().map(|&(_, n)| n))) {
            break i;
        }
    };
    let mut out = String::with_capacity(text.len() + 16);
    out.push_str(&text[..start]);
    let mut rest = text[start..].chars().peekable();
    while let Some(c) = rest.next() {
        if is_hostile(c) {
            push_escape(&mut out, c);
        } else if c == '\\' && doubles_backslash(rest.peek().copied()) {
            out.push_str("\\\\");
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// A whole text for a person whose values went through [`inert`] already (so a value's newline
/// could not start a line): every hostile character but `\n` and `\t` escaped as [`inert`] does,
/// backslashes left alone. The last line of defence at a print site; on a correct path it finds
/// nothing and borrows.
pub fn inert_lines(text: &str) -> Cow<'_, str> {
    let hostile = |c: char| c != '\n' && c != '\t' && is_hostile(c);
    let Some(start) = text.find(hostile) else {
        return Cow::Borrowed(text);
    };
    let mut out = String::with_capacity(text.len() + 16);
    out.push_str(&text[..start]);
    for c in text[start..].chars() {
        if hostile(c) {
            push_escape(&mut out, c);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_as_a_person_says_them() {
        let cases = [
            (Duration::ZERO, "0 s"),
            (Duration::from_nanos(3), "0 s"),
            (Duration::from_micros(191_760), "191 ms"),
            (Duration::from_millis(2_440), "2.4 s"),
            (Duration::from_secs(185), "3 min 05 s"),
            (Duration::from_secs(3_720), "1 h 02 min"),
        ];
        for (d, text) in cases {
            assert_eq!(duration(d), text, "{d:?}");
        }
    }

    /// Reads a rendering back, left to right, as the module documentation says a person can.
    fn decode(shown: &str) -> String {
        let chars: Vec<char> = shown.chars().collect();
        let mut out = String::new();
        let mut i = 0;
        while i < chars.len() {
            if chars[i] != '\\' {
                out.push(chars[i]);
                i += 1;
                continue;
            }
            match chars.get(i + 1) {
                Some('\\') => {
                    out.push('\\');
                    i += 2;
                }
                Some('n') => {
                    out.push('\n');
                    i += 2;
                }
                Some('r') => {
                    out.push('\r');
                    i += 2;
                }
                Some('t') => {
                    out.push('\t');
                    i += 2;
                }
                Some('x') => {
                    let hex: String = chars[i + 2..i + 4].iter().collect();
                    out.push(char::from_u32(u32::from_str_radix(&hex, 16).unwrap()).unwrap());
                    i += 4;
                }
                Some('u') => {
                    let end = i + chars[i..].iter().position(|&c| c == '}').unwrap();
                    let hex: String = chars[i + 3..end].iter().collect();
                    out.push(char::from_u32(u32::from_str_radix(&hex, 16).unwrap()).unwrap());
                    i = end + 1;
                }
                _ => {
                    out.push('\\');
                    i += 1;
                }
            }
        }
        out
    }

    fn assert_nothing_hostile(shown: &str) {
        assert!(
            !shown.chars().any(is_hostile),
            "a hostile character survived: {shown:?}"
        );
    }

    #[test]
    fn terminal_escapes_and_bidi_controls_are_shown_not_sent() {
        let cases = [
            ("\u{1b}[31mred\u{1b}[0m", "\\x1b[31mred\\x1b[0m"),
            ("a\rb\u{8}c\td\ne", "a\\rb\\x08c\\td\\ne"),
            (
                "\u{1b}]8;;https://evil.example/\u{1b}\\click\u{1b}]8;;\u{1b}\\",
                "\\x1b]8;;https://evil.example/\\x1b\\click\\x1b]8;;\\x1b\\",
            ),
            ("\u{1b}]0;owned\u{7}", "\\x1b]0;owned\\x07"),
            ("del\u{7f} nul\0", "del\\x7f nul\\x00"),
            ("csi\u{9b}2J", "csi\\u{9b}2J"),
            ("admin\u{202e}txt.exe", "admin\\u{202e}txt.exe"),
            (
                "\u{2066}\u{2067}\u{2068}\u{2069}\u{200e}\u{200f}\u{061c}\u{202a}",
                "\\u{2066}\\u{2067}\\u{2068}\\u{2069}\\u{200e}\\u{200f}\\u{61c}\\u{202a}",
            ),
            ("line\u{2028}para\u{2029}", "line\\u{2028}para\\u{2029}"),
        ];
        for (name, shown) in cases {
            let got = inert(name);
            assert_eq!(got, shown, "{name:?}");
            assert_nothing_hostile(&got);
            assert_eq!(decode(&got), name, "{name:?} does not read back");
        }
    }

    #[test]
    fn a_backslash_is_doubled_only_where_it_could_read_as_an_escape() {
        let cases = [
            ("CORP\\alice", "CORP\\alice"),
            ("trailing\\", "trailing\\"),
            ("CORP\\xavier", "CORP\\\\xavier"),
            ("CORP\\ursula", "CORP\\\\ursula"),
            ("CORP\\nancy", "CORP\\\\nancy"),
            ("two\\\\a", "two\\\\\\a"),
            ("\\\u{1b}", "\\\\\\x1b"),
            // The text of an escape is not the character it names.
            ("\\x1b", "\\\\x1b"),
            ("\\u{202e}", "\\\\u{202e}"),
        ];
        for (name, shown) in cases {
            assert_eq!(inert(name), shown, "{name:?}");
            assert_eq!(decode(&inert(name)), name, "{name:?} does not read back");
        }
        assert_ne!(inert("\u{1b}"), inert("\\x1b"));
        assert_ne!(inert("\u{202e}"), inert("\\u{202e}"));
    }

    #[test]
    fn names_with_nothing_to_escape_are_borrowed() {
        for name in [
            "",
            "alice",
            "Ørjan Øverli",
            "李明",
            "R&D platform 2",
            "eng/payments-3",
            "o'brien",
            "CORP\\alice",
            "مرحبا",
            "שלום",
        ] {
            assert!(matches!(inert(name), Cow::Borrowed(_)), "{name:?}");
            assert!(matches!(inert_lines(name), Cow::Borrowed(_)), "{name:?}");
        }
    }

    /// Every rendering of random text made of the awkward characters reads back to that text:
    /// no two names look alike.
    #[test]
    fn every_rendering_reads_back_to_its_name() {
        const ALPHABET: [char; 16] = [
            '\\', 'x', 'u', 'n', 'r', 't', '{', '}', 'a', '1', '\u{1b}', '\r', '\n', '\u{9b}',
            '\u{202e}', 'é',
        ];
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let mut seen = std::collections::HashMap::new();
        for _ in 0..20_000 {
            let mut name = String::new();
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let mut bits = state;
            for _ in 0..(bits % 7) {
                bits /= 7;
                name.push(ALPHABET[(bits % 16) as usize]);
                bits /= 16;
            }
            let shown = inert(&name).into_owned();
            assert_nothing_hostile(&shown);
            assert_eq!(decode(&shown), name, "{name:?} shown as {shown:?}");
            if let Some(other) = seen.insert(shown.clone(), name.clone()) {
                assert_eq!(other, name, "two names look alike: {shown:?}");
            }
        }
    }

    #[test]
    fn whole_texts_keep_their_lines_and_lose_their_escapes() {
        assert_eq!(inert_lines("a\n\tb\n"), "a\n\tb\n");
        assert_eq!(
            inert_lines("ok\r\u{1b}[2Kforged\n"),
            "ok\\r\\x1b[2Kforged\n"
        );
        // Values already made inert are left as they are.
        let line = format!("group {}\n", inert("x\u{1b}[0m\\xy"));
        assert_eq!(inert_lines(&line), line.as_str());
        assert!(matches!(inert_lines(&line), Cow::Borrowed(_)));
    }
}
