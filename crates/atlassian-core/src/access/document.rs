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

/// Each grant of the inventory written once: an export writes the same few thousand grants
/// millions of times, so each grant's JSON object and its CSV step are kept, by its position
/// in the inventory's `grants`.
#[derive(Debug)]
struct GrantText<'i> {
    grants: &'i [Grant],
    json: Vec<Option<Box<[u8]>>>,
    csv: Vec<Option<Box<str>>>,
}

impl<'i> GrantText<'i> {
    fn new(grants: &'i [Grant]) -> Self {
        Self {
            grants,
            json: vec![None; grants.len()],
            csv: vec![None; grants.len()],
        }
    }

    /// The position of `grant` in the inventory's `grants`, when it is one of them.
    fn position(&self, grant: &Grant) -> Option<usize> {
        let size = std::mem::size_of::<Grant>();
        let offset = (grant as *const Grant as usize).checked_sub(self.grants.as_ptr() as usize)?;
        let at = offset / size;
        (offset % size == 0 && at < self.grants.len()).then_some(at)
    }

    fn json(&mut self, grant: &Grant, out: &mut Vec<u8>) -> io::Result<()> {
        match self.position(grant) {
            Some(at) => {
                if self.json[at].is_none() {
                    self.json[at] = Some(serde_json::to_vec(grant)?.into_boxed_slice());
                }
                out.extend_from_slice(self.json[at].as_deref().unwrap_or_default());
            }
            None => serde_json::to_writer(&mut *out, grant)?,
        }
        Ok(())
    }

    fn csv(&mut self, grant: &Grant, out: &mut String) {
        let step = |g: &Grant| format!("{}|{}|{}", g.resource, g.permission, g.subject);
        match self.position(grant) {
            Some(at) => out.push_str(self.csv[at].get_or_insert_with(|| step(grant).into())),
            None => out.push_str(&step(grant)),
        }
    }
}

/// Writes one effective-access document: [`start`](Self::start) (the header), [`row`](Self::row)
/// for each row in order, [`finish`](Self::finish) (the conditional grants and the end).
#[derive(Debug)]
pub struct AccessWriter<'i, W: Write> {
    out: W,
    format: AccessFormat,
    rows: u64,
    text: GrantText<'i>,
    /// One row's bytes, written with one call.
    buffer: Vec<u8>,
    chain: String,
}

impl<'i, W: Write> AccessWriter<'i, W> {
    /// Writes the header of `index`'s document.
    pub fn start(mut out: W, format: AccessFormat, index: &AccessIndex<'i>) -> io::Result<Self> {
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
            text: GrantText::new(&inventory.grants),
            buffer: Vec::with_capacity(1024),
            chain: String::new(),
        })
    }

    /// Writes one row.
    pub fn row(&mut self, row: &AccessRow<'_>) -> io::Result<()> {
        self.buffer.clear();
        match self.format {
            AccessFormat::Json | AccessFormat::Ndjson => {
                let json = self.format == AccessFormat::Json;
                if json {
                    self.buffer
                        .extend_from_slice(if self.rows == 0 { b"\n" } else { b",\n" });
                }
                let account = row.principal.account();
                let buffer = &mut self.buffer;
                buffer.extend_from_slice(if json {
                    b"{\"account\":"
                } else {
                    b"{\"kind\":\"row\",\"account\":"
                });
                serde_json::to_writer(&mut *buffer, &account.map(|a| &a.key))?;
                buffer.extend_from_slice(b",\"username\":");
                serde_json::to_writer(&mut *buffer, &account.and_then(|a| a.username.as_ref()))?;
                buffer.extend_from_slice(b",\"active\":");
                serde_json::to_writer(&mut *buffer, &account.and_then(|a| a.active))?;
                buffer.extend_from_slice(b",\"resource\":");
                serde_json::to_writer(&mut *buffer, row.resource)?;
                buffer.extend_from_slice(b",\"permission\":");
                serde_json::to_writer(&mut *buffer, row.permission)?;
                buffer.extend_from_slice(b",\"paths\":[");
                for (p, path) in row.paths.iter().enumerate() {
                    buffer.extend_from_slice(if p == 0 {
                        b"{\"group\":"
                    } else {
                        b",{\"group\":"
                    });
                    serde_json::to_writer(&mut *buffer, &path.group)?;
                    buffer.extend_from_slice(b",\"grants\":[");
                    for (i, grant) in path.grants.iter().enumerate() {
                        if i > 0 {
                            buffer.push(b',');
                        }
                        self.text.json(grant, buffer)?;
                    }
                    buffer.extend_from_slice(b"]}");
                }
                buffer.extend_from_slice(if json { b"]}" } else { b"]}\n" });
            }
            AccessFormat::Csv => {
                let account = row.principal.account();
                let active = match account.and_then(|a| a.active) {
                    Some(true) => "true",
                    Some(false) => "false",
                    None => "",
                };
                for path in &row.paths {
                    self.chain.clear();
                    for (i, grant) in path.grants.iter().enumerate() {
                        if i > 0 {
                            self.chain.push_str(" > ");
                        }
                        self.text.csv(grant, &mut self.chain);
                    }
                    let fields = [
                        account.map_or("", |a| a.key.as_str()),
                        account.and_then(|a| a.username.as_deref()).unwrap_or(""),
                        active,
                        row.resource,
                        row.permission,
                        path.group.unwrap_or(""),
                        &self.chain,
                    ];
                    for (i, field) in fields.iter().enumerate() {
                        if i > 0 {
                            self.buffer.push(b',');
                        }
                        write_csv_field(&mut self.buffer, field)?;
                    }
                    self.buffer.extend_from_slice(b"\r\n");
                }
            }
        }
        self.out.write_all(&self.buffer)?;
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
