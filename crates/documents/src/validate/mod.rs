//! Explainable validation of a document's text against what the agency knows about the
//! person or company it belongs to. Pure functions: the caller extracts the text
//! ([`crate::extract`]) and passes today's date.
//!
//! Each rule is a [`Check`] with a stable code, whether it passed, and its evidence (the
//! line it was found on, or what was looked for and not found), so a person reviewing the
//! document sees why. The rules per [`DocumentKind`]:
//!
//! | kind | checks |
//! |---|---|
//! | ID copy | `id_number_found`, `id_number_matches` (decisive), `surname_found` |
//! | proof of address | `recent_date` (within 3 calendar months), `name_found` |
//! | CoR 14.3 | `registration_number_found`, `registration_number_matches` (decisive), `company_name_found` |
//! | CoR 9.4 | `reserved_name_found` |
//! | the others | `text_read`, `no_automatic_rules` (always fails: a person decides) |
//!
//! Any text at all is required: without it the only check is a failed `text_read`.
//! A check that needs a fact the agency has not recorded (no linked person, no ID number
//! on record) fails, not decisively, naming the missing fact.
//!
//! **Verdict**: a failed decisive check (the document names another ID or registration
//! number) ⇒ [`Verdict::Rejected`]; every check passed ⇒ [`Verdict::Verified`]; otherwise
//! [`Verdict::NeedsReview`]. **Score**: the share of checks passed (0 with no checks); it
//! orders a review queue and decides nothing.
//!
//! **ID numbers in evidence** are masked to their last four digits (`*********9087`).
//! Evidence is stored with the validation and shown in lists and the audit trail, places
//! the document itself (encrypted in the vault) never goes; four digits are enough to see
//! which number differs, and POPIA asks for no more personal information than needed.
//!
//! A second opinion (a language model, say) can add checks through [`ModelValidator`]; it
//! is off unless the caller passes one ([`validate_with_model`]).

mod dates;
mod id_numbers;
mod model;
mod rules;
mod text;

pub use model::{ModelError, ModelValidator, combine, validate_with_model};

use chrono::NaiveDate;
use comply360_practice::documents::DocumentKind;
use serde::{Deserialize, Serialize};

/// What the agency knows that a document should agree with.
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Facts {
    pub kind: DocumentKind,
    /// The date "recent" is measured from (proof of address) and ID numbers' centuries are
    /// decided by.
    pub today: NaiveDate,
    pub person: Option<PersonFacts>,
    pub company: Option<CompanyFacts>,
    /// The name CIPC reserved (CoR 9.4).
    pub reserved_name: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PersonFacts {
    pub full_name: String,
    pub id_number: Option<String>,
    pub passport_number: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CompanyFacts {
    pub name: String,
    pub registration_number: Option<String>,
}

/// The outcome of the checks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Verified,
    NeedsReview,
    Rejected,
}

/// One rule applied to the document.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Check {
    /// Stable, snake_case (`id_number_matches`); a model's checks start with `model_`.
    pub code: String,
    pub passed: bool,
    /// A failure rejects the document outright (it belongs to someone else).
    pub decisive: bool,
    /// What was found and where (the line), or what was looked for and not found.
    pub evidence: String,
}

impl Check {
    pub fn pass(code: &str, evidence: impl Into<String>) -> Check {
        Check::new(code, true, false, evidence)
    }

    pub fn fail(code: &str, evidence: impl Into<String>) -> Check {
        Check::new(code, false, false, evidence)
    }

    /// A failed decisive check.
    pub fn reject(code: &str, evidence: impl Into<String>) -> Check {
        Check::new(code, false, true, evidence)
    }

    /// What the check is, in words for a person ("ID number matches").
    pub fn title(code: &str) -> String {
        match code {
            "text_read" => "Text read".into(),
            "id_number_found" => "ID number found".into(),
            "id_number_matches" => "ID number matches".into(),
            "surname_found" => "Surname found".into(),
            "name_found" => "Name found".into(),
            "person_linked" => "Linked to a person".into(),
            "company_linked" => "Linked to a company".into(),
            "company_name_found" => "Company name found".into(),
            "registration_number_found" => "Registration number found".into(),
            "recent_date" => "Dated recently enough".into(),
            "no_automatic_rules" => "No automatic checks for this type".into(),
            other => {
                let mut words = other.replace('_', " ");
                if let Some(first) = words.get_mut(0..1) {
                    first.make_ascii_uppercase();
                }
                words
            }
        }
    }

    fn new(code: &str, passed: bool, decisive: bool, evidence: impl Into<String>) -> Check {
        Check {
            code: code.to_owned(),
            passed,
            decisive,
            evidence: evidence.into(),
        }
    }
}

/// The checks, their score and the verdict.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Validation {
    /// The share of checks passed, 0 to 1.
    pub score: f32,
    pub checks: Vec<Check>,
    pub verdict: Verdict,
}

impl Validation {
    /// Scores and judges `checks` (module documentation: verdict and score).
    pub fn from_checks(checks: Vec<Check>) -> Validation {
        let passed = checks.iter().filter(|c| c.passed).count();
        let score = if checks.is_empty() {
            0.0
        } else {
            passed as f32 / checks.len() as f32
        };
        let verdict = if checks.iter().any(|c| c.decisive && !c.passed) {
            Verdict::Rejected
        } else if !checks.is_empty() && passed == checks.len() {
            Verdict::Verified
        } else {
            Verdict::NeedsReview
        };
        Validation {
            score,
            checks,
            verdict,
        }
    }

    /// The check with `code`, if made.
    pub fn check(&self, code: &str) -> Option<&Check> {
        self.checks.iter().find(|c| c.code == code)
    }
}

/// Validates `text` (extracted from a document of `facts.kind`) against `facts`.
pub fn validate(text: &str, facts: &Facts) -> Validation {
    if text.trim().is_empty() {
        return Validation::from_checks(vec![Check::fail(
            "text_read",
            "nothing could be read from the document (no text layer, and OCR found no text); \
             a person must read it, or ask for a clearer copy",
        )]);
    }
    let checks = match facts.kind {
        DocumentKind::IdCopy => rules::id_copy(text, facts),
        DocumentKind::ProofOfAddress => rules::proof_of_address(text, facts),
        DocumentKind::Cor143 => rules::cor_14_3(text, facts),
        DocumentKind::Cor94 => rules::cor_9_4(text, facts),
        kind @ (DocumentKind::Passport
        | DocumentKind::Moi
        | DocumentKind::Certificate
        | DocumentKind::BankConfirmation
        | DocumentKind::TaxClearance
        | DocumentKind::Other) => rules::manual(text, kind),
    };
    Validation::from_checks(checks)
}
