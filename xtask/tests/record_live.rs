//! Recording a live server: the anonymised recording holds none of the original names, e-mails
//! or the token, and replaying it gives the same inventory up to the anonymisation mapping.

use atlassian_core::test_util::{ReplayServer, test_client};
use atlassian_core::{Target, Token};
use dc_sim::dataset::resolve_version;
use dc_sim::{Product, Scale, Sim, SimConfig, TokenRole, generate};
use xtask::snapshot::record_live;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recordings_are_anonymised_and_replay_to_the_mapped_inventory() {
    for (product, version) in [(Product::Jira, "10.3"), (Product::Confluence, "8.5")] {
        let mut config = SimConfig::new(
            generate(product, Scale::TINY, 21),
            resolve_version(product, version).unwrap(),
        );
        config.context_path = format!("/{product}");
        config.configured_base_url = Some(format!("https://{product}.acme-corp.example/{product}"));
        let sim = Sim::start(config).await.unwrap();
        let token = sim.token(TokenRole::Admin).to_owned();
        let settings = connector::ConnectionSettings::new(
            Target::parse(sim.base_url()).unwrap(),
            Some(Token::new(token.clone()).unwrap()),
        );
        let recording = record_live(settings).await.unwrap();
        let text = recording.checked_text(&token).unwrap();

        // A grep finds none of the originals.
        let data = sim.dataset();
        for user in &data.users {
            for original in [&user.username, &user.display_name]
                .into_iter()
                .chain(user.email.as_ref())
            {
                if original.chars().count() >= 4 {
                    assert!(
                        !text.contains(original.as_str()),
                        "{product}: {original:?} is in the recording"
                    );
                }
            }
        }
        for group in &data.groups {
            let name = &group.name;
            if name.chars().count() >= 4
                && !name.starts_with("jira-")
                && !name.starts_with("confluence-")
            {
                assert!(
                    !text.contains(name.as_str()),
                    "{product}: group {name:?} is in the recording"
                );
            }
        }
        assert!(
            !text.contains("acme-corp"),
            "{product}: the configured host is in the recording"
        );
        assert!(!text.contains(&token));

        // Replaying the anonymised recording gives the original inventory, mapped.
        let exchanges = serde_json::from_str(&text).unwrap();
        let replay = ReplayServer::start(exchanges, "/replayed").await;
        let client = test_client(replay.base_url(), Some("replayed-token"));
        let replayed = match product {
            Product::Jira => {
                jira_dc::scan(&jira_dc::JiraClient::new(client), &Default::default()).await
            }
            Product::Confluence => {
                confluence_dc::scan(
                    &confluence_dc::ConfluenceClient::new(client),
                    &Default::default(),
                )
                .await
            }
        }
        .unwrap();
        assert!(
            replay.unmatched().is_empty(),
            "{product}: {:?}",
            replay.unmatched()
        );
        let expected = recording.anonymiser.inventory(&recording.inventory);
        let got = serde_json::to_value(&replayed).unwrap();
        for part in ["accounts", "groups", "memberships", "resources", "grants"] {
            let mut want = expected[part].as_array().unwrap().clone();
            let mut have = got[part].as_array().unwrap().clone();
            // Pseudonyms sort differently from the originals.
            want.sort_by_key(|v| v.to_string());
            have.sort_by_key(|v| v.to_string());
            assert_eq!(have, want, "{product}: {part}");
        }
        assert!(!recording.inventory.accounts.is_empty());
    }
}
