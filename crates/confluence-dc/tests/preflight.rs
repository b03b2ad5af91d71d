//! `detect` and `preflight` against the simulator: Confluence is told from Jira without the
//! token, and each missing right or blocking setting is named with its diagnosis.

use atlassian_core::diagnosis::{Diagnosis, Preflight};
use atlassian_core::test_util::test_client;
use confluence_dc::{ConfluenceClient, detect, preflight};
use dc_sim::dataset::resolve_version;
use dc_sim::{Dataset, Product, Scale, Sim, SimConfig, TokenRole, generate};

async fn serve(product: Product, data: Dataset, version: &str) -> Sim {
    let mut config = SimConfig::new(data, resolve_version(product, version).unwrap());
    config.context_path = "/confluence".to_owned();
    Sim::start(config).await.unwrap()
}

async fn preflight_of(sim: &Sim, role: TokenRole) -> Preflight {
    preflight(&ConfluenceClient::new(test_client(
        sim.base_url(),
        Some(sim.token(role)),
    )))
    .await
}

fn failed(report: &Preflight) -> Vec<&str> {
    report
        .checks
        .iter()
        .filter(|c| !c.ok)
        .map(|c| c.name.as_str())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn confluence_is_detected_without_the_token_and_jira_is_not() {
    for version in ["7.19", "8.5", "9.2"] {
        let data = generate(Product::Confluence, Scale::TINY, 7);
        let sim = serve(Product::Confluence, data, version).await;
        assert!(detect(&test_client(sim.base_url(), None)).await.unwrap());
    }
    let jira = serve(
        Product::Jira,
        generate(Product::Jira, Scale::TINY, 7),
        "9.12",
    )
    .await;
    assert!(!detect(&test_client(jira.base_url(), None)).await.unwrap());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn preflight_names_what_the_token_or_the_server_lacks() {
    for version in ["7.19", "8.5", "9.2"] {
        let data = generate(Product::Confluence, Scale::TINY, 7);
        let sim = serve(Product::Confluence, data, version).await;
        let admin = preflight_of(&sim, TokenRole::Admin).await;
        assert_eq!(admin.diagnosis, Diagnosis::Ok, "{version}: {admin:?}");
        assert_eq!(
            admin.user.as_ref().unwrap().username,
            sim.dataset().users[0].username
        );

        let browse = preflight_of(&sim, TokenRole::BrowseOnly).await;
        assert_eq!(
            browse.diagnosis,
            Diagnosis::Forbidden,
            "{version}: {browse:?}"
        );
        assert!(failed(&browse).contains(&"administrator"), "{browse:?}");
        assert!(failed(&browse).contains(&"space permissions"), "{browse:?}");

        let blind = preflight_of(&sim, TokenRole::NoBrowse).await;
        assert_eq!(blind.diagnosis, Diagnosis::NoUsers, "{version}: {blind:?}");
    }
    let mut data = generate(Product::Confluence, Scale::TINY, 7);
    data.settings.remote_api_enabled = false;
    let sim = serve(Product::Confluence, data, "8.5").await;
    let report = preflight_of(&sim, TokenRole::Admin).await;
    assert_eq!(report.diagnosis, Diagnosis::Forbidden);
    assert!(report.message.contains("Remote API"), "{report:?}");
}
