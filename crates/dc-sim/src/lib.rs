//! `dc-sim`: a simulated Jira Data Center or Confluence Data Center on loopback, for the
//! project's tests, benchmarks and demo.
//!
//! It serves a [`Dataset`] with the documented JSON shapes, error bodies,
//! status codes, version differences and quirks of the real servers (see
//! `shared/reference/` in the project's history and the comments at each endpoint), and can be
//! made harder on demand: latency, a token-bucket rate limit, 503s, dropped connections,
//! truncated bodies, a context path, a configured base URL that differs from the served
//! address, HTTPS with a private CA.
//!
//! The ground truth ([`truth::ground_truth`]) is computed from the dataset alone; this crate
//! depends on no product crate.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> anyhow::Result<()> {
//! use dc_sim::{Product, Scale, Sim, SimConfig, TokenRole, Version, generate};
//!
//! let data = generate(Product::Jira, Scale::TINY, 1);
//! let sim = Sim::start(SimConfig::new(data, Version::parse("9.12.15").unwrap())).await?;
//! atlassian_core::install_crypto_provider(); // reqwest's rustls needs one before its first client
//! let answer = reqwest::Client::new()
//!     .get(format!("{}/rest/api/2/myself", sim.base_url()))
//!     .bearer_auth(sim.token(TokenRole::Admin))
//!     .send()
//!     .await?;
//! assert_eq!(answer.status(), 200);
//! assert_eq!(sim.ground_truth().accounts.len(), 60);
//! assert_eq!(sim.counters().endpoint("GET /rest/api/2/myself"), 1);
//! # Ok(()) }
//! ```

pub mod confluence;
pub mod dataset;
pub mod generate;
pub mod index;
pub mod jira;
pub mod server;
pub mod truth;

pub use dataset::{Dataset, Product, TokenRole, Version, WildcardReading};
pub use generate::{Scale, generate};
pub use server::{Counters, Faults, MidScanChange, RateLimit, Sim, SimConfig, TokenFate};
