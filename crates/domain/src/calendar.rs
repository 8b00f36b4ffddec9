//! South African business days: weekends and public holidays (Public Holidays Act 36 of 1994),
//! for deadlines stated in business days (name-reservation extensions, annual returns,
//! beneficial-ownership filings, VAT registration).
//!
//! The fixed-date holidays, the Easter-based ones (Good Friday, Family Day), and the Act's
//! rule that a holiday falling on a Sunday makes the following Monday a holiday. Holidays the
//! President declares for a year (election days, for example) are added as configuration.

use chrono::{Datelike, Duration, NaiveDate, Weekday};
use std::collections::BTreeSet;

/// Easter Sunday of `year` in the Gregorian calendar (the anonymous Gregorian algorithm).
pub fn easter_sunday(year: i32) -> Option<NaiveDate> {
    let a = year % 19;
    let b = year / 100;
    let c = year % 100;
    let d = b / 4;
    let e = b % 4;
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15) % 30;
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k) % 7;
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    NaiveDate::from_ymd_opt(year, u32::try_from(month).ok()?, u32::try_from(day).ok()?)
}

/// The public holidays of `year`, with their names; a Monday observed for a Sunday holiday is
/// listed too ("… (observed)").
pub fn sa_public_holidays(year: i32) -> Vec<(NaiveDate, String)> {
    const FIXED: [(u32, u32, &str); 10] = [
        (1, 1, "New Year's Day"),
        (3, 21, "Human Rights Day"),
        (4, 27, "Freedom Day"),
        (5, 1, "Workers' Day"),
        (6, 16, "Youth Day"),
        (8, 9, "National Women's Day"),
        (9, 24, "Heritage Day"),
        (12, 16, "Day of Reconciliation"),
        (12, 25, "Christmas Day"),
        (12, 26, "Day of Goodwill"),
    ];
    let mut days: Vec<(NaiveDate, String)> = FIXED
        .iter()
        .filter_map(|(m, d, name)| {
            Some((NaiveDate::from_ymd_opt(year, *m, *d)?, (*name).to_owned()))
        })
        .collect();
    if let Some(easter) = easter_sunday(year) {
        days.push((easter - Duration::days(2), "Good Friday".into()));
        days.push((easter + Duration::days(1), "Family Day".into()));
    }
    let observed: Vec<(NaiveDate, String)> = days
        .iter()
        .filter(|(date, _)| date.weekday() == Weekday::Sun)
        .map(|(date, name)| (*date + Duration::days(1), format!("{name} (observed)")))
        .collect();
    days.extend(observed);
    days.sort();
    days
}

/// Which days are business days.
#[derive(Clone, Debug, Default)]
pub struct BusinessCalendar {
    /// Holidays declared for a particular year, beyond the Act's.
    declared: BTreeSet<NaiveDate>,
}

impl BusinessCalendar {
    pub fn new(declared: impl IntoIterator<Item = NaiveDate>) -> BusinessCalendar {
        BusinessCalendar {
            declared: declared.into_iter().collect(),
        }
    }

    pub fn is_holiday(&self, date: NaiveDate) -> bool {
        self.declared.contains(&date)
            || sa_public_holidays(date.year())
                .iter()
                .any(|(d, _)| *d == date)
    }

    pub fn is_business_day(&self, date: NaiveDate) -> bool {
        !matches!(date.weekday(), Weekday::Sat | Weekday::Sun) && !self.is_holiday(date)
    }

    /// The date `n` business days after `from` (`from` itself not counted).
    pub fn add_business_days(&self, from: NaiveDate, n: u32) -> NaiveDate {
        let mut date = from;
        let mut left = n;
        while left > 0 {
            date += Duration::days(1);
            if self.is_business_day(date) {
                left -= 1;
            }
        }
        date
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn easter_and_its_holidays_2024_to_2030() {
        let expected = [
            (2024, d(2024, 3, 31)),
            (2025, d(2025, 4, 20)),
            (2026, d(2026, 4, 5)),
            (2027, d(2027, 3, 28)),
            (2028, d(2028, 4, 16)),
            (2029, d(2029, 4, 1)),
            (2030, d(2030, 4, 21)),
        ];
        for (year, easter) in expected {
            assert_eq!(easter_sunday(year), Some(easter), "{year}");
            let holidays = sa_public_holidays(year);
            let named = |name: &str| holidays.iter().find(|(_, n)| n == name).unwrap().0;
            assert_eq!(named("Good Friday"), easter - Duration::days(2));
            assert_eq!(named("Family Day"), easter + Duration::days(1));
            assert_eq!(named("Good Friday").weekday(), Weekday::Fri);
        }
    }

    #[test]
    fn a_sunday_holiday_makes_the_monday_a_holiday() {
        // Computed by hand from the weekdays of each year's fixed holidays.
        for (sunday, monday) in [
            (d(2024, 6, 16), d(2024, 6, 17)),
            (d(2025, 4, 27), d(2025, 4, 28)),
            (d(2026, 8, 9), d(2026, 8, 10)),
            (d(2027, 3, 21), d(2027, 3, 22)),
            (d(2027, 12, 26), d(2027, 12, 27)),
            (d(2028, 9, 24), d(2028, 9, 25)),
            (d(2029, 12, 16), d(2029, 12, 17)),
            (d(2030, 6, 16), d(2030, 6, 17)),
        ] {
            assert_eq!(sunday.weekday(), Weekday::Sun);
            let cal = BusinessCalendar::default();
            assert!(cal.is_holiday(monday), "{monday}");
            assert!(!cal.is_business_day(monday));
        }
        // Exactly those observed Mondays in 2024–2030.
        let observed: usize = (2024..=2030)
            .map(|y| {
                sa_public_holidays(y)
                    .iter()
                    .filter(|(_, n)| n.ends_with("(observed)"))
                    .count()
            })
            .sum();
        assert_eq!(observed, 8);
    }

    #[test]
    fn business_days_skip_weekends_holidays_and_declared_days() {
        let cal = BusinessCalendar::default();
        // Thursday 24 Dec 2026 + 1 business day: Fri 25 and Sat 26 Dec (holidays), Sun 27 → Mon 28.
        assert_eq!(cal.add_business_days(d(2026, 12, 24), 1), d(2026, 12, 28));
        // Thursday 2 Apr 2026 + 1: Good Friday 3 Apr, weekend, Family Day 6 Apr → Tue 7 Apr.
        assert_eq!(cal.add_business_days(d(2026, 4, 2), 1), d(2026, 4, 7));
        // A declared day (the 29 May 2024 general election) counts as a holiday when configured.
        let with_election = BusinessCalendar::new([d(2024, 5, 29)]);
        assert_eq!(cal.add_business_days(d(2024, 5, 28), 1), d(2024, 5, 29));
        assert_eq!(
            with_election.add_business_days(d(2024, 5, 28), 1),
            d(2024, 5, 30)
        );
        // 10 business days from Fri 14 Jun 2024: Youth Day observed on Mon 17 Jun is skipped.
        assert_eq!(cal.add_business_days(d(2024, 6, 14), 10), d(2024, 7, 1));
    }
}
