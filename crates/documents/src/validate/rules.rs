//! The rules per document kind (the table in the module above).

use super::id_numbers::{self, mask_id};
use super::text::{contains_words, find_company, find_line, quote, split_name};
use super::{Check, Facts, dates};
use chrono::{Months, NaiveDate};
use comply360_domain::identifiers::{RegistrationNumber, SaIdNumber};
use comply360_practice::documents::DocumentKind;
use regex::Regex;
use std::sync::LazyLock;

/// How old a proof of address may be: 3 calendar months back from today, to the same day
/// of the month (or that month's last day when it has no such day: 31 May goes back to
/// 28 or 29 February). A date on that day passes; the day before does not.
pub const PROOF_OF_ADDRESS_MONTHS: u32 = 3;

pub(super) fn id_copy(text: &str, facts: &Facts) -> Vec<Check> {
    let (found, invalid) = id_numbers::find(text, facts.today);
    let mut checks = vec![match (found.first(), invalid.first()) {
        (Some(f), _) => Check::pass(
            "id_number_found",
            format!(
                "a valid SA ID number, {}, on line {}: \"{}\"",
                mask_id(f.id.as_str()),
                f.line_no,
                f.line
            ),
        ),
        (None, Some(bad)) => Check::fail(
            "id_number_found",
            format!(
                "the 13-digit number on line {} (\"{}\") is not a valid SA ID number: {}",
                bad.line_no, bad.line, bad.error
            ),
        ),
        (None, None) => Check::fail(
            "id_number_found",
            "looked for a 13-digit SA ID number (spaces allowed, as in 800101 5009 087) and \
             found none",
        ),
    }];
    let Some(person) = &facts.person else {
        checks.push(no_person());
        return checks;
    };
    checks.push(match person.id_number.as_deref() {
        None => Check::fail(
            "id_number_matches",
            "the client has no ID number on record to compare with; add it to the client",
        ),
        Some(on_record) => {
            let on_record: String = on_record.chars().filter(|c| !c.is_whitespace()).collect();
            let valid = SaIdNumber::parse(&on_record, facts.today).is_ok();
            match found.iter().find(|f| f.id.as_str() == on_record) {
                Some(f) => Check::pass(
                    "id_number_matches",
                    format!(
                        "the ID number on line {} is the client's ({})",
                        f.line_no,
                        mask_id(&on_record)
                    ),
                ),
                None if !valid => Check::fail(
                    "id_number_matches",
                    format!(
                        "the client's ID number on record ({}) is not a valid SA ID number; \
                         correct it on the client",
                        mask_id(&on_record)
                    ),
                ),
                None => match found.first() {
                    Some(f) => Check::reject(
                        "id_number_matches",
                        format!(
                            "the document shows ID number {} (line {}) but the client's is {}; \
                             check that this is the right person's document",
                            mask_id(f.id.as_str()),
                            f.line_no,
                            mask_id(&on_record)
                        ),
                    ),
                    None => Check::fail(
                        "id_number_matches",
                        format!(
                            "no valid ID number was read, so none could be compared with the \
                             client's ({})",
                            mask_id(&on_record)
                        ),
                    ),
                },
            }
        }
    });
    let (_, surname) = split_name(&person.full_name);
    // As the agency wrote it, not folded.
    let words: Vec<&str> = person.full_name.split_whitespace().collect();
    let shown = words[words.len().saturating_sub(surname.len())..].join(" ");
    checks.push(
        match find_line(text, |words| contains_words(words, &surname)) {
            Some((n, line)) => Check::pass(
                "surname_found",
                format!("the surname \"{shown}\" on line {n}: \"{}\"", quote(line)),
            ),
            None => Check::fail(
                "surname_found",
                format!(
                    "looked for the surname \"{shown}\" (ignoring case, accents and small OCR \
                     slips) and did not find it"
                ),
            ),
        },
    );
    checks
}

fn no_person() -> Check {
    Check::fail(
        "person_linked",
        "no person is linked to this document, so nothing could be compared; link it to the \
         client it belongs to",
    )
}

pub(super) fn proof_of_address(text: &str, facts: &Facts) -> Vec<Check> {
    let today = facts.today;
    let earliest = today
        .checked_sub_months(Months::new(PROOF_OF_ADDRESS_MONTHS))
        .unwrap_or(NaiveDate::MIN);
    let all = dates::find(text);
    let future = all.iter().filter(|d| d.date > today).count();
    let ignored = if future > 0 {
        format!(" ({future} date(s) after today ignored, such as due dates)")
    } else {
        String::new()
    };
    let latest = all
        .iter()
        .filter(|d| d.date <= today)
        .max_by_key(|d| d.date);
    let day = |d: NaiveDate| d.format("%-d %B %Y").to_string();
    let mut checks = vec![match latest {
        Some(d) if d.date >= earliest => Check::pass(
            "recent_date",
            format!(
                "dated {} (line {}: \"{}\"), within {PROOF_OF_ADDRESS_MONTHS} months of {} (on \
                 or after {}){ignored}",
                day(d.date),
                d.line_no,
                d.line,
                day(today),
                day(earliest)
            ),
        ),
        Some(d) => Check::fail(
            "recent_date",
            format!(
                "the latest date found, {} (line {}: \"{}\"), is more than \
                 {PROOF_OF_ADDRESS_MONTHS} months before {}; a proof of address must be dated \
                 on or after {}{ignored}",
                day(d.date),
                d.line_no,
                d.line,
                day(today),
                day(earliest)
            ),
        ),
        None => Check::fail(
            "recent_date",
            format!(
                "looked for a date not after today (as {}) and found none{ignored}",
                dates::FORMATS
            ),
        ),
    }];
    let Some(person) = &facts.person else {
        checks.push(no_person());
        return checks;
    };
    checks.push(name_found(text, &person.full_name));
    checks
}

/// The person's surname, and on the same line a given name or its initial ("MR T NKOSI").
fn name_found(text: &str, full_name: &str) -> Check {
    let (given, surname) = split_name(full_name);
    let shown = full_name.trim();
    let given_on = |words: &[String]| {
        given.is_empty()
            || words.iter().any(|w| {
                given.iter().any(|g| {
                    super::text::same_word(w, g)
                        || (w.chars().count() == 1 && g.starts_with(w.as_str()))
                })
            })
    };
    if let Some((n, line)) = find_line(text, |words| {
        contains_words(words, &surname) && given_on(words)
    }) {
        return Check::pass(
            "name_found",
            format!("the name \"{shown}\" on line {n}: \"{}\"", quote(line)),
        );
    }
    let evidence = match find_line(text, |words| contains_words(words, &surname)) {
        Some((n, line)) => format!(
            "the surname is on line {n} (\"{}\") but not a first name or initial of \
             \"{shown}\"",
            quote(line)
        ),
        None => format!(
            "looked for \"{shown}\" (surname with a first name or initial, ignoring case and \
             small OCR slips) and did not find it"
        ),
    };
    Check::fail("name_found", evidence)
}

/// `YYYY/NNNNNN/NN`, optionally with an enterprise letter, spaces around the slashes
/// tolerated (OCR).
static REGISTRATION: LazyLock<Regex> = LazyLock::new(|| {
    #[expect(
        clippy::expect_used,
        reason = "a literal pattern, compiled in every test"
    )]
    Regex::new(r"(?i)\b([KMBC]?)\s?(\d{4})\s*/\s*(\d{6})\s*/\s*(\d{2})\b").expect("a valid pattern")
});

pub(super) fn cor_14_3(text: &str, facts: &Facts) -> Vec<Check> {
    let found: Vec<(RegistrationNumber, usize, String)> = super::text::lines(text)
        .flat_map(|(n, line)| {
            REGISTRATION.captures_iter(line).filter_map(move |c| {
                let number = format!("{}{}/{}/{}", &c[1], &c[2], &c[3], &c[4]);
                RegistrationNumber::parse(&number, facts.today)
                    .ok()
                    .map(|r| (r, n, quote(line)))
            })
        })
        .collect();
    let mut checks = vec![match found.first() {
        Some((r, n, line)) => Check::pass(
            "registration_number_found",
            format!("registration number {r} on line {n}: \"{line}\""),
        ),
        None => Check::fail(
            "registration_number_found",
            "looked for a CIPC registration number (YYYY/NNNNNN/NN, as in 2015/255566/07) and \
             found none",
        ),
    }];
    let Some(company) = &facts.company else {
        checks.push(Check::fail(
            "company_linked",
            "no company is linked to this document, so nothing could be compared; link it to \
             the company it belongs to",
        ));
        return checks;
    };
    checks.push(registration_matches(
        &found,
        company.registration_number.as_deref(),
        facts.today,
    ));
    checks.push(match find_company(text, &company.name) {
        Some((n, line)) => Check::pass(
            "company_name_found",
            format!(
                "the company name \"{}\" on line {n}: \"{line}\"",
                company.name
            ),
        ),
        None => Check::fail(
            "company_name_found",
            format!(
                "looked for \"{}\" (ignoring case, punctuation and how the ending is written) \
                 and did not find it",
                company.name
            ),
        ),
    });
    checks
}

fn registration_matches(
    found: &[(RegistrationNumber, usize, String)],
    on_record: Option<&str>,
    today: NaiveDate,
) -> Check {
    const CODE: &str = "registration_number_matches";
    let Some(on_record) = on_record else {
        return Check::fail(
            CODE,
            "the company has no registration number on record to compare with; record the \
             number from this certificate on the company once checked",
        );
    };
    let Ok(expected) = RegistrationNumber::parse(on_record, today) else {
        return Check::fail(
            CODE,
            format!(
                "the company's registration number on record ({on_record}) is not in CIPC's \
                 format; correct it on the company"
            ),
        );
    };
    // The enterprise letter (K2015/…) is not part of the registration number proper.
    let same = |r: &RegistrationNumber| r.registration_number() == expected.registration_number();
    match (found.iter().find(|(r, ..)| same(r)), found.first()) {
        (Some((r, n, _)), _) => Check::pass(
            CODE,
            format!("the registration number on line {n}, {r}, is the company's"),
        ),
        (None, Some((r, n, _))) => Check::reject(
            CODE,
            format!(
                "the certificate shows registration number {r} (line {n}) but the company's is \
                 {expected}; check that this is the right company's certificate"
            ),
        ),
        (None, None) => Check::fail(
            CODE,
            format!("no registration number was read, so none could be compared with {expected}"),
        ),
    }
}

pub(super) fn cor_9_4(text: &str, facts: &Facts) -> Vec<Check> {
    const CODE: &str = "reserved_name_found";
    let Some(name) = facts.reserved_name.as_deref() else {
        return vec![Check::fail(
            CODE,
            "no reserved name is on record to look for; record the name applied for",
        )];
    };
    vec![match find_company(text, name) {
        Some((n, line)) => Check::pass(
            CODE,
            format!("the reserved name \"{name}\" on line {n}: \"{line}\""),
        ),
        None => Check::fail(
            CODE,
            format!(
                "looked for \"{name}\" (ignoring case, punctuation and how \"(Pty) Ltd\" is \
                 written) and did not find it; CIPC may have reserved another of the names \
                 applied for"
            ),
        ),
    }]
}

/// The kinds without rules: the text was read, and a person decides.
pub(super) fn manual(text: &str, kind: DocumentKind) -> Vec<Check> {
    let lines = text.lines().filter(|l| !l.trim().is_empty()).count();
    vec![
        Check::pass("text_read", format!("{lines} line(s) of text were read")),
        Check::fail(
            "no_automatic_rules",
            format!(
                "no automatic rules apply to this kind of document ({}); a person must check it",
                label(kind)
            ),
        ),
    ]
}

fn label(kind: DocumentKind) -> &'static str {
    match kind {
        DocumentKind::IdCopy => "ID copy",
        DocumentKind::Passport => "passport",
        DocumentKind::ProofOfAddress => "proof of address",
        DocumentKind::Moi => "memorandum of incorporation",
        DocumentKind::Certificate => "certificate",
        DocumentKind::Cor94 => "CoR 9.4 name reservation",
        DocumentKind::Cor143 => "CoR 14.3 registration certificate",
        DocumentKind::BankConfirmation => "bank confirmation letter",
        DocumentKind::TaxClearance => "tax compliance status",
        DocumentKind::Other => "other",
    }
}
