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
//! The same (product, scale, seed) always gives the same dataset.

use crate::dataset::{
    Actor, ApplicationRole, Dataset, Group, Holder, PermissionScheme, Product, Project, Role,
    SPACE_OPERATIONS, SchemeGrant, Settings, Space, SpacePermission, SpaceSubject, TokenDef,
    TokenRole, User,
};

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

/// Accounts the earlier tools missed: username and display name beginning with a letter outside
/// `a`–`z`, no dot anywhere, hidden e-mail, in no group and no role; (username, display name,
/// active).
pub const NON_LATIN: [(&str, &str, bool); 4] = [
    ("ørjanøverli", "Ørjan Øverli", false),
    ("ψαράς", "Ψαράς Γιάννης", false),
    ("李明", "李明", false),
    ("þórhildur", "Þórhildur Ægisdóttir", true),
];

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

/// Real names, some with non-ASCII letters and apostrophes.
const FIRST: [&str; 24] = [
    "alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy", "mallory",
    "niaj", "olivia", "peggy", "rupert", "sybil", "trent", "victor", "walter", "zoë", "josé",
    "ingrid", "kenji", "ana",
];
const LAST: [&str; 20] = [
    "smith", "jones", "doe", "müller", "garcía", "nguyen", "kowalski", "ørsted", "tanaka",
    "o'brien", "dubois", "rossi", "silva", "kim", "novak", "popescu", "berg", "costa", "ivanova",
    "walsh",
];
const SYLLABLES: [&str; 32] = [
    "ka", "lo", "mi", "ra", "ten", "vo", "shi", "an", "bel", "cor", "da", "el", "fin", "gar",
    "hal", "is", "jor", "ken", "lin", "mar", "nor", "os", "per", "quin", "ros", "sal", "tor", "ul",
    "ven", "wil", "yan", "zed",
];

/// A name word: mostly made of syllables (so that no single name is shared by thousands, as in
/// a real directory), sometimes one of the real names above.
fn name_word(rng: &mut Rng, real: &[&str], syllables: u64) -> String {
    if rng.chance(20) {
        return real[rng.below(real.len() as u64) as usize].to_owned();
    }
    let mut word = String::new();
    for _ in 0..syllables {
        word.push_str(SYLLABLES[rng.below(SYLLABLES.len() as u64) as usize]);
    }
    word
}

fn capitalise(word: &str) -> String {
    let mut chars = word.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// An ASCII-only login name from a display word ("zoë" → "zoe").
fn ascii(word: &str) -> String {
    word.chars()
        .filter_map(|c| match c {
            'ë' | 'é' => Some('e'),
            'ü' => Some('u'),
            'ø' => Some('o'),
            'í' => Some('i'),
            '\'' => None,
            c if c.is_ascii_alphanumeric() => Some(c),
            _ => None,
        })
        .collect()
}

/// Generates a dataset.
pub fn generate(product: Product, scale: Scale, seed: u64) -> Dataset {
    let mut rng = Rng(seed ^ 0x005E_ED0F_DC51);
    let users = generate_users(product, scale, &mut rng);
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
    generate_groups(&mut data, scale, &mut rng);
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
        Product::Jira => generate_jira(&mut data, scale, &mut rng),
        Product::Confluence => generate_confluence(&mut data, scale, &mut rng),
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

fn generate_users(product: Product, scale: Scale, rng: &mut Rng) -> Vec<User> {
    let count = scale.users.max(10);
    let non_latin = count - scale.reachable(count);
    let employees = scale.employees.min(count - 3 - non_latin);
    // Service accounts and ordinary users, then the employee numbers, then the accounts only a
    // sweep finds.
    let first_employee = count - non_latin - employees;
    let mut users = Vec::with_capacity(count as usize);
    for i in 0..first_employee {
        let first = name_word(rng, &FIRST, 2);
        let syllables = 2 + rng.below(2);
        let last = name_word(rng, &LAST, syllables);
        let display_name = format!("{} {}", capitalise(&first), capitalise(&last));
        let (fa, la) = (ascii(&first), ascii(&last));
        let style = rng.below(100);
        let (mut username, email) = match i {
            // The service accounts.
            0 => (
                "svc-scanner".to_owned(),
                Some("svc-scanner@example.com".to_owned()),
            ),
            1 => (
                "svc-browse".to_owned(),
                Some("svc-browse@example.com".to_owned()),
            ),
            2 => (
                "svc-nobrowse".to_owned(),
                Some("svc-nobrowse@example.com".to_owned()),
            ),
            // first.last: found by Jira's "." search through the username.
            _ if style < 55 => (
                format!("{fa}.{la}{i}"),
                Some(format!("{fa}.{la}{i}@example.com")),
            ),
            // flast with a visible e-mail that has a dot.
            _ if style < 80 => (
                format!("{}{la}{i}", &fa[..1]),
                Some(format!("{fa}{i}@corp.example.org")),
            ),
            // flast with a hidden e-mail: no dot anywhere, "." misses it.
            _ => (format!("{}{la}{i}", &fa[..1]), None),
        };
        if i > 2 && rng.chance(3) {
            // A login name in upper case, as some directories deliver them.
            username = username.to_uppercase();
        }
        let key = match product {
            Product::Jira => {
                if i > 2 && rng.chance(12) {
                    // A user created before Jira 8.4: the key is the original lower-case
                    // username, and some were renamed since.
                    let original = format!("{}{la}{i}", &fa[..1]).to_lowercase();
                    if rng.chance(40) {
                        username = format!("{fa}-{la}-{i}");
                    } else {
                        username = original.clone();
                    }
                    original
                } else {
                    format!("JIRAUSER{}", 10_000 + i)
                }
            }
            Product::Confluence => format!("2c9680{:05x}{}", i, rng.hex(21)),
        };
        users.push(User {
            key,
            username,
            display_name,
            email,
            active: i <= 2 || !rng.chance(8),
        });
    }
    for i in first_employee..first_employee + employees {
        users.push(employee(
            product,
            i,
            FIRST_EMPLOYEE_NUMBER + i - first_employee,
            rng,
        ));
    }
    for (n, (username, display_name, active)) in
        NON_LATIN.iter().take(non_latin as usize).enumerate()
    {
        let i = first_employee + employees + n as u32;
        users.push(User {
            key: match product {
                Product::Jira => format!("JIRAUSER{}", 10_000 + i),
                Product::Confluence => format!("2c9680{:05x}{}", i, rng.hex(21)),
            },
            username: (*username).to_owned(),
            display_name: (*display_name).to_owned(),
            email: None,
            active: *active,
        });
    }
    users
}

/// An account whose username is an employee number: a display name of syllables, an e-mail
/// `<number>@example.com` (hidden for some), a key from before Jira 8.4 (the number) for some.
fn employee(product: Product, i: u32, number: u32, rng: &mut Rng) -> User {
    let first = name_word(rng, &FIRST, 2);
    let syllables = 2 + rng.below(2);
    let last = name_word(rng, &LAST, syllables);
    let username = number.to_string();
    let email = (!rng.chance(20)).then(|| format!("{number}@example.com"));
    let key = match product {
        Product::Jira if rng.chance(12) => username.clone(),
        Product::Jira => format!("JIRAUSER{}", 10_000 + i),
        Product::Confluence => format!("2c9680{:05x}{}", i, rng.hex(21)),
    };
    User {
        key,
        username,
        display_name: format!("{} {}", capitalise(&first), capitalise(&last)),
        email,
        active: !rng.chance(8),
    }
}

/// Group names with every awkward character real instances have.
fn awkward_group_name(i: u32, rng: &mut Rng) -> String {
    const TEAMS: [&str; 8] = [
        "platform", "payments", "mobile", "data", "security", "support", "docs", "infra",
    ];
    let team = TEAMS[rng.below(TEAMS.len() as u64) as usize];
    match i % 9 {
        0 => format!("team {team} {i}"),
        1 => format!("dev+ops {team} {i}"),
        2 => format!("R&D {team} {i}"),
        3 => format!("eng/{team}-{i}"),
        4 => format!("proj:{team}:{i}"),
        5 => format!("équipe-{team}-{i}"),
        6 => format!("开发组-{i}"),
        7 => format!("{}-Team-{i}", capitalise(team)),
        _ => format!("{team}-users-{i}"),
    }
}

fn generate_groups(data: &mut Dataset, scale: Scale, rng: &mut Rng) {
    let wellknown: &[&str] = match data.product {
        Product::Jira => &[
            "jira-administrators",
            "jira-software-users",
            "jira-servicedesk-users",
        ],
        Product::Confluence => &["confluence-administrators", "confluence-users"],
    };
    let users = data.users.len() as u32;
    // The accounts only a sweep may find are in no group.
    let reachable = scale.reachable(users);
    let total = scale.groups.max(wellknown.len() as u32 + 6);
    for name in wellknown {
        data.groups.push(Group {
            name: (*name).to_owned(),
            members: Vec::new(),
            subgroups: Vec::new(),
        });
    }
    for i in wellknown.len() as u32..total {
        let mut name = awkward_group_name(i, rng);
        if data.product == Product::Confluence && i % 9 == 3 && i > 30 {
            // Only a few `/` groups on Confluence: each one costs a member-of sweep.
            name = name.replace('/', "-");
        }
        data.groups.push(Group {
            name,
            members: Vec::new(),
            subgroups: Vec::new(),
        });
    }

    // Administrators: the scanning account and a few others.
    data.groups[0].members.push(0);
    for _ in 0..(users / 500).clamp(2, 20) {
        data.groups[0]
            .members
            .push(3 + rng.below(u64::from(reachable - 3)) as u32);
    }
    // Everyone but ~3% of users (in no group at all) is in the users group.
    let loners: Vec<bool> = (0..users)
        .map(|u| u >= reachable || (u > 2 && rng.chance(3)))
        .collect();
    let mut budget = scale.memberships as i64;
    for u in 0..users {
        if !loners[u as usize] {
            data.groups[1].members.push(u);
            budget -= 1;
        }
    }
    if data.product == Product::Jira {
        for u in 0..users {
            if !loners[u as usize] && rng.chance(10) {
                data.groups[2].members.push(u);
                budget -= 1;
            }
        }
    }
    // The rest of the budget, spread over the other groups with skewed sizes.
    let first_team = wellknown.len() as u32;
    let teams = total - first_team;
    while budget > 0 {
        let g = first_team
            + (rng.below(u64::from(teams)) * rng.below(u64::from(teams)) / u64::from(teams)) as u32;
        let u = rng.below(u64::from(users)) as u32;
        if loners[u as usize] {
            continue;
        }
        data.groups[g as usize].members.push(u);
        budget -= 1;
    }
    for group in &mut data.groups {
        group.members.sort_unstable();
        group.members.dedup();
    }
    // Jira: nested groups (every 40th team group holds the next two).
    if data.product == Product::Jira {
        let mut g = first_team;
        while g + 2 < total {
            data.groups[g as usize].subgroups = vec![g + 1, g + 2];
            g += 40;
        }
    }
}

fn generate_jira(data: &mut Dataset, scale: Scale, rng: &mut Rng) {
    // Roles and leads are drawn from the users a scan may meet elsewhere.
    let users = u64::from(scale.reachable(data.users.len() as u32));
    let groups = data.groups.len() as u64;
    data.roles = [
        "Administrators",
        "Developers",
        "Users",
        "Testers",
        "Viewers",
        "atlassian-addons-project-access",
    ]
    .iter()
    .enumerate()
    .map(|(i, name)| Role {
        id: 10_002 + i as u64,
        name: (*name).to_owned(),
    })
    .collect();
    data.application_roles = vec![
        ApplicationRole {
            key: "jira-software".to_owned(),
            name: "Jira Software".to_owned(),
            groups: vec![0, 1],
            default_groups: vec![1],
        },
        ApplicationRole {
            key: "jira-servicedesk".to_owned(),
            name: "Jira Service Management".to_owned(),
            groups: vec![2],
            default_groups: vec![2],
        },
    ];

    let some_user = |rng: &mut Rng| data.users[(3 + rng.below(users - 3)) as usize].key.clone();
    let h = |t: &str, p: Option<String>| Holder {
        holder_type: t.to_owned(),
        parameter: p,
    };
    let mut grant_id = 10_000u64;
    let mut scheme = |id: u64, name: &str, holders: Vec<(&str, Holder)>| PermissionScheme {
        id,
        name: name.to_owned(),
        grants: holders
            .into_iter()
            .map(|(permission, holder)| {
                grant_id += 1;
                SchemeGrant {
                    id: grant_id,
                    permission: permission.to_owned(),
                    holder,
                }
            })
            .collect(),
    };
    let dev_role = Some("10003".to_owned());
    let admin_role = Some("10002".to_owned());
    let base = |extra: Vec<(&'static str, Holder)>| {
        let mut holders = vec![
            (
                "BROWSE_PROJECTS",
                h("applicationRole", Some("jira-software".into())),
            ),
            ("CREATE_ISSUES", h("projectRole", dev_role.clone())),
            ("ASSIGNABLE_USER", h("projectRole", dev_role.clone())),
            ("EDIT_ISSUES", h("reporter", None)),
            ("EDIT_ISSUES", h("assignee", None)),
            ("DELETE_ISSUES", h("projectLead", None)),
            ("ADMINISTER_PROJECTS", h("projectRole", admin_role.clone())),
            (
                "ADMINISTER_PROJECTS",
                h("group", Some("jira-administrators".into())),
            ),
        ];
        holders.extend(extra);
        holders
    };
    let special_user = some_user(rng);
    let awkward = data.groups[(3 + rng.below(groups - 3)) as usize]
        .name
        .clone();
    data.permission_schemes = vec![
        scheme(0, "Default Permission Scheme", base(vec![])),
        scheme(
            10_100,
            "Public projects",
            base(vec![
                ("BROWSE_PROJECTS", h("anyone", None)),
                ("ADD_COMMENTS", h("applicationRole", None)),
            ]),
        ),
        scheme(
            10_101,
            "Legacy scheme",
            base(vec![
                ("BROWSE_PROJECTS", h("group", None)),
                (
                    "RESOLVE_ISSUES",
                    h("userCustomField", Some("customfield_10100".into())),
                ),
                (
                    "TRANSITION_ISSUES",
                    h("groupCustomField", Some("customfield_10200".into())),
                ),
            ]),
        ),
        scheme(
            10_102,
            "Service desk scheme",
            base(vec![
                ("BROWSE_PROJECTS", h("sd.customer.portal.only", None)),
                (
                    "BROWSE_PROJECTS",
                    h("applicationRole", Some("jira-servicedesk".into())),
                ),
                ("MANAGE_WATCHERS", h("user", Some(special_user))),
                ("WORK_ON_ISSUES", h("group", Some(awkward))),
            ]),
        ),
    ];

    for p in 0..scale.projects.max(1) {
        let lead = (3 + rng.below(users - 3)) as u32;
        let team_group = (3 + rng.below(groups - 3)) as u32;
        let pick_users = |rng: &mut Rng, n: u64| -> Vec<Actor> {
            (0..n)
                .map(|_| Actor::User((3 + rng.below(users - 3)) as u32))
                .collect()
        };
        let mut role_actors = vec![
            (0, vec![Actor::User(lead), Actor::Group(0)]),
            (1, {
                let mut a = vec![Actor::Group(team_group)];
                let n = 1 + rng.below(4);
                a.extend(pick_users(rng, n));
                a
            }),
            (2, vec![Actor::Group(1)]),
            (3, {
                let n = rng.below(3);
                pick_users(rng, n)
            }),
            (4, Vec::new()),
            (5, vec![Actor::User(lead)]),
        ];
        if p % 20 == 7 {
            role_actors[3]
                .1
                .push(Actor::DeletedUser(format!("JIRAUSER{}", 900_000 + p)));
        }
        for (_, actors) in &mut role_actors {
            actors.sort_by_key(|a| format!("{a:?}"));
            actors.dedup();
        }
        data.projects.push(Project {
            id: 10_000 + u64::from(p),
            key: project_key(p),
            name: format!(
                "Project {} {}",
                capitalise(LAST[(p as usize) % LAST.len()]),
                p
            ),
            archived: p % 15 == 14,
            scheme: (p % 4).min(data.permission_schemes.len() as u32 - 1),
            lead,
            role_actors,
        });
    }
}

/// `A`, `B`, … `Z`, `AA`… prefixed so keys look like Jira's (`[A-Z][A-Z0-9]+`).
fn project_key(mut n: u32) -> String {
    let mut letters = Vec::new();
    loop {
        letters.push(b'A' + (n % 26) as u8);
        n /= 26;
        if n == 0 {
            break;
        }
        n -= 1;
    }
    letters.reverse();
    format!("P{}", String::from_utf8(letters).expect("ASCII letters"))
}

fn generate_confluence(data: &mut Dataset, scale: Scale, rng: &mut Rng) {
    // Space permissions and personal spaces go to the users a scan may meet elsewhere.
    let users = u64::from(scale.reachable(data.users.len() as u32));
    let groups = data.groups.len() as u64;
    let perm = |op: usize, subject: SpaceSubject| SpacePermission {
        target_type: SPACE_OPERATIONS[op].0.to_owned(),
        operation_key: SPACE_OPERATIONS[op].1.to_owned(),
        subject,
    };
    let mut id = 98_000u64;
    for s in 0..scale.spaces.max(1) {
        id += 1;
        let admin_user = (3 + rng.below(users - 3)) as u32;
        let team = (2 + rng.below(groups - 2)) as u32;
        let mut permissions = Vec::new();
        for op in 0..SPACE_OPERATIONS.len() {
            permissions.push(perm(op, SpaceSubject::User(admin_user)));
            permissions.push(perm(op, SpaceSubject::Group(0)));
        }
        for op in [0, 2, 4, 6, 8] {
            permissions.push(perm(op, SpaceSubject::Group(1)));
            permissions.push(perm(op, SpaceSubject::Group(team)));
        }
        if s % 7 == 3 {
            permissions.push(perm(0, SpaceSubject::Anonymous));
            permissions.push(perm(12, SpaceSubject::Anonymous));
        }
        permissions.sort();
        permissions.dedup();
        data.spaces.push(Space {
            id,
            key: format!("S{}", project_key(s).trim_start_matches('P')),
            name: format!("{} space {s}", capitalise(LAST[(s as usize) % LAST.len()])),
            personal: false,
            archived: s % 12 == 11,
            permissions,
        });
    }
    // Personal spaces for some users: the owner holds everything.
    let personal = (users / 25).max(2);
    for i in 0..personal {
        let owner = (3 + (i * 25 + rng.below(25)) % (users - 3)) as u32;
        id += 1;
        let user = &data.users[owner as usize];
        let mut permissions: Vec<SpacePermission> = (0..SPACE_OPERATIONS.len())
            .map(|op| perm(op, SpaceSubject::User(owner)))
            .collect();
        if i % 5 == 0 {
            permissions.push(perm(0, SpaceSubject::Group(1)));
        }
        permissions.sort();
        permissions.dedup();
        let key = format!("~{}", user.username.to_lowercase());
        if data.spaces.iter().any(|s| s.key == key) {
            continue;
        }
        data.spaces.push(Space {
            id,
            key,
            name: user.display_name.clone(),
            personal: true,
            archived: false,
            permissions,
        });
    }
}
