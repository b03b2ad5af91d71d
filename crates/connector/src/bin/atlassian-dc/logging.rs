//! The human log format's fields: every message and field value made inert
//! ([`atlassian_core::human::inert`]) before it reaches stderr, so a name the scanners quote in
//! a warning cannot drive the terminal. Only the values are escaped: the level's colour, which
//! the event formatter writes on a terminal, is untouched.
//!
//! `--log-format json` keeps every value exact: JSON escaping already writes C0 controls as
//! `\u001b` and the like, and [`json_inert`] writes the rest (DEL, C1 controls, bidirectional
//! controls, line separators, which JSON may carry raw) as `\u` escapes too, so a person who
//! reads the log on a terminal sees no control obeyed, and a program that decodes it gets the
//! name byte for byte.

use std::borrow::Cow;
use std::fmt::{self, Write as _};

use atlassian_core::human::{inert, is_hostile};
use tracing::field::{Field, Visit};
use tracing_subscriber::field::RecordFields;
use tracing_subscriber::fmt::FormatFields;
use tracing_subscriber::fmt::format::Writer;

/// Formats fields as the default text format does (the message, then `name=value`), every
/// value inert.
pub(crate) struct InertFields;

impl<'writer> FormatFields<'writer> for InertFields {
    fn format_fields<R: RecordFields>(
        &self,
        mut writer: Writer<'writer>,
        fields: R,
    ) -> fmt::Result {
        let mut visitor = InertVisitor {
            writer: &mut writer,
            first: true,
            result: Ok(()),
        };
        fields.record(&mut visitor);
        visitor.result
    }
}

struct InertVisitor<'a, 'writer> {
    writer: &'a mut Writer<'writer>,
    first: bool,
    result: fmt::Result,
}

impl InertVisitor<'_, '_> {
    fn write(&mut self, field: &Field, value: &str) {
        if self.result.is_err() || field.name().starts_with("log.") {
            return;
        }
        let separator = if self.first { "" } else { " " };
        self.first = false;
        self.result = if field.name() == "message" {
            write!(self.writer, "{separator}{}", inert(value))
        } else {
            write!(self.writer, "{separator}{}={}", field.name(), inert(value))
        };
    }
}

impl Visit for InertVisitor<'_, '_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.write(field, value);
        } else {
            self.write(field, &format!("{value:?}"));
        }
    }

    fn record_error(&mut self, field: &Field, value: &(dyn std::error::Error + 'static)) {
        self.write(field, &atlassian_core::error_chain(value));
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.write(field, &format!("{value:?}"));
    }
}

/// One line of JSON with every hostile character a JSON writer may leave raw written as a `\u`
/// escape. Such a character can only stand inside a string (JSON's own syntax is ASCII), so
/// the decoded value is unchanged. JSON's whitespace (`\n`, `\r`, `\t`) is left alone.
pub(crate) fn json_inert(json: &str) -> Cow<'_, str> {
    let raw = |c: char| is_hostile(c) && !matches!(c, '\n' | '\r' | '\t');
    let Some(start) = json.find(raw) else {
        return Cow::Borrowed(json);
    };
    let mut out = String::with_capacity(json.len() + 16);
    out.push_str(&json[..start]);
    for c in json[start..].chars() {
        if raw(c) {
            // Every hostile character is in the Basic Multilingual Plane: one `\u` escape.
            let _ = write!(out, "\\u{:04x}", u32::from(c));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Stderr for `--log-format json`, each write passed through [`json_inert`] (the formatter
/// writes one whole line at a time; bytes that are not UTF-8 pass as they are).
pub(crate) struct JsonStderr;

impl std::io::Write for JsonStderr {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let mut stderr = std::io::stderr().lock();
        match std::str::from_utf8(buf) {
            Ok(text) => stderr.write_all(json_inert(text).as_bytes())?,
            Err(_) => stderr.write_all(buf)?,
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        std::io::stderr().flush()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;

    /// Captures what the subscriber writes.
    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Captured {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    fn log_with(colour: bool, json: bool) -> String {
        let captured = Captured::default();
        let writer = captured.clone();
        let builder = tracing_subscriber::fmt()
            .with_writer(move || writer.clone())
            .with_max_level(tracing::Level::TRACE);
        let hostile = "eng\u{1b}]0;owned\u{7}\r\u{202e}\u{9b}2J";
        let log = || {
            let span = tracing::warn_span!("scan", group = hostile);
            let _entered = span.enter();
            tracing::warn!(name = %hostile, debugged = ?hostile, "group {hostile} vanished");
        };
        if json {
            tracing::subscriber::with_default(builder.json().with_ansi(false).finish(), log);
        } else {
            tracing::subscriber::with_default(
                builder.fmt_fields(InertFields).with_ansi(colour).finish(),
                log,
            );
        }
        let bytes = captured.0.lock().unwrap().clone();
        String::from_utf8(bytes).unwrap()
    }

    #[test]
    fn a_warning_quoting_a_hostile_name_is_inert_in_the_text_format() {
        for colour in [false, true] {
            let text = log_with(colour, false);
            assert!(text.contains("WARN"), "{text:?}");
            assert!(
                text.contains("group eng\\x1b]0;owned\\x07\\r\\u{202e}\\u{9b}2J vanished"),
                "{text:?}"
            );
            assert!(text.contains("name=eng\\x1b]0;owned"), "{text:?}");
            let controls: Vec<char> = text
                .chars()
                .filter(|&c| c != '\n' && atlassian_core::human::is_hostile(c))
                .collect();
            if colour {
                // The formatter's own colour: only ESC, each opening a CSI `m` sequence.
                assert!(controls.iter().all(|&c| c == '\u{1b}'), "{text:?}");
                for (i, _) in text.match_indices('\u{1b}') {
                    let sequence: String =
                        text[i + 1..].chars().take_while(|c| *c != 'm').collect();
                    assert!(
                        sequence.starts_with('[')
                            && sequence[1..]
                                .chars()
                                .all(|c| c.is_ascii_digit() || c == ';'),
                        "not a colour: {sequence:?} in {text:?}"
                    );
                }
            } else {
                assert!(controls.is_empty(), "{controls:?} in {text:?}");
            }
        }
    }

    #[test]
    fn the_json_format_keeps_the_name_exactly_and_sends_no_control() {
        let hostile = "eng\u{1b}]0;owned\u{7}\r\u{202e}\u{9b}2J";
        let written = log_with(false, true);
        // JSON escaping alone leaves the bidirectional override and the C1 CSI raw.
        assert!(
            written.contains('\u{202e}') && written.contains('\u{9b}'),
            "{written:?}"
        );
        let text = json_inert(&written).into_owned();
        assert!(
            !text.chars().any(|c| c != '\n' && is_hostile(c)),
            "{text:?}"
        );
        let line: serde_json::Value = serde_json::from_str(text.trim_end()).unwrap();
        assert_eq!(
            line["fields"]["message"],
            format!("group {hostile} vanished"),
            "{text}"
        );
        assert_eq!(line["fields"]["name"], hostile, "{text}");
        assert_eq!(line["span"]["group"], hostile, "{text}");
    }
}
