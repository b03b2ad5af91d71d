//! Reference strings: how a grant names its resource (`project:ENG`, `system`) and its subject
//! (`group:jira-users`, `role:Developers`, `anonymous`, …).
//!
//! The inventory stores these as plain strings so that the document stays readable and sortable;
//! [`ResourceRef`] and [`Subject`] are the typed forms the product crates build grants from and
//! `diff` reads them back into. `Display` and `FromStr` are exact inverses for every valid
//! reference.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::record::ResourceType;

/// A resource reference: `project:<key>`, `space:<key>`, `application:<key>` or `system`.
///
/// Parsing splits at the first `:` only, so keys may themselves contain `:`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ResourceRef {
    /// A Jira project, by project key.
    Project(String),
    /// A Confluence space, by space key.
    Space(String),
    /// A Jira application (licence), by application key, e.g. `jira-software`.
    Application(String),
    /// The whole instance.
    System,
}

impl ResourceRef {
    /// The resource type this reference points at.
    pub fn resource_type(&self) -> ResourceType {
        match self {
            Self::Project(_) => ResourceType::Project,
            Self::Space(_) => ResourceType::Space,
            Self::Application(_) => ResourceType::Application,
            Self::System => ResourceType::System,
        }
    }

    /// The key part of the reference; `system` for [`ResourceRef::System`], as the inventory
    /// lists the system resource with key `system`.
    pub fn key(&self) -> &str {
        match self {
            Self::Project(key) | Self::Space(key) | Self::Application(key) => key,
            Self::System => "system",
        }
    }
}

impl fmt::Display for ResourceRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Project(key) => write!(f, "project:{key}"),
            Self::Space(key) => write!(f, "space:{key}"),
            Self::Application(key) => write!(f, "application:{key}"),
            Self::System => f.write_str("system"),
        }
    }
}

impl FromStr for ResourceRef {
    type Err = ParseRefError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s == "system" {
            return Ok(Self::System);
        }
        let error = || ParseRefError::new(RefKind::Resource, s);
        let (prefix, key) = s.split_once(':').ok_or_else(error)?;
        if key.is_empty() {
            return Err(error());
        }
        let key = key.to_owned();
        match prefix {
            "project" => Ok(Self::Project(key)),
            "space" => Ok(Self::Space(key)),
            "application" => Ok(Self::Application(key)),
            _ => Err(error()),
        }
    }
}

/// Who a grant is given to.
///
/// Parsing splits at the first `:` only: `group:a:b` is the group `a:b`, and
/// `special:userCustomField:10010` is `Special("userCustomField:10010")`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Subject {
    /// `account:<key>` — one account.
    Account(String),
    /// `group:<name>` — every member of the group.
    Group(String),
    /// `role:<name>` — whoever holds that Jira project role in the granted project.
    Role(String),
    /// `application:<key>` — every user with access to that Jira application.
    Application(String),
    /// `anonymous` — anyone, logged in or not.
    Anonymous,
    /// `authenticated` — any logged-in user.
    Authenticated,
    /// `special:<holder type>` — a Jira holder that depends on the issue, e.g. `reporter`.
    Special(String),
}

impl fmt::Display for Subject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Account(key) => write!(f, "account:{key}"),
            Self::Group(name) => write!(f, "group:{name}"),
            Self::Role(name) => write!(f, "role:{name}"),
            Self::Application(key) => write!(f, "application:{key}"),
            Self::Anonymous => f.write_str("anonymous"),
            Self::Authenticated => f.write_str("authenticated"),
            Self::Special(holder) => write!(f, "special:{holder}"),
        }
    }
}

impl FromStr for Subject {
    type Err = ParseRefError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "anonymous" => return Ok(Self::Anonymous),
            "authenticated" => return Ok(Self::Authenticated),
            _ => {}
        }
        let error = || ParseRefError::new(RefKind::Subject, s);
        let (prefix, rest) = s.split_once(':').ok_or_else(error)?;
        if rest.is_empty() {
            return Err(error());
        }
        let rest = rest.to_owned();
        match prefix {
            "account" => Ok(Self::Account(rest)),
            "group" => Ok(Self::Group(rest)),
            "role" => Ok(Self::Role(rest)),
            "application" => Ok(Self::Application(rest)),
            "special" => Ok(Self::Special(rest)),
            _ => Err(error()),
        }
    }
}

/// Which kind of reference string failed to parse.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RefKind {
    /// A [`ResourceRef`].
    Resource,
    /// A [`Subject`].
    Subject,
}

/// A string that is not a valid [`ResourceRef`] or [`Subject`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{input}` is not a valid {} reference ({})", kind_name(*.kind), expected(*.kind))]
pub struct ParseRefError {
    kind: RefKind,
    input: String,
}

impl ParseRefError {
    fn new(kind: RefKind, input: &str) -> Self {
        Self {
            kind,
            input: input.to_owned(),
        }
    }

    /// Which kind of reference was expected.
    pub fn kind(&self) -> RefKind {
        self.kind
    }

    /// The rejected input.
    pub fn input(&self) -> &str {
        &self.input
    }
}

fn kind_name(kind: RefKind) -> &'static str {
    match kind {
        RefKind::Resource => "resource",
        RefKind::Subject => "subject",
    }
}

fn expected(kind: RefKind) -> &'static str {
    match kind {
        RefKind::Resource => "expected `system` or project:, space:, application: with a key",
        RefKind::Subject => {
            "expected `anonymous`, `authenticated` or account:, group:, role:, application:, \
             special: with a name"
        }
    }
}

// Serde goes through the string form so that typed references can sit in any serialised record.
macro_rules! serde_via_string {
    ($type:ty) => {
        impl Serialize for $type {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.collect_str(self)
            }
        }

        impl<'de> Deserialize<'de> for $type {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = String::deserialize(deserializer)?;
                text.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}

serde_via_string!(ResourceRef);
serde_via_string!(Subject);
