//! Company names: the characters CIPC allows, paired round brackets, and the ending the
//! company type requires (Companies Act s11; FACTS.md sections 1 and 4). Whether a name is
//! free (no duplicate, no trade mark, nothing offensive) is for the registry to say.

use std::fmt;

/// South African company types and their required endings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SaCompanyKind {
    /// `Proprietary Limited` / `(Pty) Ltd`
    Private,
    /// `Limited` / `Ltd`
    Public,
    /// `Incorporated` / `Inc.`
    PersonalLiability,
    /// `SOC Ltd`
    StateOwned,
    /// `NPC`
    NonProfit,
}

/// Zimbabwean entity types.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ZwEntityKind {
    /// `(Private) Limited` / `(Pvt) Ltd`
    PrivateLimited,
    /// Private Business Corporation: `PBC`
    Pbc,
}

impl SaCompanyKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SaCompanyKind::Private => "private_company",
            SaCompanyKind::Public => "public_company",
            SaCompanyKind::PersonalLiability => "personal_liability_company",
            SaCompanyKind::StateOwned => "state_owned_company",
            SaCompanyKind::NonProfit => "non_profit_company",
        }
    }

    fn endings(self) -> &'static [&'static str] {
        match self {
            SaCompanyKind::Private => &["(Pty) Ltd", "Proprietary Limited"],
            SaCompanyKind::Public => &["Ltd", "Limited"],
            SaCompanyKind::PersonalLiability => &["Inc.", "Inc", "Incorporated"],
            SaCompanyKind::StateOwned => &["SOC Ltd", "SOC Limited"],
            SaCompanyKind::NonProfit => &["NPC"],
        }
    }
}

impl ZwEntityKind {
    fn endings(self) -> &'static [&'static str] {
        match self {
            ZwEntityKind::PrivateLimited => &["(Private) Limited", "(Pvt) Ltd"],
            ZwEntityKind::Pbc => &["PBC", "Private Business Corporation"],
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CompanyNameError {
    #[error("a company name needs words before its ending")]
    Empty,
    #[error(
        "{0:?} is not allowed in a company name (letters, digits, punctuation and + & # @ % = are)"
    )]
    Character(char),
    #[error("round brackets must come in pairs")]
    Brackets,
    #[error("this company type's name must end in {}", .0.join(" or "))]
    Ending(Vec<&'static str>),
    #[error(
        "a name that is the registration number must be followed by \"(South Africa)\", e.g. 2011/000123/07 (South Africa) (Pty) Ltd"
    )]
    NumberNameNeedsSouthAfrica,
    #[error("only profit companies may use their registration number as a name")]
    NumberNameNotAllowed,
}

/// A well-formed company name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CompanyName {
    name: String,
    /// The words before the ending (and before `(South Africa)` / `(RF)`).
    base: String,
    ring_fenced: bool,
    number_name: bool,
}

fn allowed(c: char) -> bool {
    c.is_alphanumeric() || c.is_whitespace() || "+&#@%=()'’.,-–!?:;\"/".contains(c)
}

fn brackets_paired(text: &str) -> bool {
    let mut depth = 0i32;
    for c in text.chars() {
        match c {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth < 0 {
                    return false;
                }
            }
            _ => {}
        }
    }
    depth == 0
}

/// `text` without `suffix` at its end (case-insensitive, whole words), trimmed.
fn strip_suffix_ci<'a>(text: &'a str, suffix: &str) -> Option<&'a str> {
    let cut = text.len().checked_sub(suffix.len())?;
    if !text.is_char_boundary(cut) || !text[cut..].eq_ignore_ascii_case(suffix) {
        return None;
    }
    let rest = &text[..cut];
    (rest.is_empty() || rest.ends_with(char::is_whitespace)).then(|| rest.trim_end())
}

fn is_registration_number(text: &str) -> bool {
    let parts: Vec<&str> = text.split('/').collect();
    parts.len() == 3
        && [4usize, 6, 2]
            .iter()
            .zip(&parts)
            .all(|(n, p)| p.len() == *n && p.bytes().all(|b| b.is_ascii_digit()))
}

impl CompanyName {
    fn common(text: &str) -> Result<String, CompanyNameError> {
        let name = text.split_whitespace().collect::<Vec<_>>().join(" ");
        if let Some(bad) = name.chars().find(|c| !allowed(*c)) {
            return Err(CompanyNameError::Character(bad));
        }
        if !brackets_paired(&name) {
            return Err(CompanyNameError::Brackets);
        }
        Ok(name)
    }

    /// A South African company name of `kind`.
    pub fn parse_sa(text: &str, kind: SaCompanyKind) -> Result<CompanyName, CompanyNameError> {
        let name = Self::common(text)?;
        // The longest ending first, so "SOC Ltd" is not read as "Ltd", nor "(Pty) Ltd" as "Ltd".
        let mut all: Vec<(&str, SaCompanyKind)> = [
            SaCompanyKind::Private,
            SaCompanyKind::Public,
            SaCompanyKind::PersonalLiability,
            SaCompanyKind::StateOwned,
            SaCompanyKind::NonProfit,
        ]
        .iter()
        .flat_map(|k| k.endings().iter().map(move |e| (*e, *k)))
        .collect();
        all.sort_by_key(|(e, _)| std::cmp::Reverse(e.len()));
        let found = all
            .iter()
            .find_map(|(ending, k)| strip_suffix_ci(&name, ending).map(|rest| (rest, *k)));
        let rest = match found {
            Some((rest, k)) if k == kind => rest,
            _ => return Err(CompanyNameError::Ending(kind.endings().to_vec())),
        };
        let (rest, ring_fenced) = match strip_suffix_ci(rest, "(RF)") {
            Some(r) => (r, true),
            None => (rest, false),
        };
        let (base, south_africa) = match strip_suffix_ci(rest, "(South Africa)") {
            Some(r) => (r, true),
            None => (rest, false),
        };
        if base.trim().is_empty() {
            return Err(CompanyNameError::Empty);
        }
        let number_name = is_registration_number(base.trim());
        if number_name && kind == SaCompanyKind::NonProfit {
            return Err(CompanyNameError::NumberNameNotAllowed);
        }
        if number_name && !south_africa {
            return Err(CompanyNameError::NumberNameNeedsSouthAfrica);
        }
        Ok(CompanyName {
            base: base.trim().to_owned(),
            name,
            ring_fenced,
            number_name,
        })
    }

    /// A South African company name of whichever type its ending says.
    pub fn parse_sa_any(text: &str) -> Result<(CompanyName, SaCompanyKind), CompanyNameError> {
        let kinds = [
            SaCompanyKind::StateOwned,
            SaCompanyKind::Private,
            SaCompanyKind::PersonalLiability,
            SaCompanyKind::NonProfit,
            SaCompanyKind::Public,
        ];
        let mut last = None;
        for kind in kinds {
            match CompanyName::parse_sa(text, kind) {
                Ok(name) => return Ok((name, kind)),
                Err(CompanyNameError::Ending(_)) => {}
                Err(other) => last = Some(other),
            }
        }
        Err(last.unwrap_or_else(|| {
            CompanyNameError::Ending(
                kinds
                    .iter()
                    .flat_map(|k| k.endings().iter().copied())
                    .collect(),
            )
        }))
    }

    /// A Zimbabwean entity name of `kind`.
    pub fn parse_zw(text: &str, kind: ZwEntityKind) -> Result<CompanyName, CompanyNameError> {
        let name = Self::common(text)?;
        let base = kind
            .endings()
            .iter()
            .find_map(|e| strip_suffix_ci(&name, e))
            .ok_or_else(|| CompanyNameError::Ending(kind.endings().to_vec()))?;
        if base.trim().is_empty() {
            return Err(CompanyNameError::Empty);
        }
        Ok(CompanyName {
            base: base.trim().to_owned(),
            name,
            ring_fenced: false,
            number_name: false,
        })
    }

    pub fn as_str(&self) -> &str {
        &self.name
    }

    /// The distinctive words, without the ending.
    pub fn base(&self) -> &str {
        &self.base
    }

    pub fn is_ring_fenced(&self) -> bool {
        self.ring_fenced
    }

    pub fn is_number_name(&self) -> bool {
        self.number_name
    }
}

impl fmt::Display for CompanyName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use SaCompanyKind::*;

    #[test]
    fn endings_match_the_company_type() {
        for (name, kind) in [
            ("Karoo Solar (Pty) Ltd", Private),
            ("Karoo Solar Proprietary Limited", Private),
            ("karoo solar (pty) ltd", Private),
            ("Karoo Solar Ltd", Public),
            ("Karoo Solar Limited", Public),
            ("Mokoena Attorneys Inc.", PersonalLiability),
            ("Mokoena Attorneys Incorporated", PersonalLiability),
            ("Eskom Holdings SOC Ltd", StateOwned),
            ("Ubuntu Literacy Trust NPC", NonProfit),
            ("A+B & Sons #1 @ 100% = Win (Pty) Ltd", Private),
            ("Ṅwana wa Vhathu (Pty) Ltd", Private),
        ] {
            assert!(CompanyName::parse_sa(name, kind).is_ok(), "{name}");
        }
        for (name, kind) in [
            ("Karoo Solar (Pty) Ltd", Public),
            ("Karoo Solar Ltd", Private),
            ("Eskom Holdings SOC Ltd", Public),
            ("Karoo Solar", Private),
            ("Ubuntu Trust (Pty) Ltd", NonProfit),
            ("Karoo Solar Pty Ltd", Private),
        ] {
            assert!(
                matches!(
                    CompanyName::parse_sa(name, kind),
                    Err(CompanyNameError::Ending(_))
                ),
                "{name} as {kind:?}"
            );
        }
    }

    #[test]
    fn characters_brackets_and_empty_names() {
        assert_eq!(
            CompanyName::parse_sa("Karoo $olar (Pty) Ltd", Private),
            Err(CompanyNameError::Character('$'))
        );
        assert_eq!(
            CompanyName::parse_sa("Karoo (Solar (Pty) Ltd", Private),
            Err(CompanyNameError::Brackets)
        );
        assert_eq!(
            CompanyName::parse_sa("Karoo) Solar( (Pty) Ltd", Private),
            Err(CompanyNameError::Brackets)
        );
        assert_eq!(
            CompanyName::parse_sa("(Pty) Ltd", Private),
            Err(CompanyNameError::Empty)
        );
        let spaced = CompanyName::parse_sa("  Karoo   Solar  (Pty)  Ltd ", Private).unwrap();
        assert_eq!(spaced.as_str(), "Karoo Solar (Pty) Ltd");
        assert_eq!(spaced.base(), "Karoo Solar");
    }

    #[test]
    fn number_names_and_ring_fencing() {
        let n = CompanyName::parse_sa("2011/000123/07 (South Africa) (Pty) Ltd", Private).unwrap();
        assert!(n.is_number_name());
        assert_eq!(
            CompanyName::parse_sa("2011/000123/07 (Pty) Ltd", Private),
            Err(CompanyNameError::NumberNameNeedsSouthAfrica)
        );
        assert_eq!(
            CompanyName::parse_sa("2011/000123/08 (South Africa) NPC", NonProfit),
            Err(CompanyNameError::NumberNameNotAllowed)
        );
        let rf = CompanyName::parse_sa("Karoo Solar Funding (RF) (Pty) Ltd", Private).unwrap();
        assert!(rf.is_ring_fenced());
        assert_eq!(rf.base(), "Karoo Solar Funding");
        assert!(
            !CompanyName::parse_sa("Karoo Solar (Pty) Ltd", Private)
                .unwrap()
                .is_ring_fenced()
        );
    }

    #[test]
    fn the_type_follows_from_the_ending() {
        assert_eq!(
            CompanyName::parse_sa_any("Eskom Holdings SOC Ltd")
                .unwrap()
                .1,
            StateOwned
        );
        assert_eq!(
            CompanyName::parse_sa_any("Karoo Solar (Pty) Ltd")
                .unwrap()
                .1,
            Private
        );
        assert_eq!(CompanyName::parse_sa_any("JSE Limited").unwrap().1, Public);
        assert_eq!(
            CompanyName::parse_sa_any("Ubuntu Literacy NPC").unwrap().1,
            NonProfit
        );
        assert!(
            matches!(CompanyName::parse_sa_any("Karoo Solar"), Err(CompanyNameError::Ending(e)) if e.len() == 10)
        );
        assert_eq!(
            CompanyName::parse_sa_any("Karoo $olar (Pty) Ltd"),
            Err(CompanyNameError::Character('$'))
        );
    }

    #[test]
    fn zimbabwean_entities() {
        for (name, kind) in [
            (
                "Harare Logistics (Private) Limited",
                ZwEntityKind::PrivateLimited,
            ),
            ("Harare Logistics (Pvt) Ltd", ZwEntityKind::PrivateLimited),
            ("Mbare Traders PBC", ZwEntityKind::Pbc),
        ] {
            assert!(CompanyName::parse_zw(name, kind).is_ok(), "{name}");
        }
        assert!(matches!(
            CompanyName::parse_zw("Harare Logistics (Pty) Ltd", ZwEntityKind::PrivateLimited),
            Err(CompanyNameError::Ending(_))
        ));
        assert!(matches!(
            CompanyName::parse_zw("Mbare Traders (Pvt) Ltd", ZwEntityKind::Pbc),
            Err(CompanyNameError::Ending(_))
        ));
    }
}
