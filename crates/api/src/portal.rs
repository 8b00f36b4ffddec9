//! The portal's sign-in pages: server-rendered forms on `http://<agency>.<base-domain>/`.
//!
//! The session lives in cookies (`HttpOnly`, `SameSite=Lax`), so every form that changes
//! something carries a CSRF token: the double-submit pattern, a random token in a cookie and
//! in a hidden field, compared in constant time, plus a check that a present `Origin` is our
//! own host. A cross-site form post has neither the cookie's value nor our origin.

use crate::gateway::client::Client;
use crate::state::AppState;
use crate::tenant::CurrentTenant;
use axum::Form;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use comply360_identity::{AuthError, Realm, SignIn, UserPrincipal};
use minijinja::{Environment, context};
use rand::RngCore;
use serde::Deserialize;
use std::sync::LazyLock;
use subtle::ConstantTimeEq;

const CSRF_COOKIE: &str = "c360_csrf";
const ACCESS_COOKIE: &str = "c360_access";
const REFRESH_COOKIE: &str = "c360_refresh";

const LAYOUT: &str = r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ title }} · {{ agency }}</title>
<style>
body{font-family:system-ui,sans-serif;background:#f4f6f9;margin:0;display:grid;place-items:center;min-height:100vh}
main{background:#fff;padding:2rem;border-radius:12px;box-shadow:0 2px 12px #0002;width:min(24rem,90vw)}
h1{font-size:1.3rem;margin-top:0}label{display:block;margin:.8rem 0 .3rem}
input{width:100%;padding:.6rem;box-sizing:border-box;border:1px solid #bbc;border-radius:6px}
button{margin-top:1.2rem;width:100%;padding:.7rem;border:0;border-radius:6px;background:#0b5fff;color:#fff;font-size:1rem}
.error{background:#fdecea;color:#8a1c12;padding:.6rem;border-radius:6px}
</style></head><body><main>
<h1>{{ agency }}</h1>
{% if error %}<p class="error" role="alert">{{ error }}</p>{% endif %}
{% block body %}{% endblock %}
</main></body></html>"#;

const LOGIN: &str = r#"{% extends "layout" %}{% block body %}
<form method="post" action="/login">
<input type="hidden" name="csrf" value="{{ csrf }}">
<label for="email">Email</label><input id="email" name="email" type="email" autocomplete="username" required value="{{ email }}">
<label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Sign in</button>
</form>{% endblock %}"#;

const MFA: &str = r#"{% extends "layout" %}{% block body %}
<form method="post" action="/login/mfa">
<input type="hidden" name="csrf" value="{{ csrf }}">
<input type="hidden" name="mfa_token" value="{{ mfa_token }}">
<label for="code">Code from your authenticator app (or a recovery code)</label>
<input id="code" name="code" autocomplete="one-time-code" required>
<button type="submit">Verify</button>
</form>{% endblock %}"#;

const HOME: &str = r#"{% extends "layout" %}{% block body %}
<p>Signed in as <strong>{{ email }}</strong> ({{ role }}).</p>
<form method="post" action="/logout">
<input type="hidden" name="csrf" value="{{ csrf }}">
<button type="submit">Sign out</button>
</form>{% endblock %}"#;

static PAGES: LazyLock<Environment<'static>> = LazyLock::new(|| {
    let mut env = Environment::new();
    env.set_auto_escape_callback(|_| minijinja::AutoEscape::Html);
    for (name, source) in [
        ("layout", LAYOUT),
        ("login", LOGIN),
        ("mfa", MFA),
        ("home", HOME),
    ] {
        if let Err(err) = env.add_template(name, source) {
            tracing::error!(error = %err, name, "portal template does not compile");
        }
    }
    env
});

fn render(name: &str, ctx: minijinja::Value) -> Html<String> {
    let page = PAGES
        .get_template(name)
        .and_then(|t| t.render(ctx))
        .unwrap_or_else(|err| {
            tracing::error!(error = %err, name, "portal page failed to render");
            "<!doctype html><title>Error</title><p>Something went wrong.</p>".into()
        });
    Html(page)
}

fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
}

fn set_cookie(name: &str, value: &str, max_age: u64, same_site: &str) -> HeaderValue {
    HeaderValue::from_str(&format!(
        "{name}={value}; Path=/; HttpOnly; SameSite={same_site}; Max-Age={max_age}"
    ))
    .unwrap_or(HeaderValue::from_static("c360_invalid=1"))
}

fn new_csrf() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The page's CSRF token: the cookie's when it has one, else a new one (and its cookie).
fn csrf_for(headers: &HeaderMap) -> (String, Option<HeaderValue>) {
    match cookie(headers, CSRF_COOKIE).filter(|c| c.len() == 43) {
        Some(token) => (token, None),
        None => {
            let token = new_csrf();
            let header = set_cookie(CSRF_COOKIE, &token, 12 * 3600, "Strict");
            (token, Some(header))
        }
    }
}

/// Whether a form post carries our CSRF token and, if the browser says where it comes from,
/// comes from our own host.
fn csrf_ok(headers: &HeaderMap, submitted: &str) -> bool {
    if let (Some(origin), Some(host)) = (headers.get(header::ORIGIN), headers.get(header::HOST)) {
        let origin = origin.to_str().unwrap_or("");
        let host = host.to_str().unwrap_or("");
        let origin_host = origin.split_once("://").map_or(origin, |(_, rest)| rest);
        if origin_host != host {
            return false;
        }
    }
    match cookie(headers, CSRF_COOKIE) {
        Some(expected) if !submitted.is_empty() => {
            expected.as_bytes().ct_eq(submitted.as_bytes()).into()
        }
        _ => false,
    }
}

fn csrf_refused() -> Response {
    (
        StatusCode::FORBIDDEN,
        Html("<!doctype html><title>Refused</title><p>This form has expired or did not come from this site. Go back, reload the page and try again.</p>"),
    )
        .into_response()
}

fn with_cookies(mut res: Response, cookies: impl IntoIterator<Item = HeaderValue>) -> Response {
    for c in cookies {
        res.headers_mut().append(header::SET_COOKIE, c);
    }
    res
}

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
