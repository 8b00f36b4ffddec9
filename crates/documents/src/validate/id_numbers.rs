//! SA ID numbers in OCR text. OCR and typesetting split the 13 digits ("800101 5009 087",
//! "800101-5009-08 7"), so runs of digit groups separated by one or two spaces or hyphens
//! are read, and every consecutive set of groups holding exactly 13 digits is a candidate;
//! the domain's [`SaIdNumber`] decides (date of birth, citizenship digit, Luhn check).

use super::text::{lines, quote};
use chrono::NaiveDate;
use comply360_domain::identifiers::{SaIdError, SaIdNumber};
use regex::Regex;
use std::sync::LazyLock;

/// A valid ID number where it was found.
#[derive(Debug)]
pub(super) struct Found {
    pub id: SaIdNumber,
    pub line_no: usize,
    /// The line, with the number masked ([`mask`]).
    pub line: String,
}

/// A 13-digit number that is not a valid ID number, and why.
#[derive(Debug)]
pub(super) struct Invalid {
    pub error: SaIdError,
    pub line_no: usize,
    pub line: String,
}

/// A group of ASCII digits. Letters OCR reads for digits (O for 0) are not turned into
/// digits: with 13 positions to guess, the Luhn check would pass too many guesses.
static GROUP: LazyLock<Regex> = LazyLock::new(|| {
    #[expect(
        clippy::expect_used,
        reason = "a literal pattern, compiled in every test"
    )]
    Regex::new(r"[0-9]+").expect("a valid pattern")
});

/// The valid ID numbers in `text` (the first occurrence of each), and the 13-digit
/// candidates that failed.
pub(super) fn find(text: &str, today: NaiveDate) -> (Vec<Found>, Vec<Invalid>) {
    let mut found: Vec<Found> = Vec::new();
    let mut invalid = Vec::new();
    for (line_no, line) in lines(text) {
        for run in runs(line) {
            let total: usize = run.iter().map(|g| g.len()).sum();
            for (start, end) in windows_of_13(&run) {
                let digits: String = run[start..end].iter().map(|g| g.as_str()).collect();
                let span = run[start].start()..run[end - 1].end();
                match SaIdNumber::parse(&digits, today) {
                    Ok(id) if !found.iter().any(|f| f.id == id) => found.push(Found {
                        id,
                        line_no,
                        line: mask(line, span),
                    }),
                    Ok(_) => {}
                    // Only a run of exactly 13 digits is clearly meant as one number.
                    Err(error) if total == 13 => invalid.push(Invalid {
                        error,
                        line_no,
                        line: mask(line, span),
                    }),
                    Err(_) => {}
                }
            }
        }
    }
    (found, invalid)
}

/// Runs of digit groups on one line separated by at most two spaces, tabs or hyphens.
fn runs(line: &str) -> Vec<Vec<regex::Match<'_>>> {
    let mut runs: Vec<Vec<regex::Match<'_>>> = Vec::new();
    let mut last_end = None;
    for m in GROUP.find_iter(line) {
        let joined = last_end.is_some_and(|end: usize| {
            let gap = &line[end..m.start()];
            gap.len() <= 2 && gap.chars().all(|c| matches!(c, ' ' | '\t' | '-'))
        });
        match runs.last_mut() {
            Some(run) if joined => run.push(m),
            _ => runs.push(vec![m]),
        }
        last_end = Some(m.end());
    }
    runs
}

/// `(start, end)` of every consecutive set of groups with exactly 13 digits.
fn windows_of_13(run: &[regex::Match<'_>]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    for start in 0..run.len() {
        let mut total = 0;
        for (end, group) in run.iter().enumerate().skip(start) {
            total += group.len();
            if total == 13 {
                out.push((start, end + 1));
            }
            if total >= 13 {
                break;
            }
        }
    }
    out
}

/// The ID number as evidence shows it: all but the last four digits hidden.
pub(super) fn mask_id(digits: &str) -> String {
    let keep = digits.len().saturating_sub(4);
    format!("{}{}", "*".repeat(keep), &digits[keep..])
}

/// `line` quoted with the digits in `span` hidden except the last four.
fn mask(line: &str, span: std::ops::Range<usize>) -> String {
    let digits = line[span.clone()]
        .bytes()
        .filter(u8::is_ascii_digit)
        .count();
    let mut seen = 0;
    let masked: String = line[span.clone()]
        .chars()
        .map(|c| {
            if c.is_ascii_digit() {
                seen += 1;
                if seen <= digits.saturating_sub(4) {
                    return '*';
                }
            }
            c
        })
        .collect();
    quote(&format!(
        "{}{masked}{}",
        &line[..span.start],
        &line[span.end..]
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, 5).unwrap()
    }

    #[test]
    fn spaced_numbers_are_found_and_masked() {
        let (found, invalid) = find(
            "REPUBLIC OF SOUTH AFRICA\nI.D.No. 800101 5009 087\n",
            today(),
        );
        assert!(invalid.is_empty());
        assert_eq!(found[0].id.as_str(), "8001015009087");
        assert_eq!(found[0].line_no, 2);
        assert_eq!(found[0].line, "I.D.No. ****** ***9 087");
    }

    #[test]
    fn a_number_next_to_others_is_still_found() {
        let (found, _) = find("ID 8001015009087 2026 12", today());
        assert_eq!(found.len(), 1);
        let (found, invalid) = find("ID 8001015009088", today());
        assert!(found.is_empty());
        assert_eq!(invalid[0].error, SaIdError::Checksum);
    }
}
