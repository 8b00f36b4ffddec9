//! A draft checked against its type: every field of every step, then the type's checks.
//! Errors block `ready`/`submit`; warnings and notes (fee quotes, the VAT verdict) are shown.

use super::{RegistrationType, checks, fields};
use crate::calendar::BusinessCalendar;
use crate::company::CompanyType;
use crate::contact::Region;
use chrono::NaiveDate;
use serde::Serialize;
use serde_json::{Map, Value};

/// What is known about the company a filing concerns (annual returns, BO, VAT).
#[derive(Clone, Debug)]
pub struct CompanyFacts {
    pub company_type: CompanyType,
    pub incorporated_on: Option<NaiveDate>,
}

/// What validation needs besides the payload.
pub struct Ctx {
    pub today: NaiveDate,
    pub region: Region,
    pub company: Option<CompanyFacts>,
    /// The business days deadlines count in, with the platform's declared holidays.
    pub calendar: BusinessCalendar,
}

#[derive(Clone, Debug, Serialize, PartialEq, Eq, utoipa::ToSchema)]
#[schema(as = ValidationIssue)]
pub struct Issue {
    pub field: String,
    pub message: String,
}

#[derive(Clone, Debug, Default, Serialize, utoipa::ToSchema)]
pub struct Validation {
    pub valid: bool,
    pub errors: Vec<Issue>,
    pub warnings: Vec<Issue>,
    /// Explanations a person should read: the VAT verdict, the fee due and why.
    pub notes: Vec<Issue>,
    /// Each step and whether it is complete (no errors under it).
    pub steps: Vec<StepState>,
    /// Fees due to the registry, in cents, when the type has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fee_cents: Option<i64>,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct StepState {
    pub key: String,
    pub complete: bool,
}

impl Validation {
    pub fn error(&mut self, field: &str, message: impl Into<String>) {
        self.errors.push(Issue {
            field: field.to_owned(),
            message: message.into(),
        });
    }

    pub fn warning(&mut self, field: &str, message: impl Into<String>) {
        self.warnings.push(Issue {
            field: field.to_owned(),
            message: message.into(),
        });
    }

    pub fn note(&mut self, field: &str, message: impl Into<String>) {
        self.notes.push(Issue {
            field: field.to_owned(),
            message: message.into(),
        });
    }
}

fn step_object(payload: &Value, key: &str) -> Map<String, Value> {
    payload
        .get(key)
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default()
}

/// Checks the whole draft.
pub fn validate(ty: &RegistrationType, payload: &Value, ctx: &Ctx) -> Validation {
    let mut out = Validation::default();
    if !ty.accepts_new {
        out.error(
            "kind",
            ty.refusal_reason
                .clone()
                .unwrap_or_else(|| format!("{} is not available", ty.title)),
        );
    }
    if let Some(obj) = payload.as_object() {
        for key in obj.keys() {
            if ty.step(key).is_none() {
                out.error(
                    &format!("steps.{key}"),
                    format!("{} has no step {key:?}", ty.key),
                );
            }
        }
    }
    for step in &ty.steps {
        let obj = step_object(payload, &step.key);
        for field in &step.fields {
            fields::check(field, &obj, &format!("steps.{}", step.key), ctx, &mut out);
        }
    }
    checks::run(ty, payload, ctx, &mut out);
    super::fees::quote(ty, payload, ctx, &mut out);
    out.steps = ty
        .steps
        .iter()
        .map(|s| {
            let prefix = format!("steps.{}.", s.key);
            StepState {
                key: s.key.clone(),
                complete: !out.errors.iter().any(|e| e.field.starts_with(&prefix)),
            }
        })
        .collect();
    out.valid = out.errors.is_empty();
    out
}

/// Checks one step (what a wizard shows after the person saves it).
pub fn validate_step(ty: &RegistrationType, step_key: &str, value: &Value) -> Validation {
    let mut out = Validation::default();
    let Some(step) = ty.step(step_key) else {
        out.error(
            "step",
            format!(
                "{} has no step {step_key:?}; its steps are {}",
                ty.key,
                ty.steps
                    .iter()
                    .map(|s| s.key.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        );
        return out;
    };
    let Some(obj) = value.as_object() else {
        out.error(
            &format!("steps.{step_key}"),
            "a step's data must be a JSON object of its fields",
        );
        return out;
    };
    for key in obj.keys() {
        if !step.fields.iter().any(|f| &f.key == key) {
            out.error(
                &format!("steps.{step_key}.{key}"),
                format!("step {step_key} has no field {key:?}"),
            );
        }
    }
    out.valid = out.errors.is_empty();
    out
}
