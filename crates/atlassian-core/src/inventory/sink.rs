//! [`InventorySink`]: where a scan's records go as they are produced — an NDJSON stream, a
//! collector, or anything a caller provides. A sink that never saw [`InventorySink::finish`]
//! holds an incomplete inventory.

use std::io::Write;

use jiff::Timestamp;

use super::{
    Account, Coverage, Grant, Group, Header, Inventory, InventoryBuilder, InventoryError,
    Membership, NdjsonWriter, Resource,
};

/// Receives one inventory, record by record: the header first, then the records in any order
/// (each once), then the coverage and warnings with [`finish`](Self::finish).
pub trait InventorySink: Send {
    /// The header: what is known before the first record.
    fn header(&mut self, header: &Header) -> Result<(), InventoryError>;
    /// An account.
    fn account(&mut self, account: &Account) -> Result<(), InventoryError>;
    /// A group.
    fn group(&mut self, group: &Group) -> Result<(), InventoryError>;
    /// A membership.
    fn membership(&mut self, membership: &Membership) -> Result<(), InventoryError>;
    /// A resource.
    fn resource(&mut self, resource: &Resource) -> Result<(), InventoryError>;
    /// A grant.
    fn grant(&mut self, grant: &Grant) -> Result<(), InventoryError>;
    /// The end: coverage and warnings. Only now is the inventory complete.
    fn finish(&mut self, coverage: &[Coverage], warnings: &[String]) -> Result<(), InventoryError>;
}

/// Writes the NDJSON form as records arrive.
#[derive(Debug)]
pub struct NdjsonSink<W: Write> {
    out: Option<W>,
    writer: Option<NdjsonWriter<W>>,
    finished: Option<W>,
}

impl<W: Write> NdjsonSink<W> {
    /// A sink writing to `out`.
    pub fn new(out: W) -> Self {
        Self {
            out: Some(out),
            writer: None,
            finished: None,
        }
    }

    /// The output, once [`InventorySink::finish`] has written the trailer.
    pub fn into_finished(self) -> Option<W> {
        self.finished
    }

    fn writer(&mut self) -> Result<&mut NdjsonWriter<W>, InventoryError> {
        self.writer.as_mut().ok_or_else(|| {
            InventoryError::Write(std::io::Error::other("a record before the header"))
        })
    }
}

impl<W: Write + Send> InventorySink for NdjsonSink<W> {
    fn header(&mut self, header: &Header) -> Result<(), InventoryError> {
        let out = self
            .out
            .take()
            .ok_or_else(|| InventoryError::Write(std::io::Error::other("a second header")))?;
        self.writer = Some(NdjsonWriter::new(out, header)?);
        Ok(())
    }
    fn account(&mut self, account: &Account) -> Result<(), InventoryError> {
        self.writer()?.account(account)
    }
    fn group(&mut self, group: &Group) -> Result<(), InventoryError> {
        self.writer()?.group(group)
    }
    fn membership(&mut self, membership: &Membership) -> Result<(), InventoryError> {
        self.writer()?.membership(membership)
    }
    fn resource(&mut self, resource: &Resource) -> Result<(), InventoryError> {
        self.writer()?.resource(resource)
    }
    fn grant(&mut self, grant: &Grant) -> Result<(), InventoryError> {
        self.writer()?.grant(grant)
    }
    fn finish(&mut self, coverage: &[Coverage], warnings: &[String]) -> Result<(), InventoryError> {
        let mut writer = self.writer.take().ok_or_else(|| {
            InventoryError::Write(std::io::Error::other("finish before the header"))
        })?;
        for c in coverage {
            writer.coverage(c.clone());
        }
        for w in warnings {
            writer.warning(w.clone());
        }
        self.finished = Some(writer.finish()?);
        Ok(())
    }
}

/// Collects the records and builds the [`Inventory`] when finished (checked and sorted as the
/// builder does).
#[derive(Debug, Default)]
pub struct CollectSink {
    builder: Option<InventoryBuilder>,
    generated_at: Option<Timestamp>,
    inventory: Option<Inventory>,
}

impl CollectSink {
    /// An empty collector.
    pub fn new() -> Self {
        Self::default()
    }

    /// The inventory, once finished.
    pub fn inventory(&self) -> Option<&Inventory> {
        self.inventory.as_ref()
    }

    /// The inventory (the collecting case of a scan).
    ///
    /// # Errors
    ///
    /// [`InventoryError::Incomplete`] when [`InventorySink::finish`] was never reached.
    pub fn into_inventory(self) -> Result<Inventory, InventoryError> {
        self.inventory.ok_or_else(|| {
            InventoryError::Incomplete("the scan never finished its inventory".into())
        })
    }

    /// Whether [`InventorySink::finish`] was reached.
    pub fn is_finished(&self) -> bool {
        self.inventory.is_some()
    }

    fn builder(&mut self) -> Result<&mut InventoryBuilder, InventoryError> {
        self.builder.as_mut().ok_or_else(|| {
            InventoryError::Write(std::io::Error::other("a record before the header"))
        })
    }
}

impl InventorySink for CollectSink {
    fn header(&mut self, header: &Header) -> Result<(), InventoryError> {
        let mut builder = InventoryBuilder::new(header.system.clone(), header.scanned_as.clone());
        builder.generator(header.generator.clone());
        self.builder = Some(builder);
        self.generated_at = Some(header.generated_at);
        Ok(())
    }
    fn account(&mut self, account: &Account) -> Result<(), InventoryError> {
        self.builder()?.account(account.clone());
        Ok(())
    }
    fn group(&mut self, group: &Group) -> Result<(), InventoryError> {
        self.builder()?.group(group.name.clone());
        Ok(())
    }
    fn membership(&mut self, membership: &Membership) -> Result<(), InventoryError> {
        self.builder()?
            .membership(membership.group.clone(), membership.account.clone());
        Ok(())
    }
    fn resource(&mut self, resource: &Resource) -> Result<(), InventoryError> {
        self.builder()?.resource(resource.clone());
        Ok(())
    }
    fn grant(&mut self, grant: &Grant) -> Result<(), InventoryError> {
        let resource = grant.resource.parse().map_err(|e| {
            InventoryError::Write(std::io::Error::other(format!("grant resource: {e}")))
        })?;
        let subject = grant.subject.parse().map_err(|e| {
            InventoryError::Write(std::io::Error::other(format!("grant subject: {e}")))
        })?;
        self.builder()?
            .grant(resource, grant.permission.clone(), subject);
        Ok(())
    }
    fn finish(&mut self, coverage: &[Coverage], warnings: &[String]) -> Result<(), InventoryError> {
        let mut builder = self.builder.take().ok_or_else(|| {
            InventoryError::Write(std::io::Error::other("finish before the header"))
        })?;
        for c in coverage {
            builder.coverage(c.clone());
        }
        for w in warnings {
            builder.warning(w.clone());
        }
        self.inventory = Some(builder.build(self.generated_at.unwrap_or_else(Timestamp::now))?);
        Ok(())
    }
}
