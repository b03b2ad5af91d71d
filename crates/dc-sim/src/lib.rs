//! `dc-sim`: a simulated Jira Data Center or Confluence Data Center on loopback, for the
//! project's tests, benchmarks and demo.
//!
//! It serves a [`Dataset`](dataset::Dataset) with the documented JSON shapes, error bodies,
//! status codes, version differences and quirks of the real servers (see
//! `shared/reference/` in the project's history and the comments at each endpoint), and can be
//! made harder on demand: latency, a token-bucket rate limit, 503s, dropped connections,
//! truncated bodies, a context path, a configured base URL that differs from the served
//! address, HTTPS with a private CA.
//!
//! The ground truth ([`truth::ground_truth`]) is computed from the dataset alone; this crate
//! depends on no product crate.

pub mod confluence;
pub mod dataset;
pub mod generate;
pub mod index;
pub mod jira;
pub mod server;
pub mod truth;

pub use dataset::{Dataset, Product, TokenRole, Version};
pub use generate::{Scale, generate};
pub use server::{Counters, Faults, RateLimit, Sim, SimConfig};
