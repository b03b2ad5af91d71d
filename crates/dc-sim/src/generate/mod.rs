//! Seeded, deterministic datasets of any size, with the awkward parts real instances have:
//! inactive users; renamed users whose key differs from the username; legacy lower-case keys;
//! hidden e-mails; users without a dot anywhere (Jira's `username=.` misses them) and users in
//! no group (a union of group members misses them); group names with spaces, `+`, `&`, `/`, `:`
//! and non-ASCII; nested groups (Jira); archived projects; a deleted user still in a role; every
//! permission-scheme holder type; personal and archived spaces; anonymous space access.
//!
//! The `employees-*` scales add what large companies have: thousands of consecutive
//! employee-number usernames (`100000`, `100001`, …: every prefix of a few digits matches
//! thousands of accounts, so a capped user search has to split them), and a few accounts that
//! only a complete user sweep can find (inactive, in no group and no role, hidden e-mail,
//! username and display name beginning with a letter outside `a`–`z`: `Ørjan`, `Ψ`, `李`).
//!
//! Every user has a last login (most within the 60 days before [`LOGIN_REFERENCE`], some
//! dormant for 100 to 900 days, some never), drawn from a generator of its own so that adding
//! them changed nothing else.
//!
//! The same (product, scale, seed) always gives the same dataset.

mod confluence;
mod directory;
mod jira;
mod names;

pub use directory::LOGIN_REFERENCE;
pub use names::{HOSTILE, NON_LATIN, make_hostile};

use crate::dataset::{Dataset, Product, Settings, TokenDef, TokenRole};

/// How big a generated instance is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Scale {
    /// Users (at least 10), all kinds included.
    pub users: u32,
    /// Of `users`: accounts whose username is an employee number, consecutive from
    /// [`FIRST_EMPLOYEE_NUMBER`].
    pub employees: u32,
    /// Of `users`: accounts only a complete user sweep finds (see [`NON_LATIN`]; at most its
    /// length).
    pub non_latin: u32,
    /// Groups, the well-known ones included.
    pub groups: u32,
    /// Direct memberships to aim for (the result is close, not exact).
    pub memberships: u64,
    /// Jira projects.
    pub projects: u32,
    /// Confluence global spaces (personal spaces come on top).
    pub spaces: u32,
}

impl Scale {
    /// 2,500 users: enough that Jira's user-search caps and Confluence's page caps bite.
    pub const SMALL: Self = Self {
        users: 2_500,
        employees: 0,
        non_latin: 0,
        groups: 120,
        memberships: 15_000,
        projects: 40,
        spaces: 30,
    };
    /// The benchmark size of the Jira issue: 50,000 users, 3,000 groups, 400,000 memberships,
    /// 800 projects.
    pub const MEDIUM: Self = Self {
        users: 50_000,
        employees: 0,
        non_latin: 0,
        groups: 3_000,
        memberships: 400_000,
        projects: 800,
        spaces: 400,
    };
    /// The largest: 200,000 users, 20,000 groups, 2,000,000 memberships, 5,000 projects.
    pub const LARGE: Self = Self {
        users: 200_000,
        employees: 0,
        non_latin: 0,
        groups: 20_000,
        memberships: 2_000_000,
        projects: 5_000,
        spaces: 2_000,
    };
    /// A few dozen of everything, for quick tests.
    pub const TINY: Self = Self {
        users: 60,
        employees: 0,
        non_latin: 0,
        groups: 14,
        memberships: 200,
        projects: 5,
        spaces: 5,
    };

    /// 5,012 users, 4,500 of them with consecutive employee-number usernames (100000 to
    /// 104499), and the accounts only a complete sweep finds; 60 groups, 40 projects. Where the
    /// user search stops at 1,000 results (Jira 8.20), the three-digit prefixes `100` … `103`
    /// each reach the cap.
    pub const EMPLOYEES_5K: Self = Self {
        users: 5_012,
        employees: 4_500,
        non_latin: NON_LATIN.len() as u32,
        groups: 60,
        memberships: 20_000,
        projects: 40,
        spaces: 30,
    };
    /// [`Self::MEDIUM`]'s sizes (50,000 users, 3,000 groups, 400,000 memberships, 800
    /// projects), with 30,000 consecutive employee-number usernames (100000 to 129999) and the
    /// accounts only a complete sweep finds.
    pub const EMPLOYEES_50K: Self = Self {
        users: 50_000,
        employees: 30_000,
        non_latin: NON_LATIN.len() as u32,
        ..Self::MEDIUM
    };

    /// The names [`Self::named`] knows.
    pub const NAMES: [&str; 6] = [
        "tiny",
        "small",
        "medium",
        "large",
        "employees-5k",
        "employees-50k",
    ];

    /// `tiny`, `small`, `medium`, `large`, `employees-5k`, `employees-50k`.
    pub fn named(name: &str) -> Option<Self> {
        Some(match name {
            "tiny" => Self::TINY,
            "small" => Self::SMALL,
            "medium" => Self::MEDIUM,
            "large" => Self::LARGE,
            "employees-5k" => Self::EMPLOYEES_5K,
            "employees-50k" => Self::EMPLOYEES_50K,
            _ => return None,
        })
    }

    /// Users that groups, roles, project leads and space permissions are drawn from: all but
    /// the accounts only a sweep may find (they come last).
    fn reachable(self, users: u32) -> u32 {
        users - self.non_latin.min(NON_LATIN.len() as u32)
    }
}

/// The first employee number (six digits, as many companies' HR systems issue them).
pub const FIRST_EMPLOYEE_NUMBER: u32 = 100_000;

/// splitmix64: small, fast, and stable across platforms and crate versions.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next() % n }
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    fn hex(&mut self, len: usize) -> String {
        let mut out = String::with_capacity(len);
        while out.len() < len {
            out.push_str(&format!("{:016x}", self.next()));
        }
        out.truncate(len);
        out
    }
}

/// Generates a dataset.
pub fn generate(product: Product, scale: Scale, seed: u64) -> Dataset {
    let mut rng = Rng(seed ^ 0x005E_ED0F_DC51);
    let mut users = directory::generate_users(product, scale, &mut rng);
    directory::generate_last_logins(&mut users, seed);
    let mut data = Dataset {
        product,
        title: match product {
            Product::Jira => "Simulated Jira".to_owned(),
            Product::Confluence => "Simulated Confluence".to_owned(),
        },
        instance_id: {
            let h = rng.hex(32);
            format!(
                "{}-{}-{}-{}-{}",
                &h[..8],
                &h[8..12],
                &h[12..16],
                &h[16..20],
                &h[20..]
            )
        },
        users,
        groups: Vec::new(),
        tokens: Vec::new(),
        roles: Vec::new(),
        projects: Vec::new(),
        application_roles: Vec::new(),
        permission_schemes: Vec::new(),
        spaces: Vec::new(),
        settings: Settings::default(),
    };
    directory::generate_groups(&mut data, scale, &mut rng);
    // Token owners: user 0 administers, 1 may browse users, 2 may not.
    for (owner, role) in [
        (0, TokenRole::Admin),
        (1, TokenRole::BrowseOnly),
        (2, TokenRole::NoBrowse),
    ] {
        data.tokens.push(TokenDef {
            token: format!("{}{}", pat_prefix(role), rng.hex(36)),
            owner,
            role,
        });
    }
    match product {
        Product::Jira => jira::generate_jira(&mut data, scale, &mut rng),
        Product::Confluence => confluence::generate_confluence(&mut data, scale, &mut rng),
    }
    data
}

fn pat_prefix(role: TokenRole) -> &'static str {
    match role {
        TokenRole::Admin => "NDA1Mj",
        TokenRole::BrowseOnly => "MTY3Nz",
        TokenRole::NoBrowse => "OTEwMj",
    }
}
