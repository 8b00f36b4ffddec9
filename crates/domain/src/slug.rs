//! A tenant's slug: its subdomain, the suffix of its schema and database names.
//!
//! Because the slug ends up inside SQL identifiers (`t_<slug>`, `c360_t_<slug>`), the grammar
//! is strict on purpose: `^[a-z][a-z0-9-]{1,61}[a-z0-9]$`, and words that name parts of the
//! platform itself are reserved.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Words a tenant may not take: hostnames the platform serves itself and names of its own
/// schemas. Kept sorted.
pub const RESERVED: &[&str] = &[
    "about",
    "account",
    "accounts",
    "admin",
    "api",
    "app",
    "assets",
    "auth",
    "billing",
    "blog",
    "c360",
    "cdn",
    "comply360",
    "control",
    "dashboard",
    "demo",
    "dev",
    "docs",
    "ftp",
    "help",
    "imap",
    "info",
    "internal",
    "localhost",
    "login",
    "mail",
    "metrics",
    "mx",
    "ns1",
    "ns2",
    "operator",
    "platform",
    "pooled",
    "pop",
    "portal",
    "postgres",
    "public",
    "root",
    "smtp",
    "staging",
    "static",
    "status",
    "support",
    "system",
    "template",
    "tenant",
    "test",
    "www",
];

#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct Slug(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SlugError {
    #[error("slug {0:?} must be 3 to 63 characters long")]
    Length(String),
    #[error(
        "slug {0:?} may contain only lowercase letters, digits and hyphens, must start with a \
         letter and must not end with a hyphen (for example \"acme-corporate\")"
    )]
    Characters(String),
    #[error("slug {0:?} is reserved by the platform; choose another name")]
    Reserved(String),
}

impl Slug {
    pub fn parse(raw: &str) -> Result<Slug, SlugError> {
        let len = raw.chars().count();
        if !(3..=63).contains(&len) {
            return Err(SlugError::Length(raw.to_owned()));
        }
        let bytes = raw.as_bytes();
        let first_ok = bytes[0].is_ascii_lowercase();
        let last = bytes[bytes.len() - 1];
        let last_ok = last.is_ascii_lowercase() || last.is_ascii_digit();
        let body_ok = bytes
            .iter()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-');
        if !(first_ok && last_ok && body_ok) {
            return Err(SlugError::Characters(raw.to_owned()));
        }
        if RESERVED.binary_search(&raw).is_ok() {
            return Err(SlugError::Reserved(raw.to_owned()));
        }
        Ok(Slug(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The slug as it may appear inside an SQL identifier: hyphens become underscores.
    /// Two slugs that differ only by `-`/`_` cannot both exist, because `_` is not allowed.
    pub fn ident_suffix(&self) -> String {
        self.0.replace('-', "_")
    }
}

impl fmt::Display for Slug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for Slug {
    type Err = SlugError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Slug::parse(s)
    }
}

impl<'de> Deserialize<'de> for Slug {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(d)?;
        Slug::parse(&raw).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn reserved_list_is_sorted_for_binary_search() {
        let mut sorted = RESERVED.to_vec();
        sorted.sort_unstable();
        assert_eq!(sorted, RESERVED);
    }

    #[test]
    fn accepts_ordinary_slugs() {
        for ok in ["acme", "acme-corporate", "a1b", "za-agency-2026"] {
            assert_eq!(Slug::parse(ok).unwrap().as_str(), ok);
        }
        assert_eq!(Slug::parse("acme-co").unwrap().ident_suffix(), "acme_co");
    }

    #[test]
    fn refuses_bad_slugs_with_the_reason() {
        assert!(matches!(Slug::parse("ab"), Err(SlugError::Length(_))));
        assert!(matches!(
            Slug::parse(&"a".repeat(64)),
            Err(SlugError::Length(_))
        ));
        for bad in [
            "1acme",
            "Acme",
            "acme-",
            "ac_me",
            "acme corp",
            "-acme",
            "acmé",
        ] {
            assert!(Slug::parse(bad).is_err(), "{bad} should be refused");
        }
        assert!(matches!(Slug::parse("www"), Err(SlugError::Reserved(_))));
        assert!(matches!(Slug::parse("pooled"), Err(SlugError::Reserved(_))));
        assert!(serde_json::from_str::<Slug>("\"admin\"").is_err());
    }

    proptest! {
        #[test]
        fn parse_agrees_with_the_documented_grammar(raw in "[a-z0-9_A-Z-]{0,70}") {
            let grammar = raw.len() >= 3 && raw.len() <= 63
                && raw.as_bytes()[0].is_ascii_lowercase()
                && raw.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                && !raw.ends_with('-');
            let reserved = RESERVED.contains(&raw.as_str());
            prop_assert_eq!(Slug::parse(&raw).is_ok(), grammar && !reserved);
        }

        #[test]
        fn ident_suffix_is_a_safe_identifier(raw in "[a-z][a-z0-9-]{1,61}[a-z0-9]") {
            if let Ok(slug) = Slug::parse(&raw) {
                let ident = slug.ident_suffix();
                prop_assert!(ident.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'));
            }
        }
    }
}
