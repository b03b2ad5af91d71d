//! Fixtures recorded from the simulator: every exchange of a real scan, per version.

use std::path::Path;

use anyhow::Context;
use atlassian_core::record::{Exchange, MemoryRecorder, RecorderHandle};
use atlassian_core::{Client, ClientConfig, Target, Token};
use dc_sim::dataset::resolve_version;
use dc_sim::{Product, Scale, Sim, SimConfig, TokenRole};

/// The dataset the fixtures are recorded from: small enough to read, with every awkward part.
pub const FIXTURE_SEED: u64 = 7;

/// The versions recorded per product.
pub fn versions(product: &str) -> &'static [&'static str] {
    match product {
        "jira" => &["8.20", "9.12", "10.3", "11.3"],
        _ => &["7.19", "8.5", "9.2", "10.2"],
    }
}

/// Records every version of `product` into `fixtures/<product>-dc/<version>/exchanges.json`.
#[allow(clippy::print_stdout)]
pub async fn from_sim(product: &str, fixtures: &Path) -> anyhow::Result<()> {
    for version in versions(product) {
        let exchanges = record(product, version).await?;
        let dir = fixtures.join(format!("{product}-dc")).join(version);
        std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        let path = dir.join("exchanges.json");
        let mut text = serde_json::to_string_pretty(&exchanges)?;
        text.push('\n');
        std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
        println!("{}: {} exchanges", path.display(), exchanges.len());
    }
    Ok(())
}

/// One scan of the simulator, recorded and normalised (sorted; volatile values fixed).
pub async fn record(product: &str, version: &str) -> anyhow::Result<Vec<Exchange>> {
    let sim_product = match product {
        "jira" => Product::Jira,
        _ => Product::Confluence,
    };
    let mut config = SimConfig::new(
        dc_sim::generate(sim_product, Scale::TINY, FIXTURE_SEED),
        resolve_version(sim_product, version).context("unknown version")?,
    );
    config.context_path = format!("/{product}");
    // Links in the bodies name a stable host instead of a random loopback port.
    config.configured_base_url = Some(format!("https://{product}.example.com/{product}"));
    let sim = Sim::start(config).await?;
    let recorder = MemoryRecorder::new();
    let mut client_config = ClientConfig::new(Target::parse(sim.base_url())?.base_url);
    client_config.token = Some(Token::new(sim.token(TokenRole::Admin))?);
    client_config.recorder = Some(RecorderHandle(std::sync::Arc::new(recorder.clone())));
    let client = Client::new(client_config)?;
    match sim_product {
        Product::Jira => {
            jira_dc::scan(
                &jira_dc::JiraClient::new(client),
                &jira_dc::ScanOptions::default(),
            )
            .await?;
        }
        Product::Confluence => {
            confluence_dc::scan(
                &confluence_dc::ConfluenceClient::new(client),
                &confluence_dc::ScanOptions::default(),
            )
            .await?;
        }
    }
    let mut exchanges = recorder.exchanges();
    for exchange in &mut exchanges {
        normalise(exchange);
    }
    exchanges.sort_by_cached_key(|e| {
        (
            e.method.clone(),
            e.path.clone(),
            e.request_body.as_ref().map(ToString::to_string),
        )
    });
    Ok(exchanges)
}

/// Fixes what changes from run to run: the server's clock, JSON-RPC call ids (a counter of the
/// client, so they depend on which call went first).
fn normalise(exchange: &mut Exchange) {
    let fixed_id = serde_json::Value::from(1);
    if let Some(serde_json::Value::Object(map)) = &mut exchange.request_body
        && map.contains_key("id")
    {
        map.insert("id".to_owned(), fixed_id.clone());
        if let atlassian_core::record::Body::Json(serde_json::Value::Object(answer)) =
            &mut exchange.body
            && answer.contains_key("id")
        {
            answer.insert("id".to_owned(), fixed_id);
        }
    }
    if let atlassian_core::record::Body::Json(serde_json::Value::Object(map)) = &mut exchange.body
        && map.contains_key("serverTime")
    {
        map.insert(
            "serverTime".to_owned(),
            serde_json::Value::String("2026-01-01T00:00:00.000+0000".to_owned()),
        );
    }
}

/// A recorded scan of a live server, anonymised.
#[derive(Debug)]
pub struct Recording {
    /// The exchanges, anonymised and sorted.
    pub exchanges: Vec<Exchange>,
    /// The mapping used.
    pub anonymiser: crate::anonymise::Anonymiser,
    /// What the scan found (not anonymised: never written).
    pub inventory: atlassian_core::Inventory,
    /// jira or confluence.
    pub product: &'static str,
}

/// Scans `settings.target` through the recording hook and anonymises what was exchanged.
pub async fn record_live(mut settings: connector::ConnectionSettings) -> anyhow::Result<Recording> {
    let recorder = MemoryRecorder::new();
    settings.recorder = Some(RecorderHandle(std::sync::Arc::new(recorder.clone())));
    let (inventory, outcome) = connector::scan(&settings, None)
        .await
        .map_err(|e| anyhow::anyhow!(atlassian_core::error_chain(&e)))?;
    let mut exchanges = recorder.exchanges();
    let anonymiser = crate::anonymise::Anonymiser::from_scan(&inventory, &exchanges);
    for exchange in &mut exchanges {
        normalise(exchange);
        anonymiser.exchange(exchange);
    }
    exchanges.sort_by_cached_key(|e| {
        (
            e.method.clone(),
            e.path.clone(),
            e.request_body.as_ref().map(ToString::to_string),
        )
    });
    Ok(Recording {
        exchanges,
        anonymiser,
        inventory,
        product: outcome.probed.product.as_str(),
    })
}

impl Recording {
    /// The text to write, after checking that no original value and no token is in it.
    pub fn checked_text(&self, token: &str) -> anyhow::Result<String> {
        let mut text = serde_json::to_string_pretty(&self.exchanges)?;
        text.push('\n');
        if text.contains(token) {
            anyhow::bail!("the token is in the recording; nothing was written");
        }
        let left: Vec<&str> = self
            .anonymiser
            .originals()
            .into_iter()
            .filter(|o| o.chars().count() >= 4 && text.contains(o))
            .collect();
        if !left.is_empty() {
            anyhow::bail!(
                "{} original values are still in the recording (e.g. one of {} characters); nothing was written",
                left.len(),
                left[0].chars().count()
            );
        }
        Ok(text)
    }
}

/// Records a live server into `fixtures/<product>-dc/<label>/`.
#[allow(clippy::print_stdout)]
pub async fn from_url(
    settings: connector::ConnectionSettings,
    label: &str,
    fixtures: &Path,
) -> anyhow::Result<()> {
    let token = settings
        .token
        .as_ref()
        .map(|t| t.expose_secret().to_owned())
        .context("set ATLASSIAN_PAT to the Personal Access Token")?;
    let recording = record_live(settings).await?;
    let text = recording.checked_text(&token)?;
    let dir = fixtures
        .join(format!("{}-dc", recording.product))
        .join(label);
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    std::fs::write(dir.join("exchanges.json"), text)?;
    let mut report = serde_json::to_string_pretty(&recording.anonymiser.report())?;
    report.push('\n');
    std::fs::write(dir.join("anonymisation.json"), &report)?;
    println!(
        "{}: {} exchanges, anonymised: {report}\nReview the files, then run `cargo test` and accept the new snapshot with `cargo insta review`.",
        dir.display(),
        recording.exchanges.len()
    );
    Ok(())
}
