//! `atlassian-dc access` and `explain`: effective access from an inventory file, for a person (a
//! table, readable lines) or a machine (the spec's JSON, NDJSON, CSV). The evaluation is
//! [`AccessIndex`]; this module reads the file, applies the filters and words the answers.

use std::io::Write;
use std::path::Path;

use atlassian_core::access::{AccessFormat, AccessIndex, AccessPath, AccessRow, AccessWriter};
use atlassian_core::{Account, Grant, Inventory, ResourceRef, error_chain};

/// A problem with the input or the question: exit 2, with this message.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct BadInput(pub String);

/// Reads a JSON or NDJSON inventory from `path` (`-`: standard input). Every problem names the
/// file.
pub fn read_inventory(path: &Path) -> Result<Inventory, BadInput> {
    let name = path.display();
    // Streamed through the readers' caps (`Inventory::MAX_LINE_BYTES`, …), never held whole.
    let read = if path == Path::new("-") {
        Inventory::read(std::io::stdin().lock())
    } else {
        let file =
            std::fs::File::open(path).map_err(|e| BadInput(format!("cannot read {name}: {e}")))?;
        Inventory::read(file)
    };
    read.map_err(|e| BadInput(format!("{name}: {}", error_chain(&e))))
}

/// What `access` is asked: filters of one kind OR-ed, kinds AND-ed.
#[derive(Clone, Debug, Default)]
pub struct AccessQuery {
    /// Account keys or usernames.
    pub accounts: Vec<String>,
    /// Resource references.
    pub resources: Vec<String>,
    /// Permissions.
    pub permissions: Vec<String>,
    /// Include the `anonymous` principal's rows.
    pub anonymous: bool,
}

/// How `access` prints.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AccessOutput {
    /// A table for a person.
    Table,
    /// A machine form.
    Machine(AccessFormat),
}

/// Answers `query` into `out`; returns the number of rows.
pub fn write_access(
    index: &AccessIndex<'_>,
    query: &AccessQuery,
    output: AccessOutput,
    out: &mut dyn Write,
) -> Result<u64, BadInput> {
    let mut accounts: Vec<&Account> = query
        .accounts
        .iter()
        .map(|id| index.find_account(id).map_err(|e| BadInput(e.to_string())))
        .collect::<Result<_, _>>()?;
    accounts.sort_unstable_by(|a, b| a.key.cmp(&b.key));
    accounts.dedup_by(|a, b| a.key == b.key);
    let mut resources = query.resources.clone();
    resources.sort_unstable();
    resources.dedup();
    for r in &resources {
        r.parse::<ResourceRef>()
            .map_err(|e| BadInput(format!("--resource {r:?}: {e}")))?;
        if !index
            .inventory()
            .resources
            .iter()
            .any(|x| &x.reference == r)
        {
            return Err(BadInput(format!("the inventory has no resource {r:?}")));
        }
    }
    let wanted = |row: &AccessRow<'_>| {
        (resources.is_empty() || resources.iter().any(|r| r == row.resource))
            && (query.permissions.is_empty()
                || query.permissions.iter().any(|p| p == row.permission))
    };
    let write_error = |e: std::io::Error| BadInput(format!("cannot write the output: {e}"));
    let mut sink = match output {
        AccessOutput::Table => Sink::Table(Table::start(out).map_err(write_error)?),
        AccessOutput::Machine(format) => {
            Sink::Machine(AccessWriter::start(out, format, index).map_err(write_error)?)
        }
    };
    let mut count = 0u64;
    let mut emit = |row: &AccessRow<'_>| -> Result<(), BadInput> {
        if wanted(row) {
            sink.row(row).map_err(write_error)?;
            count += 1;
        }
        Ok(())
    };
    let refused = |e: atlassian_core::access::AccessError| BadInput(e.to_string());
    if !accounts.is_empty() {
        if query.anonymous {
            index
                .rows_of_anonymous()
                .map_err(refused)?
                .iter()
                .try_for_each(&mut emit)?;
        }
        for account in accounts {
            index
                .rows_of_account(account)
                .map_err(refused)?
                .iter()
                .try_for_each(&mut emit)?;
        }
    } else if !resources.is_empty() {
        let permission = match query.permissions.as_slice() {
            [one] => Some(one.as_str()),
            _ => None,
        };
        let mut rows = Vec::new();
        for r in &resources {
            rows.extend(
                index
                    .rows_of_resource(r, permission, query.anonymous)
                    .map_err(refused)?,
            );
        }
        if resources.len() > 1 {
            rows.sort_by(|a, b| {
                (
                    a.principal.account().map(|a| &a.key),
                    a.resource,
                    a.permission,
                )
                    .cmp(&(
                        b.principal.account().map(|a| &a.key),
                        b.resource,
                        b.permission,
                    ))
            });
        }
        rows.iter().try_for_each(&mut emit)?;
    } else {
        for row in index.rows(query.anonymous) {
            emit(&row.map_err(refused)?)?;
        }
    }
    let conditional: Vec<&Grant> = if resources.is_empty() {
        index.conditional(None).collect()
    } else {
        resources
            .iter()
            .flat_map(|r| index.conditional(Some(r)))
            .collect()
    };
    let conditional = conditional
        .into_iter()
        .filter(|g| query.permissions.is_empty() || query.permissions.contains(&g.permission));
    sink.finish(conditional).map_err(write_error)?;
    Ok(count)
}

/// Where `write_access` sends rows: the table or a machine form.
enum Sink<'i, 'o> {
    Table(Table<'o>),
    Machine(AccessWriter<'i, &'o mut dyn Write>),
}

impl Sink<'_, '_> {
    fn row(&mut self, row: &AccessRow<'_>) -> std::io::Result<()> {
        match self {
            Self::Table(table) => table.row(row),
            Self::Machine(writer) => writer.row(row),
        }
    }

    fn finish<'g>(self, conditional: impl Iterator<Item = &'g Grant>) -> std::io::Result<()> {
        match self {
            Self::Table(table) => table.finish(conditional),
            Self::Machine(writer) => writer.finish(conditional).map(drop),
        }
    }
}

/// Column widths of the table (username, active, resource, permission); with the separators
/// and "via", 100 columns.
const WIDTHS: [usize; 4] = [16, 6, 18, 20];
const VIA: usize = 100 - 16 - 6 - 18 - 20 - 4 * 2;

struct Table<'o> {
    out: &'o mut dyn Write,
    rows: u64,
    conditional: Vec<String>,
}

impl<'o> Table<'o> {
    fn start(out: &'o mut dyn Write) -> std::io::Result<Self> {
        let mut table = Self {
            out,
            rows: 0,
            conditional: Vec::new(),
        };
        table.line(["USERNAME", "ACTIVE", "RESOURCE", "PERMISSION"], "VIA")?;
        Ok(table)
    }

    fn line(&mut self, cells: [&str; 4], via: &str) -> std::io::Result<()> {
        let mut text = String::new();
        for (cell, width) in cells.iter().zip(WIDTHS) {
            text.push_str(&fit(cell, width));
            text.push_str("  ");
        }
        text.push_str(&fit(via, VIA));
        writeln!(self.out, "{}", text.trim_end())
    }
}

impl Table<'_> {
    fn row(&mut self, row: &AccessRow<'_>) -> std::io::Result<()> {
        let account = row.principal.account();
        let who = account.map_or_else(|| "(anonymous)".to_owned(), display_name);
        let active = match account.map(|a| a.active) {
            None => "-",
            Some(Some(true)) => "yes",
            Some(Some(false)) => "NO",
            Some(None) => "?",
        };
        let mut via = row.paths.first().map(via).unwrap_or_default();
        if row.paths.len() > 1 {
            via = format!("(+{}) {via}", row.paths.len() - 1);
        }
        self.rows += 1;
        self.line([&who, active, row.resource, row.permission], &via)
    }

    fn finish<'g>(mut self, conditional: impl Iterator<Item = &'g Grant>) -> std::io::Result<()> {
        self.conditional = conditional
            .map(|g| {
                let line = format!("  {} {} to {}", g.resource, g.permission, g.subject);
                atlassian_core::human::inert(&line).into_owned()
            })
            .collect();
        writeln!(self.out, "{} rows", self.rows)?;
        if !self.conditional.is_empty() {
            writeln!(
                self.out,
                "conditional grants (they depend on the issue, so no row lists them):"
            )?;
            for line in &self.conditional {
                writeln!(self.out, "{line}")?;
            }
        }
        Ok(())
    }
}

/// `text` [`inert`](atlassian_core::human::inert) (a name's controls shown, not obeyed), then
/// cut or padded to `width` characters (a cut ends in `…`).
fn fit(text: &str, width: usize) -> String {
    let text = atlassian_core::human::inert(text);
    let count = text.chars().count();
    if count <= width {
        format!("{text}{}", " ".repeat(width - count))
    } else {
        let mut cut: String = text.chars().take(width.saturating_sub(1)).collect();
        cut.push('…');
        cut
    }
}

/// How a person names an account: its username, else its key.
fn display_name(account: &Account) -> String {
    account
        .username
        .clone()
        .unwrap_or_else(|| account.key.clone())
}

/// A subject as a person says it: `group eng-backend`, `role Developers`, `anyone`.
fn subject_phrase(subject: &str) -> String {
    match subject.split_once(':') {
        Some(("account", key)) => format!("account {key}"),
        Some(("group", name)) => format!("group {name}"),
        Some(("role", name)) => format!("role {name}"),
        Some(("application", key)) => format!("users of application {key}"),
        Some(("special", kind)) => format!("the issue's {kind}"),
        _ if subject == "anonymous" => "anyone (anonymous)".to_owned(),
        _ if subject == "authenticated" => "any logged-in user".to_owned(),
        _ => subject.to_owned(),
    }
}

/// A resource as a person says it: `project ENG`, `space DOC`, `the whole instance`.
fn resource_phrase(resource: &str) -> String {
    match resource.split_once(':') {
        Some((kind, key)) => format!("{kind} {key}"),
        None if resource == "system" => "the whole instance".to_owned(),
        None => resource.to_owned(),
    }
}

/// What holding a grant's permission is, as a person says it.
fn holding_phrase(grant: &Grant) -> String {
    let on = resource_phrase(&grant.resource);
    if let Some(role) = grant.permission.strip_prefix("role:") {
        format!("role {role} in {on}")
    } else if grant.permission == "use" && grant.resource.starts_with("application:") {
        format!("access to {on}")
    } else {
        format!("{} on {on}", grant.permission)
    }
}

/// The table's short "via": the entry, then what each grant but the last made the account.
fn via(path: &AccessPath<'_>) -> String {
    let Some(first) = path.grants.first() else {
        return String::new();
    };
    let mut steps = vec![match first.subject.split_once(':') {
        Some(("account", _)) => "direct".to_owned(),
        _ => subject_phrase(&first.subject),
    }];
    for grant in &path.grants[..path.grants.len() - 1] {
        steps.push(match grant.permission.strip_prefix("role:") {
            Some(role) => format!("role {role}"),
            None => match grant.resource.strip_prefix("application:") {
                Some(app) => format!("app {app}"),
                None => resource_phrase(&grant.resource),
            },
        });
    }
    steps.join(" → ")
}

/// Every path of `row`, one readable line per grant.
pub fn explain_lines(account: &Account, row: &AccessRow<'_>) -> Vec<String> {
    let who = display_name(account);
    let mut lines = vec![format!(
        "{who} holds {} on {} by {} path{}:",
        row.permission,
        resource_phrase(row.resource),
        row.paths.len(),
        if row.paths.len() == 1 { "" } else { "s" }
    )];
    for (n, path) in row.paths.iter().enumerate() {
        lines.push(format!("path {}:", n + 1));
        let mut step = 1;
        let mut say = |lines: &mut Vec<String>, text: String| {
            lines.push(format!("  {step}. {text}"));
            step += 1;
        };
        if let Some(group) = path.group {
            say(&mut lines, format!("{who} is in group {group}"));
        }
        for (i, grant) in path.grants.iter().enumerate() {
            let holder = match grant.subject.split_once(':') {
                Some(("account", _)) => who.clone(),
                _ => subject_phrase(&grant.subject),
            };
            let verb = if grant.subject.starts_with("application:") {
                "hold"
            } else {
                "holds"
            };
            let mut text = format!("{holder} {verb} {}", holding_phrase(grant));
            if i == 0 && grant.subject == "anonymous" {
                text.push_str(&format!(", so {who} does"));
            }
            say(&mut lines, text);
        }
    }
    inert_lines(lines)
}

/// Every line [`inert`](atlassian_core::human::inert): the lines quote names from the inventory.
fn inert_lines(lines: Vec<String>) -> Vec<String> {
    lines
        .into_iter()
        .map(|line| match atlassian_core::human::inert(&line) {
            std::borrow::Cow::Borrowed(_) => line,
            std::borrow::Cow::Owned(shown) => shown,
        })
        .collect()
}

/// What `explain` prints when no path confers the permission.
pub fn not_held_lines(
    account: &Account,
    resource: &str,
    permission: &str,
    conditional: &[&Grant],
) -> Vec<String> {
    let who = display_name(account);
    let mut lines = vec![format!(
        "{who} does not hold {permission} on {}",
        resource_phrase(resource)
    )];
    if !conditional.is_empty() {
        lines.push("it could still hold it on some issues, through:".to_owned());
        for grant in conditional {
            lines.push(format!("  {}", subject_phrase(&grant.subject)));
        }
    }
    inert_lines(lines)
}
