//! Names: real and made-up name words, the accounts only a sweep finds, awkward group names.

use super::Rng;

/// Accounts the earlier tools missed: username and display name beginning with a letter outside
/// `a`–`z`, no dot anywhere, hidden e-mail, in no group and no role; (username, display name,
/// active).
pub const NON_LATIN: [(&str, &str, bool); 4] = [
    ("ørjanøverli", "Ørjan Øverli", false),
    ("ψαράς", "Ψαράς Γιάννης", false),
    ("李明", "李明", false),
    ("þórhildur", "Þórhildur Ægisdóttir", true),
];

/// Real names, some with non-ASCII letters and apostrophes.
pub(super) const FIRST: [&str; 24] = [
    "alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy", "mallory",
    "niaj", "olivia", "peggy", "rupert", "sybil", "trent", "victor", "walter", "zoë", "josé",
    "ingrid", "kenji", "ana",
];
pub(super) const LAST: [&str; 20] = [
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
pub(super) fn name_word(rng: &mut Rng, real: &[&str], syllables: u64) -> String {
    if rng.chance(20) {
        return real[rng.below(real.len() as u64) as usize].to_owned();
    }
    let mut word = String::new();
    for _ in 0..syllables {
        word.push_str(SYLLABLES[rng.below(SYLLABLES.len() as u64) as usize]);
    }
    word
}

pub(super) fn capitalise(word: &str) -> String {
    let mut chars = word.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// An ASCII-only login name from a display word ("zoë" → "zoe").
pub(super) fn ascii(word: &str) -> String {
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

/// Group names with every awkward character real instances have.
pub(super) fn awkward_group_name(i: u32, rng: &mut Rng) -> String {
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

/// What a hostile server puts in names: terminal control sequences (colour, clearing the
/// screen, an OSC 8 hyperlink, a window title), carriage returns and backspaces that overwrite
/// what was printed, C1 controls, DEL, and Unicode bidirectional overrides, isolates and marks
/// that reorder what a reviewer reads.
pub const HOSTILE: [&str; 12] = [
    "\u{1b}[31mred\u{1b}[0m",
    "\u{1b}[2J\u{1b}[H",
    "\u{1b}]8;;https://evil.example/\u{1b}\\click\u{1b}]8;;\u{1b}\\",
    "\u{1b}]0;owned\u{7}",
    "ok\rFORGED",
    "admin\u{8}\u{8}\u{8}\u{8}\u{8}guest",
    "\u{9b}31m\u{85}\u{7f}\0",
    "\u{202e}exe.txt",
    "\u{2066}\u{2067}iso\u{2069}\u{2069}",
    "\u{202a}\u{202b}\u{202c}\u{202d}",
    "\u{200e}\u{200f}\u{061c}",
    "tab\tnew\nline",
];

/// Gives `data` names that attack: after [`generate`](super::generate), so a dataset without
/// it is byte for byte what it was. Deterministic, and consistent everywhere a name is used
/// (permission-scheme holders name groups): the ground truth holds the names exactly.
///
/// - accounts: the token owner's username, display name and e-mail (so `test` names a hostile
///   owner), then every fifth account's display name, every seventh's e-mail and every
///   eleventh's username (keys stay: they are the identity);
/// - groups: every third group but the products' own (`jira-*`, `confluence-*`);
/// - Jira: every project's name, and a user deleted from the directory, still in a role of the
///   first project under a hostile old key (the scan warns about it, quoting it);
/// - Confluence: every space's name.
pub fn make_hostile(data: &mut crate::dataset::Dataset) {
    let mut next = 0usize;
    let mut payload = || {
        let p = HOSTILE[next % HOSTILE.len()];
        next += 1;
        p
    };
    for (i, user) in data.users.iter_mut().enumerate() {
        if i == 0 || i % 5 == 4 {
            user.display_name = format!("{}{}", user.display_name, payload());
        }
        if (i == 0 || i % 7 == 6)
            && let Some(email) = &mut user.email
        {
            *email = format!("{}{email}", payload());
        }
        if i == 0 || i % 11 == 10 {
            user.username = format!("{}{}", user.username, payload());
        }
    }
    let mut renamed = Vec::new();
    for (i, group) in data.groups.iter_mut().enumerate() {
        if i % 3 == 2 && !group.name.starts_with("jira-") && !group.name.starts_with("confluence-")
        {
            let name = format!("{}{}", group.name, payload());
            renamed.push((std::mem::replace(&mut group.name, name.clone()), name));
        }
    }
    for scheme in &mut data.permission_schemes {
        for grant in &mut scheme.grants {
            if grant.holder.holder_type != "group" {
                continue;
            }
            if let Some(parameter) = &mut grant.holder.parameter
                && let Some((_, new)) = renamed.iter().find(|(old, _)| old == parameter)
            {
                *parameter = new.clone();
            }
        }
    }
    for project in &mut data.projects {
        project.name = format!("{}{}", project.name, payload());
    }
    if let Some((_, actors)) = data
        .projects
        .first_mut()
        .and_then(|p| p.role_actors.first_mut())
    {
        actors.push(crate::dataset::Actor::DeletedUser(format!(
            "JIRAUSER999999{}",
            HOSTILE[0]
        )));
    }
    for space in &mut data.spaces {
        space.name = format!("{}{}", space.name, payload());
    }
}
