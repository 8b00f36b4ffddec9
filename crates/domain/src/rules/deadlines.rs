//! Filing deadlines of FACTS.md §1 (CIPC) that follow from statute, computed on the South
//! African business-day calendar.
//!
//! Counting convention, as in [`BusinessCalendar::add_business_days`]: "n business days after
//! D" is the n-th business day following D, D itself not counted.
//!
//! Where FACTS.md is silent we chose, and say so on the item: the anniversary of a 29 February
//! incorporation ([`LEAP_DAY_ANNIVERSARY`]), the month arithmetic of a name reservation's
//! expiry, and that the first annual return falls in the year after incorporation.

use chrono::{Datelike, Months, NaiveDate};
use serde::Serialize;

use super::RuleError;
use crate::calendar::BusinessCalendar;

/// The Companies Act 71 of 2008 commenced on 1 May 2011 (Proclamation R32/2011).
pub const COMPANIES_ACT_COMMENCED: NaiveDate = match NaiveDate::from_ymd_opt(2011, 5, 1) {
    Some(date) => date,
    None => panic!("1 May 2011 is a date"),
};

/// A company files its annual return within 30 business days after the anniversary of its
/// incorporation (bizportal.gov.za/ar.aspx).
pub const ANNUAL_RETURN_BUSINESS_DAYS: u32 = 30;

/// New companies file beneficial-ownership information within 10 business days of
/// incorporation (CIPC Guidance Note 2/2023, per FACTS.md §1).
pub const BENEFICIAL_OWNERSHIP_BUSINESS_DAYS: u32 = 10;

/// A name reservation is valid 6 months from the application date (CoR 9.1) ...
pub const NAME_RESERVATION_MONTHS: u32 = 6;

/// ... and may be extended for good cause by 60 business days (CoR 9.2).
pub const NAME_RESERVATION_EXTENSION_BUSINESS_DAYS: u32 = 60;

/// Which day is the anniversary of a 29 February incorporation in a year without one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LeapDayAnniversary {
    February28,
    March1,
}

/// Our choice, not a rule of FACTS.md (which is silent): the anniversary of a 29 February
/// incorporation falls on 28 February in common years, the last day of the same month, so the
/// return is never later than the anniversary month and the deadline errs early. Change it
/// here if CIPC is found to count from 1 March.
pub const LEAP_DAY_ANNIVERSARY: LeapDayAnniversary = LeapDayAnniversary::February28;

/// A filing window: the return may be filed from `opens` and is due by `due` (inclusive).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Window {
    pub opens: NaiveDate,
    pub due: NaiveDate,
}

/// The anniversary of `incorporated_on` in `year`.
pub fn anniversary(incorporated_on: NaiveDate, year: i32) -> Result<NaiveDate, RuleError> {
    let (month, day) = match (incorporated_on.month(), incorporated_on.day()) {
        (2, 29) if NaiveDate::from_ymd_opt(year, 2, 29).is_none() => match LEAP_DAY_ANNIVERSARY {
            LeapDayAnniversary::February28 => (2, 28),
            LeapDayAnniversary::March1 => (3, 1),
        },
        other => other,
    };
    NaiveDate::from_ymd_opt(year, month, day).ok_or_else(|| out_of_range(year))
}

fn out_of_range(year: i32) -> RuleError {
    RuleError::DateOutOfRange(format!("year {year}"))
}

fn check_after_incorporation(incorporated_on: NaiveDate, year: i32) -> Result<(), RuleError> {
    if year <= incorporated_on.year() {
        return Err(RuleError::BeforeFirstReturn {
            incorporated_on,
            year,
        });
    }
    Ok(())
}

/// A company's annual-return window in `year`: from the anniversary of incorporation to 30
/// business days after it. Years up to the incorporation year have none.
pub fn annual_return_window(
    incorporated_on: NaiveDate,
    year: i32,
    cal: &BusinessCalendar,
) -> Result<Window, RuleError> {
    check_after_incorporation(incorporated_on, year)?;
    let opens = anniversary(incorporated_on, year)?;
    Ok(Window {
        opens,
        due: cal.add_business_days(opens, ANNUAL_RETURN_BUSINESS_DAYS),
    })
}

/// A close corporation's annual-return window in `year`: from the first day of its
/// anniversary month to the last day of the following month.
pub fn cc_annual_return_window(incorporated_on: NaiveDate, year: i32) -> Result<Window, RuleError> {
    check_after_incorporation(incorporated_on, year)?;
    let opens = NaiveDate::from_ymd_opt(year, incorporated_on.month(), 1)
        .ok_or_else(|| out_of_range(year))?;
    let due = opens
        .checked_add_months(Months::new(2))
        .and_then(|first_after| first_after.pred_opt())
        .ok_or_else(|| out_of_range(year))?;
    Ok(Window { opens, due })
}

/// The first window, from `from_year` on, whose due date is on or after `today`. Windows
/// close within a few months of opening, so three years always hold one.
fn first_due_from(
    incorporated_on: NaiveDate,
    today: NaiveDate,
    window: impl Fn(i32) -> Result<Window, RuleError>,
) -> Result<Window, RuleError> {
    // The first return is due the year after incorporation; a window of last year may still
    // be open (a December anniversary is due in January or February).
    let from_year = (incorporated_on.year() + 1).max(today.year() - 1);
    for year in from_year..from_year.saturating_add(3) {
        let w = window(year)?;
        if w.due >= today {
            return Ok(w);
        }
    }
    Err(out_of_range(from_year))
}

/// The company's next annual return as of `today`: the window whose due date is the first on
/// or after `today`, never one of the incorporation year itself.
pub fn next_annual_return(
    incorporated_on: NaiveDate,
    today: NaiveDate,
    cal: &BusinessCalendar,
) -> Result<Window, RuleError> {
    first_due_from(incorporated_on, today, |year| {
        annual_return_window(incorporated_on, year, cal)
    })
}

/// [`next_annual_return`] for a close corporation.
pub fn next_cc_annual_return(
    incorporated_on: NaiveDate,
    today: NaiveDate,
) -> Result<Window, RuleError> {
    first_due_from(incorporated_on, today, |year| {
        cc_annual_return_window(incorporated_on, year)
    })
}

/// A new company's beneficial-ownership filing: 10 business days after incorporation.
pub fn beneficial_ownership_due(incorporated_on: NaiveDate, cal: &BusinessCalendar) -> NaiveDate {
    cal.add_business_days(incorporated_on, BENEFICIAL_OWNERSHIP_BUSINESS_DAYS)
}

/// A beneficial-ownership change: `days` business days after it. FACTS.md has 10 and 5 from
/// different sources (UNCONFIRMED), so `days` comes from configuration
/// ([`Rules::beneficial_ownership_change_due`](super::Rules::beneficial_ownership_change_due)).
pub fn beneficial_ownership_change_due(
    changed_on: NaiveDate,
    cal: &BusinessCalendar,
    days: u32,
) -> NaiveDate {
    cal.add_business_days(changed_on, days)
}

/// The day a name reservation lapses: 6 calendar months after the application date. It is
/// valid up to and including this day (our reading of "valid 6 months from the application
/// date"). The same day of the month, or the month's last day when it has none: an application
/// on 31 August expires on 28 February (29 in a leap year), one on 31 March on 30 September.
pub fn name_reservation_expiry(applied_on: NaiveDate) -> Result<NaiveDate, RuleError> {
    applied_on
        .checked_add_months(Months::new(NAME_RESERVATION_MONTHS))
        .ok_or_else(|| RuleError::DateOutOfRange(applied_on.to_string()))
}

/// The new expiry after an extension for good cause: 60 business days after `expiry`.
pub fn name_reservation_extension(expiry: NaiveDate, cal: &BusinessCalendar) -> NaiveDate {
    cal.add_business_days(expiry, NAME_RESERVATION_EXTENSION_BUSINESS_DAYS)
}

/// Why a new close corporation cannot be registered (FACTS.md §1).
pub fn close_corporation_registration_refusal() -> &'static str {
    "No new close corporations may be registered since the Companies Act 71 of 2008 commenced on 1 May 2011; existing CCs continue and file annual returns."
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Weekday;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn cal() -> BusinessCalendar {
        BusinessCalendar::statutory()
    }

    fn due(incorporated_on: NaiveDate, year: i32) -> NaiveDate {
        annual_return_window(incorporated_on, year, &cal())
            .unwrap()
            .due
    }

    /// Each due date counted by hand on a printed calendar; holidays from the Public Holidays
    /// Act (Easter 2025 20 Apr, 2026 5 Apr, 2027 28 Mar, 2029 1 Apr) and its Sunday→Monday
    /// rule. (n) is the running count of business days after the anniversary.
    #[test]
    fn company_annual_return_due_dates_counted_by_hand() {
        // 1. Anniversary Fri 27 Mar 2026, the Friday before Good Friday.
        //    Mon 30 (1), Tue 31 (2), Wed 1 Apr (3), Thu 2 (4), Good Friday 3 and Family Day
        //    Mon 6 skipped, Tue 7–Fri 10 (8), 13–17 (13), 20–24 (18), Freedom Day Mon 27
        //    skipped, Tue 28–Thu 30 (21), Workers' Day Fri 1 May skipped, Mon 4–Fri 8 (26),
        //    Mon 11 (27), Tue 12 (28), Wed 13 (29), Thu 14 May (30).
        assert_eq!(d(2026, 3, 27).weekday(), Weekday::Fri);
        assert_eq!(due(d(2020, 3, 27), 2026), d(2026, 5, 14));

        // 2. Anniversary Sun 22 Sep 2024, Heritage Day Tue 24 Sep.
        //    Mon 23 (1), Heritage Day skipped, Wed 25–Fri 27 (4), Mon 30 (5), Tue 1–Fri 4 Oct
        //    (9), 7–11 (14), 14–18 (19), 21–25 (24), Mon 28–Thu 31 (28), Fri 1 Nov (29),
        //    Mon 4 Nov (30).
        assert_eq!(d(2024, 9, 22).weekday(), Weekday::Sun);
        assert_eq!(due(d(2019, 9, 22), 2024), d(2024, 11, 4));

        // 3. Anniversary Sun 16 Jun 2024, Youth Day; Mon 17 Jun is the observed holiday.
        //    Mon 17 skipped, Tue 18–Fri 21 (4), 24–28 (9), 1–5 Jul (14), 8–12 (19), 15–19
        //    (24), 22–26 (29), Mon 29 Jul (30).
        assert_eq!(d(2024, 6, 16).weekday(), Weekday::Sun);
        assert_eq!(due(d(2015, 6, 16), 2024), d(2024, 7, 29));

        // 4. Anniversary Wed 24 Dec 2025: Christmas Thu 25, Day of Goodwill Fri 26, New
        //    Year's Day Thu 1 Jan 2026. Mon 29 (1), Tue 30 (2), Wed 31 (3), 1 Jan skipped,
        //    Fri 2 (4), 5–9 (9), 12–16 (14), 19–23 (19), 26–30 (24), Mon 2–Fri 6 Feb (29),
        //    Mon 9 Feb 2026 (30).
        assert_eq!(d(2025, 12, 24).weekday(), Weekday::Wed);
        assert_eq!(due(d(2012, 12, 24), 2025), d(2026, 2, 9));

        // 5. Anniversary Fri 24 Dec 2027: Christmas Sat 25, Day of Goodwill Sun 26, so Mon 27
        //    is the observed holiday; New Year's Day 2028 is a Saturday (no Monday off).
        //    Tue 28–Fri 31 (4), Mon 3–Fri 7 Jan (9), 10–14 (14), 17–21 (19), 24–28 (24),
        //    Mon 31 (25), Tue 1–Fri 4 Feb (29), Mon 7 Feb 2028 (30).
        assert_eq!(d(2027, 12, 24).weekday(), Weekday::Fri);
        assert_eq!(due(d(2013, 12, 24), 2027), d(2028, 2, 7));

        // 6. Incorporated 29 Feb 2024; in 2025 the anniversary is Fri 28 Feb (our choice).
        //    Mon 3–Fri 7 Mar (5), 10–14 (10), Mon 17–Thu 20 (14), Human Rights Day Fri 21
        //    skipped, 24–28 (19), Mon 31 (20), Tue 1–Fri 4 Apr (24), 7–11 (29), Mon 14 Apr
        //    (30). (Good Friday 2025 is 18 Apr, after.)
        assert_eq!(anniversary(d(2024, 2, 29), 2025).unwrap(), d(2025, 2, 28));
        assert_eq!(due(d(2024, 2, 29), 2025), d(2025, 4, 14));

        // 7. The same company in 2028, a leap year: anniversary Tue 29 Feb 2028.
        //    Wed 1–Fri 3 Mar (3), 6–10 (8), 13–17 (13), Mon 20 (14), Human Rights Day Tue 21
        //    skipped, Wed 22–Fri 24 (17), 27–31 (22), Mon 3–Fri 7 Apr (27), Mon 10 (28),
        //    Tue 11 (29), Wed 12 Apr (30). (Good Friday 2028 is 14 Apr, after.)
        assert_eq!(anniversary(d(2024, 2, 29), 2028).unwrap(), d(2028, 2, 29));
        assert_eq!(due(d(2024, 2, 29), 2028), d(2028, 4, 12));

        // 8. Anniversary Fri 19 Mar 2027: Human Rights Day Sun 21 → Mon 22 observed, Good
        //    Friday 26 Mar, Family Day Mon 29 Mar, Freedom Day Tue 27 Apr, Workers' Day Sat
        //    1 May. Tue 23–Thu 25 (3), Tue 30–Fri 2 Apr (7), 5–9 (12), 12–16 (17), 19–23
        //    (22), Mon 26 (23), Wed 28–Fri 30 (26), Mon 3–Thu 6 May (30).
        assert_eq!(due(d(2021, 3, 19), 2027), d(2027, 5, 6));

        // 9. Anniversary Tue 20 Mar 2029: Human Rights Day Wed 21, Good Friday 30 Mar, Family
        //    Day Mon 2 Apr, Freedom Day Fri 27 Apr, Workers' Day Tue 1 May.
        //    Thu 22–Fri 23 (2), Mon 26–Thu 29 (6), Tue 3–Fri 6 Apr (10), 9–13 (15), 16–20
        //    (20), Mon 23–Thu 26 (24), Mon 30 (25), Wed 2–Fri 4 May (28), Mon 7 (29),
        //    Tue 8 May (30).
        assert_eq!(d(2029, 3, 20).weekday(), Weekday::Tue);
        assert_eq!(due(d(2021, 3, 20), 2029), d(2029, 5, 8));

        // 10. Anniversary Sat 15 Dec 2029: Day of Reconciliation Sun 16 → Mon 17 observed,
        //    Christmas Tue 25, Goodwill Wed 26, New Year Tue 1 Jan 2030.
        //    Tue 18–Fri 21 (4), Mon 24 (5), Thu 27–Fri 28 (7), Mon 31 (8), Wed 2–Fri 4 Jan
        //    (11), 7–11 (16), 14–18 (21), 21–25 (26), Mon 28–Thu 31 Jan 2030 (30).
        assert_eq!(d(2029, 12, 15).weekday(), Weekday::Sat);
        assert_eq!(due(d(2022, 12, 15), 2029), d(2030, 1, 31));

        // 11. Anniversary Wed 1 Jul 2026; Women's Day Sun 9 Aug → Mon 10 Aug observed.
        //    Thu 2–Fri 3 (2), 6–10 (7), 13–17 (12), 20–24 (17), 27–31 (22), Mon 3–Fri 7 Aug
        //    (27), Mon 10 skipped, Tue 11 (28), Wed 12 (29), Thu 13 Aug (30).
        assert_eq!(due(d(2018, 7, 1), 2026), d(2026, 8, 13));

        // 12. Anniversary Fri 14 Jun 2030; Youth Day Sun 16 → Mon 17 observed.
        //    Tue 18–Fri 21 (4), 24–28 (9), 1–5 Jul (14), 8–12 (19), 15–19 (24), 22–26 (29),
        //    Mon 29 Jul (30).
        assert_eq!(due(d(2016, 6, 14), 2030), d(2030, 7, 29));
    }

    #[test]
    fn the_window_opens_on_the_anniversary() {
        let w = annual_return_window(d(2020, 3, 27), 2026, &cal()).unwrap();
        assert_eq!(w.opens, d(2026, 3, 27));
        let err = annual_return_window(d(2020, 3, 27), 2020, &cal()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "annual returns start the year after incorporation: an entity incorporated on 2020-03-27 files its first in 2021, so there is none for 2020"
        );
        assert!(annual_return_window(d(2020, 3, 27), 1999, &cal()).is_err());
    }

    #[test]
    fn close_corporation_windows() {
        let w = cc_annual_return_window(d(2005, 3, 15), 2026).unwrap();
        assert_eq!((w.opens, w.due), (d(2026, 3, 1), d(2026, 4, 30)));
        // A December anniversary runs into January.
        let w = cc_annual_return_window(d(2001, 12, 5), 2025).unwrap();
        assert_eq!((w.opens, w.due), (d(2025, 12, 1), d(2026, 1, 31)));
        // A January anniversary ends with February, 29 days in a leap year.
        let w = cc_annual_return_window(d(2003, 1, 20), 2028).unwrap();
        assert_eq!((w.opens, w.due), (d(2028, 1, 1), d(2028, 2, 29)));
        let w = cc_annual_return_window(d(2003, 1, 20), 2027).unwrap();
        assert_eq!(w.due, d(2027, 2, 28));
        assert!(cc_annual_return_window(d(2003, 1, 20), 2003).is_err());
    }

    #[test]
    fn the_next_annual_return() {
        let cal = cal();
        let inc = d(2024, 3, 10);
        // Never the incorporation year: the first window is March 2025.
        let next = next_annual_return(inc, d(2024, 3, 10), &cal).unwrap();
        assert_eq!(next.opens, d(2025, 3, 10));
        let next = next_annual_return(inc, d(2024, 12, 31), &cal).unwrap();
        assert_eq!(next.opens, d(2025, 3, 10));
        // Inside the 2026 window, and on its due date, it is still the 2026 return.
        let w2026 = annual_return_window(inc, 2026, &cal).unwrap();
        assert_eq!(next_annual_return(inc, d(2026, 3, 1), &cal).unwrap(), w2026);
        assert_eq!(next_annual_return(inc, w2026.due, &cal).unwrap(), w2026);
        // The day after, the 2027 one.
        let after = w2026.due.succ_opt().unwrap();
        assert_eq!(
            next_annual_return(inc, after, &cal).unwrap().opens,
            d(2027, 3, 10)
        );
        // A December anniversary is due the next year: on 15 Jan 2026 the 2025 return is next.
        let dec = d(2012, 12, 24);
        let next = next_annual_return(dec, d(2026, 1, 15), &cal).unwrap();
        assert_eq!((next.opens, next.due), (d(2025, 12, 24), d(2026, 2, 9)));
        assert_eq!(
            next_annual_return(dec, d(2026, 2, 10), &cal).unwrap().opens,
            d(2026, 12, 24)
        );
        // Close corporations likewise.
        let cc = d(2001, 12, 5);
        assert_eq!(
            next_cc_annual_return(cc, d(2026, 1, 31)).unwrap().opens,
            d(2025, 12, 1)
        );
        assert_eq!(
            next_cc_annual_return(cc, d(2026, 2, 1)).unwrap().opens,
            d(2026, 12, 1)
        );
    }

    #[test]
    fn beneficial_ownership_deadlines() {
        let cal = cal();
        // Fri 14 Jun 2024: Mon 17 (Youth Day observed) skipped, Tue 18–Fri 21 (4), 24–28 (9),
        // Mon 1 Jul (10).
        assert_eq!(
            beneficial_ownership_due(d(2024, 6, 14), &cal),
            d(2024, 7, 1)
        );
        // Wed 1 Apr 2026 + 5: Thu 2 (1), Easter weekend, Tue 7–Fri 10 (5).
        assert_eq!(
            beneficial_ownership_change_due(d(2026, 4, 1), &cal, 5),
            d(2026, 4, 10)
        );
    }

    #[test]
    fn name_reservation_expiry_and_extension() {
        assert_eq!(
            name_reservation_expiry(d(2026, 1, 15)).unwrap(),
            d(2026, 7, 15)
        );
        // No 31 February: the month's last day.
        assert_eq!(
            name_reservation_expiry(d(2025, 8, 31)).unwrap(),
            d(2026, 2, 28)
        );
        assert_eq!(
            name_reservation_expiry(d(2027, 8, 31)).unwrap(),
            d(2028, 2, 29)
        );
        assert_eq!(
            name_reservation_expiry(d(2026, 3, 31)).unwrap(),
            d(2026, 9, 30)
        );
        assert_eq!(
            name_reservation_expiry(d(2025, 12, 31)).unwrap(),
            d(2026, 6, 30)
        );
        assert_eq!(
            name_reservation_expiry(d(2026, 2, 28)).unwrap(),
            d(2026, 8, 28)
        );
        assert!(name_reservation_expiry(NaiveDate::MAX).is_err());
        // Wed 15 Jul 2026 + 60 business days: Thu 16–Fri 17 (2), 20–24 (7), 27–31 (12),
        // 3–7 Aug (17), Mon 10 (Women's Day observed) skipped, Tue 11–Fri 14 (21), 17–21
        // (26), 24–28 (31), 31 Aug–4 Sep (36), 7–11 (41), 14–18 (46), Mon 21–Wed 23 (49),
        // Heritage Day Thu 24 skipped, Fri 25 (50), 28 Sep–2 Oct (55), 5–9 Oct (60).
        assert_eq!(
            name_reservation_extension(d(2026, 7, 15), &cal()),
            d(2026, 10, 9)
        );
    }

    #[test]
    fn close_corporations_are_refused_with_the_reason() {
        assert_eq!(COMPANIES_ACT_COMMENCED, d(2011, 5, 1));
        assert!(close_corporation_registration_refusal().contains("1 May 2011"));
    }
}
