//! Our business calendar checked against an independent one: the Python `holidays` library
//! (python-holidays, country ZA; installed by scripts/test). Under `CI=true` a missing module
//! fails the test; elsewhere it skips.
//!
//! * Every day of 2014–2030: a day python-holidays calls a South African holiday is a
//!   non-business day of ours, and a weekday we call a holiday is one of python-holidays'
//!   (with the declared list the product ships). Its special (declared) days since 2014 are
//!   exactly our shipped list.
//! * 1995–2013 with python-holidays' own special days declared to us: the same again, which
//!   checks our Sunday → Monday rule for a declared day on its one case (the Y2K changeover,
//!   Sunday 2 January 2000, which python-holidays observes on Monday 3 January).
//! * Annual returns: the first return of a company incorporated on every day of 2013–2029
//!   (anniversaries 2014–2030) is due 30 business days after its anniversary; python counts
//!   those days with its own calendar. With our shipped list every due date agrees; without
//!   it, exactly the windows that span a declared day are a business day early.

use chrono::{Datelike, Duration, NaiveDate, Weekday};
use comply360_domain::calendar::{BusinessCalendar, shipped_declared_holidays};
use comply360_domain::rules::annual_return_window;
use serde_json::Value;
use std::collections::BTreeSet;
use std::process::Command;

/// Whether this is a CI run (`CI=true`), where a missing Python module fails the test.
fn ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
}

/// Asks python-holidays; None when python3 or the module is missing (outside CI).
const ORACLE: &str = r#"
import datetime, json, sys
import holidays
from holidays.countries.south_africa import SouthAfricaStaticHolidays

def special_days(first, last):
    out = []
    for year, entries in SouthAfricaStaticHolidays.special_public_holidays.items():
        if not first <= year <= last:
            continue
        if isinstance(entries[0], int):
            entries = (entries,)
        for month, day, _name in entries:
            out.append(datetime.date(year, month, day).isoformat())
    return sorted(out)

za = holidays.ZA(years=range(1995, 2032))
days = sorted(d.isoformat() for d in za.keys() if 1995 <= d.year <= 2030)

def business(d):
    return d.weekday() < 5 and d not in za

def add_business_days(d, n):
    while n > 0:
        d += datetime.timedelta(days=1)
        if business(d):
            n -= 1
    return d

# The first annual return of a company incorporated on each day of 2013-2029: the
# anniversary in the next year (29 February -> 28 February, our documented choice), then
# 30 business days.
due = {}
inc = datetime.date(2013, 1, 1)
while inc <= datetime.date(2029, 12, 31):
    year = inc.year + 1
    try:
        anniversary = inc.replace(year=year)
    except ValueError:
        anniversary = datetime.date(year, 2, 28)
    due[inc.isoformat()] = add_business_days(anniversary, 30).isoformat()
    inc += datetime.timedelta(days=1)

json.dump({
    "version": holidays.__version__,
    "holidays": days,
    "special_since_2014": special_days(2014, 2030),
    "special_before_2014": special_days(1995, 2013),
    "annual_return_due": due,
}, sys.stdout)
"#;

fn oracle() -> Option<Value> {
    let out = match Command::new("python3").arg("-c").arg(ORACLE).output() {
        Ok(out) => out,
        Err(e) => {
            assert!(!ci(), "python3 is required under CI=true: {e}");
            eprintln!("skipped: no python3 ({e})");
            return None;
        }
    };
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            !ci() || !err.contains("No module named"),
            "python-holidays is required under CI=true (scripts/test installs it): {err}"
        );
        assert!(err.contains("No module named"), "the oracle failed: {err}");
        eprintln!("skipped: python-holidays is not installed");
        return None;
    }
    Some(serde_json::from_slice(&out.stdout).expect("the oracle's JSON"))
}

fn dates(v: &Value) -> Vec<NaiveDate> {
    v.as_array()
        .expect("an array of dates")
        .iter()
        .map(|d| d.as_str().expect("a date").parse().expect("ISO date"))
        .collect()
}

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

/// Days of `first..=last` on which the two calendars disagree: (day, python says holiday).
fn disagreements(
    cal: &BusinessCalendar,
    python: &BTreeSet<NaiveDate>,
    first: NaiveDate,
    last: NaiveDate,
) -> Vec<(NaiveDate, bool)> {
    let mut out = Vec::new();
    let mut day = first;
    while day <= last {
        let theirs = python.contains(&day);
        let weekend = matches!(day.weekday(), Weekday::Sat | Weekday::Sun);
        // Theirs is a non-business day of ours; a weekday holiday of ours is one of theirs.
        if (theirs && cal.is_business_day(day)) || (!weekend && cal.is_holiday(day) && !theirs) {
            out.push((day, theirs));
        }
        day += Duration::days(1);
    }
    out
}

#[test]
fn the_business_calendar_agrees_with_python_holidays_2014_to_2030() {
    let Some(oracle) = oracle() else {
        return;
    };
    let python: BTreeSet<NaiveDate> = dates(&oracle["holidays"]).into_iter().collect();
    let shipped: Vec<NaiveDate> = shipped_declared_holidays().iter().map(|h| h.on).collect();
    assert_eq!(
        dates(&oracle["special_since_2014"]),
        shipped,
        "python-holidays {} declares other days since 2014 than we ship",
        oracle["version"]
    );
    let in_range = python
        .iter()
        .filter(|day| (2014..=2030).contains(&day.year()))
        .count();
    assert!(in_range > 200, "{in_range} holidays in 2014-2030");

    let cal = BusinessCalendar::shipped();
    assert_eq!(
        disagreements(&cal, &python, d(2014, 1, 1), d(2030, 12, 31)),
        [],
        "every day of 2014-2030"
    );
    // Without the declared list, exactly the nine declared days are missing.
    let missing: Vec<NaiveDate> = disagreements(
        &BusinessCalendar::statutory(),
        &python,
        d(2014, 1, 1),
        d(2030, 12, 31),
    )
    .into_iter()
    .map(|(day, theirs)| {
        assert!(theirs, "{day}");
        day
    })
    .collect();
    assert_eq!(missing, shipped);

    // 1995-2013 with python-holidays' own special days declared: the Sunday rule for a
    // declared day (2 January 2000 -> Monday 3 January) is theirs too.
    let before = dates(&oracle["special_before_2014"]);
    assert!(before.contains(&d(2000, 1, 2)), "{before:?}");
    assert!(python.contains(&d(2000, 1, 3)));
    let cal = BusinessCalendar::new(before);
    assert_eq!(
        disagreements(&cal, &python, d(1995, 1, 1), d(2013, 12, 31)),
        [],
        "every day of 1995-2013"
    );
}

#[test]
fn annual_return_due_dates_agree_with_an_independent_computation() {
    let Some(oracle) = oracle() else {
        return;
    };
    let due = oracle["annual_return_due"]
        .as_object()
        .expect("due dates by incorporation day");
    let shipped = BusinessCalendar::shipped();
    let statutory = BusinessCalendar::statutory();
    let declared: Vec<NaiveDate> = shipped_declared_holidays().iter().map(|h| h.on).collect();
    let (mut checked, mut early, mut early_2026, mut in_2026) = (0, 0, 0, 0);
    for (inc, theirs) in due {
        let inc: NaiveDate = inc.parse().unwrap();
        let theirs: NaiveDate = theirs.as_str().unwrap().parse().unwrap();
        let year = inc.year() + 1;
        let ours = annual_return_window(inc, year, &shipped).unwrap();
        assert_eq!(ours.due, theirs, "incorporated {inc}, return of {year}");
        checked += 1;
        // Without the declared days: a business day early exactly when the window spans one.
        let without = annual_return_window(inc, year, &statutory).unwrap();
        let spans = declared.iter().any(|h| ours.opens < *h && *h <= ours.due);
        if spans {
            assert!(without.due < ours.due, "{inc}");
            assert_eq!(
                statutory.add_business_days(without.due, 1),
                ours.due,
                "{inc}"
            );
            early += 1;
        } else {
            assert_eq!(without.due, ours.due, "{inc}");
        }
        if ours.due.year() == 2026 {
            in_2026 += 1;
            early_2026 += usize::from(spans);
        }
    }
    assert_eq!(checked, 6209, "every day of 2013-2029");
    // Nine declared days, each inside about 42 days' windows (30 business days).
    assert!((9 * 38..=9 * 46).contains(&early), "{early} early");
    eprintln!(
        "annual returns: {checked} due dates agree with python-holidays; without the declared \
         days {early} would be a business day early ({early_2026} of the {in_2026} due in 2026, \
         all around 4 November 2026)"
    );
}
