//! What can go wrong in the practice's operations; the API maps each to a problem document.

use crate::registration_types::Issue;
use comply360_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum PracticeError {
    /// Bad input: every field's problem at once (422).
    #[error("{detail}")]
    Invalid { detail: String, issues: Vec<Issue> },
    /// No such record in this tenant (404).
    #[error("no {0} with this id in your agency")]
    NotFound(&'static str),
    /// Some of several records named are not in this tenant (404): which, in the detail.
    #[error("{detail}")]
    NotFoundAmong { what: &'static str, detail: String },
    /// Valid input that the record's state refuses (409): a wrong transition, a stale version.
    #[error("{detail}")]
    Conflict { code: &'static str, detail: String },
    /// The caller lacks the permission this action needs (403).
    #[error("this action needs the permission {0}")]
    Forbidden(&'static str),
    /// The agency's plan does not allow it (a full allowance, a missing feature): the limit
    /// and the plan that lifts it (403 `plan_limit_reached`).
    #[error(transparent)]
    PlanLimit(#[from] comply360_domain::plans::PlanLimitReached),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for PracticeError {
    fn from(err: sqlx::Error) -> Self {
        PracticeError::Store(StoreError::from(err))
    }
}

impl PracticeError {
    pub fn invalid(detail: impl Into<String>, issues: Vec<Issue>) -> PracticeError {
        PracticeError::Invalid {
            detail: detail.into(),
            issues,
        }
    }

    pub fn field(field: &str, message: impl Into<String>) -> PracticeError {
        PracticeError::Invalid {
            detail: "the request has invalid fields".into(),
            issues: vec![Issue {
                field: field.to_owned(),
                message: message.into(),
            }],
        }
    }
}

/// Collects field problems, then fails once with all of them.
#[derive(Default)]
pub struct Problems(pub Vec<Issue>);

impl Problems {
    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        self.0.push(Issue {
            field: field.to_owned(),
            message: message.into(),
        });
    }

    /// Adds a problem of the form's first field, found after the others.
    pub fn add_first(&mut self, field: &str, message: impl Into<String>) {
        self.0.insert(
            0,
            Issue {
                field: field.to_owned(),
                message: message.into(),
            },
        );
    }

    pub fn finish(self, detail: &str) -> Result<(), PracticeError> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(PracticeError::invalid(detail, self.0))
        }
    }
}
