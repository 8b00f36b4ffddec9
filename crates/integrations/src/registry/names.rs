//! When two company names are "the same" for the registry simulator.
//!
//! The Companies Act forbids a name that duplicates an existing one (s11, FACTS.md section 1)
//! but CIPC publishes no algorithm for "duplicates". The simulator's rule, chosen to be easy to
//! explain to an agent:
//!
//! 1. **Normalise** both names: case-fold; remove the company-type ending, repeatedly from the
//!    end (`(Pty) Ltd`, `Proprietary Limited`, `Ltd`, `Limited`, `NPC`, `Inc.`, `Incorporated`,
//!    `SOC Ltd`, `(RF)`, `(South Africa)`, `(Private) Limited`, `(Pvt) Ltd`, `PBC`, …); drop the
//!    words "the" and "and" and every character that is not a letter or a digit (so `&`,
//!    punctuation and whitespace vanish).
//! 2. **Duplicate**: the normalised forms are equal.
//! 3. **Too close**: one normalised form is the other plus a trailing `s` (plural/singular), or
//!    both have 6 or more characters and differ by one edit (Levenshtein distance 1).
//!
//! So, against "Acme Holdings (Pty) Ltd": "ACME holdings" and "The Acme Holdings" duplicate it;
//! "Acme Holding" is too close; "Acme Foods" is free.

/// Company-type endings, as case-folded whole words at the end of a name.
const ENDINGS: &[&str] = &[
    "(pty) ltd",
    "(pty) limited",
    "proprietary limited",
    "pty ltd",
    "soc ltd",
    "soc limited",
    "ltd.",
    "ltd",
    "limited",
    "npc",
    "inc.",
    "inc",
    "incorporated",
    "(rf)",
    "(south africa)",
    "(private) limited",
    "(pvt) ltd",
    "(pvt) limited",
    "private limited",
    "pbc",
    "private business corporation",
];

/// Words that do not distinguish one name from another.
const FILLER_WORDS: &[&str] = &["the", "and"];

/// Names of this many characters or more (normalised) are refused at one edit's distance.
pub const NEAR_MIN_CHARS: usize = 6;

/// The comparable form of a company name (see the module documentation).
pub fn normalise(name: &str) -> String {
    let mut text = name.split_whitespace().collect::<Vec<_>>().join(" ");
    text = text.to_lowercase();
    // The longest ending that matches, so "(Private) Limited" is not read as "Limited".
    while let Some(rest) = ENDINGS
        .iter()
        .filter_map(|ending| strip_word_suffix(&text, ending))
        .min_by_key(|rest| rest.len())
    {
        text = rest.to_owned();
    }
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|word| !word.is_empty() && !FILLER_WORDS.contains(word))
        .collect()
}

fn strip_word_suffix<'a>(text: &'a str, suffix: &str) -> Option<&'a str> {
    let rest = text.strip_suffix(suffix)?;
    (rest.is_empty() || rest.ends_with(' ')).then(|| rest.trim_end())
}

/// How a candidate name relates to an existing one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Resemblance {
    Duplicate,
    TooClose,
}

/// Compares two *normalised* names.
pub fn resemblance(candidate: &str, existing: &str) -> Option<Resemblance> {
    if candidate == existing {
        return Some(Resemblance::Duplicate);
    }
    let plural = |a: &str, b: &str| a.strip_suffix('s') == Some(b);
    if plural(candidate, existing) || plural(existing, candidate) {
        return Some(Resemblance::TooClose);
    }
    let long_enough =
        candidate.chars().count() >= NEAR_MIN_CHARS && existing.chars().count() >= NEAR_MIN_CHARS;
    (long_enough && within_one_edit(candidate, existing)).then_some(Resemblance::TooClose)
}

/// Levenshtein distance ≤ 1, in one pass.
fn within_one_edit(a: &str, b: &str) -> bool {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let (short, long) = if a.len() <= b.len() {
        (&a, &b)
    } else {
        (&b, &a)
    };
    if long.len() - short.len() > 1 {
        return false;
    }
    let prefix = short
        .iter()
        .zip(long.iter())
        .take_while(|(x, y)| x == y)
        .count();
    if short.len() == long.len() {
        // One substitution: everything after the first difference matches.
        short.get(prefix + 1..) == long.get(prefix + 1..)
    } else {
        // One insertion into the shorter name.
        short.get(prefix..) == long.get(prefix + 1..)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalising_removes_endings_filler_words_and_punctuation() {
        assert_eq!(normalise("Acme Holdings (Pty) Ltd"), "acmeholdings");
        assert_eq!(normalise("  The ACME   holdings "), "acmeholdings");
        assert_eq!(
            normalise("Acme Holdings Proprietary Limited"),
            "acmeholdings"
        );
        assert_eq!(normalise("Acme & Sons (RF) (Pty) Ltd"), "acmesons");
        assert_eq!(normalise("Acme and Sons Inc."), "acmesons");
        assert_eq!(
            normalise("2011/000123/07 (South Africa) (Pty) Ltd"),
            "201100012307"
        );
        assert_eq!(normalise("Msasa Trading (Private) Limited"), "msasatrading");
        assert_eq!(normalise("Msasa Trading (Pvt) Ltd"), "msasatrading");
        assert_eq!(normalise("Msasa Trading PBC"), "msasatrading");
        assert_eq!(normalise("Eskom Holdings SOC Ltd"), "eskomholdings");
        // "The" inside a word stays; only the whole word goes.
        assert_eq!(normalise("Theodore Ltd"), "theodore");
        assert_eq!(normalise("Ltd"), "");
    }

    #[test]
    fn duplicates_near_duplicates_and_free_names() {
        let existing = normalise("Acme Holdings (Pty) Ltd");
        let check = |name: &str| resemblance(&normalise(name), &existing);
        assert_eq!(check("ACME holdings"), Some(Resemblance::Duplicate));
        assert_eq!(check("The Acme Holdings"), Some(Resemblance::Duplicate));
        assert_eq!(check("Acme-Holdings NPC"), Some(Resemblance::Duplicate));
        assert_eq!(check("Acme Holding"), Some(Resemblance::TooClose));
        assert_eq!(check("Acme Holdinxs"), Some(Resemblance::TooClose));
        assert_eq!(check("Acme Holdingss"), Some(Resemblance::TooClose));
        assert_eq!(check("Acme Foods"), None);
        assert_eq!(check("Acme Holdings Two"), None);
    }

    #[test]
    fn short_names_need_an_exact_or_plural_match() {
        assert_eq!(resemblance("abc", "abd"), None);
        assert_eq!(resemblance("abc", "abcs"), Some(Resemblance::TooClose));
        assert_eq!(resemblance("abcde", "abcdf"), None);
        assert_eq!(resemblance("abcdef", "abcdeg"), Some(Resemblance::TooClose));
        assert_eq!(resemblance("abcdef", "bcdef"), None);
        assert_eq!(
            resemblance("abcdef", "xabcdef"),
            Some(Resemblance::TooClose)
        );
        assert_eq!(
            resemblance("abcdef", "abcxdef"),
            Some(Resemblance::TooClose)
        );
        assert_eq!(resemblance("abcdef", "abcxyf"), None);
    }
}
