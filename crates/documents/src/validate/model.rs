//! A second opinion on a document, e.g. from a language model. Off unless a caller passes
//! one, never required, and none is shipped: only the trait and how its checks combine.
//!
//! How they combine ([`combine`]): the model's checks are added to the rules' checks with
//! `model_` in front of their codes and count in the score like any other; they are never
//! decisive, so a model can hold a document back for review (a failed check means not
//! everything passed) but cannot reject it on its own, nor verify one the rules did not.
//! When the model fails, the rules' validation stands unchanged and the failure is logged.
//!
//! An implementation sends the document's text, personal information, to whoever runs the
//! model: under POPIA that party is an operator and needs a written contract (s21).

use super::{Check, Facts, Validation, validate};

#[derive(Debug, thiserror::Error)]
#[error("the second opinion failed: {0}")]
pub struct ModelError(pub String);

#[async_trait::async_trait]
pub trait ModelValidator: Send + Sync {
    /// Checks of its own on `text`, given `facts`. Codes are snake_case; `model_` is added.
    async fn checks(&self, text: &str, facts: &Facts) -> Result<Vec<Check>, ModelError>;
}

/// The rules' validation, with `model`'s checks added when one is given and it answers.
pub async fn validate_with_model(
    text: &str,
    facts: &Facts,
    model: Option<&dyn ModelValidator>,
) -> Validation {
    let rules = validate(text, facts);
    let Some(model) = model else {
        return rules;
    };
    match model.checks(text, facts).await {
        Ok(extra) => combine(rules, extra),
        Err(error) => {
            tracing::warn!(%error, "the second opinion on a document failed; the rules' verdict stands");
            rules
        }
    }
}

/// `rules` with the model's `extra` checks added (never decisive), rescored and rejudged.
pub fn combine(rules: Validation, extra: Vec<Check>) -> Validation {
    let mut checks = rules.checks;
    checks.extend(extra.into_iter().map(|c| Check {
        code: if c.code.starts_with("model_") {
            c.code
        } else {
            format!("model_{}", c.code)
        },
        decisive: false,
        ..c
    }));
    Validation::from_checks(checks)
}
