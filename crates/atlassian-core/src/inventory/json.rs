//! The JSON form: one pretty-printed document; and recognising which form an input is in.
//!
//! Reading streams from the `Read` handed in, through the caps of [`limits`]: a hostile file
//! ends in an [`InventoryError`] naming the JSON path (and line and column), never a panic or an
//! unbounded buffer.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;
use std::io::{BufRead, BufReader, Cursor, Read, Write};

use serde::de::{IgnoredAny, MapAccess, Visitor};

use super::SCHEMA_ID;
use super::builder::InventoryBuilder;
use super::error::InventoryError;
use super::record::{Account, Coverage, Inventory, Resource, normalize_login_time};

pub(super) mod limits;

use limits::{Guard, LimitExceeded};

/// How much of the input [`Inventory::read`] looks at to tell the forms apart.
const SNIFF_BYTES: usize = 64 << 10;

impl Inventory {
    /// The longest NDJSON line the readers accept (16 MiB, newline excluded): a record is a few
    /// hundred bytes, so a longer line is refused naming it, without being held whole.
    pub const MAX_LINE_BYTES: usize = limits::MAX_LINE_BYTES;
    /// The longest JSON string the readers accept in either form (1 MiB as written, escapes
    /// included); names, e-mail addresses, details and warnings are far shorter.
    pub const MAX_STRING_BYTES: usize = limits::MAX_STRING_BYTES;
    /// The longest number or literal the readers accept (1 KiB).
    pub const MAX_TOKEN_BYTES: usize = limits::MAX_TOKEN_BYTES;
    /// The deepest nesting of arrays and objects the readers accept (64; an inventory nests 3).
    pub const MAX_DEPTH: usize = limits::MAX_DEPTH;

    /// Writes the JSON form: pretty-printed with two-space indents and a trailing newline.
    ///
    /// The output depends only on the data, so two scans of an unchanged system differ only in
    /// `generated_at`.
    ///
    /// # Errors
    ///
    /// [`InventoryError::Write`] when the writer fails.
    pub fn write_json(&self, mut writer: impl Write) -> Result<(), InventoryError> {
        serde_json::to_writer_pretty(&mut writer, self)
            .map_err(|error| InventoryError::Write(error.into()))?;
        writer.write_all(b"\n").map_err(InventoryError::Write)?;
        writer.flush().map_err(InventoryError::Write)
    }

    /// Reads the JSON form and checks it as [`InventoryBuilder::build`] would; records are sorted
    /// and de-duplicated, so the result is what writing it would produce.
    ///
    /// The input is streamed (wrap a file in nothing: it is buffered here) through the caps
    /// [`MAX_STRING_BYTES`](Self::MAX_STRING_BYTES), [`MAX_TOKEN_BYTES`](Self::MAX_TOKEN_BYTES)
    /// and [`MAX_DEPTH`](Self::MAX_DEPTH). A record repeated exactly is read once; an account,
    /// resource or coverage entry listed twice with different fields is refused (which one
    /// holds cannot be known).
    ///
    /// # Errors
    ///
    /// [`InventoryError::Json`] naming the JSON path that does not decode (its source names the
    /// line and column), [`InventoryError::JsonRefused`] naming the path of a cap passed or a
    /// contradicting repeat, [`InventoryError::UnsupportedSchema`], [`InventoryError::Invalid`]
    /// naming each record that refers to something missing, or [`InventoryError::Read`].
    pub fn read_json(reader: impl Read) -> Result<Self, InventoryError> {
        let mut deserializer =
            serde_json::Deserializer::from_reader(BufReader::new(Guard::new(reader)));
        let document: Self =
            serde_path_to_error::deserialize(&mut deserializer).map_err(json_error)?;
        deserializer.end().map_err(|source| InventoryError::Json {
            path: ".".to_owned(),
            source,
        })?;
        document.normalized()
    }

    /// Reads either form from a stream, telling them apart by the first line: the NDJSON form
    /// opens with a `{"kind":"header",…}` line. Only the first line (at most 64 KiB of it) is
    /// looked at ahead; the rest streams through [`read_json`](Self::read_json) or
    /// [`read_ndjson`](Self::read_ndjson) and their caps.
    ///
    /// # Errors
    ///
    /// As [`read_json`](Self::read_json) or [`read_ndjson`](Self::read_ndjson), and
    /// [`InventoryError::UnknownFormat`] when the input is not a JSON object at all.
    pub fn read(reader: impl Read) -> Result<Self, InventoryError> {
        let mut reader = BufReader::with_capacity(SNIFF_BYTES, reader);
        // Look ahead to the end of the first non-blank line, or as far as SNIFF_BYTES.
        let mut ahead = Vec::new();
        loop {
            let available = reader.fill_buf().map_err(InventoryError::Read)?;
            if available.is_empty() {
                break;
            }
            let take = available.len().min(SNIFF_BYTES - ahead.len());
            ahead.extend_from_slice(&available[..take]);
            reader.consume(take);
            let first_line_read = ahead
                .iter()
                .position(|byte| !byte.is_ascii_whitespace())
                .is_some_and(|start| ahead[start..].contains(&b'\n'));
            if first_line_read || ahead.len() >= SNIFF_BYTES {
                break;
            }
        }
        // A byte-order mark is dropped; leading blank lines are kept, so line numbers hold.
        if ahead.starts_with(b"\xEF\xBB\xBF") {
            ahead.drain(..3);
        }
        let start = ahead
            .iter()
            .position(|byte| !byte.is_ascii_whitespace())
            .ok_or(InventoryError::UnknownFormat)?;
        if ahead[start] != b'{' {
            return Err(InventoryError::UnknownFormat);
        }
        let first_line = ahead[start..]
            .split(|&byte| byte == b'\n')
            .next()
            .unwrap_or_default();
        let is_ndjson = names_kind(first_line);
        let whole = Cursor::new(ahead).chain(reader);
        if is_ndjson {
            Self::read_ndjson(whole)
        } else {
            Self::read_json(whole)
        }
    }

    /// Reads either form from bytes in memory; see [`read`](Self::read).
    ///
    /// # Errors
    ///
    /// As [`read`](Self::read).
    pub fn read_auto(bytes: &[u8]) -> Result<Self, InventoryError> {
        Self::read(bytes)
    }

    /// Re-checks and re-sorts a decoded document through the builder.
    fn normalized(self) -> Result<Self, InventoryError> {
        if self.schema != SCHEMA_ID {
            return Err(InventoryError::UnsupportedSchema { found: self.schema });
        }
        let mut builder =
            InventoryBuilder::for_reading(self.system, self.scanned_as, self.generator);
        let mut repeats = Repeats::default();
        let refused = |path: String, reason: String| InventoryError::JsonRefused { path, reason };
        for (index, account) in self.accounts.into_iter().enumerate() {
            if let Some((field, reason)) = account_problem(&account) {
                return Err(refused(format!("accounts[{index}].{field}"), reason));
            }
            repeats
                .account(&builder, &account)
                .map_err(|reason| refused(format!("accounts[{index}]"), reason))?;
            builder.account(account);
        }
        for group in self.groups {
            builder.group(group.name);
        }
        for membership in self.memberships {
            builder.membership(membership.group, membership.account);
        }
        for (index, resource) in self.resources.into_iter().enumerate() {
            repeats
                .resource(&resource)
                .map_err(|reason| refused(format!("resources[{index}]"), reason))?;
            builder.resource(resource);
        }
        for grant in self.grants {
            builder.grant_record(grant);
        }
        for (index, coverage) in self.coverage.into_iter().enumerate() {
            repeats
                .coverage(&coverage)
                .map_err(|reason| refused(format!("coverage[{index}]"), reason))?;
            builder.coverage(coverage);
        }
        for warning in self.warnings {
            builder.warning(warning);
        }
        builder.build(self.generated_at)
    }
}

/// Whether the first line of an input is an NDJSON record: `kind` is one of its keys (as far as
/// they can be read), or a line broken before its keys were read mentions `"kind"`.
fn names_kind(first_line: &[u8]) -> bool {
    struct Keys;
    impl<'de> Visitor<'de> for Keys {
        type Value = bool;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an object")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<bool, A::Error> {
            while let Some(key) = map.next_key::<Cow<'de, str>>()? {
                if key == "kind" {
                    return Ok(true);
                }
                map.next_value::<IgnoredAny>()?;
            }
            Ok(false)
        }
    }
    let mut deserializer = serde_json::Deserializer::from_slice(first_line);
    match serde::Deserializer::deserialize_map(&mut deserializer, Keys) {
        Ok(kind) => kind,
        // A pretty document's first line is a lone `{`; a compact one runs past the look-ahead.
        Err(error) if error.is_eof() => false,
        // A broken first line of a stream still says what it is meant to be.
        Err(_) => first_line.windows(6).any(|window| window == b"\"kind\""),
    }
}

/// Repeated records, as the spec's "no duplicates" is read: a record whose identity is all of
/// it (group, membership, grant) repeated is the same fact twice and is read once (group names
/// fold case, as the server does); a record with fields beyond its identity (account by `key`,
/// resource by `ref`, coverage by `collection`) repeated *with different fields* contradicts
/// itself, and is refused; repeated exactly, it is read once.
#[derive(Debug, Default)]
pub(super) struct Repeats {
    resources: HashMap<String, Resource>,
    coverage: HashMap<String, Coverage>,
}

impl Repeats {
    /// Checks an account against one of the same key already added to `builder`.
    pub(super) fn account(
        &mut self,
        builder: &InventoryBuilder,
        account: &Account,
    ) -> Result<(), String> {
        match builder.account_by_key(&account.key) {
            Some(known) if !same_account(known, account) => Err(format!(
                "account `{}` is listed twice with different fields",
                account.key
            )),
            _ => Ok(()),
        }
    }

    /// Checks a resource against one of the same `ref` seen before.
    pub(super) fn resource(&mut self, resource: &Resource) -> Result<(), String> {
        match self.resources.get(&resource.reference) {
            Some(known) if known != resource => Err(format!(
                "resource `{}` is listed twice with different fields",
                resource.reference
            )),
            Some(_) => Ok(()),
            None => {
                self.resources
                    .insert(resource.reference.clone(), resource.clone());
                Ok(())
            }
        }
    }

    /// Checks a coverage entry against one for the same collection seen before.
    pub(super) fn coverage(&mut self, coverage: &Coverage) -> Result<(), String> {
        match self.coverage.get(&coverage.collection) {
            Some(known) if known != coverage => Err(format!(
                "coverage of `{}` is listed twice with different fields",
                coverage.collection
            )),
            Some(_) => Ok(()),
            None => {
                self.coverage
                    .insert(coverage.collection.clone(), coverage.clone());
                Ok(())
            }
        }
    }
}

/// What the builder does not check of an account but the schema demands: the field and why.
pub(super) fn account_problem(account: &Account) -> Option<(&'static str, String)> {
    let login = account.last_login.as_deref()?;
    if login.trim().is_empty() || normalize_login_time(login).as_deref() == Some(login) {
        return None;
    }
    Some((
        "last_login",
        format!(
            "account `{}`: `{login}` is not an RFC 3339 time in UTC to whole seconds",
            account.key
        ),
    ))
}

/// Whether `new` says what `known` (as the builder holds it: blank strings as `None`) says.
fn same_account(known: &Account, new: &Account) -> bool {
    let blank = |value: &Option<String>| {
        value
            .as_deref()
            .filter(|text| !text.trim().is_empty())
            .map(str::to_owned)
    };
    known.username == blank(&new.username)
        && known.display_name == blank(&new.display_name)
        && known.email == blank(&new.email)
        && known.active == new.active
        && known.last_login == blank(&new.last_login)
}

fn json_error(error: serde_path_to_error::Error<serde_json::Error>) -> InventoryError {
    let path = error.path().to_string();
    let source = error.into_inner();
    if source.is_io() {
        let io = std::io::Error::from(source);
        match LimitExceeded::from_io(&io) {
            Some(limit) => InventoryError::JsonRefused {
                path,
                reason: limit.to_string(),
            },
            None => InventoryError::Read(io),
        }
    } else {
        InventoryError::Json { path, source }
    }
}
