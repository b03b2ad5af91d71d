//! The commands that read inventory files: `diff`, `access`, `explain`.

use std::path::Path;
use std::process::ExitCode;

use atlassian_core::error_chain;
// The human forms make every name inert line by line; at the print site, the last line of
// defence: no control character but the newline and the tab reaches the terminal.
use atlassian_core::human::inert_lines;
use atlassian_core::inventory::{Inventory, InventoryError};

use super::{AccessFormatArg, FAILED, USAGE};

#[allow(clippy::print_stdout)]
pub(super) fn diff(old: &Path, new: &Path, json: bool, explain: bool) -> ExitCode {
    let (old, new) = match (load(old), load(new)) {
        (Ok(o), Ok(n)) => (o, n),
        (Err(code), _) | (_, Err(code)) => return code,
    };
    let diff = match connector::diff(&old, &new) {
        Ok(d) => d,
        Err(e) => {
            say!("error: {e}");
            return ExitCode::from(USAGE);
        }
    };
    if explain {
        let explained = match connector::changes::explain_changes(&old, &new) {
            Ok(explained) => explained,
            Err(e) => {
                say!("error: {e}");
                return ExitCode::from(USAGE);
            }
        };
        if json {
            println!(
                "{}",
                serde_json::to_string_pretty(&explained).expect("the changes serialise")
            );
        } else {
            print!("{}", inert_lines(&connector::changes::to_human(&explained)));
        }
    } else if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&diff).expect("the diff serialises")
        );
    } else {
        print!("{}", inert_lines(&diff.to_human()));
    }
    if diff.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(FAILED)
    }
}

/// Reads an inventory file; a bad one is reported (naming the file) and exits 2.
fn load(path: &Path) -> Result<Inventory, ExitCode> {
    connector::access::read_inventory(path).map_err(|e| {
        say!("error: {e}");
        ExitCode::from(USAGE)
    })
}

/// Repeats every incomplete coverage entry: the answer is no more complete than the scan.
fn note_incomplete(index: &atlassian_core::access::AccessIndex<'_>, answer: &str) {
    for gap in index.incomplete() {
        say!(
            "note: {} is incomplete, so {answer} may be too: {}",
            gap.collection,
            gap.detail.as_deref().unwrap_or("see the inventory")
        );
    }
}

pub(super) fn access(
    inventory: &Path,
    query: &connector::access::AccessQuery,
    format: AccessFormatArg,
    out: Option<&Path>,
) -> ExitCode {
    use atlassian_core::access::{AccessFormat, AccessIndex};
    use connector::access::AccessOutput;
    let inventory = match load(inventory) {
        Ok(inventory) => inventory,
        Err(code) => return code,
    };
    let index = AccessIndex::new(&inventory);
    let output = match format {
        AccessFormatArg::Table => AccessOutput::Table,
        AccessFormatArg::Json => AccessOutput::Machine(AccessFormat::Json),
        AccessFormatArg::Ndjson => AccessOutput::Machine(AccessFormat::Ndjson),
        AccessFormatArg::Csv => AccessOutput::Machine(AccessFormat::Csv),
    };
    let mut file = match connector::Output::open(out) {
        Ok(file) => std::io::BufWriter::with_capacity(1 << 16, file),
        Err(e) => {
            say!("error: {}", error_chain(&e));
            return ExitCode::from(FAILED);
        }
    };
    if let Err(e) = connector::access::write_access(&index, query, output, &mut file) {
        say!("error: {e}");
        return ExitCode::from(USAGE);
    }
    let done = file
        .into_inner()
        .map_err(|e| InventoryError::Write(e.into_error()))
        .and_then(connector::Output::complete);
    if let Err(e) = done {
        say!("error: {}", error_chain(&e));
        return ExitCode::from(FAILED);
    }
    note_incomplete(&index, "these rows");
    ExitCode::SUCCESS
}

#[allow(clippy::print_stdout)]
pub(super) fn explain(
    inventory: &Path,
    account: &str,
    resource: &str,
    permission: &str,
    json: bool,
) -> ExitCode {
    use atlassian_core::access::{AccessIndex, AccessRow, Principal};
    let inventory = match load(inventory) {
        Ok(inventory) => inventory,
        Err(code) => return code,
    };
    let index = AccessIndex::new(&inventory);
    let found = index
        .find_account(account)
        .map_err(|e| e.to_string())
        .and_then(|a| {
            if resource.parse::<atlassian_core::ResourceRef>().is_err() {
                return Err(format!("{resource:?} is not a resource reference (project:ENG, space:DOC, system, application:KEY)"));
            }
            if !index.inventory().resources.iter().any(|r| r.reference == resource) {
                return Err(format!("the inventory has no resource {resource:?}"));
            }
            index
                .row(a, resource, permission)
                .map(|row| (a, row))
                .map_err(|e| e.to_string())
        });
    let (account, row) = match found {
        Ok(found) => found,
        Err(e) => {
            say!("error: {e}");
            return ExitCode::from(USAGE);
        }
    };
    let conditional: Vec<&atlassian_core::Grant> = index
        .conditional(Some(resource))
        .filter(|g| g.permission == permission)
        .collect();
    let held = row.is_some();
    if json {
        let row = row.unwrap_or_else(|| AccessRow {
            principal: Principal::Account(account),
            resource,
            permission,
            paths: Vec::new(),
        });
        println!(
            "{}",
            serde_json::to_string_pretty(&row).expect("a row serialises")
        );
    } else {
        let lines = match &row {
            Some(row) => connector::access::explain_lines(account, row),
            None => connector::access::not_held_lines(account, resource, permission, &conditional),
        };
        for line in lines {
            println!("{}", inert_lines(&line));
        }
    }
    note_incomplete(&index, "this answer");
    if held {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(FAILED)
    }
}

pub(super) fn report(
    inventory: &Path,
    since: Option<&Path>,
    out: Option<&Path>,
    json: bool,
    dormant_days: u32,
) -> ExitCode {
    use atlassian_core::access::AccessIndex;
    use connector::review::{ReviewOptions, html, review};
    use std::io::Write;
    let inventory = match load(inventory) {
        Ok(inventory) => inventory,
        Err(code) => return code,
    };
    let index = AccessIndex::new(&inventory);
    let options = ReviewOptions {
        dormant_days,
        ..ReviewOptions::default()
    };
    let old = match since.map(load).transpose() {
        Ok(old) => old,
        Err(code) => return code,
    };
    if let Some(old) = &old
        && let Err(e) = connector::diff(old, &inventory)
    {
        say!("error: --since: {e}");
        return ExitCode::from(USAGE);
    }
    let text = review(&inventory, &index, &options).and_then(|mut findings| {
        if let Some(old) = &old {
            findings.since = Some(connector::review::Since::between(old, &inventory)?);
        }
        if json {
            Ok(serde_json::to_string_pretty(&findings).expect("findings serialise") + "\n")
        } else {
            html::render(&inventory, &index, &findings)
        }
    });
    let text = match text {
        Ok(text) => text,
        Err(e) => {
            say!("error: {e}");
            return ExitCode::from(USAGE);
        }
    };
    let written = connector::Output::open(out).and_then(|mut output| {
        output
            .write_all(text.as_bytes())
            .map_err(InventoryError::Write)?;
        output.complete()
    });
    if let Err(e) = written {
        say!("error: {}", error_chain(&e));
        return ExitCode::from(FAILED);
    }
    if let Some(path) = out {
        say!("report written to {}", path.display());
    }
    ExitCode::SUCCESS
}
