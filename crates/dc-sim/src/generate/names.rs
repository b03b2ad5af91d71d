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
