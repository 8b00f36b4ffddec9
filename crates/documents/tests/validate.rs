//! Explainable validation: each rule passing and failing with its evidence, the ID finder
//! against generated numbers in noisy OCR text, and the proof-of-address date boundaries.

use chrono::NaiveDate;
use comply360_documents::validate::{
    Check, CompanyFacts, Facts, ModelError, ModelValidator, PersonFacts, Validation, Verdict,
    combine, validate, validate_with_model,
};
use comply360_domain::identifiers::luhn;
use comply360_practice::documents::DocumentKind;
use proptest::prelude::*;

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 12, 5).unwrap()
}

fn person(id: Option<&str>) -> PersonFacts {
    PersonFacts {
        full_name: "Thandiwe Nkosi".into(),
        id_number: id.map(Into::into),
        passport_number: None,
    }
}

fn facts(kind: DocumentKind) -> Facts {
    Facts {
        kind,
        today: today(),
        person: Some(person(Some("8001015009087"))),
        company: Some(CompanyFacts {
            name: "Marula Trading (Pty) Ltd".into(),
            registration_number: Some("2015/255566/07".into()),
        }),
        reserved_name: Some("Marula Trading (Pty) Ltd".into()),
    }
}

fn check<'v>(v: &'v Validation, code: &str) -> &'v Check {
    v.check(code)
        .unwrap_or_else(|| panic!("no {code} check in {:#?}", v.checks))
}

const ID_COPY: &str = "REPUBLIC OF SOUTH AFRICA\nNATIONAL IDENTITY CARD\nSurname NKOSI\n\
                       Names THANDIWE\nIdentity Number 800101 5009 087\n";

#[test]
fn an_id_copy_of_the_client_is_verified() {
    let v = validate(ID_COPY, &facts(DocumentKind::IdCopy));
    assert_eq!(v.verdict, Verdict::Verified, "{v:#?}");
    assert_eq!(v.score, 1.0);
    assert_eq!(
        check(&v, "id_number_found").evidence,
        "a valid SA ID number, *********9087, on line 5: \"Identity Number ****** ***9 087\""
    );
    assert_eq!(
        check(&v, "id_number_matches").evidence,
        "the ID number on line 5 is the client's (*********9087)"
    );
    assert_eq!(
        check(&v, "surname_found").evidence,
        "the surname \"Nkosi\" on line 3: \"Surname NKOSI\""
    );
}

#[test]
fn an_id_copy_of_someone_else_is_rejected_naming_both_masked() {
    let mut f = facts(DocumentKind::IdCopy);
    f.person = Some(person(Some("8506150123089")));
    let v = validate(ID_COPY, &f);
    assert_eq!(v.verdict, Verdict::Rejected);
    let c = check(&v, "id_number_matches");
    assert!(!c.passed && c.decisive);
    assert_eq!(
        c.evidence,
        "the document shows ID number *********9087 (line 5) but the client's is \
         *********3089; check that this is the right person's document"
    );
    assert!(!serde_json::to_string(&v).unwrap().contains("8001015009087"));
}

#[test]
fn an_id_copy_without_a_valid_number_or_the_surname_needs_review() {
    let text = "Surname DUBE\nIdentity Number 800101 5009 088\n";
    let v = validate(text, &facts(DocumentKind::IdCopy));
    assert_eq!(v.verdict, Verdict::NeedsReview);
    assert_eq!(
        check(&v, "id_number_found").evidence,
        "the 13-digit number on line 2 (\"Identity Number ****** ***9 088\") is not a valid SA \
         ID number: the check digit is wrong (Luhn): a digit was mistyped"
    );
    assert!(!check(&v, "id_number_matches").decisive);
    assert_eq!(
        check(&v, "surname_found").evidence,
        "looked for the surname \"Nkosi\" (ignoring case, accents and small OCR slips) and did \
         not find it"
    );
    assert_eq!(v.score, 0.0);
}

#[test]
fn ocr_slips_in_the_surname_are_tolerated() {
    let text = ID_COPY.replace("NKOSI", "NK0SL");
    let v = validate(&text, &facts(DocumentKind::IdCopy));
    assert!(check(&v, "surname_found").passed, "{v:#?}");
}

#[test]
fn without_a_linked_person_nothing_is_compared() {
    let mut f = facts(DocumentKind::IdCopy);
    f.person = None;
    let v = validate(ID_COPY, &f);
    assert_eq!(v.verdict, Verdict::NeedsReview);
    assert!(!check(&v, "person_linked").passed);
}

const BILL: &str = "City of Tshwane\nMR T NKOSI\n12 Jacaranda Street, Pretoria\n\
                    Statement date: 03 Nov 2026\nDue date: 15 Dec 2026\nPrevious: 2026-10-03\n";

#[test]
fn a_recent_bill_in_the_clients_name_is_verified() {
    let v = validate(BILL, &facts(DocumentKind::ProofOfAddress));
    assert_eq!(v.verdict, Verdict::Verified, "{v:#?}");
    assert_eq!(
        check(&v, "recent_date").evidence,
        "dated 3 November 2026 (line 4: \"Statement date: 03 Nov 2026\"), within 3 months of \
         5 December 2026 (on or after 5 September 2026) (1 date(s) after today ignored, such \
         as due dates)"
    );
    assert_eq!(
        check(&v, "name_found").evidence,
        "the name \"Thandiwe Nkosi\" on line 2: \"MR T NKOSI\""
    );
}

#[test]
fn an_old_bill_or_someone_elses_needs_review() {
    let text = "MR P DUBE\nStatement date: 4 September 2026\n";
    let v = validate(text, &facts(DocumentKind::ProofOfAddress));
    assert_eq!(v.verdict, Verdict::NeedsReview);
    assert_eq!(
        check(&v, "recent_date").evidence,
        "the latest date found, 4 September 2026 (line 2: \"Statement date: 4 September \
         2026\"), is more than 3 months before 5 December 2026; a proof of address must be \
         dated on or after 5 September 2026"
    );
    assert!(
        check(&v, "name_found")
            .evidence
            .starts_with("looked for \"Thandiwe Nkosi\"")
    );
    let v = validate("MRS A NKOSI\n", &facts(DocumentKind::ProofOfAddress));
    assert!(
        check(&v, "recent_date")
            .evidence
            .starts_with("looked for a date not after today")
    );
    assert_eq!(
        check(&v, "name_found").evidence,
        "the surname is on line 1 (\"MRS A NKOSI\") but not a first name or initial of \
         \"Thandiwe Nkosi\""
    );
}

/// The proof-of-address check on a bill dated `date`, with `today`.
fn recent(date: &str, today: NaiveDate) -> bool {
    let mut f = facts(DocumentKind::ProofOfAddress);
    f.today = today;
    validate(&format!("T NKOSI\nDate: {date}\n"), &f)
        .check("recent_date")
        .unwrap()
        .passed
}

#[test]
fn three_months_to_the_day_passes_a_day_more_does_not_and_the_future_is_ignored() {
    assert!(recent("05/09/2026", today()), "exactly 3 months");
    assert!(!recent("04/09/2026", today()), "a day over");
    assert!(recent("2026-12-05", today()), "today");
    assert!(!recent("06/12/2026", today()), "a future date alone");
    assert!(
        recent("06/12/2026 and 01/12/2026", today()),
        "the future one ignored"
    );
    // A month with no such day: 3 months before 31 May is the end of February.
    let may_31 = NaiveDate::from_ymd_opt(2026, 5, 31).unwrap();
    assert!(recent("28 Feb 2026", may_31));
    assert!(!recent("27 Feb 2026", may_31));
}

const COR_14_3: &str = "COMPANIES AND INTELLECTUAL PROPERTY COMMISSION\nCoR 14.3\n\
                        Registration Certificate\nEnterprise number: K2015 / 255566 / 07\n\
                        Enterprise Name: MARULA TRADING\nPROPRIETARY LIMITED\n";

#[test]
fn a_cor_14_3_of_the_company_is_verified() {
    let v = validate(COR_14_3, &facts(DocumentKind::Cor143));
    assert_eq!(v.verdict, Verdict::Verified, "{v:#?}");
    assert_eq!(
        check(&v, "registration_number_found").evidence,
        "registration number K2015/255566/07 on line 4: \"Enterprise number: K2015 / 255566 / 07\""
    );
    assert_eq!(
        check(&v, "company_name_found").evidence,
        "the company name \"Marula Trading (Pty) Ltd\" on line 5: \"Enterprise Name: MARULA \
         TRADING PROPRIETARY LIMITED\""
    );
}

#[test]
fn a_cor_14_3_of_another_company_is_rejected() {
    let mut f = facts(DocumentKind::Cor143);
    f.company = Some(CompanyFacts {
        name: "Baobab Holdings (Pty) Ltd".into(),
        registration_number: Some("2019/000123/07".into()),
    });
    let v = validate(COR_14_3, &f);
    assert_eq!(v.verdict, Verdict::Rejected);
    assert_eq!(
        check(&v, "registration_number_matches").evidence,
        "the certificate shows registration number K2015/255566/07 (line 4) but the company's \
         is 2019/000123/07; check that this is the right company's certificate"
    );
    assert!(!check(&v, "company_name_found").passed);
    let v = validate("CoR 14.3\nno number here\n", &facts(DocumentKind::Cor143));
    assert_eq!(v.verdict, Verdict::NeedsReview);
    assert!(!check(&v, "registration_number_found").passed);
}

#[test]
fn a_cor_9_4_with_the_reserved_name_is_verified_whatever_the_ending() {
    let text = "CoR 9.4\nConfirmation of Reserved Name\nMARULA  TRADING PROPRIETARY LIMITED\n";
    let v = validate(text, &facts(DocumentKind::Cor94));
    assert_eq!(v.verdict, Verdict::Verified, "{v:#?}");
    assert_eq!(
        check(&v, "reserved_name_found").evidence,
        "the reserved name \"Marula Trading (Pty) Ltd\" on line 3: \"MARULA TRADING \
         PROPRIETARY LIMITED\""
    );
    let v = validate(
        "CoR 9.4\nMARULA TRADERS (PTY) LTD\n",
        &facts(DocumentKind::Cor94),
    );
    assert_eq!(v.verdict, Verdict::NeedsReview);
    assert!(
        check(&v, "reserved_name_found")
            .evidence
            .starts_with("looked for")
    );
}

#[test]
fn kinds_without_rules_and_unreadable_documents_go_to_a_person() {
    for kind in [
        DocumentKind::Passport,
        DocumentKind::Moi,
        DocumentKind::BankConfirmation,
        DocumentKind::TaxClearance,
        DocumentKind::Certificate,
        DocumentKind::Other,
    ] {
        let v = validate("Some text\nread by OCR\n", &facts(kind));
        assert_eq!(v.verdict, Verdict::NeedsReview, "{kind:?}");
        assert!(check(&v, "text_read").passed);
        assert!(
            check(&v, "no_automatic_rules")
                .evidence
                .starts_with("no automatic rules apply")
        );
        assert_eq!(v.score, 0.5);
    }
    let v = validate(" \n\n", &facts(DocumentKind::IdCopy));
    assert_eq!(v.verdict, Verdict::NeedsReview);
    assert_eq!(v.checks.len(), 1);
    assert!(
        check(&v, "text_read")
            .evidence
            .starts_with("nothing could be read")
    );
}

#[test]
fn validations_serialise_in_snake_case() {
    let v = validate(ID_COPY, &facts(DocumentKind::IdCopy));
    let json = serde_json::to_value(&v).unwrap();
    assert_eq!(json["verdict"], "verified");
    assert_eq!(json["checks"][0]["code"], "id_number_found");
}

struct Opinion(Result<Vec<Check>, String>);

#[async_trait::async_trait]
impl ModelValidator for Opinion {
    async fn checks(&self, _: &str, _: &Facts) -> Result<Vec<Check>, ModelError> {
        self.0.clone().map_err(ModelError)
    }
}

#[tokio::test]
async fn a_second_opinion_can_hold_back_but_never_reject_or_verify_alone() {
    let f = facts(DocumentKind::IdCopy);
    let rules = validate(ID_COPY, &f);
    assert_eq!(validate_with_model(ID_COPY, &f, None).await, rules);
    let doubt = Opinion(Ok(vec![Check::reject(
        "photo_matches",
        "the photo looks edited",
    )]));
    let v = validate_with_model(ID_COPY, &f, Some(&doubt as &dyn ModelValidator)).await;
    assert_eq!(
        v.verdict,
        Verdict::NeedsReview,
        "not rejected: a model is never decisive"
    );
    assert_eq!(v.checks.last().unwrap().code, "model_photo_matches");
    assert_eq!(v.score, 0.75);
    let failing = Opinion(Err("timed out".into()));
    assert_eq!(
        validate_with_model(ID_COPY, &f, Some(&failing as &dyn ModelValidator)).await,
        rules
    );
    let unsure = validate("Surname DUBE\n", &f);
    let agreed = combine(unsure, vec![Check::pass("looks_genuine", "yes")]);
    assert_eq!(agreed.verdict, Verdict::NeedsReview);
}

/// A valid ID number for `dob` (YYMMDD), sequence `seq` and citizenship `c`.
fn build_id(dob: NaiveDate, seq: u32, c: u8) -> String {
    let payload: Vec<u8> = format!("{}{seq:04}{c}8", dob.format("%y%m%d"))
        .bytes()
        .map(|b| b - b'0')
        .collect();
    let z = luhn::check_digit(&payload);
    payload
        .iter()
        .chain([z].iter())
        .map(|d| char::from(b'0' + d))
        .collect()
}

/// `id` with a space or a hyphen (or nothing) after each digit, as OCR and layouts split it.
fn spaced(id: &str, seps: &[u8]) -> String {
    id.chars()
        .zip(seps.iter().chain(std::iter::repeat(&0)))
        .enumerate()
        .map(|(i, (c, s))| {
            let sep = if i == 12 {
                ""
            } else {
                ["", "", " ", "  ", "-"][usize::from(*s) % 5]
            };
            format!("{c}{sep}")
        })
        .collect()
}

proptest! {
    #[test]
    fn generated_id_numbers_are_found_in_noisy_text(
        days in 0i64..36_500,
        seq in 0u32..10_000,
        c in 0u8..3,
        seps in proptest::collection::vec(0u8..5, 12),
        before in "[A-Za-z .:]{0,20}",
        after in "[A-Za-z .:]{0,20}",
        noise in "[A-Za-z0-9 ]{0,40}",
    ) {
        let dob = today() - chrono::Duration::days(days);
        let id = build_id(dob, seq, c);
        let text = format!("{noise}\n{before} {} {after}\n{noise}", spaced(&id, &seps));
        let mut f = facts(DocumentKind::IdCopy);
        f.person = Some(person(Some(&id)));
        let v = validate(&text, &f);
        prop_assert!(v.check("id_number_found").unwrap().passed, "{} in {:?}", id, text);
        prop_assert!(v.check("id_number_matches").unwrap().passed, "{} in {:?}", id, text);
    }

    #[test]
    fn a_wrong_check_digit_is_never_accepted(
        days in 0i64..36_500,
        seq in 0u32..10_000,
        delta in 1u8..10,
        seps in proptest::collection::vec(0u8..5, 12),
    ) {
        let id = build_id(today() - chrono::Duration::days(days), seq, 0);
        let last = id.as_bytes()[12] - b'0';
        let wrong = format!("{}{}", &id[..12], (last + delta) % 10);
        let text = format!("Identity Number\n{}\n", spaced(&wrong, &seps));
        let v = validate(&text, &facts(DocumentKind::IdCopy));
        prop_assert!(!v.check("id_number_found").unwrap().passed, "{:?}", text);
        prop_assert_ne!(v.verdict, Verdict::Rejected);
    }
}
