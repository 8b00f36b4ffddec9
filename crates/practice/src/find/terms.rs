//! Free text as the search's lookups: the words as a prefix full-text query (names, emails),
//! and the text read as each kind of identifier for exact, indexed lookups. Identifiers are
//! stored in one spelling each (ID numbers as 13 digits, registration numbers upper-case,
//! emails compared lower-case), so the text is put in those spellings here, once.

use crate::search::prefix_query;

/// The lookups one search makes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Terms {
    /// `acme:* & hold:*`: names (and clients' emails) by word prefix; None when no word.
    pub tsquery: Option<String>,
    /// The text as an ID number (clients', and companies' people's).
    pub id_number: Option<String>,
    /// The text as a registration number: a CIPC enterprise number is written with or
    /// without its `K` (`2024/123456/07`, `K2024/123456/07`), so both spellings.
    pub registration_numbers: Vec<String>,
    /// The text as an email address, lower-case.
    pub email: Option<String>,
    /// The text as a registry's reference (as typed, and upper-case).
    pub references: Vec<String>,
}

impl Terms {
    pub(crate) fn parse(q: &str) -> Terms {
        // Identifiers are typed with spaces in them ("800101 5009 087"): without them.
        let compact: String = q.split_whitespace().collect();
        // Every identifier we store has a digit; a name never needs these lookups.
        let identifier = compact.chars().any(|c| c.is_ascii_digit());
        let upper = compact.to_uppercase();
        let mut registration_numbers = Vec::new();
        let mut references = Vec::new();
        if identifier {
            registration_numbers.push(upper.clone());
            match upper.strip_prefix('K') {
                Some(bare) => registration_numbers.push(bare.to_owned()),
                None => registration_numbers.push(format!("K{upper}")),
            }
            references.push(compact.clone());
            if upper != compact {
                references.push(upper.clone());
            }
        }
        Terms {
            tsquery: prefix_query(q),
            id_number: (identifier && compact.chars().all(|c| c.is_ascii_digit()))
                .then(|| compact.clone()),
            registration_numbers,
            email: compact.contains('@').then(|| compact.to_lowercase()),
            references,
        }
    }

    /// Whether there is anything to look up at all.
    pub(crate) fn is_empty(&self) -> bool {
        self.tsquery.is_none() && self.references.is_empty() && self.email.is_none()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_is_only_words() {
        let t = Terms::parse("Karoo sun");
        assert_eq!(t.tsquery.as_deref(), Some("karoo:* & sun:*"));
        assert_eq!(t.id_number, None);
        assert!(t.registration_numbers.is_empty() && t.references.is_empty());
        assert_eq!(t.email, None);
    }

    #[test]
    fn an_id_number_is_its_digits() {
        let t = Terms::parse(" 800101 5009 087 ");
        assert_eq!(t.id_number.as_deref(), Some("8001015009087"));
    }

    #[test]
    fn an_enterprise_number_is_looked_up_with_and_without_its_k() {
        let t = Terms::parse("k2024/100200/07");
        assert_eq!(
            t.registration_numbers,
            ["K2024/100200/07", "2024/100200/07"]
        );
        assert_eq!(t.id_number, None);
        let t = Terms::parse("2024/100200/07");
        assert_eq!(
            t.registration_numbers,
            ["2024/100200/07", "K2024/100200/07"]
        );
        assert_eq!(t.references, ["2024/100200/07"]);
    }

    #[test]
    fn an_email_is_lower_case() {
        let t = Terms::parse("Thabo@Shared.Example");
        assert_eq!(t.email.as_deref(), Some("thabo@shared.example"));
        assert!(t.references.is_empty(), "no digit, no identifier");
    }

    #[test]
    fn punctuation_alone_looks_nothing_up() {
        assert!(Terms::parse(" ' & | ! ").is_empty());
        assert!(!Terms::parse("ref-7").is_empty());
    }
}
