//! Signing in and out: the password form, the second step (an authenticator code or a
//! recovery code), signing out of this browser or of every session.

use crate::chrome::Chrome;
use crate::cookies::{self, SameSite};
use crate::errors::PageError;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use comply360_api::AppState;
use comply360_api::gateway::client::Client;
use comply360_identity::ratelimit::Decision;
use comply360_identity::{AuthError, SignIn, TokenPair};
use minijinja::context;
use serde::Deserialize;

/// Where to go after signing in: only a path of this site (never `//other.host`).
pub(crate) fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => n.to_owned(),
        _ => "/".to_owned(),
    }
}

#[derive(Deserialize)]
pub struct Next {
    next: Option<String>,
}

pub async fn page(chrome: Chrome, Query(q): Query<Next>) -> Response {
    if chrome.viewer.is_some() {
        return Redirect::to(&safe_next(q.next.as_deref())).into_response();
    }
    let next = safe_next(q.next.as_deref());
    chrome.page("login.html", "", "Sign in", context! { email => "", next })
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    next: Option<String>,
}

fn signed_in(state: &AppState, chrome: Chrome, pair: &TokenPair, next: &str) -> Response {
    let settings = state.identity.settings();
    let secure = chrome.secure();
    let mut res = chrome.respond(Redirect::to(next).into_response());
    for c in [
        cookies::set(
            cookies::ACCESS,
            &pair.access_token,
            settings.access_ttl.as_secs(),
            SameSite::Lax,
            secure,
        ),
        cookies::set(
            cookies::REFRESH,
            &pair.refresh_token,
            settings.refresh_ttl.as_secs(),
            SameSite::Strict,
            secure,
        ),
    ] {
        res.headers_mut().append(axum::http::header::SET_COOKIE, c);
    }
    res
}

/// The message a refused sign-in shows: the API's own words, internal errors never.
fn refusal(err: &AuthError) -> (StatusCode, String) {
    let problem = comply360_api::problem::from_auth(err);
    if problem.status.is_server_error() {
        (
            StatusCode::INTERNAL_SERVER_ERROR,
            "Something went wrong; try again.".to_owned(),
        )
    } else {
        (problem.status, problem.detail)
    }
}

pub async fn submit(
    State(state): State<AppState>,
    chrome: Chrome,
    Client(client): Client,
    Form(form): Form<LoginForm>,
) -> Response {
    let realm = chrome.place.realm();
    let next = safe_next(form.next.as_deref());
    let again = |chrome: Chrome, status: StatusCode, message: String| {
        let email = form.email.clone();
        let mut res = chrome.page(
            "login.html",
            "",
            "Sign in",
            context! { email, next => next.clone(), error => message },
        );
        *res.status_mut() = status;
        res
    };
    let key = comply360_api::auth::sign_in::signin_key(&realm, &client, &form.email);
    if let Decision::Limited { retry_after } =
        state.limiter.check(&key, state.settings.signin_quota).await
    {
        let wait = retry_after.as_secs().max(1);
        return again(
            chrome,
            StatusCode::TOO_MANY_REQUESTS,
            format!("Too many attempts. Try again in {wait} seconds."),
        );
    }
    match state
        .identity
        .login(&realm, form.email.trim(), &form.password, &client)
        .await
    {
        Ok(SignIn::SignedIn(pair)) => signed_in(&state, chrome, &pair, &next),
        Ok(SignIn::MfaRequired { mfa_token, .. }) => chrome.page(
            "mfa.html",
            "",
            "Two-step verification",
            context! { mfa_token, next },
        ),
        Ok(SignIn::MfaSetupRequired { setup_token, .. }) => {
            super::account::setup_page(&state, chrome, setup_token, next)
                .await
                .unwrap_or_else(IntoResponse::into_response)
        }
        Err(err) => {
            let (status, message) = refusal(&err);
            again(chrome, status, message)
        }
    }
}

#[derive(Deserialize)]
pub struct MfaForm {
    #[serde(default)]
    mfa_token: String,
    #[serde(default)]
    code: String,
    next: Option<String>,
}

pub async fn second_step(
    State(state): State<AppState>,
    chrome: Chrome,
    Client(client): Client,
    Form(form): Form<MfaForm>,
) -> Response {
    let realm = chrome.place.realm();
    let next = safe_next(form.next.as_deref());
    match state
        .identity
        .verify_mfa(&realm, &form.mfa_token, form.code.trim(), &client)
        .await
    {
        Ok(pair) => signed_in(&state, chrome, &pair, &next),
        Err(err) => {
            let (status, message) = refusal(&err);
            let mut res = chrome.page(
                "mfa.html",
                "",
                "Two-step verification",
                context! { mfa_token => form.mfa_token, next, error => message },
            );
            *res.status_mut() = if status.is_server_error() {
                status
            } else {
                StatusCode::UNAUTHORIZED
            };
            res
        }
    }
}

/// Signs this browser out (its session revoked, its cookies gone).
pub async fn sign_out(
    State(state): State<AppState>,
    chrome: Chrome,
    Client(client): Client,
) -> Response {
    if let Some(v) = &chrome.viewer
        && let Err(err) = state
            .identity
            .logout(&chrome.place.realm(), v.user.id, v.user.session, &client)
            .await
    {
        tracing::warn!(error = %err, "portal sign-out did not revoke the session");
    }
    let secure = chrome.secure();
    let mut res = chrome.done("/login", "You are signed out.");
    for c in cookies::cleared(secure) {
        res.headers_mut().append(axum::http::header::SET_COOKIE, c);
    }
    res
}

/// Signs out every session of the person (a lost phone, a shared computer).
pub async fn sign_out_everywhere(
    State(state): State<AppState>,
    chrome: Chrome,
    Client(client): Client,
) -> Result<Response, PageError> {
    let viewer = chrome.viewer()?;
    let ended = state
        .identity
        .logout_all(&chrome.place.realm(), viewer.user.id, &client)
        .await?;
    let secure = chrome.secure();
    let notice = format!("Signed out of {ended} session(s), this one included.");
    let mut res = chrome.done("/login", &notice);
    for c in cookies::cleared(secure) {
        res.headers_mut().append(axum::http::header::SET_COOKIE, c);
    }
    Ok(res)
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn only_this_sites_paths_are_followed_after_sign_in() {
        assert_eq!(safe_next(Some("/clients?q=a")), "/clients?q=a");
        for bad in [
            "//evil.example/x",
            "https://evil.example",
            "/\\evil",
            "clients",
        ] {
            assert_eq!(safe_next(Some(bad)), "/", "{bad}");
        }
        assert_eq!(safe_next(None), "/");
    }
}
