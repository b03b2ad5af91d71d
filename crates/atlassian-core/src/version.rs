//! [`Version`]: a product version as Jira and Confluence report it, for version-dependent
//! behaviour (caps, endpoints that exist from some release on).

use std::fmt;

/// `major.minor.patch`, ordered. Product crates compare it with the releases the reference
/// names (`version >= Version::new(9, 1, 0)`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Version {
    /// Major release.
    pub major: u32,
    /// Minor release.
    pub minor: u32,
    /// Patch release.
    pub patch: u32,
}

impl Version {
    /// A version.
    pub const fn new(major: u32, minor: u32, patch: u32) -> Self {
        Self {
            major,
            minor,
            patch,
        }
    }

    /// The leading numbers of a version string, as servers write it: `9.12.2`, `8.5`,
    /// `7.19.26-m1`, `10.3.13-SNAPSHOT`; missing parts are 0, and text with no leading number
    /// is `0.0.0` (an unknown version compares below every real one).
    pub fn parse_lenient(text: &str) -> Self {
        Self::from_parts(
            &text
                .trim()
                .split(['.', '-'])
                .map_while(|p| p.parse().ok())
                .collect::<Vec<u32>>(),
        )
    }

    /// From numbers such as Jira's `versionNumbers` (`[9, 12, 2]`); missing parts are 0.
    pub fn from_parts(parts: &[u32]) -> Self {
        let part = |i: usize| parts.get(i).copied().unwrap_or(0);
        Self::new(part(0), part(1), part(2))
    }

    /// At least `major.minor.patch`.
    pub fn at_least(self, major: u32, minor: u32, patch: u32) -> bool {
        self >= Self::new(major, minor, patch)
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_version_strings_parse_leniently_and_order() {
        assert_eq!(Version::parse_lenient("9.2.3"), Version::new(9, 2, 3));
        assert_eq!(Version::parse_lenient("8.5"), Version::new(8, 5, 0));
        assert_eq!(
            Version::parse_lenient("7.19.26-m1"),
            Version::new(7, 19, 26)
        );
        assert_eq!(
            Version::parse_lenient("10.3.13-SNAPSHOT"),
            Version::new(10, 3, 13)
        );
        assert_eq!(Version::parse_lenient("nonsense"), Version::default());
        assert_eq!(Version::from_parts(&[9, 12]), Version::new(9, 12, 0));
        assert!(Version::new(10, 3, 13).at_least(10, 3, 13));
        assert!(!Version::new(10, 3, 12).at_least(10, 3, 13));
        assert!(Version::new(9, 10, 0) > Version::new(9, 9, 9));
        assert_eq!(Version::new(11, 3, 0).to_string(), "11.3.0");
    }
}
