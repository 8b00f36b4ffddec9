//! What an operator does to an agency from its page: suspend it (its people and API keys are
//! refused until it is reactivated), reactivate it, resume a provisioning that stopped. The
//! same store operations as `comply360 tenant suspend|reactivate|provision --resume`.

use super::agency_form::invite_admin;
use super::{actor, agencies};
use crate::chrome::Chrome;
use crate::errors::PageError;
use axum::extract::{Path, State};
use axum::response::Response;
use comply360_api::AppState;
use comply360_domain::TenantStatus;
use comply360_store::StoreError;
use comply360_store::provision::ProvisionOptions;

async fn set_status(
    state: &AppState,
    chrome: Chrome,
    slug: &str,
    status: TenantStatus,
) -> Result<Response, PageError> {
    // An unknown agency is a missing page, not an error of the store.
    agencies::record(state, slug).await?;
    let (t, changed) = state
        .store
        .set_tenant_status(slug, status, &actor(&chrome))
        .await?;
    let notice = match (status, changed) {
        (TenantStatus::Suspended, true) => format!(
            "{} is suspended: its people cannot sign in and its API keys are refused until you reactivate it.",
            t.name
        ),
        (TenantStatus::Active, true) => format!("{} is active again.", t.name),
        (_, false) => format!("{} was already {status}.", t.name),
    };
    Ok(chrome.done(&format!("/agencies/{slug}"), &notice))
}

pub async fn suspend(
    State(state): State<AppState>,
    chrome: Chrome,
    Path(slug): Path<String>,
) -> Result<Response, PageError> {
    set_status(&state, chrome, &slug, TenantStatus::Suspended).await
}

pub async fn reactivate(
    State(state): State<AppState>,
    chrome: Chrome,
    Path(slug): Path<String>,
) -> Result<Response, PageError> {
    set_status(&state, chrome, &slug, TenantStatus::Active).await
}

/// Runs the steps after the last one recorded; on success the administrator is invited (the
/// failed creation never got that far).
pub async fn resume(
    State(state): State<AppState>,
    chrome: Chrome,
    Path(slug): Path<String>,
) -> Result<Response, PageError> {
    let before = agencies::record(&state, &slug).await?;
    let to = format!("/agencies/{slug}");
    if before.placement.state == comply360_domain::ProvisioningState::Active {
        return Ok(chrome.done(&to, &format!("{} is already provisioned.", before.name)));
    }
    match state
        .store
        .resume_provisioning(&slug, ProvisionOptions::default())
        .await
    {
        Ok(t) => {
            let invited = invite_admin(&state, &t).await;
            let notice = if invited {
                format!(
                    "{} is ready. Its administrator was sent an invitation.",
                    t.name
                )
            } else {
                format!("{} is ready.", t.name)
            };
            Ok(chrome.done(&to, &notice))
        }
        Err(StoreError::ProvisioningFailed { step, .. }) => Ok(chrome.done(
            &to,
            &format!("Provisioning stopped again at step {step}. See the error below."),
        )),
        Err(e) => Err(e.into()),
    }
}
