//! Files that attack: the JSON and NDJSON readers given truncated, reordered, repeated, retyped,
//! bloated, deeply nested and corrupted inventories. Whatever the input, no panic; an inventory
//! comes back only when it is one (it validates against the schema and reads back the same from
//! both forms); every refusal names where — a line, a JSON path, a record, the trailer.

use atlassian_core::inventory::{Coverage, Generator, ScannedAs, System, Violation};
use atlassian_core::test_util::schema_errors;
use atlassian_core::{
    Account, Inventory, InventoryBuilder, InventoryError, Product, Resource, ResourceRef, Subject,
    error_chain,
};
use proptest::prelude::*;
use serde_json::{Value, json};

// ---------------------------------------------------------------- the valid starting point

fn account(key: &str, name: &str, email: Option<&str>, active: bool) -> Account {
    Account {
        key: key.to_owned(),
        username: Some(name.to_lowercase()),
        display_name: Some(name.to_owned()),
        email: email.map(str::to_owned),
        active: Some(active),
        last_login: Some("2026-10-01T08:00:00Z".to_owned()),
    }
}

/// A small Jira inventory with every record kind, coverage and a warning.
fn inventory() -> Inventory {
    let mut b = InventoryBuilder::new(
        System {
            product: Product::Jira,
            base_url: "https://jira.example.com/jira".to_owned(),
            version: "9.12.2".to_owned(),
            title: Some("Example Jira".to_owned()),
            instance_id: None,
        },
        ScannedAs {
            key: "JIRAUSER10000".to_owned(),
            username: "svc".to_owned(),
        },
    );
    b.generator(Generator {
        name: "atlassian-dc".to_owned(),
        version: "0.1.0".to_owned(),
    });
    b.account(account(
        "JIRAUSER10000",
        "Svc",
        Some("svc@example.com"),
        true,
    ))
    .account(account(
        "JIRAUSER10100",
        "Alice",
        Some("alice@example.com"),
        true,
    ))
    .account(account("JIRAUSER10101", "Bob", None, false))
    .account(Account::new("admin"));
    for name in ["jira-administrators", "jira-software-users", "developers"] {
        b.group(name);
    }
    b.membership("jira-administrators", "admin")
        .membership("jira-software-users", "JIRAUSER10100")
        .membership("jira-software-users", "JIRAUSER10101")
        .membership("developers", "JIRAUSER10100");
    let eng = ResourceRef::Project("ENG".to_owned());
    b.resource(Resource::new(&eng, Some("Engineering".to_owned())).with_archived(false))
        .resource(Resource::new(
            &ResourceRef::Application("jira-software".to_owned()),
            Some("Jira Software".to_owned()),
        ));
    b.grant(
        eng.clone(),
        "BROWSE_PROJECTS",
        Subject::Group("jira-software-users".to_owned()),
    )
    .grant(
        eng.clone(),
        "role:Developers",
        Subject::Account("JIRAUSER10100".to_owned()),
    )
    .grant(eng.clone(), "BROWSE_PROJECTS", Subject::Anonymous)
    .grant(
        ResourceRef::Application("jira-software".to_owned()),
        "use",
        Subject::Group("developers".to_owned()),
    );
    b.coverage(Coverage::complete("accounts", "user/list"))
        .coverage(Coverage::incomplete(
            "groups",
            Some("groups/picker".to_owned()),
            "the picker was cut",
        ))
        .warning("one project could not be read");
    b.build("2026-11-29T03:00:00Z".parse().unwrap()).unwrap()
}

fn json_text() -> String {
    let mut out = Vec::new();
    inventory().write_json(&mut out).unwrap();
    String::from_utf8(out).unwrap()
}

fn ndjson_text() -> String {
    let mut out = Vec::new();
    inventory().write_ndjson(&mut out).unwrap();
    String::from_utf8(out).unwrap()
}

// ---------------------------------------------------------------- the property

/// An inventory read back is one: valid against the schema, and the same when written and
/// read again in either form.
fn assert_revalidates(read: &Inventory) {
    let mut json = Vec::new();
    read.write_json(&mut json).unwrap();
    let value: Value = serde_json::from_slice(&json).unwrap();
    let errors = schema_errors(&value);
    assert!(
        errors.is_empty(),
        "accepted an invalid inventory: {errors:?}"
    );
    assert_eq!(&Inventory::read_json(json.as_slice()).unwrap(), read);
    let mut ndjson = Vec::new();
    read.write_ndjson(&mut ndjson).unwrap();
    assert_eq!(&Inventory::read_ndjson(ndjson.as_slice()).unwrap(), read);
}

/// Whether a refusal says where: a line, a JSON path, a record or a part of the stream.
fn names_where(error: &InventoryError) -> bool {
    let text = error_chain(error);
    match error {
        // serde_json's own message carries `line L column C`.
        InventoryError::Json { path, .. } => !path.is_empty() && text.contains(" line "),
        InventoryError::JsonRefused { path, reason } => {
            !path.is_empty() && (reason.contains("line ") || path.contains('['))
        }
        InventoryError::Ndjson { line, .. } => *line > 0 && text.starts_with("NDJSON line "),
        InventoryError::Incomplete(what) => what.contains("line ") || what == "there is no header",
        InventoryError::CountMismatch { .. } => text.contains("trailer"),
        InventoryError::Invalid { violations, .. } => !violations.is_empty(),
        InventoryError::UnsupportedSchema { .. } => text.contains("`schema`"),
        // About the first byte: neither form starts that way.
        InventoryError::UnknownFormat => true,
        // The input is in memory: an I/O error would be a reader's own failure to say what.
        _ => false,
    }
}

/// Reads `bytes` both ways a file is read and checks the property; the result, for the
/// situations that expect one.
fn check(bytes: &[u8]) -> Result<Inventory, InventoryError> {
    let read = Inventory::read_auto(bytes);
    match &read {
        Ok(inventory) => assert_revalidates(inventory),
        Err(error) => assert!(
            names_where(error),
            "does not say where: {}",
            error_chain(error)
        ),
    }
    // A stream in small pieces reads the same.
    let chunked = Inventory::read(Trickle(bytes, 7));
    assert_eq!(
        chunked.as_ref().map_err(ToString::to_string),
        read.as_ref().map_err(ToString::to_string)
    );
    read
}

/// A reader that hands over at most `.1` bytes a call.
struct Trickle<'a>(&'a [u8], usize);

impl std::io::Read for Trickle<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = buf.len().min(self.1).min(self.0.len());
        buf[..n].copy_from_slice(&self.0[..n]);
        self.0 = &self.0[n..];
        Ok(n)
    }
}

// ---------------------------------------------------------------- mutations

#[derive(Debug, Clone)]
enum Mutation {
    Truncate(prop::sample::Index),
    DeleteLine(prop::sample::Index),
    DuplicateLine(prop::sample::Index),
    SwapLines(prop::sample::Index, prop::sample::Index),
    FlipByte(prop::sample::Index, u8),
    WrongType(prop::sample::Index, u8),
    HugeString(prop::sample::Index, bool),
    DeepNesting(prop::sample::Index, usize, bool),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    use prop::sample::Index;
    prop_oneof![
        any::<Index>().prop_map(Mutation::Truncate),
        any::<Index>().prop_map(Mutation::DeleteLine),
        any::<Index>().prop_map(Mutation::DuplicateLine),
        (any::<Index>(), any::<Index>()).prop_map(|(a, b)| Mutation::SwapLines(a, b)),
        (any::<Index>(), 1u8..).prop_map(|(at, x)| Mutation::FlipByte(at, x)),
        (any::<Index>(), any::<u8>()).prop_map(|(at, t)| Mutation::WrongType(at, t)),
        (any::<Index>(), any::<bool>()).prop_map(|(at, over)| Mutation::HugeString(at, over)),
        (any::<Index>(), 1usize..300, any::<bool>())
            .prop_map(|(at, depth, unknown)| Mutation::DeepNesting(at, depth, unknown)),
    ]
}

fn lines_of(text: &[u8]) -> Vec<Vec<u8>> {
    text.split(|&b| b == b'\n').map(<[u8]>::to_vec).collect()
}

fn join(lines: &[Vec<u8>]) -> Vec<u8> {
    lines.join(&b'\n')
}

/// Every scalar's place in a value, as a list of keys and indexes.
fn leaves(value: &Value, here: &mut Vec<Value>, out: &mut Vec<Vec<Value>>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                here.push(json!(key));
                leaves(child, here, out);
                here.pop();
            }
        }
        Value::Array(items) => {
            for (index, child) in items.iter().enumerate() {
                here.push(json!(index));
                leaves(child, here, out);
                here.pop();
            }
        }
        _ => out.push(here.clone()),
    }
}

fn place<'a>(value: &'a mut Value, path: &[Value]) -> &'a mut Value {
    path.iter().fold(value, |value, step| match step {
        Value::String(key) => &mut value[key.as_str()],
        Value::Number(index) => &mut value[usize::try_from(index.as_u64().unwrap()).unwrap()],
        _ => unreachable!(),
    })
}

/// Changes one scalar of a JSON text.
fn edit_value(text: &[u8], at: prop::sample::Index, edit: &dyn Fn(&mut Value)) -> Vec<u8> {
    let Ok(mut value) = serde_json::from_slice::<Value>(text) else {
        return text.to_vec();
    };
    let mut all = Vec::new();
    leaves(&value, &mut Vec::new(), &mut all);
    if all.is_empty() {
        return text.to_vec();
    }
    let path = at.get(&all).clone();
    edit(place(&mut value, &path));
    serde_json::to_vec(&value).unwrap()
}

/// Adds a field no record has beside one scalar of a JSON text (serde skips it undecoded).
fn add_unknown_field(text: &[u8], at: prop::sample::Index, extra: Value) -> Vec<u8> {
    let Ok(mut value) = serde_json::from_slice::<Value>(text) else {
        return text.to_vec();
    };
    let mut all = Vec::new();
    leaves(&value, &mut Vec::new(), &mut all);
    if all.is_empty() {
        return text.to_vec();
    }
    let path = at.get(&all);
    match place(&mut value, &path[..path.len() - 1]) {
        Value::Object(parent) => {
            parent.insert("zz_unknown".to_owned(), extra);
        }
        other => *other = json!([other.take(), extra]),
    }
    serde_json::to_vec(&value).unwrap()
}

fn nest(inner: Value, depth: usize) -> Value {
    (0..depth).fold(inner, |value, level| {
        if level % 2 == 0 {
            json!([value])
        } else {
            json!({ "a": value })
        }
    })
}

/// Applies `mutation` to a document; `ndjson` says whether value edits go to one line.
fn mutate(text: &[u8], mutation: &Mutation, ndjson: bool) -> Vec<u8> {
    let mut lines = lines_of(text);
    let edit_line = |at: prop::sample::Index, edit: &dyn Fn(&[u8]) -> Vec<u8>| {
        if ndjson {
            let mut lines = lines_of(text);
            let index = at.index(lines.len());
            lines[index] = edit(&lines[index]);
            join(&lines)
        } else {
            edit(text)
        }
    };
    match mutation {
        Mutation::Truncate(at) => text[..at.index(text.len())].to_vec(),
        Mutation::DeleteLine(at) => {
            lines.remove(at.index(lines.len()));
            join(&lines)
        }
        Mutation::DuplicateLine(at) => {
            let index = at.index(lines.len());
            let copy = lines[index].clone();
            lines.insert(index, copy);
            join(&lines)
        }
        Mutation::SwapLines(a, b) => {
            let (a, b) = (a.index(lines.len()), b.index(lines.len()));
            lines.swap(a, b);
            join(&lines)
        }
        Mutation::FlipByte(at, with) => {
            let mut bytes = text.to_vec();
            let index = at.index(bytes.len());
            bytes[index] ^= with;
            bytes
        }
        Mutation::WrongType(at, which) => {
            let which = *which;
            edit_line(*at, &move |text| {
                edit_value(text, *at, &|value| {
                    *value = match which % 6 {
                        0 => json!(42),
                        1 => json!([]),
                        2 => json!({}),
                        3 => json!(true),
                        4 => json!(null),
                        _ => json!(-1.5e300),
                    };
                })
            })
        }
        Mutation::HugeString(at, over) => {
            let length = Inventory::MAX_STRING_BYTES + usize::from(*over);
            edit_line(*at, &move |text| {
                edit_value(text, *at, &|value| *value = json!("x".repeat(length)))
            })
        }
        Mutation::DeepNesting(at, depth, unknown) => {
            let (depth, unknown) = (*depth, *unknown);
            edit_line(*at, &move |text| {
                if unknown {
                    add_unknown_field(text, *at, nest(json!(1), depth))
                } else {
                    edit_value(text, *at, &|value| *value = nest(value.take(), depth))
                }
            })
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn a_mutated_json_inventory_is_read_correctly_or_refused_saying_where(m in mutation()) {
        let text = json_text();
        check(&mutate(text.as_bytes(), &m, false)).ok();
    }

    #[test]
    fn a_mutated_ndjson_inventory_is_read_correctly_or_refused_saying_where(m in mutation()) {
        let text = ndjson_text();
        check(&mutate(text.as_bytes(), &m, true)).ok();
    }

    #[test]
    fn two_mutations_at_once_never_panic_nor_pass_a_broken_inventory(
        a in mutation(), b in mutation(), ndjson in any::<bool>()
    ) {
        let text = if ndjson { ndjson_text() } else { json_text() };
        let once = mutate(text.as_bytes(), &a, ndjson);
        check(&mutate(&once, &b, ndjson)).ok();
    }
}

// ---------------------------------------------------------------- the situations, one by one

fn refused(bytes: &[u8]) -> String {
    let error = check(bytes).expect_err("a hostile file was accepted");
    error_chain(&error)
}

#[test]
fn a_file_truncated_at_every_byte_is_refused_or_whole() {
    for text in [json_text(), ndjson_text()] {
        let bytes = text.as_bytes();
        for cut in 0..bytes.len() {
            // Only the final newline may go.
            if let Ok(read) = check(&bytes[..cut]) {
                assert!(cut >= bytes.len() - 1, "cut at {cut} read");
                assert_eq!(read, inventory());
            }
        }
    }
}

#[test]
fn ndjson_records_out_of_place_are_refused_naming_the_line() {
    let text = ndjson_text();
    let lines: Vec<&str> = text.lines().collect();
    let last = lines.len() - 1;

    // The header not first.
    let mut moved = lines.clone();
    moved.swap(0, 1);
    assert_eq!(
        refused(moved.join("\n").as_bytes()),
        "the NDJSON inventory is incomplete: line 1 is a `account` record but the stream must \
         open with its header"
    );
    // The trailer not last.
    let mut moved = lines.clone();
    moved.swap(last, last - 1);
    assert_eq!(
        refused(moved.join("\n").as_bytes()),
        format!("NDJSON line {}: a line follows the trailer", last + 1)
    );
    // A record after the trailer.
    let after = format!("{text}{}\n", lines[1]);
    assert_eq!(
        refused(after.as_bytes()),
        format!("NDJSON line {}: a line follows the trailer", last + 2)
    );
    // A record among the coverage records at the end.
    let first_coverage = lines
        .iter()
        .position(|l| l.contains(r#""kind":"coverage""#))
        .unwrap();
    let mut moved = lines.clone();
    let grant = moved.remove(first_coverage - 1);
    moved.insert(first_coverage, grant);
    assert_eq!(
        refused(moved.join("\n").as_bytes()),
        format!(
            "NDJSON line {}: a `grant` record after the coverage records (coverage comes last, \
             before the trailer)",
            first_coverage + 1
        )
    );
    // Records in another order in the middle: read as written.
    let mut moved = lines.clone();
    moved[1..first_coverage].reverse();
    assert_eq!(check(moved.join("\n").as_bytes()).unwrap(), inventory());
}

#[test]
fn repeats_are_read_once_when_identical_and_refused_when_they_contradict() {
    let text = ndjson_text();
    let lines: Vec<String> = text.lines().map(str::to_owned).collect();
    let find = |kind: &str| {
        lines
            .iter()
            .position(|l| l.contains(&format!(r#""kind":"{kind}""#)))
            .unwrap()
    };
    let with_counts = |lines: &[String], kind: &str, more: usize| {
        let mut lines = lines.to_vec();
        let last = lines.len() - 1;
        let mut trailer: Value = serde_json::from_str(&lines[last]).unwrap();
        let count = trailer["counts"][kind].as_u64().unwrap();
        trailer["counts"][kind] = json!(count + more as u64);
        lines[last] = trailer.to_string();
        lines.join("\n")
    };

    // The same membership (or group, grant, account) twice: one fact, read once; the trailer
    // counts lines, so it counts both.
    for (kind, counted) in [
        ("membership", "memberships"),
        ("group", "groups"),
        ("grant", "grants"),
        ("account", "accounts"),
        ("resource", "resources"),
    ] {
        let mut twice = lines.clone();
        let at = find(kind);
        twice.insert(at, lines[at].clone());
        assert_eq!(
            check(with_counts(&twice, counted, 1).as_bytes()).unwrap(),
            inventory(),
            "{kind}"
        );
        // Without the count, the trailer says a line too many.
        assert!(
            refused(twice.join("\n").as_bytes()).starts_with("the NDJSON trailer counts"),
            "{kind}"
        );
    }

    // The same account key with other fields: which one holds is unknowable.
    let at = find("account");
    let mut other: Value = serde_json::from_str(&lines[at]).unwrap();
    other["active"] = json!(false);
    let mut twice = lines.clone();
    twice.insert(at + 1, other.to_string());
    assert_eq!(
        refused(with_counts(&twice, "accounts", 1).as_bytes()),
        format!(
            "NDJSON line {}: account `{}` is listed twice with different fields",
            at + 2,
            other["key"].as_str().unwrap()
        )
    );

    // The same in the JSON form, naming the array element.
    let mut document: Value = serde_json::from_str(&json_text()).unwrap();
    let mut changed = document["accounts"][1].clone();
    changed["email"] = json!("someone-else@example.com");
    document["accounts"].as_array_mut().unwrap().push(changed);
    let repeated = document["accounts"][1]["key"].as_str().unwrap().to_owned();
    assert_eq!(
        refused(document.to_string().as_bytes()),
        format!(
            "the inventory JSON is refused at `accounts[4]`: account `{repeated}` is listed \
             twice with different fields"
        )
    );
    let mut document: Value = serde_json::from_str(&json_text()).unwrap();
    let mut changed = document["coverage"][0].clone();
    changed["complete"] = json!(false);
    document["coverage"].as_array_mut().unwrap().push(changed);
    assert!(
        refused(document.to_string().as_bytes())
            .starts_with("the inventory JSON is refused at `coverage[2]`: coverage of `accounts`")
    );
    let mut document: Value = serde_json::from_str(&json_text()).unwrap();
    let copy = document["memberships"][0].clone();
    document["memberships"].as_array_mut().unwrap().push(copy);
    assert_eq!(check(document.to_string().as_bytes()).unwrap(), inventory());
}

#[test]
fn wrong_types_name_the_path_or_line_and_the_position() {
    let mut document: Value = serde_json::from_str(&json_text()).unwrap();
    document["grants"][1]["subject"] = json!(7);
    let message = refused(serde_json::to_string_pretty(&document).unwrap().as_bytes());
    assert!(
        message.starts_with("the inventory JSON does not decode at `grants[1].subject`: invalid type: integer `7`, expected a string at line "),
        "{message}"
    );

    let text = ndjson_text();
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    lines[0] = lines[0].replace(r#""version":"9.12.2""#, r#""version":["9"]"#);
    let message = refused(lines.join("\n").as_bytes());
    assert!(
        message.starts_with("NDJSON line 1: invalid `header` record at `system.version`"),
        "{message}"
    );
}

#[test]
fn a_last_login_that_is_no_time_is_refused_naming_the_field() {
    // The builder takes any string; the schema wants RFC 3339 in UTC to whole seconds.
    let text = json_text().replacen("2026-10-01T08:00:00Z", "last tuesday", 1);
    assert_eq!(
        refused(text.as_bytes()),
        "the inventory JSON is refused at `accounts[0].last_login`: account `JIRAUSER10000`: \
         `last tuesday` is not an RFC 3339 time in UTC to whole seconds"
    );
    let text = ndjson_text().replacen("2026-10-01T08:00:00Z", "2026-10-01T09:00:00+01:00", 1);
    assert_eq!(
        refused(text.as_bytes()),
        "NDJSON line 2: `last_login` of account `JIRAUSER10000`: `2026-10-01T09:00:00+01:00` is \
         not an RFC 3339 time in UTC to whole seconds"
    );
}

#[test]
fn an_unknown_schema_is_refused_naming_it() {
    let text = json_text().replace("atlassian-dc-inventory/v1", "atlassian-dc-inventory/v9");
    assert_eq!(
        refused(text.as_bytes()),
        "unsupported inventory schema at `schema`: `atlassian-dc-inventory/v9` (expected \
         `atlassian-dc-inventory/v1`)"
    );
    let text = ndjson_text().replace("atlassian-dc-inventory/v1", "other/v1");
    assert_eq!(
        refused(text.as_bytes()),
        "NDJSON line 1: unsupported inventory schema at `schema`: `other/v1` (expected \
         `atlassian-dc-inventory/v1`)"
    );
}

#[test]
fn an_enormous_string_is_refused_at_the_cap_naming_path_line_and_column() {
    let cap = Inventory::MAX_STRING_BYTES;
    let mut document: Value = serde_json::from_str(&json_text()).unwrap();
    document["accounts"][2]["display_name"] = json!("y".repeat(8 * cap));
    let text = serde_json::to_string_pretty(&document).unwrap();
    let line = text
        .lines()
        .position(|l| l.contains("yyyy"))
        .map(|i| i + 1)
        .unwrap();
    // The opening quote of the value, 1-based.
    let column = text.lines().nth(line - 1).unwrap().find(": \"").unwrap() + 3;
    assert_eq!(
        refused(text.as_bytes()),
        format!(
            "the inventory JSON is refused at `accounts[2].display_name`: a string longer than \
             the 1 MiB cap (at line {line}, column {column})"
        )
    );

    // At the cap exactly, it reads (a cap is not a bug).
    document["accounts"][2]["display_name"] = json!("y".repeat(cap));
    let read = check(document.to_string().as_bytes()).unwrap();
    assert_eq!(
        read.accounts[2].display_name.as_deref().map(str::len),
        Some(cap)
    );

    // In NDJSON, the line and the column in it.
    let text = ndjson_text();
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    lines[3] = lines[3].replacen(
        r#""display_name":""#,
        &format!(r#""display_name":"{}"#, "z".repeat(cap + 1)),
        1,
    );
    let column = lines[3].find("zzz").unwrap();
    assert_eq!(
        refused(lines.join("\n").as_bytes()),
        format!("NDJSON line 4: column {column}: a string longer than the 1 MiB cap")
    );
}

#[test]
fn an_ndjson_line_past_the_line_cap_is_refused_naming_the_line_and_the_cap() {
    let text = ndjson_text();
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    // Many short strings: only the line cap stops it.
    let filler = vec!["ab"; Inventory::MAX_LINE_BYTES / 5 + 1].join("\",\"");
    lines[2] = lines[2].replacen("}", &format!(r#","extra":["{filler}"]}}"#), 1);
    assert!(lines[2].len() > Inventory::MAX_LINE_BYTES);
    assert_eq!(
        refused(lines.join("\n").as_bytes()),
        "NDJSON line 3: the line is longer than the 16 MiB cap (a record is a few hundred \
         bytes); reading stopped there"
    );
}

#[test]
fn deep_nesting_is_refused_clearly_never_a_stack_overflow() {
    // Past serde_json's own recursion limit (128) too, and far past it: serde skips an unknown
    // field on a heap stack of any depth, so the readers' lexer is what stops it.
    for depth in [Inventory::MAX_DEPTH + 1, 129, 100_000] {
        let nested = format!("{}1{}", "[".repeat(depth), "]".repeat(depth));
        let text = json_text().replacen("{\n", &format!("{{\"x\": {nested},\n"), 1);
        // The document's own `{` is the first level.
        let column = 6 + Inventory::MAX_DEPTH;
        let message = refused(text.as_bytes());
        assert!(
            message.starts_with("the inventory JSON is refused at `")
                && message.ends_with(&format!(
                    ": nesting deeper than 64 levels (an inventory nests 3) (at line 1, column \
                     {column})"
                )),
            "{message}"
        );
        let text = ndjson_text().replacen(
            r#"{"kind":"header","#,
            &format!(r#"{{"kind":"header","x":{nested},"#),
            1,
        );
        assert_eq!(
            refused(text.as_bytes()),
            format!(
                "NDJSON line 1: column {}: nesting deeper than 64 levels (an inventory nests 3)",
                21 + Inventory::MAX_DEPTH
            )
        );
    }
    // Where a record is decoded, the first bracket too many is already the wrong type.
    let text = json_text().replacen(
        r#""warnings": ["#,
        &format!(r#""warnings": [{}"#, "[".repeat(100_000)),
        1,
    );
    let message = refused(text.as_bytes());
    assert!(
        message.starts_with("the inventory JSON does not decode at `warnings[0]`: invalid type: sequence, expected a string at line "),
        "{message}"
    );
}

#[test]
fn invalid_utf8_is_refused_naming_the_position() {
    let mut bytes = json_text().into_bytes();
    let at = bytes.windows(5).position(|w| w == b"Alice").unwrap();
    bytes[at + 2] = 0xFF;
    let message = refused(&bytes);
    assert!(
        message.starts_with(
            "the inventory JSON does not decode at `accounts[1].display_name`: invalid unicode \
             code point at line "
        ),
        "{message}"
    );

    let mut bytes = ndjson_text().into_bytes();
    let at = bytes.windows(5).position(|w| w == b"Alice").unwrap();
    bytes[at + 2] = 0xC3; // a lead byte without its continuation
    let line = bytes[..at].iter().filter(|&&b| b == b'\n').count() + 1;
    let message = refused(&bytes);
    assert!(
        message.starts_with(&format!(
            "NDJSON line {line}: invalid `account` record at `display_name`: invalid unicode code \
             point at line 1 column"
        )),
        "{message}"
    );
}

#[test]
fn dangling_references_are_refused_naming_the_record() {
    let text = ndjson_text();
    let lines: Vec<&str> = text.lines().collect();
    let account = lines
        .iter()
        .position(|l| l.contains(r#""key":"admin""#))
        .unwrap();
    let mut without: Vec<&str> = lines.clone();
    without.remove(account);
    let mut trailer: Value = serde_json::from_str(without.last().unwrap()).unwrap();
    trailer["counts"]["accounts"] = json!(3);
    let trailer = trailer.to_string();
    *without.last_mut().unwrap() = &trailer;
    let error = check(without.join("\n").as_bytes()).unwrap_err();
    assert_eq!(
        error.violations().unwrap(),
        [Violation::UnknownAccount {
            account: "admin".to_owned(),
            referrer: "membership of `admin` in `jira-administrators`".to_owned(),
        }]
    );
    assert_eq!(
        error.to_string(),
        "the inventory breaks 1 rule(s): membership of `admin` in `jira-administrators` names \
         unknown account `admin`"
    );

    let mut document: Value = serde_json::from_str(&json_text()).unwrap();
    document["groups"]
        .as_array_mut()
        .unwrap()
        .retain(|g| g["name"] != "developers");
    let message = refused(document.to_string().as_bytes());
    assert!(
        message.contains("grant (`application:jira-software`, `use`, `group:developers`) names unknown group `developers`")
            && message.contains("membership of `JIRAUSER10100` in `developers` names unknown group"),
        "{message}"
    );
}
