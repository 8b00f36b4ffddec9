//! Registration types as data: `types/za.toml` and `types/zw.toml` declare each type's wizard
//! steps and fields, required documents, cross-field checks and registry documents. The portal
//! renders the wizard from [`RegistrationTypes::all`]; [`validate`] checks a draft against its
//! type, step by step.
//!
//! The files are embedded and parsed once; a malformed file is caught by this module's tests
//! (and `RegistrationTypes::load` reports the file and the error).

mod checks;
mod fees;
mod fields;
mod people;
mod validate;

use crate::{CompanyType, Jurisdiction, RegistrationKind, text_enum};
use serde::{Deserialize, Serialize};
use std::sync::LazyLock;

pub use validate::{CompanyFacts, Ctx, Issue, Validation, validate, validate_step};

/// One registration type.
#[derive(Clone, Debug, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegistrationType {
    pub key: String,
    pub jurisdiction: Jurisdiction,
    pub registry: String,
    pub title: String,
    pub summary: String,
    /// What filing it is.
    pub operation: Operation,
    /// For incorporations: the company type the filing creates.
    #[serde(default)]
    pub company_type: Option<CompanyType>,
    /// Whether the filing concerns a company the client already holds.
    #[serde(default)]
    pub needs_company: bool,
    /// False for types the law no longer allows (close corporations since 1 May 2011).
    #[serde(default = "yes")]
    pub accepts_new: bool,
    #[serde(default)]
    pub refusal_reason: Option<String>,
    #[serde(default)]
    pub forms: Vec<String>,
    #[serde(default)]
    pub outcome_document: Option<String>,
    #[serde(default)]
    pub refusal_document: Option<String>,
    /// Where the agent files by hand.
    #[serde(default)]
    pub filing_url: Option<String>,
    #[serde(default)]
    pub required_documents: Vec<RequiredDocument>,
    #[serde(default)]
    pub checks: Vec<Check>,
    #[serde(default)]
    pub steps: Vec<Step>,
}

fn yes() -> bool {
    true
}

/// The filing a registration type makes at its registry, which decides what its outcome
/// must record and whether the registry gateway can file it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[schema(as = FilingOperation)]
#[serde(rename_all = "snake_case")]
pub enum Operation {
    NameReservation,
    Incorporation,
    VatRegistration,
    BeneficialOwnership,
    AnnualReturn,
    ReRegistration,
    /// Nothing is filed (a type kept only to refuse it, like close corporations).
    #[serde(rename = "none")]
    NoFiling,
}

text_enum!(Operation, "operation", {
    NameReservation => "name_reservation",
    Incorporation => "incorporation",
    VatRegistration => "vat_registration",
    BeneficialOwnership => "beneficial_ownership",
    AnnualReturn => "annual_return",
    ReRegistration => "re_registration",
    NoFiling => "none",
});

#[derive(Clone, Debug, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RequiredDocument {
    pub kind: String,
    pub label: String,
    /// Needed only when `[step.field, value]` holds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub when: Option<[String; 2]>,
}

#[derive(Clone, Debug, Deserialize, Serialize, utoipa::ToSchema)]
#[schema(as = RegistrationStep)]
#[serde(deny_unknown_fields)]
pub struct Step {
    pub key: String,
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
    #[serde(default)]
    pub fields: Vec<Field>,
}

/// A field of a step. `kind` says how its value is parsed (see `fields.rs`).
#[derive(Clone, Debug, Deserialize, Serialize, utoipa::ToSchema)]
#[schema(as = StepField)]
#[serde(deny_unknown_fields)]
pub struct Field {
    pub key: String,
    pub label: String,
    #[serde(rename = "type")]
    pub kind: FieldKind,
    #[serde(default)]
    pub required: bool,
    /// Required only when another field of the step has this value: `[field, value]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub required_when: Option<[String; 2]>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_len: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_items: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_items: Option<usize>,
    /// For company names: the kind whose ending the name needs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub company_kind: Option<String>,
    /// ... or the field of the step that says it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub company_kind_from: Option<String>,
    /// For people: the roles each person takes by default.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub roles: Vec<String>,
    /// For people: each has a number of shares.
    #[serde(default)]
    pub shares: bool,
    /// For people: each has an ownership share (basis points).
    #[serde(default)]
    pub ownership: bool,
    /// For people: a passport instead of an SA ID is acceptable (not only a warning).
    #[serde(default)]
    pub passport_allowed: bool,
    /// For booleans: only `true` is acceptable.
    #[serde(default)]
    pub must_be_true: bool,
}

#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq, utoipa::ToSchema)]
#[schema(as = StepFieldKind)]
#[serde(rename_all = "snake_case")]
pub enum FieldKind {
    Text,
    Choice,
    Boolean,
    Date,
    Month,
    Integer,
    Money,
    Email,
    Phone,
    Address,
    CompanyName,
    CompanyNames,
    TaxReference,
    People,
    Documents,
    Payment,
}

/// A rule spanning fields, named in the type's `checks` and implemented in `checks.rs`.
#[derive(Clone, Debug, Deserialize, Serialize, utoipa::ToSchema)]
#[schema(as = RegistrationCheck)]
#[serde(deny_unknown_fields)]
pub struct Check {
    pub rule: String,
    pub step: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_basis_points: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// "error" (default) or "warning".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub severity: Option<String>,
    #[serde(default)]
    pub no_registration_number: bool,
}

impl RegistrationType {
    pub fn kind(&self) -> Option<RegistrationKind> {
        self.key.parse().ok()
    }

    pub fn step(&self, key: &str) -> Option<&Step> {
        self.steps.iter().find(|s| s.key == key)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    types: Vec<RegistrationType>,
}

/// Every registration type, in file order.
#[derive(Debug)]
pub struct RegistrationTypes {
    types: Vec<RegistrationType>,
}

const FILES: &[(&str, &str)] = &[
    ("types/za.toml", include_str!("../../types/za.toml")),
    ("types/zw.toml", include_str!("../../types/zw.toml")),
];

static BUILT_IN: LazyLock<Result<RegistrationTypes, String>> =
    LazyLock::new(|| RegistrationTypes::load(FILES));

impl RegistrationTypes {
    /// Parses the files and checks that every type is a known kind, every check names a
    /// known rule and step, and every conditional names a field of its step.
    pub fn load(files: &[(&str, &str)]) -> Result<RegistrationTypes, String> {
        let mut types = Vec::new();
        for (name, text) in files {
            let file: File = toml::from_str(text).map_err(|e| format!("{name}: {e}"))?;
            types.extend(file.types);
        }
        for t in &types {
            if t.kind().is_none() {
                return Err(format!("{}: not a registration kind", t.key));
            }
            if t.kind().is_some_and(|k| k.jurisdiction() != t.jurisdiction) {
                return Err(format!(
                    "{}: the kind belongs to another jurisdiction than {}",
                    t.key, t.jurisdiction
                ));
            }
            for c in &t.checks {
                if !checks::RULES.contains(&c.rule.as_str()) {
                    return Err(format!("{}: unknown check rule {}", t.key, c.rule));
                }
                if t.step(&c.step).is_none() {
                    return Err(format!(
                        "{}: check {} names no step {}",
                        t.key, c.rule, c.step
                    ));
                }
            }
            for s in &t.steps {
                for f in &s.fields {
                    if let Some([other, _]) = &f.required_when
                        && !s.fields.iter().any(|g| &g.key == other)
                    {
                        return Err(format!(
                            "{}.{}.{}: required_when names no field {other}",
                            t.key, s.key, f.key
                        ));
                    }
                }
            }
        }
        Ok(RegistrationTypes { types })
    }

    /// The types built into the binary.
    pub fn built_in() -> &'static RegistrationTypes {
        match &*BUILT_IN {
            Ok(types) => types,
            // The embedded files are tested; an error here is a bug in this build.
            Err(e) => panic!("the built-in registration types do not load: {e}"),
        }
    }

    pub fn all(&self) -> &[RegistrationType] {
        &self.types
    }

    pub fn get(&self, kind: RegistrationKind) -> Option<&RegistrationType> {
        self.types.iter().find(|t| t.key == kind.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_types_load_and_cover_every_kind() {
        let types = RegistrationTypes::load(FILES).unwrap();
        for kind in RegistrationKind::ALL {
            assert!(types.get(*kind).is_some(), "{kind} has no definition");
        }
        let pty = types.get(RegistrationKind::ZaPrivateCompany).unwrap();
        let steps: Vec<&str> = pty.steps.iter().map(|s| s.key.as_str()).collect();
        assert_eq!(
            steps,
            [
                "company_name",
                "company_details",
                "directors",
                "shareholders",
                "documents",
                "fees_payment",
                "review"
            ]
        );
        let cc = types.get(RegistrationKind::ZaCloseCorporation).unwrap();
        assert!(!cc.accepts_new);
        assert!(cc.refusal_reason.as_deref().unwrap().contains("1 May 2011"));
    }

    #[test]
    fn a_check_naming_an_unknown_rule_is_refused() {
        let text = r#"
[[types]]
key = "za_annual_return"
jurisdiction = "ZA"
registry = "CIPC"
title = "t"
summary = "s"
operation = "annual_return"
checks = [{ rule = "no_such_rule", step = "x" }]
"#;
        let err = RegistrationTypes::load(&[("x.toml", text)]).unwrap_err();
        assert!(err.contains("unknown check rule"), "{err}");
    }
}
