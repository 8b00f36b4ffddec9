//! Field checks shared by the identity endpoints: every problem in a body is reported at once.

use crate::problem::Problem;
use axum::http::StatusCode;

/// Collects field errors; `finish` turns them into one 422.
#[derive(Default)]
pub struct Fields {
    errors: Vec<(&'static str, String)>,
}

impl Fields {
    /// A required text field of at most `max` characters; returns it trimmed when present.
    pub fn required<'a>(
        &mut self,
        name: &'static str,
        value: &'a Option<String>,
        max: usize,
    ) -> &'a str {
        match value.as_deref() {
            None => {
                self.errors.push((name, "is required".into()));
                ""
            }
            Some(v) if v.trim().is_empty() => {
                self.errors.push((name, "must not be empty".into()));
                ""
            }
            Some(v) if v.chars().count() > max => {
                self.errors
                    .push((name, format!("must be at most {max} characters")));
                ""
            }
            Some(v) => v,
        }
    }

    /// An optional text field of at most `max` characters.
    pub fn optional(&mut self, name: &'static str, value: &Option<String>, max: usize) {
        if value.as_ref().is_some_and(|v| v.chars().count() > max) {
            self.errors
                .push((name, format!("must be at most {max} characters")));
        }
    }

    pub fn error(&mut self, name: &'static str, message: impl Into<String>) {
        self.errors.push((name, message.into()));
    }

    pub fn finish(self) -> Result<(), Problem> {
        if self.errors.is_empty() {
            return Ok(());
        }
        let mut problem = Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
            "the request has invalid fields",
        );
        for (field, message) in self.errors {
            problem = problem.with_field(field, message);
        }
        Err(problem)
    }
}
