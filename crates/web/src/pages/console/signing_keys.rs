//! The access-token signing keys: which signs, which still verify, and rotation (a new key
//! signs from now on; the old ones verify until the tokens they signed have expired). Through
//! identity's `signing_keys` and `rotate_signing_key`, the key functions `comply360 keys` uses.

use super::{actor, view};
use crate::chrome::Chrome;
use crate::errors::PageError;
use axum::extract::State;
use axum::response::Response;
use comply360_api::AppState;
use comply360_api::problem::Problem;
use comply360_identity::signing::KeyError;
use minijinja::context;
use serde::Serialize;

#[derive(Serialize)]
struct Key {
    kid: String,
    created_at: chrono::DateTime<chrono::Utc>,
    signing: bool,
    verifying: bool,
}

fn key_error(e: KeyError) -> PageError {
    match e {
        KeyError::Store(e) => e.into(),
        other => {
            tracing::error!(error = %other, "signing keys");
            PageError::Problem(Problem::internal())
        }
    }
}

pub async fn list(State(state): State<AppState>, chrome: Chrome) -> Result<Response, PageError> {
    let keys: Vec<Key> = state
        .identity
        .signing_keys()
        .await
        .map_err(key_error)?
        .into_iter()
        .rev()
        .map(|k| Key {
            kid: k.kid,
            created_at: k.created_at,
            signing: k.signing,
            verifying: k.verifying,
        })
        .collect();
    let ctx = context! { keys => view(&keys) };
    Ok(chrome.page(
        "console/signing_keys.html",
        "signing-keys",
        "Signing keys",
        ctx,
    ))
}

pub async fn rotate(State(state): State<AppState>, chrome: Chrome) -> Result<Response, PageError> {
    let kid = state
        .identity
        .rotate_signing_key(&actor(&chrome))
        .await
        .map_err(key_error)?;
    Ok(chrome.done(
        "/signing-keys",
        &format!("Key {kid} signs new tokens from now on. The older keys verify the tokens they signed until those expire."),
    ))
}
