//! The effective-access document in its three machine forms (spec `access.md`, "JSON form"):
//! JSON, NDJSON and CSV, written row by row so that an export of millions of rows holds none.

use std::io::{self, Write};

use serde::Serialize;

use super::{ACCESS_SCHEMA_ID, AccessIndex, AccessPath, AccessRow};
use crate::inventory::{Grant, System};

/// A machine form of the effective-access document.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AccessFormat {
    /// One JSON object: header fields, `rows`, `conditional`.
    Json,
    /// A header line, one line per row, the conditional grants, a trailer with the row count.
    Ndjson,
    /// One line per (row, path), RFC 4180 quoting.
    Csv,
}

#[derive(Serialize)]
struct Incomplete<'a> {
    collection: &'a str,
    detail: Option<&'a str>,
}

#[derive(Serialize)]
struct Header<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    kind: Option<&'static str>,
    schema: &'static str,
    system: &'a System,
    generated_at: String,
    incomplete: Vec<Incomplete<'a>>,
}

impl Serialize for AccessPath<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut s = serializer.serialize_struct("AccessPath", 2)?;
        s.serialize_field("group", &self.group)?;
        s.serialize_field("grants", &self.grants)?;
        s.end()
    }
}

/// A row as the document writes it.
#[derive(Serialize)]
struct RowOut<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    kind: Option<&'static str>,
    account: Option<&'a str>,
    username: Option<&'a str>,
    active: Option<bool>,
    resource: &'a str,
    permission: &'a str,
    paths: &'a [AccessPath<'a>],
}

impl<'a> RowOut<'a> {
    fn new(row: &'a AccessRow<'a>, kind: Option<&'static str>) -> Self {
        let account = row.principal.account();
        Self {
            kind,
            account: account.map(|a| a.key.as_str()),
            username: account.and_then(|a| a.username.as_deref()),
            active: account.and_then(|a| a.active),
            resource: row.resource,
            permission: row.permission,
            paths: &row.paths,
        }
    }
}

impl Serialize for AccessRow<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        RowOut::new(self, None).serialize(serializer)
    }
}

#[derive(Serialize)]
struct ConditionalOut<'a> {
    kind: &'static str,
    #[serde(flatten)]
    grant: &'a Grant,
}

/// Writes one effective-access document: [`start`](Self::start) (the header), [`row`](Self::row)
/// for each row in order, [`finish`](Self::finish) (the conditional grants and the end).
#[derive(Debug)]
pub struct AccessWriter<W: Write> {
    out: W,
    format: AccessFormat,
    rows: u64,
}

impl<W: Write> AccessWriter<W> {
    /// Writes the header of `index`'s document.
    pub fn start(mut out: W, format: AccessFormat, index: &AccessIndex<'_>) -> io::Result<Self> {
        let inventory = index.inventory();
        let generated_at = jiff::Timestamp::from_second(inventory.generated_at.as_second())
            .unwrap_or(inventory.generated_at)
            .to_string();
        let header = Header {
            kind: (format == AccessFormat::Ndjson).then_some("header"),
            schema: ACCESS_SCHEMA_ID,
            system: &inventory.system,
            generated_at,
            incomplete: index
                .incomplete()
                .map(|c| Incomplete {
                    collection: &c.collection,
                    detail: c.detail.as_deref(),
                })
                .collect(),
        };
        match format {
            AccessFormat::Json => {
                let text = serde_json::to_string(&header)?;
                // The header object, reopened to hold the rows.
                out.write_all(&text.as_bytes()[..text.len() - 1])?;
                out.write_all(b",\"rows\":[")?;
            }
            AccessFormat::Ndjson => {
                serde_json::to_writer(&mut out, &header)?;
                out.write_all(b"\n")?;
            }
            AccessFormat::Csv => {
                out.write_all(b"account,username,active,resource,permission,group,path\r\n")?;
            }
        }
        Ok(Self {
            out,
            format,
            rows: 0,
        })
    }

    /// Writes one row.
    pub fn row(&mut self, row: &AccessRow<'_>) -> io::Result<()> {
        match self.format {
            AccessFormat::Json => {
                self.out
                    .write_all(if self.rows == 0 { b"\n" } else { b",\n" })?;
                serde_json::to_writer(&mut self.out, &RowOut::new(row, None))?;
            }
            AccessFormat::Ndjson => {
                serde_json::to_writer(&mut self.out, &RowOut::new(row, Some("row")))?;
                self.out.write_all(b"\n")?;
            }
            AccessFormat::Csv => {
                let account = row.principal.account();
                for path in &row.paths {
                    let chain = path
                        .grants
                        .iter()
                        .map(|g| format!("{}|{}|{}", g.resource, g.permission, g.subject))
                        .collect::<Vec<_>>()
                        .join(" > ");
                    let active = match account.and_then(|a| a.active) {
                        Some(true) => "true",
                        Some(false) => "false",
                        None => "",
                    };
                    let fields = [
                        account.map_or("", |a| a.key.as_str()),
                        account.and_then(|a| a.username.as_deref()).unwrap_or(""),
                        active,
                        row.resource,
                        row.permission,
                        path.group.unwrap_or(""),
                        &chain,
                    ];
                    for (i, field) in fields.iter().enumerate() {
                        if i > 0 {
                            self.out.write_all(b",")?;
                        }
                        write_csv_field(&mut self.out, field)?;
                    }
                    self.out.write_all(b"\r\n")?;
                }
            }
        }
        self.rows += 1;
        Ok(())
    }

    /// Writes the conditional grants and the end of the document; returns the output.
    pub fn finish<'g>(mut self, conditional: impl Iterator<Item = &'g Grant>) -> io::Result<W> {
        match self.format {
            AccessFormat::Json => {
                self.out.write_all(b"\n],\"conditional\":[")?;
                for (i, grant) in conditional.enumerate() {
                    self.out.write_all(if i == 0 { b"\n" } else { b",\n" })?;
                    serde_json::to_writer(&mut self.out, grant)?;
                }
                self.out.write_all(b"\n]}\n")?;
            }
            AccessFormat::Ndjson => {
                for grant in conditional {
                    serde_json::to_writer(
                        &mut self.out,
                        &ConditionalOut {
                            kind: "conditional",
                            grant,
                        },
                    )?;
                    self.out.write_all(b"\n")?;
                }
                writeln!(self.out, "{{\"kind\":\"trailer\",\"rows\":{}}}", self.rows)?;
            }
            AccessFormat::Csv => {}
        }
        self.out.flush()?;
        Ok(self.out)
    }
}

/// RFC 4180: a field holding a comma, a quote or a line break is quoted, its quotes doubled.
fn write_csv_field(out: &mut impl Write, field: &str) -> io::Result<()> {
    if field.contains([',', '"', '\r', '\n']) {
        out.write_all(b"\"")?;
        out.write_all(field.replace('"', "\"\"").as_bytes())?;
        out.write_all(b"\"")
    } else {
        out.write_all(field.as_bytes())
    }
}
