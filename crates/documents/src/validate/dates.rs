//! Dates as South African bills and bank statements print them: `2026-11-03`,
//! `03/11/2026` (day first, as in South Africa; also with `-` or `.`), `3 November 2026`,
//! `03 Nov 2026`, `3 Nov '26`, `3-Nov-26`, `November 3, 2026`, month names in English or
//! Afrikaans (`3 Desember 2026`, `Okt`, `Mei`). Two-digit years are 20YY.

use super::text::{lines, quote};
use chrono::NaiveDate;
use regex::Regex;
use std::sync::LazyLock;

/// A date where it was found.
#[derive(Debug, Clone)]
pub(super) struct Dated {
    pub date: NaiveDate,
    pub line_no: usize,
    pub line: String,
}

/// The formats this module reads, for evidence when none was found.
pub(super) const FORMATS: &str =
    "2026-11-03, 03/11/2026, 3 November 2026, 03 Nov 2026, 3 Nov '26, November 3, 2026";

const MONTH: &str = r"(jan|feb|maa|mar|apr|may|mei|jun|jul|aug|sep|oct|okt|nov|dec|des)[a-z]*\.?";

static ISO: LazyLock<Regex> = LazyLock::new(|| pattern(r"\b(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})\b"));
static DAY_FIRST: LazyLock<Regex> =
    LazyLock::new(|| pattern(r"\b(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})\b"));
static DAY_MONTH_NAME: LazyLock<Regex> = LazyLock::new(|| {
    pattern(&format!(
        r"(?i)\b(\d{{1,2}})(?:st|nd|rd|th)?[\s\-.]+{MONTH}[\s\-.,]+(\d{{4}}|['’]?\d{{2}})\b"
    ))
});
static MONTH_NAME_DAY: LazyLock<Regex> = LazyLock::new(|| {
    pattern(&format!(
        r"(?i)\b{MONTH}\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}})\b"
    ))
});

fn pattern(p: &str) -> Regex {
    #[expect(
        clippy::expect_used,
        reason = "literal patterns, compiled in every test"
    )]
    Regex::new(p).expect("a valid pattern")
}

/// Every real date in `text`, in text order.
pub(super) fn find(text: &str) -> Vec<Dated> {
    let mut out = Vec::new();
    for (line_no, line) in lines(text) {
        let mut push = |date: Option<NaiveDate>| {
            if let Some(date) = date {
                out.push(Dated {
                    date,
                    line_no,
                    line: quote(line),
                });
            }
        };
        for c in ISO.captures_iter(line) {
            push(ymd(&c[1], &c[2], &c[3]));
        }
        for c in DAY_FIRST.captures_iter(line) {
            push(ymd(&c[3], &c[2], &c[1]));
        }
        for c in DAY_MONTH_NAME.captures_iter(line) {
            push(month(&c[2]).and_then(|m| ymd(&c[3], &m.to_string(), &c[1])));
        }
        for c in MONTH_NAME_DAY.captures_iter(line) {
            push(month(&c[1]).and_then(|m| ymd(&c[3], &m.to_string(), &c[2])));
        }
    }
    out
}

fn ymd(year: &str, month: &str, day: &str) -> Option<NaiveDate> {
    let year = year.trim_start_matches(['\'', '’']);
    let mut y: i32 = year.parse().ok()?;
    if year.len() == 2 {
        y += 2000;
    }
    NaiveDate::from_ymd_opt(y, month.parse().ok()?, day.parse().ok()?)
}

fn month(name: &str) -> Option<u32> {
    let key = name.get(..3)?.to_ascii_lowercase();
    Some(match key.as_str() {
        "jan" => 1,
        "feb" => 2,
        "mar" | "maa" => 3,
        "apr" => 4,
        "may" | "mei" => 5,
        "jun" => 6,
        "jul" => 7,
        "aug" => 8,
        "sep" => 9,
        "oct" | "okt" => 10,
        "nov" => 11,
        "dec" | "des" => 12,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dates(text: &str) -> Vec<NaiveDate> {
        find(text).into_iter().map(|d| d.date).collect()
    }

    #[test]
    fn the_formats_on_bills_and_statements() {
        let d = NaiveDate::from_ymd_opt(2026, 11, 3).unwrap();
        for text in [
            "Statement date: 2026-11-03",
            "Date 03/11/2026",
            "Invoice date 3 November 2026",
            "03 Nov 2026",
            "Issued 3 Nov '26",
            "3-Nov-26",
            "November 3, 2026",
            "3 Nov. 2026",
            "Datum: 3 November 2026",
        ] {
            assert_eq!(dates(text), vec![d], "{text}");
        }
        assert_eq!(
            dates("3 Desember 2026"),
            vec![NaiveDate::from_ymd_opt(2026, 12, 3).unwrap()]
        );
        assert_eq!(dates("31/02/2026 and 2026-13-01"), Vec::<NaiveDate>::new());
        assert_eq!(dates("account 4 Main Road 2026"), Vec::<NaiveDate>::new());
    }
}
