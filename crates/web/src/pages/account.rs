//! Getting in and looking after one's account: a forgotten password (the emailed link and the
//! new password), accepting an invitation (choosing a password), two-step verification
//! (enrolment with the QR code, the recovery codes shown once, at sign-in when the agency
//! requires it or from the account page), changing the password. Each calls the identity
//! operation the API calls, with the same limits and the same messages.

use crate::chrome::Chrome;
use crate::cookies::{self, SameSite};
use crate::errors::PageError;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::Response;
use base64::Engine;
use comply360_api::AppState;
use comply360_api::gateway::client::Client;
use comply360_identity::signin::MFA_SETUP;
use comply360_identity::{AuthError, UserPrincipal};
use minijinja::context;
use serde::Deserialize;
use std::collections::BTreeMap;

/// An identity refusal as the form shows it: field messages and a summary; internal errors
/// as the error page.
fn refusal(err: AuthError) -> Result<(BTreeMap<String, String>, String), PageError> {
    let problem = comply360_api::problem::from_auth(&err);
    if problem.status.is_server_error() {
        return Err(PageError::Problem(problem));
    }
    let errors = problem
        .errors
        .iter()
        .map(|e| (e.field.clone(), e.message.clone()))
        .collect();
    Ok((errors, problem.detail))
}

fn with_status(mut res: Response, status: StatusCode) -> Response {
    *res.status_mut() = status;
    res
}

/// The QR code as an image the CSP allows (`data:`), not inline SVG markup.
fn qr_image(svg: &str) -> String {
    format!(
        "data:image/svg+xml;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(svg)
    )
}

#[derive(Deserialize)]
pub struct EmailForm {
    #[serde(default)]
    email: String,
}

pub async fn forgot_page(chrome: Chrome) -> Result<Response, PageError> {
    chrome.tenant()?;
    Ok(chrome.page(
        "account/forgot.html",
        "",
        "Forgot your password",
        context! { email => "" },
    ))
}

pub async fn forgot_submit(
    State(state): State<AppState>,
    chrome: Chrome,
    Client(client): Client,
    Form(form): Form<EmailForm>,
) -> Result<Response, PageError> {
    chrome.tenant()?;
    let email = form.email.trim().to_owned();
    if email.is_empty() {
        let page = chrome.page(
            "account/forgot.html",
            "",
            "Forgot your password",
            context! { email, errors => context! { email => "enter the email address you sign in with" } },
        );
        return Ok(with_status(page, StatusCode::UNPROCESSABLE_ENTITY));
    }
    let realm = chrome.place.realm();
    if let Err(problem) =
        comply360_api::auth::sign_in::limit_forgot(&state, &realm, &client, &email).await
    {
        let page = chrome.page(
            "account/forgot.html",
            "",
            "Forgot your password",
            context! { email, error => problem.detail },
        );
        return Ok(with_status(page, problem.status));
    }
    state
        .identity
        .forgot_password(&realm, &email, &client)
        .await?;
    // The same answer whether or not the address has an account.
    Ok(chrome.page(
        "account/forgot.html",
        "",
        "Check your email",
        context! { sent => true, email },
    ))
}

#[derive(Deserialize)]
pub struct TokenQuery {
    #[serde(default)]
    token: String,
}

#[derive(Deserialize)]
pub struct NewPasswordForm {
    #[serde(default)]
    token: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    confirm: String,
    full_name: Option<String>,
}

/// The two passwords typed must agree before anything is asked of identity.
fn mismatch(form: &NewPasswordForm) -> Option<BTreeMap<String, String>> {
    (form.password != form.confirm).then(|| {
        BTreeMap::from([(
            "confirm".to_owned(),
            "the two passwords are not the same; type the new password twice".to_owned(),
        )])
    })
}

pub async fn reset_page(
    chrome: Chrome,
    Query(q): Query<TokenQuery>,
) -> Result<Response, PageError> {
    chrome.tenant()?;
    Ok(chrome.page(
        "account/new_password.html",
        "",
        "Choose a new password",
        context! { token => q.token, action => "/reset-password" },
    ))
}

pub async fn reset_submit(
    State(state): State<AppState>,
    chrome: Chrome,
    Client(client): Client,
    Form(form): Form<NewPasswordForm>,
) -> Result<Response, PageError> {
    chrome.tenant()?;
    let result = match mismatch(&form) {
        Some(errors) => Err((errors, "the passwords differ".to_owned())),
        None => match state
            .identity
            .reset_password(&chrome.place.realm(), &form.token, &form.password, &client)
            .await
        {
            Ok(()) => Ok(()),
            Err(e) => Err(refusal(e)?),
        },
    };
    match result {
        Ok(()) => Ok(chrome.done("/login", "Your password is changed. Sign in with it now.")),
        Err((errors, summary)) => Ok(with_status(
            chrome.page(
                "account/new_password.html",
                "",
                "Choose a new password",
                context! { token => form.token, action => "/reset-password", errors, summary },
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
        )),
    }
}

pub async fn invitation_page(
    chrome: Chrome,
    Query(q): Query<TokenQuery>,
) -> Result<Response, PageError> {
    chrome.tenant()?;
    Ok(chrome.page(
        "account/new_password.html",
        "",
        "Welcome",
        context! { token => q.token, action => "/accept-invitation", invitation => true },
    ))
}

pub async fn invitation_submit(
    State(state): State<AppState>,
    chrome: Chrome,
    Client(client): Client,
    Form(form): Form<NewPasswordForm>,
) -> Result<Response, PageError> {
    chrome.tenant()?;
    let full_name = form
        .full_name
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty());
    let result = match mismatch(&form) {
        Some(errors) => Err((errors, "the passwords differ".to_owned())),
        None => match state
            .identity
            .accept_invitation(
                &chrome.place.realm(),
                &form.token,
                &form.password,
                full_name,
                &client,
            )
            .await
        {
            Ok(()) => Ok(()),
            Err(e) => Err(refusal(e)?),
        },
    };
    match result {
        Ok(()) => Ok(chrome.done("/login", "Your account is ready. Sign in with your email and the password you chose.")),
        Err((errors, summary)) => Ok(with_status(
            chrome.page(
                "account/new_password.html",
                "",
                "Welcome",
                context! { token => form.token, action => "/accept-invitation", invitation => true, errors, summary, full_name => form.full_name },
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
        )),
    }
}

/// The account page: who, two-step verification, the password, sessions.
pub async fn account(chrome: Chrome) -> Result<Response, PageError> {
    let mfa_enabled = chrome.viewer()?.mfa_enabled;
    Ok(chrome.page(
        "account/account.html",
        "account",
        "Your account",
        context! { mfa_enabled },
    ))
}

#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    current: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    confirm: String,
}

pub async fn change_password(
    State(state): State<AppState>,
    chrome: Chrome,
    Client(client): Client,
    Form(form): Form<PasswordForm>,
) -> Result<Response, PageError> {
    let viewer = chrome.viewer()?.clone();
    let outcome = if form.password != form.confirm {
        Err((
            BTreeMap::from([(
                "confirm".to_owned(),
                "the two passwords are not the same; type the new password twice".to_owned(),
            )]),
            "the passwords differ".to_owned(),
        ))
    } else {
        match state
            .identity
            .change_password(
                &chrome.place.realm(),
                viewer.user.id,
                viewer.user.session,
                &form.current,
                &form.password,
                &client,
            )
            .await
        {
            Ok(()) => Ok(()),
            // A wrong current password is the current field's problem.
            Err(AuthError::InvalidCredentials) => Err((
                BTreeMap::from([(
                    "current".to_owned(),
                    "this is not your current password".to_owned(),
                )]),
                "the current password is wrong".to_owned(),
            )),
            Err(e) => Err(refusal(e)?),
        }
    };
    match outcome {
        Ok(()) => Ok(chrome.done(
            "/account",
            "Your password is changed. Your other sessions were signed out.",
        )),
        Err((errors, summary)) => {
            let mfa_enabled = viewer.mfa_enabled;
            Ok(with_status(
                chrome.page(
                    "account/account.html",
                    "account",
                    "Your account",
                    context! { mfa_enabled, errors, summary },
                ),
                StatusCode::UNPROCESSABLE_ENTITY,
            ))
        }
    }
}

/// Starts an enrolment from the account page: a new secret, its QR code, a code to confirm.
pub async fn mfa_enrol(
    State(state): State<AppState>,
    chrome: Chrome,
) -> Result<Response, PageError> {
    let user = chrome.viewer()?.user.id;
    let enrolment = match state.identity.mfa_enrol(&chrome.place.realm(), user).await {
        Ok(e) => e,
        Err(AuthError::Conflict(_)) => {
            return Ok(chrome.done("/account", "Two-step verification is already on."));
        }
        Err(e) => return Err(e.into()),
    };
    Ok(chrome.page(
        "account/mfa_enrol.html",
        "account",
        "Set up two-step verification",
        context! { layout => "app.html", qr => qr_image(&enrolment.qr_svg), secret => enrolment.secret, action => "/account/mfa/confirm" },
    ))
}

#[derive(Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    setup_token: String,
    #[serde(default)]
    secret: String,
    #[serde(default)]
    qr: String,
}

pub async fn mfa_confirm(
    State(state): State<AppState>,
    chrome: Chrome,
    Client(client): Client,
    Form(form): Form<CodeForm>,
) -> Result<Response, PageError> {
    let user = chrome.viewer()?.user.id;
    match state
        .identity
        .mfa_confirm(&chrome.place.realm(), user, form.code.trim(), false, &client)
        .await
    {
        Ok(confirmed) => Ok(chrome.page(
            "account/recovery_codes.html",
            "account",
            "Save your recovery codes",
            context! { layout => "app.html", codes => confirmed.recovery_codes, next => "/account" },
        )),
        Err(e) => {
            let (_, summary) = refusal(e)?;
            Ok(with_status(
                chrome.page(
                    "account/mfa_enrol.html",
                    "account",
                    "Set up two-step verification",
                    context! { layout => "app.html", qr => form.qr, secret => form.secret, action => "/account/mfa/confirm", error => summary },
                ),
                StatusCode::UNPROCESSABLE_ENTITY,
            ))
        }
    }
}

/// The setup token's account, when it is one (a restricted token for enrolling MFA only).
async fn setup_user(state: &AppState, chrome: &Chrome, token: &str) -> Option<UserPrincipal> {
    let claims = state.identity.keys().verify(token).await.ok()?;
    let user = UserPrincipal::from_claims(claims);
    let here = chrome.place.tenant().map(|t| t.id());
    (user.restriction.as_deref() == Some(MFA_SETUP) && user.tenant == here).then_some(user)
}

/// At sign-in, when the agency requires two-step verification and the account has none: the
/// enrolment page, holding the setup token.
pub async fn setup_page(
    state: &AppState,
    chrome: Chrome,
    setup_token: String,
    next: String,
) -> Result<Response, PageError> {
    let Some(user) = setup_user(state, &chrome, &setup_token).await else {
        return Err(PageError::Forbidden);
    };
    let enrolment = state
        .identity
        .mfa_enrol(&chrome.place.realm(), user.id)
        .await?;
    Ok(chrome.page(
        "account/mfa_enrol.html",
        "",
        "Set up two-step verification",
        context! { layout => "bare.html", required => true, qr => qr_image(&enrolment.qr_svg), secret => enrolment.secret, action => "/login/mfa-setup", setup_token, next },
    ))
}

#[derive(Deserialize)]
pub struct SetupForm {
    #[serde(flatten)]
    code: CodeForm,
    next: Option<String>,
}

/// The first code of an enrolment required at sign-in: MFA on, signed in, codes shown once.
pub async fn setup_confirm(
    State(state): State<AppState>,
    chrome: Chrome,
    Client(client): Client,
    Form(form): Form<SetupForm>,
) -> Result<Response, PageError> {
    let form_code = form.code;
    let Some(user) = setup_user(&state, &chrome, &form_code.setup_token).await else {
        return Ok(chrome.done("/login", "That sign-in has expired. Sign in again."));
    };
    let next = crate::pages::sign_in::safe_next(form.next.as_deref());
    match state
        .identity
        .mfa_confirm(
            &chrome.place.realm(),
            user.id,
            form_code.code.trim(),
            true,
            &client,
        )
        .await
    {
        Ok(confirmed) => {
            let Some(pair) = confirmed.tokens else {
                return Err(PageError::Problem(
                    comply360_api::problem::Problem::internal(),
                ));
            };
            let settings = state.identity.settings();
            let secure = chrome.secure();
            let mut res = chrome.page(
                "account/recovery_codes.html",
                "",
                "Save your recovery codes",
                context! { layout => "bare.html", codes => confirmed.recovery_codes, next },
            );
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
                res.headers_mut().append(header::SET_COOKIE, c);
            }
            Ok(res)
        }
        Err(e) => {
            let (_, summary) = refusal(e)?;
            Ok(with_status(
                chrome.page(
                    "account/mfa_enrol.html",
                    "",
                    "Set up two-step verification",
                    context! { layout => "bare.html", required => true, qr => form_code.qr, secret => form_code.secret, action => "/login/mfa-setup", setup_token => form_code.setup_token, next, error => summary },
                ),
                StatusCode::UNPROCESSABLE_ENTITY,
            ))
        }
    }
}
