//! The portal's sign-in pages: server-rendered forms on `http://<agency>.<base-domain>/`.
//!
//! The session lives in cookies (`HttpOnly`, `SameSite=Lax`), so every form that changes
//! something carries a CSRF token: the double-submit pattern, a random token in a cookie and
//! in a hidden field, compared in constant time, plus a check that a present `Origin` is our
//! own host. A cross-site form post has neither the cookie's value nor our origin.
//!
//! The parts: `pages` (the templates and their rendering), `cookies` (the session and CSRF
//! cookies, the double-submit check); this module holds the handlers and the route table
//! fragment.

mod cookies;
mod pages;

use cookies::{
    ACCESS_COOKIE, REFRESH_COOKIE, cookie, csrf_for, csrf_ok, csrf_refused, set_cookie,
    with_cookies,
};
use pages::render;

use crate::gateway::client::Client;
use crate::state::AppState;
use crate::tenant::CurrentTenant;
use axum::Form;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use comply360_identity::{AuthError, Realm, SignIn, UserPrincipal};
use minijinja::context;
use serde::Deserialize;

pub async fn login_page(CurrentTenant(tenant): CurrentTenant, headers: HeaderMap) -> Response {
    let (csrf, set) = csrf_for(&headers);
    let page = render(
        "login",
        context! { title => "Sign in", agency => tenant.name(), csrf, email => "" },
    );
    with_cookies(page.into_response(), set)
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
}

fn signed_in(state: &AppState, access: &str, refresh: &str) -> Response {
    let ttl = state.identity.settings().access_ttl.as_secs();
    let rttl = state.identity.settings().refresh_ttl.as_secs();
    with_cookies(
        Redirect::to("/").into_response(),
        [
            set_cookie(ACCESS_COOKIE, access, ttl, "Lax"),
            set_cookie(REFRESH_COOKIE, refresh, rttl, "Strict"),
        ],
    )
}

pub async fn login_submit(
    State(state): State<AppState>,
    CurrentTenant(tenant): CurrentTenant,
    Client(client): Client,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Response {
    if !csrf_ok(&headers, &form.csrf) {
        return csrf_refused();
    }
    let realm = Realm::Tenant(tenant.clone());
    let error_page = |status: StatusCode, message: String| {
        let page = render(
            "login",
            context! { title => "Sign in", agency => tenant.name(), csrf => form.csrf.clone(),
            email => form.email.clone(), error => message },
        );
        (status, page).into_response()
    };
    let key = crate::auth::sign_in::signin_key(&realm, &client, &form.email);
    if let comply360_identity::ratelimit::Decision::Limited { retry_after } =
        state.limiter.check(&key, state.settings.signin_quota).await
    {
        return error_page(
            StatusCode::TOO_MANY_REQUESTS,
            format!(
                "Too many attempts. Try again in {} seconds.",
                retry_after.as_secs().max(1)
            ),
        );
    }
    match state
        .identity
        .login(&realm, form.email.trim(), &form.password, &client)
        .await
    {
        Ok(SignIn::SignedIn(pair)) => signed_in(&state, &pair.access_token, &pair.refresh_token),
        Ok(SignIn::MfaRequired { mfa_token, .. }) => render(
            "mfa",
            context! { title => "Verify", agency => tenant.name(), csrf => form.csrf, mfa_token },
        )
        .into_response(),
        Ok(SignIn::MfaSetupRequired { .. }) => error_page(
            StatusCode::FORBIDDEN,
            "Your agency requires two-factor authentication. Set it up through the app, then sign in here."
                .into(),
        ),
        Err(AuthError::InvalidCredentials) => error_page(
            StatusCode::UNAUTHORIZED,
            AuthError::InvalidCredentials.to_string(),
        ),
        Err(err) => {
            tracing::error!(error = %err, "portal sign-in failed");
            error_page(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Something went wrong; try again.".into(),
            )
        }
    }
}

#[derive(Deserialize)]
pub struct MfaForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    mfa_token: String,
    #[serde(default)]
    code: String,
}

pub async fn mfa_submit(
    State(state): State<AppState>,
    CurrentTenant(tenant): CurrentTenant,
    Client(client): Client,
    headers: HeaderMap,
    Form(form): Form<MfaForm>,
) -> Response {
    if !csrf_ok(&headers, &form.csrf) {
        return csrf_refused();
    }
    let realm = Realm::Tenant(tenant.clone());
    match state
        .identity
        .verify_mfa(&realm, &form.mfa_token, &form.code, &client)
        .await
    {
        Ok(pair) => signed_in(&state, &pair.access_token, &pair.refresh_token),
        Err(err) => {
            // The API's own mapping: the same public message, and internal errors (whose text
            // may carry database errors) logged with the request id and shown as "internal".
            let problem = crate::problem::from_auth(&err);
            let message = if problem.status.is_server_error() {
                "Something went wrong; try again.".to_owned()
            } else {
                problem.detail
            };
            let status = if problem.status.is_server_error() {
                StatusCode::INTERNAL_SERVER_ERROR
            } else {
                StatusCode::UNAUTHORIZED
            };
            let page = render(
                "mfa",
                context! { title => "Verify", agency => tenant.name(), csrf => form.csrf,
                mfa_token => form.mfa_token, error => message },
            );
            (status, page).into_response()
        }
    }
}

/// The signed-in account of a portal request (its access cookie), if any.
async fn portal_user(
    state: &AppState,
    tenant: &comply360_store::Tenant,
    headers: &HeaderMap,
) -> Option<UserPrincipal> {
    let token = cookie(headers, ACCESS_COOKIE)?;
    let claims = state.identity.keys().verify(&token).await.ok()?;
    let user = UserPrincipal::from_claims(claims);
    (user.tenant == Some(tenant.id())
        && user.restriction.is_none()
        && !state.identity.session_ended(user.session))
    .then_some(user)
}

pub async fn home(
    State(state): State<AppState>,
    CurrentTenant(tenant): CurrentTenant,
    headers: HeaderMap,
) -> Response {
    let Some(user) = portal_user(&state, &tenant, &headers).await else {
        return Redirect::to("/login").into_response();
    };
    let realm = Realm::Tenant(tenant.clone());
    let Ok(profile) = state.identity.profile(&realm, user.id).await else {
        return Redirect::to("/login").into_response();
    };
    let (csrf, set) = csrf_for(&headers);
    let page = render(
        "home",
        context! { title => "Home", agency => tenant.name(), csrf, email => profile.email, role => profile.role },
    );
    with_cookies(page.into_response(), set)
}

#[derive(Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

pub async fn logout(
    State(state): State<AppState>,
    CurrentTenant(tenant): CurrentTenant,
    Client(client): Client,
    headers: HeaderMap,
    Form(form): Form<CsrfForm>,
) -> Response {
    if !csrf_ok(&headers, &form.csrf) {
        return csrf_refused();
    }
    if let Some(user) = portal_user(&state, &tenant, &headers).await {
        let realm = Realm::Tenant(tenant.clone());
        if let Err(err) = state
            .identity
            .logout(&realm, user.id, user.session, &client)
            .await
        {
            tracing::warn!(error = %err, "portal logout did not revoke the session");
        }
    }
    with_cookies(
        Redirect::to("/login").into_response(),
        [
            set_cookie(ACCESS_COOKIE, "", 0, "Lax"),
            set_cookie(REFRESH_COOKIE, "", 0, "Strict"),
        ],
    )
}

/// This resource's routes, each with the access it needs (merged in `crate::router`).
pub(crate) fn routes(routes: crate::routes::Routes) -> crate::routes::Routes {
    use crate::routes::Access::Public;
    use axum::http::Method;
    routes
        .route(
            Method::GET,
            "/",
            Public,
            crate::routes::Op::new("portal: home (redirects to sign-in)"),
            home,
        )
        .route(
            Method::GET,
            "/login",
            Public,
            crate::routes::Op::new("portal: sign-in form"),
            login_page,
        )
        .route(
            Method::POST,
            "/login",
            Public,
            crate::routes::Op::new("portal: sign-in (CSRF-checked form)"),
            login_submit,
        )
        .route(
            Method::POST,
            "/login/mfa",
            Public,
            crate::routes::Op::new("portal: sign-in second step"),
            mfa_submit,
        )
        .route(
            Method::POST,
            "/logout",
            Public,
            crate::routes::Op::new("portal: sign out (CSRF-checked form)"),
            logout,
        )
}
