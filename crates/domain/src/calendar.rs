//! South African business days: weekends and public holidays (Public Holidays Act 36 of 1994),
//! for deadlines stated in business days (name-reservation extensions, annual returns,
//! beneficial-ownership filings, VAT registration).
//!
//! The fixed-date holidays, the Easter-based ones (Good Friday, Family Day), and the Act's
//! rule that a holiday falling on a Sunday makes the following Monday a holiday. The days the
//! President declares under section 2A (election days, decrees) are data: the platform keeps
//! them in `control.declared_holidays` (seeded with [`shipped_declared_holidays`]), and a
//! [`BusinessCalendar`] is built from that list. Nothing that computes a deadline should use
//! [`BusinessCalendar::statutory`], which knows none of them.

use chrono::{Datelike, Duration, NaiveDate, Weekday};
use serde::Serialize;
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

/// A public holiday the President declared for one day (Public Holidays Act s2A).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct DeclaredHoliday {
    pub on: NaiveDate,
    /// Why: "local government elections", "presidential decree".
    pub name: String,
}

/// The declared holidays since 2014 that the product ships with (FACTS.md, "Declared public
/// holidays", from python-holidays 0.109): the seed of `control.declared_holidays`
/// (`migrations/control/0004_declared_holidays.sql`; a store test holds the two equal).
pub fn shipped_declared_holidays() -> Vec<DeclaredHoliday> {
    const SHIPPED: [(i32, u32, u32, &str); 9] = [
        (2014, 5, 7, "national and provincial elections"),
        (2016, 8, 3, "local government elections"),
        (2016, 12, 27, "presidential decree"),
        (2019, 5, 8, "national and provincial elections"),
        (2021, 11, 1, "local government elections"),
        (2022, 12, 27, "presidential decree"),
        (2023, 12, 15, "presidential decree"),
        (2024, 5, 29, "national and provincial elections"),
        (2026, 11, 4, "local government elections"),
    ];
    SHIPPED
        .iter()
        .filter_map(|(y, m, d, name)| {
            Some(DeclaredHoliday {
                on: NaiveDate::from_ymd_opt(*y, *m, *d)?,
                name: (*name).to_owned(),
            })
        })
        .collect()
}

/// Which days are business days: not a weekend, not a holiday of the Act, not a declared one.
///
/// No `Default`: a calendar without the platform's declared holidays put deadlines a business
/// day early (4 November 2026 was missing), so every caller says which list it means.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BusinessCalendar {
    /// The declared days, and the Monday after each one that falls on a Sunday.
    declared: BTreeSet<NaiveDate>,
}

impl BusinessCalendar {
    /// The Act's holidays plus `declared`. A declared day on a Sunday also makes the Monday a
    /// holiday: section 2(1) moves "any public holiday" that falls on a Sunday, and a declared
    /// day is a public holiday (s2A). python-holidays agrees on the one such day it knows
    /// (Sunday 2 January 2000, the Y2K changeover, observed on Monday 3 January).
    pub fn new(declared: impl IntoIterator<Item = NaiveDate>) -> BusinessCalendar {
        let mut days = BTreeSet::new();
        for day in declared {
            days.insert(day);
            if day.weekday() == Weekday::Sun {
                days.insert(day + Duration::days(1));
            }
        }
        BusinessCalendar { declared: days }
    }

    /// Only the Act's holidays, no declared ones: for tests and for comparing against.
    pub fn statutory() -> BusinessCalendar {
        BusinessCalendar::new([])
    }

    /// The Act's holidays plus [`shipped_declared_holidays`]: what a fresh installation
    /// starts with.
    pub fn shipped() -> BusinessCalendar {
        BusinessCalendar::new(shipped_declared_holidays().into_iter().map(|h| h.on))
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
            let cal = BusinessCalendar::statutory();
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
        let cal = BusinessCalendar::statutory();
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

    #[test]
    fn a_declared_sunday_makes_the_monday_a_holiday_too() {
        // The Y2K changeover: Sunday 2 January 2000, observed on Monday 3 January.
        let cal = BusinessCalendar::new([d(2000, 1, 2)]);
        assert!(cal.is_holiday(d(2000, 1, 3)));
        assert!(!BusinessCalendar::statutory().is_holiday(d(2000, 1, 3)));
        // A weekday declaration moves nothing else.
        let cal = BusinessCalendar::new([d(2026, 11, 4)]);
        assert!(cal.is_holiday(d(2026, 11, 4)));
        assert!(cal.is_business_day(d(2026, 11, 5)));
    }

    #[test]
    fn the_shipped_list_is_the_nine_days_of_facts_md() {
        let shipped = shipped_declared_holidays();
        assert_eq!(shipped.len(), 9);
        assert_eq!(shipped.last().map(|h| h.on), Some(d(2026, 11, 4)));
        let cal = BusinessCalendar::shipped();
        // Tuesday 3 November 2026 + 1 business day skips the local government elections.
        assert_eq!(cal.add_business_days(d(2026, 11, 3), 1), d(2026, 11, 5));
    }
}
