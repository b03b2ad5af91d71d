//! `cargo xtask demo`: a newcomer's first scan, with no server at hand. Starts the simulator on
//! loopback (HTTPS with a private CA, a context path), then runs the real `atlassian-dc` binary
//! against it: `test`, then `scan --out`.

use std::path::Path;
use std::process::Command;

use anyhow::{Context, bail};
use dc_sim::dataset::resolve_version;
use dc_sim::{Product, Scale, Sim, SimConfig, TokenRole};

/// Runs the demo for `product`, writing the inventory to `out`.
#[allow(clippy::print_stdout)]
pub async fn demo(root: &Path, product: &str, out: &Path) -> anyhow::Result<()> {
    let (sim_product, version) = match product {
        "jira" => (Product::Jira, "9.12"),
        "confluence" => (Product::Confluence, "8.5"),
        other => bail!("unknown product {other:?} (jira or confluence)"),
    };
    println!("building atlassian-dc …");
    // With xtask in the same build, features unify as they did for xtask itself, so only the
    // binary is compiled: alone, `-p connector` has another feature set and rebuilds reqwest,
    // hyper and the core (27 s of a cold demo; 3 s this way).
    crate::cargo_build(
        root,
        &["-p", "xtask", "-p", "connector", "--bin", "atlassian-dc"],
    )?;
    let binary = root.join("target/debug/atlassian-dc");

    let mut config = SimConfig::new(
        dc_sim::generate(sim_product, Scale::SMALL, 1),
        resolve_version(sim_product, version).context("a known version")?,
    );
    config.tls = true;
    config.context_path = format!("/{product}");
    let sim = Sim::start(config).await?;
    let ca = sim
        .ca_pem_path()
        .context("the simulator serves HTTPS")?
        .to_owned();
    let token = sim.token(TokenRole::Admin).to_owned();
    println!(
        "simulated {product} {} at {} ({} users, {} groups); CA {}",
        sim.version(),
        sim.base_url(),
        sim.dataset().users.len(),
        sim.dataset().groups.len(),
        ca.display()
    );

    // The binary runs in its own process while the simulator answers from this one.
    let base = sim.base_url().to_owned();
    let out_text = out.to_str().context("a UTF-8 output path")?.to_owned();
    tokio::task::spawn_blocking(move || -> anyhow::Result<()> {
        run(&binary, &ca, &token, &["test", &base])?;
        run(&binary, &ca, &token, &["scan", &base, "--out", &out_text])
    })
    .await??;
    println!("\nThe inventory is in {}", out.display());
    Ok(())
}

#[allow(clippy::print_stdout)]
fn run(binary: &Path, ca: &Path, token: &str, args: &[&str]) -> anyhow::Result<()> {
    println!(
        "\n$ atlassian-dc {} --ca-cert {}",
        args.join(" "),
        ca.display()
    );
    let status = Command::new(binary)
        .args(args)
        .arg("--ca-cert")
        .arg(ca)
        .env("ATLASSIAN_PAT", token)
        .status()
        .context("running atlassian-dc")?;
    if !status.success() {
        bail!("atlassian-dc {} failed", args.join(" "));
    }
    Ok(())
}
