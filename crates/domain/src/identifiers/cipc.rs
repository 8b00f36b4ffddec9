//! CIPC registration and enterprise numbers: `YYYY/NNNNNN/NN`, optionally prefixed K, M, B or
//! C (FACTS.md section 1). The format is checked strictly; a type code without a known
//! meaning is only a warning (the full table of codes is not published).

use chrono::{Datelike, NaiveDate};
use std::fmt;

/// What the last two digits say, where that is established.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CompanyType {
    /// 07
    Private,
    /// 06
    Public,
    /// 23
    CloseCorporation,
    /// 08, 21, 10, 30, 24–26: commonly cited, not confirmed by an authoritative table.
    NonProfit,
    PersonalLiability,
    External,
    StateOwned,
    Cooperative,
    /// A code seen in circulation without a confirmed meaning, or not seen at all.
    Unmapped,
}

impl CompanyType {
    fn from_code(code: u8) -> (CompanyType, bool) {
        // (type, confirmed)
        match code {
            7 => (CompanyType::Private, true),
            6 => (CompanyType::Public, true),
            23 => (CompanyType::CloseCorporation, true),
            8 => (CompanyType::NonProfit, false),
            21 => (CompanyType::PersonalLiability, false),
            10 => (CompanyType::External, false),
            30 => (CompanyType::StateOwned, false),
            24..=26 => (CompanyType::Cooperative, false),
            _ => (CompanyType::Unmapped, false),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            CompanyType::Private => "private_company",
            CompanyType::Public => "public_company",
            CompanyType::CloseCorporation => "close_corporation",
            CompanyType::NonProfit => "non_profit_company",
            CompanyType::PersonalLiability => "personal_liability_company",
            CompanyType::External => "external_company",
            CompanyType::StateOwned => "state_owned_company",
            CompanyType::Cooperative => "cooperative",
            CompanyType::Unmapped => "unmapped",
        }
    }
}

/// The letter of an enterprise number.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EnterprisePrefix {
    /// A company registered after 1 May 2011.
    K,
    /// Registered before.
    M,
    /// A close corporation.
    B,
    /// A co-operative.
    C,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RegistrationNumber {
    prefix: Option<EnterprisePrefix>,
    year: i32,
    sequence: u32,
    code: u8,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RegistrationNumberError {
    #[error(
        "a CIPC registration number looks like 2015/255566/07 (year / 6-digit sequence / 2-digit type), optionally with K, M, B or C in front"
    )]
    Shape,
    #[error("the year {0} is not a registration year (1900 to this year)")]
    Year(i32),
    #[error("the sequence 000000 is never issued")]
    Sequence,
}

impl RegistrationNumber {
    pub fn parse(
        text: &str,
        today: NaiveDate,
    ) -> Result<RegistrationNumber, RegistrationNumberError> {
        let text = text.trim();
        let (prefix, rest) = match text.chars().next() {
            Some(c) if c.is_ascii_alphabetic() => {
                let prefix = match c.to_ascii_uppercase() {
                    'K' => EnterprisePrefix::K,
                    'M' => EnterprisePrefix::M,
                    'B' => EnterprisePrefix::B,
                    'C' => EnterprisePrefix::C,
                    _ => return Err(RegistrationNumberError::Shape),
                };
                (Some(prefix), &text[1..])
            }
            _ => (None, text),
        };
        let parts: Vec<&str> = rest.split('/').collect();
        let [year, sequence, code] = parts.as_slice() else {
            return Err(RegistrationNumberError::Shape);
        };
        let all_digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
        if !(all_digits(year, 4) && all_digits(sequence, 6) && all_digits(code, 2)) {
            return Err(RegistrationNumberError::Shape);
        }
        let year: i32 = year.parse().map_err(|_| RegistrationNumberError::Shape)?;
        let sequence: u32 = sequence
            .parse()
            .map_err(|_| RegistrationNumberError::Shape)?;
        let code: u8 = code.parse().map_err(|_| RegistrationNumberError::Shape)?;
        if !(1900..=today.year()).contains(&year) {
            return Err(RegistrationNumberError::Year(year));
        }
        if sequence == 0 {
            return Err(RegistrationNumberError::Sequence);
        }
        Ok(RegistrationNumber {
            prefix,
            year,
            sequence,
            code,
        })
    }

    pub fn year(&self) -> i32 {
        self.year
    }

    pub fn sequence(&self) -> u32 {
        self.sequence
    }

    pub fn type_code(&self) -> u8 {
        self.code
    }

    pub fn company_type(&self) -> CompanyType {
        CompanyType::from_code(self.code).0
    }

    pub fn prefix(&self) -> Option<EnterprisePrefix> {
        self.prefix
    }

    /// The number without its enterprise prefix, as CIPC writes registration numbers.
    pub fn registration_number(&self) -> String {
        format!("{:04}/{:06}/{:02}", self.year, self.sequence, self.code)
    }

    pub fn warnings(&self) -> Vec<String> {
        let (kind, confirmed) = CompanyType::from_code(self.code);
        match (kind, confirmed) {
            (CompanyType::Unmapped, _) => vec![format!(
                "type code {:02} has no known meaning; check the number against the certificate",
                self.code
            )],
            (_, false) => vec![format!(
                "type code {:02} is commonly read as {}, which no authoritative table confirms",
                self.code,
                kind.as_str().replace('_', " ")
            )],
            _ => Vec::new(),
        }
    }
}

impl fmt::Display for RegistrationNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(p) = self.prefix {
            write!(f, "{p:?}")?;
        }
        f.write_str(&self.registration_number())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 24).unwrap()
    }

    #[test]
    fn registration_and_enterprise_numbers_of_facts_md() {
        let first = RegistrationNumber::parse("2000/000001/07", today()).unwrap();
        assert_eq!(
            (first.year(), first.sequence(), first.company_type()),
            (2000, 1, CompanyType::Private)
        );
        assert!(first.warnings().is_empty());
        let jse = RegistrationNumber::parse("2005/022939/06", today()).unwrap();
        assert_eq!(jse.company_type(), CompanyType::Public);
        let enterprise = RegistrationNumber::parse("K2015/255566/07", today()).unwrap();
        assert_eq!(enterprise.prefix(), Some(EnterprisePrefix::K));
        assert_eq!(enterprise.registration_number(), "2015/255566/07");
        assert_eq!(enterprise.to_string(), "K2015/255566/07");
        let cc = RegistrationNumber::parse("B1998/012345/23", today()).unwrap();
        assert_eq!(cc.company_type(), CompanyType::CloseCorporation);
    }

    #[test]
    fn unconfirmed_and_unknown_codes_warn_but_parse() {
        let npc = RegistrationNumber::parse("2012/000123/08", today()).unwrap();
        assert_eq!(npc.company_type(), CompanyType::NonProfit);
        assert_eq!(npc.warnings().len(), 1);
        let odd = RegistrationNumber::parse("2012/000123/99", today()).unwrap();
        assert_eq!(odd.company_type(), CompanyType::Unmapped);
        assert!(odd.warnings()[0].contains("no known meaning"));
    }

    #[test]
    fn malformed_numbers_are_refused_with_the_shape() {
        for bad in [
            "",
            "2015/25556/07",
            "2015/255566/7",
            "15/255566/07",
            "X2015/255566/07",
            "2015-255566-07",
            "2015/255566/07/1",
            "20a5/255566/07",
        ] {
            assert_eq!(
                RegistrationNumber::parse(bad, today()),
                Err(RegistrationNumberError::Shape),
                "{bad:?}"
            );
        }
        assert_eq!(
            RegistrationNumber::parse("2027/000001/07", today()),
            Err(RegistrationNumberError::Year(2027))
        );
        assert_eq!(
            RegistrationNumber::parse("1899/000001/07", today()),
            Err(RegistrationNumberError::Year(1899))
        );
        assert_eq!(
            RegistrationNumber::parse("2015/000000/07", today()),
            Err(RegistrationNumberError::Sequence)
        );
    }
}
