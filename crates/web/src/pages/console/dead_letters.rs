//! Dead letters: jobs that failed for good (their last attempt, or a permanent error), in
//! every servable agency, with a retry each. Read and replayed through
//! `comply360_jobs::admin`, the operator view `comply360 jobs dead|retry` uses (one agency's
//! transaction at a time, never a query across agencies).

use super::{MANAGE, view};
use crate::chrome::Chrome;
use crate::errors::PageError;
use axum::extract::{Path, State};
use axum::response::Response;
use comply360_api::AppState;
use comply360_api::problem::Problem;
use comply360_domain::JobId;
use comply360_jobs::{JobsError, admin};
use minijinja::context;

/// Dead letters shown per agency (the oldest first, as the CLI lists them).
const PER_AGENCY: i64 = 50;

impl From<JobsError> for PageError {
    fn from(e: JobsError) -> PageError {
        match e {
            JobsError::Store(e) => e.into(),
            JobsError::UnknownJob(_) => PageError::NotFound,
            other => {
                tracing::error!(error = %other, "dead letters");
                PageError::Problem(Problem::internal())
            }
        }
    }
}

pub async fn list(State(state): State<AppState>, chrome: Chrome) -> Result<Response, PageError> {
    let dead = admin::list(state.store.tenancy(), None, &["dead"], PER_AGENCY).await?;
    let ctx = context! {
        jobs => view(&dead),
        can_retry => chrome.may(MANAGE),
    };
    Ok(chrome.page(
        "console/dead_letters.html",
        "dead-letters",
        "Dead letters",
        ctx,
    ))
}

pub async fn retry(
    State(state): State<AppState>,
    chrome: Chrome,
    Path((slug, raw)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let id = uuid::Uuid::parse_str(&raw)
        .map(JobId::from_uuid)
        .map_err(|_| PageError::NotFound)?;
    let tenancy = state.store.tenancy();
    let notice = match admin::retry(tenancy, Some(&slug), id, state.outbox.transport()).await {
        Ok(job) => format!(
            "The {} job of {} is queued again with fresh attempts.",
            job.job.handler, job.tenant
        ),
        // A second click, or another operator first: say where it stands.
        Err(JobsError::NotDead { state, .. }) => format!("That job is already {state}."),
        Err(JobsError::Store(comply360_store::StoreError::UnknownTenant(_))) => {
            return Err(PageError::NotFound);
        }
        Err(e) => return Err(e.into()),
    };
    Ok(chrome.done("/dead-letters", &notice))
}
