//! The NDJSON form: one record a line, tagged with `kind`, between a header and a trailer.
//!
//! [`NdjsonWriter`] lets a scan write records as it finds them, so a very large instance never
//! has to be held in memory; the trailer's counts let a reader tell a finished stream from a cut
//! one. Reading gathers the records through the builder, so the result equals the JSON form.

use std::collections::{BTreeMap, HashSet};
use std::fmt;
use std::io::{BufReader, Read, Write};

use jiff::Timestamp;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::SCHEMA_ID;
use super::builder::InventoryBuilder;
use super::error::InventoryError;
use super::json::limits::{self, Line};
use super::json::{Repeats, account_problem};
use super::record::{
    Account, Counts, Coverage, Generator, Grant, Group, Inventory, Membership, Resource, ScannedAs,
    System, whole_seconds,
};

/// What the NDJSON header line holds besides `kind` and `schema`: everything about the scan that
/// is known before the first record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    /// When the scan finished (or started: a stream is written before the scan ends).
    pub generated_at: Timestamp,
    /// The program writing the stream.
    pub generator: Generator,
    /// The scanned system.
    pub system: System,
    /// The account the scan authenticated as.
    pub scanned_as: ScannedAs,
}

impl Inventory {
    /// The inventory's NDJSON header.
    pub fn header(&self) -> Header {
        Header {
            generated_at: self.generated_at,
            generator: self.generator.clone(),
            system: self.system.clone(),
            scanned_as: self.scanned_as.clone(),
        }
    }

    /// Writes the NDJSON form: header, the records in document order, coverage, trailer.
    ///
    /// # Errors
    ///
    /// [`InventoryError::Write`] when the writer fails.
    pub fn write_ndjson(&self, writer: impl Write) -> Result<(), InventoryError> {
        let mut ndjson = NdjsonWriter::new(writer, &self.header())?;
        for account in &self.accounts {
            ndjson.account(account)?;
        }
        for group in &self.groups {
            ndjson.group(group)?;
        }
        for membership in &self.memberships {
            ndjson.membership(membership)?;
        }
        for resource in &self.resources {
            ndjson.resource(resource)?;
        }
        for grant in &self.grants {
            ndjson.grant(grant)?;
        }
        for coverage in &self.coverage {
            ndjson.coverage(coverage.clone());
        }
        for warning in &self.warnings {
            ndjson.warning(warning.clone());
        }
        ndjson.finish()?;
        Ok(())
    }

    /// Reads the NDJSON form, line by line: no line is held past
    /// [`MAX_LINE_BYTES`](Self::MAX_LINE_BYTES), and each passes the caps of
    /// [`read_json`](Self::read_json) before it is decoded.
    ///
    /// The header comes first, the coverage records after every other record, the trailer last;
    /// between them records may come in any order. A record repeated exactly is read once (the
    /// trailer counts lines, so it counts the repeat); an account, resource or coverage entry
    /// repeated with different fields is refused. Records are sorted and checked as
    /// [`InventoryBuilder::build`] does.
    ///
    /// # Errors
    ///
    /// [`InventoryError::Incomplete`] without a header or trailer, [`InventoryError::Ndjson`]
    /// naming the line that does not decode, is too long, breaks a cap, is out of place or
    /// contradicts an earlier one, [`InventoryError::CountMismatch`] when the trailer disagrees
    /// with the records, [`InventoryError::Invalid`] naming each record that refers to
    /// something missing, or [`InventoryError::Read`].
    pub fn read_ndjson(reader: impl Read) -> Result<Self, InventoryError> {
        let mut reader = BufReader::with_capacity(64 << 10, reader);
        let mut generated_at = None;
        let mut builder: Option<InventoryBuilder> = None;
        let mut trailer: Option<TrailerLine> = None;
        let mut found = Counts::default();
        let mut repeats = Repeats::default();
        let mut in_coverage = false;
        let mut last_line = 0;
        let mut line = Vec::new();
        let mut number = 0;

        loop {
            number += 1;
            match limits::read_line(&mut reader, &mut line, limits::MAX_LINE_BYTES)
                .map_err(InventoryError::Read)?
            {
                Line::End => break,
                Line::Read => {}
                Line::TooLong => {
                    return Err(line_error(
                        number,
                        &format!(
                            "the line is longer than the {} cap (a record is a few hundred \
                             bytes); reading stopped there",
                            limits::human_bytes(limits::MAX_LINE_BYTES)
                        ),
                    ));
                }
            }
            if line.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            last_line = number;
            if trailer.is_some() {
                return Err(line_error(number, "a line follows the trailer"));
            }
            if let Err((_, limit)) = limits::Lexer::at_line(1).feed(&line) {
                return Err(line_error(
                    number,
                    &format!("column {}: {}", limit.column, limit.reason),
                ));
            }
            let kind = kind_of(number, &line)?;

            let Some(records) = builder.as_mut() else {
                if kind != "header" {
                    return Err(InventoryError::Incomplete(format!(
                        "line {number} is a `{kind}` record but the stream must open with its \
                         header"
                    )));
                }
                let header: HeaderLine = decode(number, &kind, &line)?;
                if header.schema != SCHEMA_ID {
                    return Err(line_error(
                        number,
                        &InventoryError::UnsupportedSchema {
                            found: header.schema,
                        }
                        .to_string(),
                    ));
                }
                generated_at = Some(header.generated_at);
                builder = Some(InventoryBuilder::for_reading(
                    header.system,
                    header.scanned_as,
                    header.generator,
                ));
                continue;
            };
            let refused = |reason: String| line_error(number, &reason);
            if in_coverage && !matches!(kind.as_str(), "coverage" | "trailer") {
                return Err(line_error(
                    number,
                    &format!(
                        "a `{kind}` record after the coverage records (coverage comes last, \
                         before the trailer)"
                    ),
                ));
            }
            match kind.as_str() {
                "account" => {
                    let account: Account = decode(number, &kind, &line)?;
                    if let Some((field, reason)) = account_problem(&account) {
                        return Err(line_error(number, &format!("`{field}` of {reason}")));
                    }
                    repeats.account(records, &account).map_err(refused)?;
                    records.account(account);
                    found.accounts += 1;
                }
                "group" => {
                    records.group(decode::<Group>(number, &kind, &line)?.name);
                    found.groups += 1;
                }
                "membership" => {
                    let membership: Membership = decode(number, &kind, &line)?;
                    records.membership(membership.group, membership.account);
                    found.memberships += 1;
                }
                "resource" => {
                    let resource: Resource = decode(number, &kind, &line)?;
                    repeats.resource(&resource).map_err(refused)?;
                    records.resource(resource);
                    found.resources += 1;
                }
                "grant" => {
                    records.grant_record(decode(number, &kind, &line)?);
                    found.grants += 1;
                }
                "coverage" => {
                    let coverage: Coverage = decode(number, &kind, &line)?;
                    repeats.coverage(&coverage).map_err(refused)?;
                    records.coverage(coverage);
                    found.coverage += 1;
                    in_coverage = true;
                }
                "trailer" => trailer = Some(decode(number, &kind, &line)?),
                "header" => return Err(line_error(number, "a second header")),
                other => return Err(line_error(number, &format!("unknown kind `{other}`"))),
            }
        }

        let (Some(mut builder), Some(generated_at)) = (builder, generated_at) else {
            return Err(InventoryError::Incomplete("there is no header".to_owned()));
        };
        let Some(trailer) = trailer else {
            return Err(InventoryError::Incomplete(format!(
                "there is no trailer; the stream ends at line {last_line}"
            )));
        };
        check_counts(&trailer.counts, &found)?;
        for warning in trailer.warnings {
            builder.warning(warning);
        }
        builder.build(generated_at)
    }
}

/// Writes the NDJSON form record by record, so a scan can stream without holding its records.
///
/// The header is written by [`new`](Self::new); records go out as they are passed; coverage and
/// warnings are kept (they are few) and written with the trailer by [`finish`](Self::finish).
/// The writer does not de-duplicate or check references — the reader does — so callers should
/// not repeat records. Wrap a file in a [`std::io::BufWriter`] (or use
/// [`AtomicFile`](super::AtomicFile), which buffers).
pub struct NdjsonWriter<W: Write> {
    out: W,
    counts: Counts,
    coverage: BTreeMap<String, Coverage>,
    warnings: Vec<String>,
    seen_warnings: HashSet<String>,
}

impl<W: Write> fmt::Debug for NdjsonWriter<W> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NdjsonWriter")
            .field("counts", &self.counts)
            .field("coverage", &self.coverage.len())
            .field("warnings", &self.warnings.len())
            .finish_non_exhaustive()
    }
}

impl<W: Write> NdjsonWriter<W> {
    /// Starts a stream by writing its header.
    ///
    /// # Errors
    ///
    /// [`InventoryError::Write`] when the writer fails.
    pub fn new(out: W, header: &Header) -> Result<Self, InventoryError> {
        let mut writer = Self {
            out,
            counts: Counts::default(),
            coverage: BTreeMap::new(),
            warnings: Vec::new(),
            seen_warnings: HashSet::new(),
        };
        writer.line(&HeaderLineRef {
            kind: "header",
            schema: SCHEMA_ID,
            generated_at: header.generated_at,
            generator: &header.generator,
            system: &header.system,
            scanned_as: &header.scanned_as,
        })?;
        Ok(writer)
    }

    /// Writes an account record.
    ///
    /// # Errors
    ///
    /// [`InventoryError::Write`] when the writer fails.
    pub fn account(&mut self, account: &Account) -> Result<(), InventoryError> {
        self.record("account", account)?;
        self.counts.accounts += 1;
        Ok(())
    }

    /// Writes a group record.
    ///
    /// # Errors
    ///
    /// [`InventoryError::Write`] when the writer fails.
    pub fn group(&mut self, group: &Group) -> Result<(), InventoryError> {
        self.record("group", group)?;
        self.counts.groups += 1;
        Ok(())
    }

    /// Writes a membership record.
    ///
    /// # Errors
    ///
    /// [`InventoryError::Write`] when the writer fails.
    pub fn membership(&mut self, membership: &Membership) -> Result<(), InventoryError> {
        self.record("membership", membership)?;
        self.counts.memberships += 1;
        Ok(())
    }

    /// Writes a resource record.
    ///
    /// # Errors
    ///
    /// [`InventoryError::Write`] when the writer fails.
    pub fn resource(&mut self, resource: &Resource) -> Result<(), InventoryError> {
        self.record("resource", resource)?;
        self.counts.resources += 1;
        Ok(())
    }

    /// Writes a grant record.
    ///
    /// # Errors
    ///
    /// [`InventoryError::Write`] when the writer fails.
    pub fn grant(&mut self, grant: &Grant) -> Result<(), InventoryError> {
        self.record("grant", grant)?;
        self.counts.grants += 1;
        Ok(())
    }

    /// Keeps a coverage entry for the end of the stream, replacing one for the same collection.
    pub fn coverage(&mut self, coverage: Coverage) {
        self.coverage.insert(coverage.collection.clone(), coverage);
    }

    /// Keeps a warning for the trailer, unless the same text was given before.
    pub fn warning(&mut self, warning: impl Into<String>) {
        let warning = warning.into();
        if self.seen_warnings.insert(warning.clone()) {
            self.warnings.push(warning);
        }
    }

    /// Records written so far (coverage counts the entries kept for the end).
    pub fn counts(&self) -> Counts {
        Counts {
            coverage: self.coverage.len(),
            ..self.counts
        }
    }

    /// Writes the coverage records and the trailer, flushes, and hands back the writer.
    ///
    /// # Errors
    ///
    /// [`InventoryError::Write`] when the writer fails.
    pub fn finish(mut self) -> Result<W, InventoryError> {
        let coverage = std::mem::take(&mut self.coverage);
        for entry in coverage.values() {
            self.record("coverage", entry)?;
            self.counts.coverage += 1;
        }
        let warnings = std::mem::take(&mut self.warnings);
        self.line(&TrailerLineRef {
            kind: "trailer",
            warnings: &warnings,
            counts: self.counts,
        })?;
        self.out.flush().map_err(InventoryError::Write)?;
        Ok(self.out)
    }

    fn record<T: Serialize>(
        &mut self,
        kind: &'static str,
        record: &T,
    ) -> Result<(), InventoryError> {
        self.line(&Tagged { kind, record })
    }

    fn line<T: Serialize>(&mut self, line: &T) -> Result<(), InventoryError> {
        serde_json::to_writer(&mut self.out, line)
            .map_err(|error| InventoryError::Write(error.into()))?;
        self.out.write_all(b"\n").map_err(InventoryError::Write)
    }
}

/// A record with its `kind` first.
#[derive(Serialize)]
struct Tagged<'a, T> {
    kind: &'static str,
    #[serde(flatten)]
    record: &'a T,
}

#[derive(Serialize)]
struct HeaderLineRef<'a> {
    kind: &'static str,
    schema: &'a str,
    #[serde(with = "whole_seconds")]
    generated_at: Timestamp,
    generator: &'a Generator,
    system: &'a System,
    scanned_as: &'a ScannedAs,
}

#[derive(Deserialize)]
struct HeaderLine {
    schema: String,
    #[serde(with = "whole_seconds")]
    generated_at: Timestamp,
    generator: Generator,
    system: System,
    scanned_as: ScannedAs,
}

#[derive(Serialize)]
struct TrailerLineRef<'a> {
    kind: &'static str,
    warnings: &'a [String],
    counts: Counts,
}

#[derive(Deserialize)]
struct TrailerLine {
    warnings: Vec<String>,
    counts: Counts,
}

/// The `kind` of a line, read without decoding the rest of it.
fn kind_of(line: usize, bytes: &[u8]) -> Result<String, InventoryError> {
    #[derive(Deserialize)]
    struct Tag<'a> {
        #[serde(borrow, default)]
        kind: Option<std::borrow::Cow<'a, str>>,
    }
    match serde_json::from_slice::<Tag<'_>>(bytes) {
        Ok(Tag { kind: Some(kind) }) => Ok(kind.into_owned()),
        Ok(Tag { kind: None }) => Err(line_error(line, "no string `kind` field")),
        Err(source) if source.is_data() => Err(decode_error(
            line,
            "not a JSON object with a string `kind` field".to_owned(),
            source,
        )),
        Err(source) => Err(decode_error(line, "not valid JSON".to_owned(), source)),
    }
}

fn decode<T: DeserializeOwned>(line: usize, kind: &str, bytes: &[u8]) -> Result<T, InventoryError> {
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let record = serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
        let reason = format!("invalid `{kind}` record at `{}`", error.path());
        decode_error(line, reason, error.into_inner())
    })?;
    deserializer
        .end()
        .map_err(|source| decode_error(line, format!("text after the `{kind}` record"), source))?;
    Ok(record)
}

fn decode_error(line: usize, reason: String, source: serde_json::Error) -> InventoryError {
    InventoryError::Ndjson {
        line,
        reason,
        source: Some(source),
    }
}

fn line_error(line: usize, reason: &str) -> InventoryError {
    InventoryError::Ndjson {
        line,
        reason: reason.to_owned(),
        source: None,
    }
}

fn check_counts(expected: &Counts, found: &Counts) -> Result<(), InventoryError> {
    let pairs = [
        ("accounts", expected.accounts, found.accounts),
        ("groups", expected.groups, found.groups),
        ("memberships", expected.memberships, found.memberships),
        ("resources", expected.resources, found.resources),
        ("grants", expected.grants, found.grants),
        ("coverage", expected.coverage, found.coverage),
    ];
    match pairs
        .into_iter()
        .find(|(_, expected, found)| expected != found)
    {
        Some((kind, expected, found)) => Err(InventoryError::CountMismatch {
            kind,
            expected,
            found,
        }),
        None => Ok(()),
    }
}
