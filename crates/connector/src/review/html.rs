//! The report as one self-contained HTML file: no request leaves it (a Content Security Policy
//! forbids any; styles inline, no script), readable on screen and on paper. Every name from the
//! server is escaped: a group may be called `<script>`.

use std::fmt::Write as _;

use atlassian_core::Inventory;
use atlassian_core::access::{AccessError, AccessIndex};

use super::{Evidence, Findings};

/// Items shown per finding; the JSON form has them all.
const SHOWN_ITEMS: usize = 200;
/// Bars per chart.
const BARS: usize = 12;

/// `text` safe in HTML text and attribute values: markup escaped, and control characters
/// (terminal escapes, bidirectional overrides and isolates) shown as visible escapes
/// ([`inert`](atlassian_core::human::inert), the rule of every human output), not obeyed.
pub fn escape(text: &str) -> String {
    let text = atlassian_core::human::inert(text);
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = "
body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:72em;padding:0 1em;color:#1b1f24}
h1{font-size:1.6em;margin-bottom:.2em}h2{margin-top:1.6em;border-bottom:1px solid #ccd;padding-bottom:.2em}
.meta{color:#555}table{border-collapse:collapse;width:100%;margin:.5em 0}
td,th{border-bottom:1px solid #e3e5e8;padding:.25em .5em;text-align:left;vertical-align:top}
.ok{color:#176f2c}.gap{color:#a40e26;font-weight:600}
details{border:1px solid #d8dbe0;border-radius:6px;margin:.5em 0;padding:.3em .8em}
summary{cursor:pointer;font-weight:600}.sev{display:inline-block;min-width:5.5em;text-transform:uppercase;font-size:.8em;border-radius:4px;padding:.05em .4em;margin-right:.6em;color:#fff;text-align:center}
.critical{background:#a40e26}.high{background:#d4510b}.medium{background:#b58a00}.low{background:#4a6fa5}.info{background:#6b7280}
.count{float:right;color:#333}.path{font-family:ui-monospace,monospace;font-size:.85em;color:#333}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(28em,1fr));gap:1em}
svg text{font:11px system-ui,sans-serif}
@media print{details{break-inside:avoid}summary{list-style:none}}
";

/// Writes the report of `inventory` with its `findings`.
pub fn render(
    inventory: &Inventory,
    index: &AccessIndex<'_>,
    findings: &Findings<'_>,
) -> Result<String, AccessError> {
    let system = &inventory.system;
    let mut out = String::with_capacity(64 * 1024);
    let title = format!(
        "Access review — {} {} at {}",
        system.product, system.version, system.base_url
    );
    let _ = write!(
        out,
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'none'; base-uri 'none'\">\
<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\"><title>{}</title><style>{STYLE}</style></head><body>",
        escape(&title)
    );
    let _ = write!(
        out,
        "<h1>{}</h1><p class=\"meta\">{}scanned {} as {} · {} accounts, {} groups, {} memberships, {} resources, {} grants · written by {} {}</p>",
        escape(&title),
        system
            .title
            .as_deref()
            .map(|t| format!("{} · ", escape(t)))
            .unwrap_or_default(),
        escape(&findings.generated_at),
        escape(&inventory.scanned_as.username),
        inventory.accounts.len(),
        inventory.groups.len(),
        inventory.memberships.len(),
        inventory.resources.len(),
        inventory.grants.len(),
        escape(&inventory.generator.name),
        escape(&inventory.generator.version),
    );

    out.push_str("<h2>Coverage</h2><table><tr><th>collection</th><th>complete</th><th>how, and what may be missing</th></tr>");
    for c in &inventory.coverage {
        let _ = write!(
            out,
            "<tr><td>{}</td><td class=\"{}\">{}</td><td>{}{}</td></tr>",
            escape(&c.collection),
            if c.complete { "ok" } else { "gap" },
            if c.complete { "yes" } else { "NO" },
            escape(c.method.as_deref().unwrap_or("")),
            c.detail
                .as_deref()
                .map(|d| format!("<br>{}", escape(d)))
                .unwrap_or_default(),
        );
    }
    out.push_str("</table>");

    out.push_str("<h2>At a glance</h2><div class=\"charts\">");
    charts(&mut out, inventory, index)?;
    out.push_str("</div>");

    if let Some(since) = &findings.since {
        let c = &since.changes;
        let _ = write!(
            out,
            "<h2>Changes since {}</h2><p>{} access rows gained, {} lost.</p>",
            escape(&since.generated_at),
            c.rows_gained,
            c.rows_lost
        );
        if !c.changes.is_empty() {
            out.push_str("<table><tr><th>effect</th><th>change</th><th>rows</th><th>permissions</th><th>resources</th></tr>");
            for change in c.changes.iter().take(SHOWN_ITEMS) {
                let _ = write!(
                    out,
                    "<tr><td>{}{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                    change.effect,
                    if change.administrative {
                        " <strong>admin</strong>"
                    } else {
                        ""
                    },
                    escape(&change.change),
                    change.rows,
                    escape(&short_list(&change.permissions)),
                    escape(&short_list(&change.resources)),
                );
            }
            out.push_str("</table>");
        }
    }

    out.push_str("<h2>Findings</h2>");
    for f in &findings.findings {
        let open = if matches!(f.severity, super::Severity::Critical)
            || f.id == "incomplete-coverage" && f.count > 0
        {
            " open"
        } else {
            ""
        };
        let _ = write!(
            out,
            "<details id=\"{}\"{open}><summary><span class=\"sev {}\">{}</span>{}<span class=\"count\">{}</span></summary>",
            f.id,
            f.severity.as_str(),
            f.severity.as_str(),
            escape(&f.title),
            f.count
        );
        if !f.items.is_empty() {
            out.push_str("<table>");
            for item in f.items.iter().take(SHOWN_ITEMS) {
                let _ = write!(
                    out,
                    "<tr><td>{}</td><td>{}{}</td></tr>",
                    escape(&item.label),
                    escape(item.detail.as_deref().unwrap_or("")),
                    evidence(&item.evidence)
                );
            }
            out.push_str("</table>");
            if f.items.len() > SHOWN_ITEMS {
                let _ = write!(
                    out,
                    "<p>… and {} more (all are in <code>report --format json</code>)</p>",
                    f.items.len() - SHOWN_ITEMS
                );
            }
        }
        out.push_str("</details>");
    }
    out.push_str("</body></html>\n");
    Ok(out)
}

fn short_list(items: &[String]) -> String {
    let shown: Vec<&str> = items.iter().take(6).map(String::as_str).collect();
    match items.len().saturating_sub(6) {
        0 => shown.join(", "),
        more => format!("{}, … ({more} more)", shown.join(", ")),
    }
}

fn evidence(paths: &[Evidence]) -> String {
    let mut out = String::new();
    for path in paths.iter().take(5) {
        let chain: Vec<String> = path
            .grants
            .iter()
            .map(|g| format!("{} {} ← {}", g.resource, g.permission, g.subject))
            .collect();
        let _ = write!(
            out,
            "<div class=\"path\">{}</div>",
            escape(&chain.join("  ⟶  "))
        );
    }
    if paths.len() > 5 {
        let _ = write!(
            out,
            "<div class=\"path\">… {} more paths</div>",
            paths.len() - 5
        );
    }
    out
}

/// A horizontal bar chart as inline SVG.
fn bar_chart(out: &mut String, title: &str, bars: &[(String, usize)]) {
    let max = bars.iter().map(|b| b.1).max().unwrap_or(1).max(1);
    let height = 22 * bars.len() + 8;
    let _ = write!(
        out,
        "<figure><figcaption><strong>{}</strong></figcaption><svg role=\"img\" width=\"100%\" viewBox=\"0 0 420 {height}\" xmlns=\"http://www.w3.org/2000/svg\">",
        escape(title)
    );
    for (i, (label, value)) in bars.iter().enumerate() {
        let y = 22 * i + 4;
        let width = 240 * value / max;
        let shown: String = label.chars().take(22).collect();
        let _ = write!(
            out,
            "<text x=\"0\" y=\"{}\">{}</text><rect x=\"140\" y=\"{y}\" width=\"{width}\" height=\"16\" fill=\"#4a6fa5\"/><text x=\"{}\" y=\"{}\">{value}</text>",
            y + 12,
            escape(&shown),
            144 + width,
            y + 12
        );
    }
    out.push_str("</svg></figure>");
}

fn charts(
    out: &mut String,
    inventory: &Inventory,
    index: &AccessIndex<'_>,
) -> Result<(), AccessError> {
    let count = |state: Option<bool>| {
        inventory
            .accounts
            .iter()
            .filter(|a| a.active == state)
            .count()
    };
    bar_chart(
        out,
        "Accounts by status",
        &[
            ("active".into(), count(Some(true))),
            ("inactive".into(), count(Some(false))),
            ("not reported".into(), count(None)),
        ],
    );
    let mut logins = [0usize; 5];
    for a in &inventory.accounts {
        let days = a
            .last_login
            .as_deref()
            .and_then(|t| t.parse::<jiff::Timestamp>().ok())
            .map(|t| (inventory.generated_at.as_second() - t.as_second()) / 86_400);
        logins[match days {
            Some(d) if d <= 30 => 0,
            Some(d) if d <= 90 => 1,
            Some(d) if d <= 365 => 2,
            Some(_) => 3,
            None => 4,
        }] += 1;
    }
    let labels = [
        "≤ 30 days",
        "31–90 days",
        "91–365 days",
        "> 365 days",
        "not reported",
    ];
    bar_chart(
        out,
        "Last login before the scan",
        &labels
            .iter()
            .zip(logins)
            .map(|(l, n)| ((*l).to_owned(), n))
            .collect::<Vec<_>>(),
    );
    let mut groups: Vec<(String, usize)> = super::findings::member_counts(inventory)
        .into_iter()
        .map(|(name, n)| {
            let spelled = inventory
                .groups
                .iter()
                .find(|g| g.name.to_lowercase() == name)
                .map_or(name, |g| g.name.clone());
            (spelled, n)
        })
        .collect();
    groups.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    groups.truncate(BARS);
    bar_chart(out, "The largest groups (members)", &groups);
    let mut reach = Vec::new();
    let mut admins = Vec::new();
    for r in inventory
        .resources
        .iter()
        .filter(|r| r.reference.starts_with("project:") || r.reference.starts_with("space:"))
    {
        reach.push((
            r.reference.clone(),
            index.reach_of_resource(&r.reference, &[])?,
        ));
        let admin: Vec<&str> = ["ADMINISTER_PROJECTS", "space:administer"].into();
        admins.push((
            r.reference.clone(),
            index.reach_of_resource(&r.reference, &admin)?,
        ));
    }
    for list in [&mut reach, &mut admins] {
        list.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        list.truncate(BARS);
    }
    bar_chart(
        out,
        "Accounts that can reach each project or space (most)",
        &reach,
    );
    bar_chart(out, "Administrators per project or space (most)", &admins);
    Ok(())
}
