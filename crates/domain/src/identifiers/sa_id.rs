//! The South African ID number, `YYMMDD SSSS C A Z` (FACTS.md section 2).

use super::{digits, luhn};
use chrono::{Datelike, NaiveDate};
use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Gender {
    Female,
    Male,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Citizenship {
    Citizen,
    PermanentResident,
    /// Accepted, and flagged: issued to refugees.
    Refugee,
}

/// A valid SA ID number and what it says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SaIdNumber {
    digits: String,
    date_of_birth: NaiveDate,
    gender: Gender,
    citizenship: Citizenship,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SaIdError {
    #[error("an SA ID number is 13 digits")]
    Shape,
    #[error("the first six digits are not a date of birth (YYMMDD): {0}")]
    Date(String),
    #[error("digit 11 must be 0 (citizen), 1 (permanent resident) or 2 (refugee), not {0}")]
    Citizenship(u8),
    #[error("the check digit is wrong (Luhn): a digit was mistyped")]
    Checksum,
}

impl SaIdNumber {
    /// Parses `text` (spaces allowed). The century is not in the number: the latest one that
    /// puts the birth date on or before `today` is taken.
    pub fn parse(text: &str, today: NaiveDate) -> Result<SaIdNumber, SaIdError> {
        let d = digits(text, 13).ok_or(SaIdError::Shape)?;
        let yy = i32::from(d[0] * 10 + d[1]);
        let month = u32::from(d[2] * 10 + d[3]);
        let day = u32::from(d[4] * 10 + d[5]);
        let this_century = today.year() / 100 * 100;
        let mut year = this_century + yy;
        let recent = NaiveDate::from_ymd_opt(year, month, day);
        if recent.is_none_or(|date| date > today) {
            year -= 100;
        }
        let date_of_birth = NaiveDate::from_ymd_opt(year, month, day).ok_or_else(|| {
            SaIdError::Date(format!(
                "{:02}{month:02}{day:02} is not a real date in any century",
                yy
            ))
        })?;
        let citizenship = match d[10] {
            0 => Citizenship::Citizen,
            1 => Citizenship::PermanentResident,
            2 => Citizenship::Refugee,
            other => return Err(SaIdError::Citizenship(other)),
        };
        if !luhn::is_valid(&d) {
            return Err(SaIdError::Checksum);
        }
        Ok(SaIdNumber {
            digits: d.iter().map(|x| char::from(b'0' + x)).collect(),
            date_of_birth,
            gender: if d[6] <= 4 {
                Gender::Female
            } else {
                Gender::Male
            },
            citizenship,
        })
    }

    pub fn as_str(&self) -> &str {
        &self.digits
    }

    pub fn date_of_birth(&self) -> NaiveDate {
        self.date_of_birth
    }

    pub fn gender(&self) -> Gender {
        self.gender
    }

    pub fn citizenship(&self) -> Citizenship {
        self.citizenship
    }

    /// What a person should double-check although the number is valid.
    pub fn warnings(&self) -> Vec<String> {
        match self.citizenship {
            Citizenship::Refugee => vec![
                "citizenship digit 2: issued to a refugee; confirm the status on the document"
                    .into(),
            ],
            _ => Vec::new(),
        }
    }
}

impl fmt::Display for SaIdNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.digits)
    }
}

impl Gender {
    pub fn as_str(self) -> &'static str {
        match self {
            Gender::Female => "female",
            Gender::Male => "male",
        }
    }
}

impl Citizenship {
    pub fn as_str(self) -> &'static str {
        match self {
            Citizenship::Citizen => "citizen",
            Citizenship::PermanentResident => "permanent_resident",
            Citizenship::Refugee => "refugee",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 24).unwrap()
    }

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn the_valid_vectors_of_facts_md() {
        for (text, dob, gender, citizenship) in [
            (
                "8001015009087",
                date(1980, 1, 1),
                Gender::Male,
                Citizenship::Citizen,
            ),
            (
                "8506150123089",
                date(1985, 6, 15),
                Gender::Female,
                Citizenship::Citizen,
            ),
            (
                "9512314999181",
                date(1995, 12, 31),
                Gender::Female,
                Citizenship::PermanentResident,
            ),
            (
                "0002295109082",
                date(2000, 2, 29),
                Gender::Male,
                Citizenship::Citizen,
            ),
            (
                "7503305044089",
                date(1975, 3, 30),
                Gender::Male,
                Citizenship::Citizen,
            ),
        ] {
            let id = SaIdNumber::parse(text, today()).unwrap();
            assert_eq!(id.date_of_birth(), dob, "{text}");
            assert_eq!(id.gender(), gender, "{text}");
            assert_eq!(id.citizenship(), citizenship, "{text}");
            assert_eq!(id.as_str(), text);
        }
        assert!(
            SaIdNumber::parse("800101 5009 087", today()).is_ok(),
            "spaces allowed"
        );
    }

    #[test]
    fn the_invalid_vectors_of_facts_md() {
        assert_eq!(
            SaIdNumber::parse("8001015009088", today()),
            Err(SaIdError::Checksum)
        );
        assert_eq!(
            SaIdNumber::parse("8503305044089", today()),
            Err(SaIdError::Checksum)
        );
        assert!(matches!(
            SaIdNumber::parse("0102295109189", today()),
            Err(SaIdError::Date(_))
        ));
        for bad in ["", "800101500908", "80010150090871", "80010150090a7"] {
            assert_eq!(
                SaIdNumber::parse(bad, today()),
                Err(SaIdError::Shape),
                "{bad:?}"
            );
        }
    }

    /// A valid number with `yymmdd`, sequence, citizenship digit and the right check digit.
    fn build(yymmdd: &str, seq: u32, c: u8) -> String {
        let mut d: Vec<u8> = format!("{yymmdd}{seq:04}{c}8")
            .bytes()
            .map(|b| b - b'0')
            .collect();
        d.push(luhn::check_digit(&d));
        d.iter().map(|x| char::from(b'0' + x)).collect()
    }

    #[test]
    fn refugees_are_accepted_and_flagged_other_citizenship_digits_refused() {
        let refugee = SaIdNumber::parse(&build("900101", 5000, 2), today()).unwrap();
        assert_eq!(refugee.citizenship(), Citizenship::Refugee);
        assert_eq!(refugee.warnings().len(), 1);
        assert_eq!(
            SaIdNumber::parse(&build("900101", 5000, 3), today()),
            Err(SaIdError::Citizenship(3))
        );
    }

    #[test]
    fn the_century_is_the_latest_not_in_the_future() {
        let born = |yymmdd| {
            SaIdNumber::parse(&build(yymmdd, 100, 0), today())
                .unwrap()
                .date_of_birth()
        };
        assert_eq!(born("261124"), date(2026, 11, 24));
        assert_eq!(born("261125"), date(1926, 11, 25));
        assert_eq!(born("050607"), date(2005, 6, 7));
    }

    proptest! {
        /// 29 February is a date only in leap years (of the century the rule picks).
        #[test]
        fn leap_days_only_in_leap_years(yy in 0u32..100) {
            let text = build(&format!("{yy:02}0229"), 5000, 0);
            let year = if i32::try_from(2000 + yy).unwrap() <= 2026 { 2000 + yy } else { 1900 + yy };
            let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
            prop_assert_eq!(SaIdNumber::parse(&text, today()).is_ok(), leap, "{}", text);
        }

        /// Any real date, sequence and citizenship with the computed check digit is valid,
        /// and the parsed fields are the ones put in; a wrong check digit never is.
        #[test]
        fn built_numbers_parse_back(days in 0i64..36_500, seq in 0u32..10_000, c in 0u8..3, delta in 1u8..10) {
            let dob = today() - chrono::Duration::days(days);
            let text = build(&dob.format("%y%m%d").to_string(), seq, c);
            let id = SaIdNumber::parse(&text, today()).unwrap();
            prop_assert_eq!(id.date_of_birth(), dob);
            prop_assert_eq!(id.gender() == Gender::Male, seq >= 5000);
            let last = text.as_bytes()[12] - b'0';
            let wrong = format!("{}{}", &text[..12], (last + delta) % 10);
            prop_assert_eq!(SaIdNumber::parse(&wrong, today()), Err(SaIdError::Checksum));
        }
    }
}
