//! The NDJSON form: one record a line, tagged with `kind`, between a header and a trailer.
//!
//! [`NdjsonWriter`] lets a scan write records as it finds them, so a very large instance never
//! has to be held in memory; the trailer's counts let a reader tell a finished stream from a cut
//! one. Reading gathers the records through the builder, so the result equals the JSON form.

use std::collections::{BTreeMap, HashSet};
use std::fmt;
use std::io::{BufRead, BufReader, Read, Write};

use jiff::Timestamp;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::SCHEMA_ID;
use super::builder::InventoryBuilder;
use super::error::InventoryError;
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

    /// Reads the NDJSON form. Records may come in any order and repeat; they are de-duplicated,
    /// sorted and checked as [`InventoryBuilder::build`] does.
    ///
    /// # Errors
    ///
    /// [`InventoryError::Incomplete`] without a header or trailer, [`InventoryError::Ndjson`]
    /// naming the line that does not decode, [`InventoryError::CountMismatch`] when the trailer
    /// disagrees with the records, [`InventoryError::UnsupportedSchema`],
    /// [`InventoryError::Invalid`] or [`InventoryError::Read`].
    pub fn read_ndjson(reader: impl Read) -> Result<Self, InventoryError> {
        let mut generated_at = None;
        let mut builder: Option<InventoryBuilder> = None;
        let mut trailer: Option<TrailerLine> = None;
        let mut found = Counts::default();
        let mut last_line = 0;

        for (index, line) in BufReader::new(reader).lines().enumerate() {
            let number = index + 1;
            let line = line.map_err(InventoryError::Read)?;
            if line.trim().is_empty() {
                continue;
            }
            last_line = number;
            if trailer.is_some() {
                return Err(line_error(number, "a line follows the trailer"));
            }
            let value: serde_json::Value = serde_json::from_str(&line)
                .map_err(|source| decode_error(number, "not a JSON object".to_owned(), source))?;
            let kind = value
                .get("kind")
                .and_then(serde_json::Value::as_str)
                .ok_or_else(|| line_error(number, "no string `kind` field"))?
                .to_owned();

            let Some(records) = builder.as_mut() else {
                if kind != "header" {
                    return Err(InventoryError::Incomplete(format!(
                        "line {number} is a `{kind}` record but the stream must open with its \
                         header"
                    )));
                }
                let header: HeaderLine = decode(number, &kind, value)?;
                if header.schema != SCHEMA_ID {
                    return Err(InventoryError::UnsupportedSchema {
                        found: header.schema,
                    });
                }
                generated_at = Some(header.generated_at);
                builder = Some(InventoryBuilder::for_reading(
                    header.system,
                    header.scanned_as,
                    header.generator,
                ));
                continue;
            };
            match kind.as_str() {
                "account" => {
                    records.account(decode::<Account>(number, &kind, value)?);
                    found.accounts += 1;
                }
                "group" => {
                    records.group(decode::<Group>(number, &kind, value)?.name);
                    found.groups += 1;
                }
                "membership" => {
                    let membership: Membership = decode(number, &kind, value)?;
                    records.membership(membership.group, membership.account);
                    found.memberships += 1;
                }
                "resource" => {
                    records.resource(decode(number, &kind, value)?);
                    found.resources += 1;
                }
                "grant" => {
                    records.grant_record(decode(number, &kind, value)?);
                    found.grants += 1;
                }
                "coverage" => {
                    records.coverage(decode(number, &kind, value)?);
                    found.coverage += 1;
                }
                "trailer" => trailer = Some(decode(number, &kind, value)?),
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

fn decode<T: DeserializeOwned>(
    line: usize,
    kind: &str,
    value: serde_json::Value,
) -> Result<T, InventoryError> {
    serde_path_to_error::deserialize(value).map_err(|error| {
        let reason = format!("invalid `{kind}` record at `{}`", error.path());
        decode_error(line, reason, error.into_inner())
    })
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
