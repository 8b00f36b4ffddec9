//! The period a report covers: two days, inclusive, read from the query as days or months, in
//! South African time (UTC+2 all year, no daylight saving).

use chrono::{DateTime, Datelike, Days, Months, NaiveDate, NaiveTime, Utc};
use comply360_practice::PracticeError;
use comply360_practice::error::Problems;
use serde::{Deserialize, Serialize};

/// The longest period a report covers, in calendar months (counting the first and last).
pub const MAX_MONTHS: u32 = 36;

/// How many whole months before the current one the default period starts.
const DEFAULT_MONTHS_BEFORE: u32 = 12;

/// South Africa's offset from UTC, in hours.
const SAST_HOURS: i64 = 2;

/// The period asked for: days (`2026-03-15`) or months (`2026-03`).
#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PeriodInput {
    /// The first day (`2026-01-15`) or month (`2026-01`: from its first day). By default the
    /// first day of the month a year before the current one (12 whole months and this one).
    pub from: Option<String>,
    /// The last day (`2026-12-31`) or month (`2026-12`: to its last day), inclusive. Today
    /// by default. At most 36 months after `from`'s month, counting both.
    pub to: Option<String>,
}

/// The days a report covers, both included (South African dates).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Period {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

/// Which end of the period a month names: its first day or its last.
#[derive(Clone, Copy)]
enum End {
    From,
    To,
}

fn first_of_month(day: NaiveDate) -> NaiveDate {
    day.with_day(1).unwrap_or(day)
}

fn last_of_month(day: NaiveDate) -> NaiveDate {
    (first_of_month(day) + Months::new(1))
        .pred_opt()
        .unwrap_or(day)
}

/// `2026-03-15` as that day, `2026-03` as its first or last day; None when neither.
fn parse_day(text: &str, end: End) -> Option<NaiveDate> {
    let text = text.trim();
    if let Ok(day) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return Some(day);
    }
    // A month alone: exactly YYYY-MM (chrono alone would take `2026-3` as well).
    let (year, month) = text.split_once('-')?;
    if year.len() != 4 || month.len() != 2 {
        return None;
    }
    let first = NaiveDate::from_ymd_opt(year.parse().ok()?, month.parse().ok()?, 1)?;
    Some(match end {
        End::From => first,
        End::To => last_of_month(first),
    })
}

/// Months from `from`'s to `to`'s, both counted.
fn months_spanned(from: NaiveDate, to: NaiveDate) -> i64 {
    (i64::from(to.year()) * 12 + i64::from(to.month()))
        - (i64::from(from.year()) * 12 + i64::from(from.month()))
        + 1
}

fn read(
    text: Option<&str>,
    field: &str,
    end: End,
    problems: &mut Problems,
) -> Option<Option<NaiveDate>> {
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        None => Some(None),
        Some(t) => match parse_day(t, end) {
            Some(day) => Some(Some(day)),
            None => {
                problems.add(
                    field,
                    format!("{t:?} is not a day (2026-03-15) or a month (2026-03)"),
                );
                None
            }
        },
    }
}

impl Period {
    /// The period `input` asks for, `today` (in South Africa) filling what it leaves out;
    /// every field's problem at once (422).
    pub fn parse(input: &PeriodInput, today: NaiveDate) -> Result<Period, PracticeError> {
        let mut problems = Problems::default();
        let from = read(input.from.as_deref(), "from", End::From, &mut problems);
        let to = read(input.to.as_deref(), "to", End::To, &mut problems);
        let (Some(from), Some(to)) = (from, to) else {
            return Err(PracticeError::invalid(
                "the period is not valid",
                problems.0,
            ));
        };
        let to = to.unwrap_or(today);
        let from = from.unwrap_or_else(|| first_of_month(to) - Months::new(DEFAULT_MONTHS_BEFORE));
        if to < from {
            problems.add(
                "to",
                format!("The end must be on or after the start ({from})"),
            );
        } else if months_spanned(from, to) > i64::from(MAX_MONTHS) {
            problems.add(
                "to",
                format!(
                    "The period spans {} months: choose at most {MAX_MONTHS} (from {} to {})",
                    months_spanned(from, to),
                    from.format("%Y-%m"),
                    (first_of_month(from) + Months::new(MAX_MONTHS - 1)).format("%Y-%m"),
                ),
            );
        }
        problems.finish("the period is not valid")?;
        Ok(Period { from, to })
    }

    /// The first day of every month the period touches, in order.
    pub fn months(&self) -> Vec<NaiveDate> {
        let mut months = Vec::new();
        let mut month = first_of_month(self.from);
        while month <= self.to {
            months.push(month);
            month = month + Months::new(1);
        }
        months
    }

    /// The instant the period starts: midnight in South Africa on its first day.
    pub fn starts(&self) -> DateTime<Utc> {
        sa_midnight(self.from)
    }

    /// The instant just after it: midnight in South Africa after its last day.
    pub fn ends(&self) -> DateTime<Utc> {
        sa_midnight(self.to + Days::new(1))
    }
}

fn sa_midnight(day: NaiveDate) -> DateTime<Utc> {
    day.and_time(NaiveTime::MIN).and_utc() - chrono::Duration::hours(SAST_HOURS)
}

/// `2026-03` for any day of March 2026: how months are named in the reports.
pub fn month_key(day: NaiveDate) -> String {
    day.format("%Y-%m").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn input(from: Option<&str>, to: Option<&str>) -> PeriodInput {
        PeriodInput {
            from: from.map(str::to_owned),
            to: to.map(str::to_owned),
        }
    }

    fn fields(err: PracticeError) -> Vec<(String, String)> {
        match err {
            PracticeError::Invalid { issues, .. } => {
                issues.into_iter().map(|i| (i.field, i.message)).collect()
            }
            other => panic!("{other}"),
        }
    }

    #[test]
    fn by_default_the_last_twelve_whole_months_and_this_one() {
        let p = Period::parse(&PeriodInput::default(), day("2026-05-20")).unwrap();
        assert_eq!((p.from, p.to), (day("2025-05-01"), day("2026-05-20")));
        assert_eq!(p.months().len(), 13);
        assert_eq!(month_key(p.months()[0]), "2025-05");
        assert_eq!(month_key(p.months()[12]), "2026-05");
    }

    #[test]
    fn months_name_their_first_and_last_days() {
        let p = Period::parse(&input(Some("2024-02"), Some("2024-02")), day("2026-01-01")).unwrap();
        assert_eq!((p.from, p.to), (day("2024-02-01"), day("2024-02-29")));
        let p = Period::parse(
            &input(Some("2026-01-15"), Some("2026-03-02")),
            day("2026-05-01"),
        )
        .unwrap();
        assert_eq!(p.months().len(), 3);
        // A `to` alone: the twelve months before its own.
        let p = Period::parse(&input(None, Some("2025-12")), day("2026-05-01")).unwrap();
        assert_eq!((p.from, p.to), (day("2024-12-01"), day("2025-12-31")));
    }

    #[test]
    fn the_period_is_south_african_days() {
        let p = Period::parse(
            &input(Some("2026-03-01"), Some("2026-03-31")),
            day("2026-05-01"),
        )
        .unwrap();
        assert_eq!(p.starts().to_rfc3339(), "2026-02-28T22:00:00+00:00");
        assert_eq!(p.ends().to_rfc3339(), "2026-03-31T22:00:00+00:00");
    }

    #[test]
    fn thirty_six_months_at_most_and_never_backwards() {
        let today = day("2026-05-01");
        assert!(Period::parse(&input(Some("2023-01"), Some("2025-12")), today).is_ok());
        let long =
            fields(Period::parse(&input(Some("2023-01"), Some("2026-01")), today).unwrap_err());
        assert_eq!(long.len(), 1);
        assert_eq!(long[0].0, "to");
        assert!(
            long[0]
                .1
                .contains("spans 37 months: choose at most 36 (from 2023-01 to 2025-12)"),
            "{long:?}"
        );
        let back =
            fields(Period::parse(&input(Some("2026-03"), Some("2026-02")), today).unwrap_err());
        assert_eq!(back[0].0, "to");
        assert!(back[0].1.contains("on or after"), "{back:?}");
    }

    #[test]
    fn every_unreadable_field_is_named() {
        let today = day("2026-05-01");
        let both =
            fields(Period::parse(&input(Some("March"), Some("2026-13")), today).unwrap_err());
        assert_eq!(
            both.iter().map(|(f, _)| f.as_str()).collect::<Vec<_>>(),
            ["from", "to"]
        );
        assert!(both[0].1.contains("\"March\" is not a day"), "{both:?}");
        for bad in ["2026-3", "2026-02-30", "26-03", "2026-03-01T00:00"] {
            assert!(
                Period::parse(&input(Some(bad), None), today).is_err(),
                "{bad}"
            );
        }
        // Empty fields are left out (a form's blank input).
        assert!(Period::parse(&input(Some(""), Some(" ")), today).is_ok());
    }
}
