//! Product versions: parsing, comparison, build numbers, and the versions the simulator plays.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::Product;

/// A product version, `major.minor.patch`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Version(pub u32, pub u32, pub u32);

impl Version {
    /// Parses `9.12`, `9.12.2`.
    pub fn parse(text: &str) -> Option<Self> {
        let mut parts = text.trim().split('.').map(|p| p.parse::<u32>().ok());
        let major = parts.next()??;
        let minor = parts.next().unwrap_or(Some(0))?;
        let patch = parts.next().unwrap_or(Some(0))?;
        Some(Self(major, minor, patch))
    }

    /// At least `major.minor.patch`.
    pub fn at_least(self, major: u32, minor: u32, patch: u32) -> bool {
        self >= Self(major, minor, patch)
    }

    /// The build number the products derive from the version (e.g. 9.12.2 → 9012002).
    pub fn build_number(self) -> u64 {
        u64::from(self.0) * 1_000_000 + u64::from(self.1) * 1_000 + u64::from(self.2)
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.0, self.1, self.2)
    }
}

impl TryFrom<String> for Version {
    type Error = String;
    fn try_from(value: String) -> Result<Self, String> {
        Self::parse(&value).ok_or_else(|| format!("not a version: {value:?}"))
    }
}

impl From<Version> for String {
    fn from(v: Version) -> String {
        v.to_string()
    }
}

/// The versions the simulator knows, with their documented differences.
pub const JIRA_VERSIONS: [&str; 4] = ["8.20.30", "9.12.15", "10.3.13", "11.3.0"];
/// See [`JIRA_VERSIONS`].
pub const CONFLUENCE_VERSIONS: [&str; 4] = ["7.19.26", "8.5.17", "9.2.3", "10.2.0"];

/// Resolves a short version (`9.12`) to the full one the simulator plays (`9.12.15`).
pub fn resolve_version(product: Product, short: &str) -> Option<Version> {
    let known = match product {
        Product::Jira => &JIRA_VERSIONS,
        Product::Confluence => &CONFLUENCE_VERSIONS,
    };
    let wanted = Version::parse(short)?;
    known
        .iter()
        .filter_map(|v| Version::parse(v))
        .find(|v| v.0 == wanted.0 && v.1 == wanted.1 && (wanted.2 == 0 || v.2 == wanted.2))
        .or_else(|| short.matches('.').count().eq(&2).then_some(wanted))
}
