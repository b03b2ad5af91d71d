//! The readers' limits, enforced while the bytes stream in: no string, number or line is ever
//! buffered past its cap, and no document nests deeper than any inventory does.
//!
//! A legitimate record is small — names, e-mail addresses, a coverage detail, a warning — so the
//! caps sit far above anything a scan writes and far below what would hurt the reader:
//!
//! | cap | value | where |
//! |---|---|---|
//! | [`MAX_LINE_BYTES`] | 16 MiB | one NDJSON line; reading stops there, the line is never held whole |
//! | [`MAX_STRING_BYTES`] | 1 MiB | one JSON string (as written, escapes included), both forms |
//! | [`MAX_TOKEN_BYTES`] | 1 KiB | one number or literal, both forms |
//! | [`MAX_DEPTH`] | 64 | nesting of arrays and objects (an inventory nests 3 deep), both forms |
//!
//! [`Lexer`] tracks just enough of JSON's lexical state (in a string or not, escapes, depth) and
//! the line and column to name where a cap was passed; [`Guard`] runs it over a `Read` in front of
//! `serde_json`; [`read_line`] reads one NDJSON line without holding more than the cap.

use std::fmt;
use std::io::{self, BufRead, Read};

/// The longest NDJSON line read, newline excluded: 16 MiB.
pub(crate) const MAX_LINE_BYTES: usize = 16 << 20;
/// The longest JSON string read, quotes excluded, escapes counted as written: 1 MiB.
pub(crate) const MAX_STRING_BYTES: usize = 1 << 20;
/// The longest number or literal (`true`, `null`, …) read: 1 KiB.
pub(crate) const MAX_TOKEN_BYTES: usize = 1 << 10;
/// The deepest nesting of arrays and objects read. serde_json's own limit (128) covers what it
/// decodes, but not the values it skips, which it tracks on a heap stack of any depth.
pub(crate) const MAX_DEPTH: usize = 64;

/// A size in the units a person reads.
pub(crate) fn human_bytes(bytes: usize) -> String {
    if bytes >= 1 << 20 && bytes.is_multiple_of(1 << 20) {
        format!("{} MiB", bytes >> 20)
    } else if bytes >= 1 << 10 && bytes.is_multiple_of(1 << 10) {
        format!("{} KiB", bytes >> 10)
    } else {
        format!("{bytes} bytes")
    }
}

/// A cap was passed: where (1-based line and byte column) and which.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LimitExceeded {
    /// The line of the offending string, token or bracket.
    pub line: u64,
    /// Its byte column on that line.
    pub column: u64,
    /// What was too long or too deep.
    pub reason: String,
}

impl fmt::Display for LimitExceeded {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} (at line {}, column {})",
            self.reason, self.line, self.column
        )
    }
}

impl std::error::Error for LimitExceeded {}

impl LimitExceeded {
    /// The limit carried by an I/O error that [`Guard`] returned, if it is one.
    pub(crate) fn from_io(error: &io::Error) -> Option<&Self> {
        error.get_ref()?.downcast_ref::<Self>()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Outside,
    InString,
    Escape,
    Token,
}

/// JSON's lexical state, fed byte by byte, failing at the first cap passed.
#[derive(Debug, Clone)]
pub(crate) struct Lexer {
    state: State,
    line: u64,
    column: u64,
    depth: usize,
    /// Bytes of the current string or token so far.
    run: usize,
    /// Where the current string or token began.
    start: (u64, u64),
}

impl Lexer {
    /// A lexer whose first byte is on `line`, column 1.
    pub(crate) fn at_line(line: u64) -> Self {
        Self {
            state: State::Outside,
            line,
            column: 0,
            depth: 0,
            run: 0,
            start: (line, 1),
        }
    }

    /// Feeds `bytes`; on a cap passed, the offset of the byte that passed it and why.
    pub(crate) fn feed(&mut self, bytes: &[u8]) -> Result<(), (usize, LimitExceeded)> {
        let mut index = 0;
        while index < bytes.len() {
            // Fast path: the bulk of a document is string content.
            if self.state == State::InString {
                let rest = &bytes[index..];
                let plain = rest
                    .iter()
                    .position(|&b| matches!(b, b'"' | b'\\' | b'\n'))
                    .unwrap_or(rest.len());
                let room = MAX_STRING_BYTES - self.run;
                if plain > room {
                    self.column += room as u64;
                    return Err((index + room, self.string_too_long()));
                }
                self.run += plain;
                self.column += plain as u64;
                index += plain;
                if index == bytes.len() {
                    break;
                }
            }
            let byte = bytes[index];
            self.column += 1;
            if let Err(error) = self.step(byte) {
                return Err((index, error));
            }
            if byte == b'\n' {
                self.line += 1;
                self.column = 0;
            }
            index += 1;
        }
        Ok(())
    }

    fn step(&mut self, byte: u8) -> Result<(), LimitExceeded> {
        match self.state {
            State::InString => match byte {
                b'"' => self.state = State::Outside,
                _ => {
                    if byte == b'\\' {
                        self.state = State::Escape;
                    }
                    self.grow_string()?;
                }
            },
            State::Escape => {
                self.state = State::InString;
                self.grow_string()?;
            }
            State::Token if is_delimiter(byte) => {
                self.state = State::Outside;
                return self.step(byte);
            }
            State::Token => {
                self.run += 1;
                if self.run > MAX_TOKEN_BYTES {
                    return Err(self.exceeded(format!(
                        "a number or literal longer than the {} cap",
                        human_bytes(MAX_TOKEN_BYTES)
                    )));
                }
            }
            State::Outside => match byte {
                b'"' => self.begin(State::InString, 0),
                b'{' | b'[' => {
                    self.depth += 1;
                    if self.depth > MAX_DEPTH {
                        return Err(LimitExceeded {
                            line: self.line,
                            column: self.column,
                            reason: format!(
                                "nesting deeper than {MAX_DEPTH} levels (an inventory nests 3)"
                            ),
                        });
                    }
                }
                b'}' | b']' => self.depth = self.depth.saturating_sub(1),
                _ if is_delimiter(byte) => {}
                _ => self.begin(State::Token, 1),
            },
        }
        Ok(())
    }

    fn begin(&mut self, state: State, run: usize) {
        self.state = state;
        self.run = run;
        self.start = (self.line, self.column);
    }

    fn grow_string(&mut self) -> Result<(), LimitExceeded> {
        self.run += 1;
        if self.run > MAX_STRING_BYTES {
            return Err(self.string_too_long());
        }
        Ok(())
    }

    fn string_too_long(&self) -> LimitExceeded {
        self.exceeded(format!(
            "a string longer than the {} cap",
            human_bytes(MAX_STRING_BYTES)
        ))
    }

    fn exceeded(&self, reason: String) -> LimitExceeded {
        LimitExceeded {
            line: self.start.0,
            column: self.start.1,
            reason,
        }
    }
}

fn is_delimiter(byte: u8) -> bool {
    matches!(
        byte,
        b'{' | b'}' | b'[' | b']' | b',' | b':' | b'"' | b' ' | b'\t' | b'\n' | b'\r'
    )
}

/// A `Read` that runs a [`Lexer`] over what passes through. On a cap passed it first hands over
/// the bytes before the offending one (so a syntax error earlier in them is reported as such),
/// then fails — every later read too — with an `InvalidData` error carrying [`LimitExceeded`].
#[derive(Debug)]
pub(crate) struct Guard<R> {
    inner: R,
    lexer: Lexer,
    failed: Option<LimitExceeded>,
}

impl<R: Read> Guard<R> {
    pub(crate) fn new(inner: R) -> Self {
        Self {
            inner,
            lexer: Lexer::at_line(1),
            failed: None,
        }
    }
}

impl<R: Read> Read for Guard<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if let Some(limit) = &self.failed {
            return Err(io::Error::new(io::ErrorKind::InvalidData, limit.clone()));
        }
        let read = self.inner.read(buf)?;
        match self.lexer.feed(&buf[..read]) {
            Ok(()) => Ok(read),
            Err((offset, limit)) => {
                let error = io::Error::new(io::ErrorKind::InvalidData, limit.clone());
                self.failed = Some(limit);
                if offset == 0 { Err(error) } else { Ok(offset) }
            }
        }
    }
}

/// How [`read_line`] ended.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Line {
    /// A line is in the buffer (its newline dropped; the last line may lack one).
    Read,
    /// The input ended before any byte of a new line.
    End,
    /// The line is longer than the cap; the buffer holds its first `cap` bytes and the rest was
    /// not read.
    TooLong,
}

/// Reads one line into `line` (cleared first), never holding more than `cap` bytes of it.
pub(crate) fn read_line(
    reader: &mut impl BufRead,
    line: &mut Vec<u8>,
    cap: usize,
) -> io::Result<Line> {
    line.clear();
    let mut any = false;
    loop {
        let available = match reader.fill_buf() {
            Ok(available) => available,
            Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
            Err(error) => return Err(error),
        };
        if available.is_empty() {
            return Ok(if any { Line::Read } else { Line::End });
        }
        any = true;
        let newline = available.iter().position(|&b| b == b'\n');
        let content = newline.unwrap_or(available.len());
        if line.len() + content > cap {
            let room = cap - line.len();
            line.extend_from_slice(&available[..room]);
            reader.consume(room);
            return Ok(Line::TooLong);
        }
        line.extend_from_slice(&available[..content]);
        match newline {
            Some(_) => {
                reader.consume(content + 1);
                return Ok(Line::Read);
            }
            None => reader.consume(content),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feed_all(text: &[u8]) -> Result<(), (usize, LimitExceeded)> {
        Lexer::at_line(1).feed(text)
    }

    #[test]
    fn a_string_at_the_cap_passes_and_one_byte_more_fails_where_it_starts() {
        let mut text = b"{\n  \"name\": \"".to_vec();
        text.extend(std::iter::repeat_n(b'x', MAX_STRING_BYTES));
        text.extend_from_slice(b"\"}");
        assert!(feed_all(&text).is_ok());

        let mut text = b"{\n  \"name\": \"".to_vec();
        text.extend(std::iter::repeat_n(b'x', MAX_STRING_BYTES + 1));
        let (offset, limit) = feed_all(&text).unwrap_err();
        assert_eq!(offset, 13 + MAX_STRING_BYTES);
        assert_eq!((limit.line, limit.column), (2, 11));
        assert_eq!(limit.reason, "a string longer than the 1 MiB cap");
    }

    #[test]
    fn escapes_count_and_do_not_end_a_string() {
        let mut text = b"\"\\\"".to_vec();
        text.extend(std::iter::repeat_n(b'a', MAX_STRING_BYTES - 2));
        text.push(b'"');
        assert!(feed_all(&text).is_ok());
        let mut lexer = Lexer::at_line(1);
        // Split anywhere, the same answer.
        let half = text.len() / 2;
        assert!(lexer.feed(&text[..half]).is_ok());
        assert!(lexer.feed(&text[half..]).is_ok());
        assert!(lexer.feed(b"\"\\\\\"x").is_ok(), "a closed string");
    }

    #[test]
    fn depth_and_tokens_are_capped() {
        let deep = "[".repeat(MAX_DEPTH + 1);
        let (offset, limit) = feed_all(deep.as_bytes()).unwrap_err();
        assert_eq!(offset, MAX_DEPTH);
        assert_eq!(limit.column, MAX_DEPTH as u64 + 1);
        assert!(feed_all("[]".repeat(1000).as_bytes()).is_ok());
        let long = "1".repeat(MAX_TOKEN_BYTES + 1);
        assert!(feed_all(long.as_bytes()).is_err());
        assert!(feed_all(format!("[{}]", "1".repeat(MAX_TOKEN_BYTES)).as_bytes()).is_ok());
    }

    #[test]
    fn read_line_never_holds_more_than_the_cap() {
        let text = b"short\nlonger line\n\nlast";
        let mut reader = io::BufReader::with_capacity(4, &text[..]);
        let mut line = Vec::new();
        assert_eq!(read_line(&mut reader, &mut line, 8).unwrap(), Line::Read);
        assert_eq!(line, b"short");
        assert_eq!(read_line(&mut reader, &mut line, 8).unwrap(), Line::TooLong);
        assert_eq!(line, b"longer l");
        let mut reader = io::BufReader::with_capacity(4, &b"a\n\nlast"[..]);
        assert_eq!(read_line(&mut reader, &mut line, 8).unwrap(), Line::Read);
        assert_eq!(read_line(&mut reader, &mut line, 8).unwrap(), Line::Read);
        assert_eq!(line, b"");
        assert_eq!(read_line(&mut reader, &mut line, 8).unwrap(), Line::Read);
        assert_eq!(line, b"last");
        assert_eq!(read_line(&mut reader, &mut line, 8).unwrap(), Line::End);
    }

    #[test]
    fn the_guard_hands_over_what_precedes_the_offence_then_fails() {
        let deep = format!("  {}", "[".repeat(MAX_DEPTH + 1));
        let mut guard = Guard::new(deep.as_bytes());
        let mut buf = [0u8; 256];
        let first = guard.read(&mut buf).unwrap();
        assert_eq!(first, MAX_DEPTH + 2);
        let error = guard.read(&mut buf).unwrap_err();
        let limit = LimitExceeded::from_io(&error).unwrap();
        assert_eq!(limit.column, MAX_DEPTH as u64 + 3);
        assert!(guard.read(&mut buf).is_err(), "it stays failed");
    }
}
