//! The JSON form: one pretty-printed document; and recognising which form an input is in.

use std::io::{Read, Write};

use super::SCHEMA_ID;
use super::builder::InventoryBuilder;
use super::error::InventoryError;
use super::record::Inventory;

impl Inventory {
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
    /// # Errors
    ///
    /// [`InventoryError::Json`] naming the JSON path that does not decode,
    /// [`InventoryError::UnsupportedSchema`], [`InventoryError::Invalid`], or
    /// [`InventoryError::Read`].
    pub fn read_json(reader: impl Read) -> Result<Self, InventoryError> {
        let mut deserializer = serde_json::Deserializer::from_reader(reader);
        let document: Self =
            serde_path_to_error::deserialize(&mut deserializer).map_err(json_error)?;
        deserializer.end().map_err(|source| InventoryError::Json {
            path: ".".to_owned(),
            source,
        })?;
        document.normalized()
    }

    /// Reads either form, telling them apart by the first line: the NDJSON form opens with a
    /// `{"kind":"header",…}` line.
    ///
    /// # Errors
    ///
    /// As [`read_json`](Self::read_json) or [`read_ndjson`](Self::read_ndjson), and
    /// [`InventoryError::UnknownFormat`] when the input is not a JSON object at all.
    pub fn read_auto(bytes: &[u8]) -> Result<Self, InventoryError> {
        let text = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        let start = text
            .iter()
            .position(|byte| !byte.is_ascii_whitespace())
            .ok_or(InventoryError::UnknownFormat)?;
        let text = &text[start..];
        if text[0] != b'{' {
            return Err(InventoryError::UnknownFormat);
        }
        let first_line = text.split(|&byte| byte == b'\n').next().unwrap_or_default();
        let is_ndjson = match serde_json::from_slice::<serde_json::Value>(first_line) {
            Ok(value) => value.get("kind").is_some(),
            // A broken first line of a stream still says what it is meant to be; a pretty
            // document's first line is a lone `{`.
            Err(_) => first_line.windows(6).any(|window| window == b"\"kind\""),
        };
        if is_ndjson {
            Self::read_ndjson(text)
        } else {
            Self::read_json(text)
        }
    }

    /// Re-checks and re-sorts a decoded document through the builder.
    fn normalized(self) -> Result<Self, InventoryError> {
        if self.schema != SCHEMA_ID {
            return Err(InventoryError::UnsupportedSchema { found: self.schema });
        }
        let mut builder =
            InventoryBuilder::for_reading(self.system, self.scanned_as, self.generator);
        for account in self.accounts {
            builder.account(account);
        }
        for group in self.groups {
            builder.group(group.name);
        }
        for membership in self.memberships {
            builder.membership(membership.group, membership.account);
        }
        for resource in self.resources {
            builder.resource(resource);
        }
        for grant in self.grants {
            builder.grant_record(grant);
        }
        for coverage in self.coverage {
            builder.coverage(coverage);
        }
        for warning in self.warnings {
            builder.warning(warning);
        }
        builder.build(self.generated_at)
    }
}

fn json_error(error: serde_path_to_error::Error<serde_json::Error>) -> InventoryError {
    let path = error.path().to_string();
    let source = error.into_inner();
    if source.is_io() {
        InventoryError::Read(source.into())
    } else {
        InventoryError::Json { path, source }
    }
}
