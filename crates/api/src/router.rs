//! The route table, and the layers every request passes through.

use crate::auth::{self, api_keys, me, roles, security, sign_in, users};
use crate::practice::{cipc, clients, companies, obligations, registrations};
use crate::problem::Problem;
use crate::routes::{Access, Routes};
use crate::{gateway, health, metrics, platform, portal, tenant_profile};
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderName, Method, StatusCode};
use axum::{Json, Router};
use comply360_identity::Identity;
use comply360_identity::ratelimit::{Quota, RateLimiter};
use comply360_integrations::{CallPolicy, Resilience};
use comply360_jobs::Outbox;
use comply360_store::Store;
use std::sync::Arc;
use std::time::Duration;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

#[derive(Clone, Debug)]
pub struct HttpSettings {
    /// Tenants are `<slug>.<base_domain>`.
    pub base_domain: String,
    pub request_timeout: Duration,
    /// The largest request body accepted, in bytes.
    pub max_body_bytes: usize,
    /// Requests per tenant to the API (token bucket).
    pub api_quota: Quota,
    /// Sign-in attempts per client IP and account.
    pub signin_quota: Quota,
    /// Whether a proxy in front sets `X-Forwarded-For`/`X-Forwarded-Proto` (then the client
    /// IP and TLS are taken from them; never enable it when clients reach the app directly).
    pub trust_proxy: bool,
}

impl Default for HttpSettings {
    fn default() -> Self {
        HttpSettings {
            base_domain: "localhost".into(),
            request_timeout: Duration::from_secs(30),
            max_body_bytes: 1024 * 1024,
            api_quota: Quota::per_second(100, 200),
            signin_quota: Quota {
                burst: 10,
                per: Duration::from_secs(90),
            },
            trust_proxy: false,
        }
    }
}

#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub settings: Arc<HttpSettings>,
    /// Circuits of outside systems, shared by every handler and job of this process.
    pub resilience: Resilience,
    /// Where handlers emit events; it knows the subscriptions, so jobs are written with them.
    pub outbox: Outbox,
    /// Sign-in, tokens, RBAC, API keys.
    pub identity: Identity,
    /// Rate limits: in process, or in Redis shared by every replica.
    pub limiter: RateLimiter,
}

impl AppState {
    pub fn new(
        store: Store,
        settings: HttpSettings,
        outbox: Outbox,
        identity: Identity,
        limiter: RateLimiter,
    ) -> AppState {
        AppState {
            store,
            settings: Arc::new(settings),
            resilience: Resilience::new(CallPolicy::default()),
            outbox,
            identity,
            limiter,
        }
    }

    pub fn with_resilience(mut self, resilience: Resilience) -> AppState {
        self.resilience = resilience;
        self
    }
}

/// Which routes a process serves: the API, or only the operational ones (a worker replica
/// still answers health checks and metrics).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Surface {
    #[default]
    Api,
    OpsOnly,
}

pub fn router(state: AppState) -> Router {
    router_for(state, Surface::Api, Router::new())
}

/// Every route of `surface` with the access it needs (see [`crate::routes`]).
pub fn routes(state: &AppState, surface: Surface) -> Routes {
    use Access::{MfaSetup, Platform, Public, SignedIn, Tenant};
    let ops = Routes::new(state.clone())
        .route(Method::GET, "/healthz", Public, "liveness", health::healthz)
        .route(
            Method::GET,
            "/readyz",
            Public,
            "readiness: database reachable, migrations current",
            health::readyz,
        )
        .route(
            Method::GET,
            "/metrics",
            Public,
            "Prometheus metrics",
            metrics::render,
        );
    if surface == Surface::OpsOnly {
        return ops;
    }
    ops.route(
        Method::GET,
        "/.well-known/jwks.json",
        Public,
        "public keys that verify access tokens",
        auth::jwks,
    )
    .route(
        Method::GET,
        "/api/v1/openapi.json",
        Public,
        "this document",
        openapi_document,
    )
    .route(
        Method::GET,
        "/api/v1/tenant",
        Public,
        "the agency's public profile and branding",
        tenant_profile::show,
    )
    // Signing in and out.
    .route(
        Method::POST,
        "/api/v1/auth/login",
        Public,
        "sign in with email and password",
        sign_in::tenant_login,
    )
    .route(
        Method::POST,
        "/api/v1/auth/mfa/verify",
        Public,
        "finish signing in with a TOTP or recovery code",
        sign_in::tenant_mfa_verify,
    )
    .route(
        Method::POST,
        "/api/v1/auth/refresh",
        Public,
        "rotate a refresh token for new tokens",
        sign_in::tenant_refresh,
    )
    .route(
        Method::POST,
        "/api/v1/auth/logout",
        SignedIn,
        "end this session",
        sign_in::logout,
    )
    .route(
        Method::POST,
        "/api/v1/auth/logout-all",
        SignedIn,
        "end every session of this account",
        sign_in::logout_all,
    )
    .route(
        Method::POST,
        "/api/v1/auth/password/forgot",
        Public,
        "email a password-reset link",
        sign_in::forgot,
    )
    .route(
        Method::POST,
        "/api/v1/auth/password/reset",
        Public,
        "set a new password with a reset token",
        sign_in::reset,
    )
    .route(
        Method::POST,
        "/api/v1/auth/invitations/accept",
        Public,
        "accept an invitation and choose a password",
        sign_in::accept_invitation,
    )
    .route(
        Method::POST,
        "/api/v1/platform/auth/login",
        Public,
        "operator sign-in",
        sign_in::platform_login,
    )
    .route(
        Method::POST,
        "/api/v1/platform/auth/mfa/verify",
        Public,
        "operator sign-in, second step",
        sign_in::platform_mfa_verify,
    )
    .route(
        Method::POST,
        "/api/v1/platform/auth/refresh",
        Public,
        "operator token refresh",
        sign_in::platform_refresh,
    )
    // The caller's own account.
    .route(
        Method::GET,
        "/api/v1/me",
        SignedIn,
        "who is signed in, and what they may do",
        me::show,
    )
    .route(
        Method::POST,
        "/api/v1/me/password",
        SignedIn,
        "change the password (other sessions end)",
        me::change_password,
    )
    .route(
        Method::POST,
        "/api/v1/me/mfa/enrol",
        MfaSetup,
        "start TOTP enrolment: secret, otpauth URI, QR code",
        me::mfa_enrol,
    )
    .route(
        Method::POST,
        "/api/v1/me/mfa/confirm",
        MfaSetup,
        "turn MFA on with a first code; returns recovery codes",
        me::mfa_confirm,
    )
    .route(
        Method::POST,
        "/api/v1/me/mfa/disable",
        SignedIn,
        "turn MFA off (needs the password)",
        me::mfa_disable,
    )
    // Administration.
    .route(
        Method::GET,
        "/api/v1/users",
        Tenant("users:read"),
        "list the agency's users",
        users::list,
    )
    .creating(
        "/api/v1/users",
        Tenant("users:manage"),
        "invite a user by email and role",
        users::invite,
    )
    .route(
        Method::GET,
        "/api/v1/users/{id}",
        Tenant("users:read"),
        "one user",
        users::show,
    )
    .route(
        Method::PATCH,
        "/api/v1/users/{id}",
        Tenant("users:manage"),
        "change a user's role, status or name",
        users::update,
    )
    .route(
        Method::DELETE,
        "/api/v1/users/{id}",
        Tenant("users:manage"),
        "disable a user",
        users::disable,
    )
    .route(
        Method::POST,
        "/api/v1/users/{id}/unlock",
        Tenant("users:manage"),
        "end a lockout",
        users::unlock,
    )
    .route(
        Method::POST,
        "/api/v1/users/{id}/invitation",
        Tenant("users:manage"),
        "send a fresh invitation",
        users::resend_invitation,
    )
    .route(
        Method::GET,
        "/api/v1/permissions",
        Tenant("roles:manage"),
        "the permissions a role can hold",
        roles::permissions,
    )
    .route(
        Method::GET,
        "/api/v1/roles",
        Tenant("users:read"),
        "built-in and custom roles",
        roles::list,
    )
    .route(
        Method::PUT,
        "/api/v1/roles/{key}",
        Tenant("roles:manage"),
        "create or replace a custom role",
        roles::put,
    )
    .route(
        Method::DELETE,
        "/api/v1/roles/{key}",
        Tenant("roles:manage"),
        "delete a custom role nobody holds",
        roles::delete,
    )
    .route(
        Method::GET,
        "/api/v1/security",
        Tenant("settings:manage"),
        "the agency's security settings (MFA policy, CORS origins)",
        security::show,
    )
    .route(
        Method::PUT,
        "/api/v1/security",
        Tenant("settings:manage"),
        "change the agency's security settings",
        security::update,
    )
    .route(
        Method::GET,
        "/api/v1/api-keys",
        Tenant("api_keys:manage"),
        "the agency's API keys",
        api_keys::list,
    )
    .creating(
        "/api/v1/api-keys",
        Tenant("api_keys:manage"),
        "create an API key (shown once)",
        api_keys::create,
    )
    .route(
        Method::DELETE,
        "/api/v1/api-keys/{id}",
        Tenant("api_keys:manage"),
        "revoke an API key",
        api_keys::revoke,
    )
    // The product.
    .route(
        Method::GET,
        "/api/v1/registration-types",
        SignedIn,
        "the registration types: wizard steps, fields, documents, checks",
        registrations::types,
    )
    .route(
        Method::GET,
        "/api/v1/registration-types/{key}",
        SignedIn,
        "one registration type",
        registrations::one_type,
    )
    .route(
        Method::GET,
        "/api/v1/clients",
        Tenant("clients:read"),
        "clients: search (q), filter (agent, status, deleted), cursor-paginated",
        clients::list,
    )
    .creating(
        "/api/v1/clients",
        Tenant("clients:write"),
        "create a client",
        clients::create,
    )
    .creating(
        "/api/v1/clients/import",
        Tenant("clients:write"),
        "import clients from CSV (text/csv; dry_run, skip_invalid)",
        clients::import_csv,
    )
    .route(
        Method::GET,
        "/api/v1/clients/{id}",
        Tenant("clients:read"),
        "one client",
        clients::show,
    )
    .route(
        Method::PATCH,
        "/api/v1/clients/{id}",
        Tenant("clients:write"),
        "change a client's fields",
        clients::update,
    )
    .route(
        Method::DELETE,
        "/api/v1/clients/{id}",
        Tenant("clients:write"),
        "delete a client (soft; restorable)",
        clients::delete,
    )
    .route(
        Method::POST,
        "/api/v1/clients/{id}/restore",
        Tenant("clients:write"),
        "restore a deleted client",
        clients::restore,
    )
    .route(
        Method::GET,
        "/api/v1/clients/{id}/history",
        Tenant("clients:read"),
        "a client's history",
        clients::history,
    )
    .route(
        Method::GET,
        "/api/v1/clients/{id}/contacts",
        Tenant("clients:read"),
        "a client's contact people",
        clients::contacts,
    )
    .creating(
        "/api/v1/clients/{id}/contacts",
        Tenant("clients:write"),
        "add a contact person",
        clients::add_contact,
    )
    .route(
        Method::GET,
        "/api/v1/companies",
        Tenant("clients:read"),
        "companies: search (q), filter (client_id, agent), cursor-paginated",
        companies::list,
    )
    .creating(
        "/api/v1/companies",
        Tenant("clients:write"),
        "record a company a client holds, with its people",
        companies::create,
    )
    .route(
        Method::GET,
        "/api/v1/companies/lookup",
        Tenant("clients:read"),
        "prefill a company from CIPC (enterprise_number)",
        cipc::lookup,
    )
    .route(
        Method::PUT,
        "/api/v1/integrations/cipc",
        Tenant("settings:manage"),
        "the agency's CIPC API credentials (secrets sealed)",
        cipc::put_settings,
    )
    .route(
        Method::GET,
        "/api/v1/companies/{id}",
        Tenant("clients:read"),
        "one company with its directors, members and shareholders",
        companies::show,
    )
    .route(
        Method::DELETE,
        "/api/v1/companies/{id}",
        Tenant("clients:write"),
        "delete a company (soft; restorable)",
        companies::delete,
    )
    .route(
        Method::POST,
        "/api/v1/companies/{id}/restore",
        Tenant("clients:write"),
        "restore a deleted company",
        companies::restore,
    )
    .creating(
        "/api/v1/companies/{id}/people",
        Tenant("clients:write"),
        "appoint a director, member or shareholder",
        companies::add_person,
    )
    .route(
        Method::POST,
        "/api/v1/companies/{id}/people/{person}/resign",
        Tenant("clients:write"),
        "record a resignation",
        companies::resign_person,
    )
    .route(
        Method::GET,
        "/api/v1/companies/{id}/history",
        Tenant("clients:read"),
        "a company's history",
        companies::history,
    )
    .route(
        Method::GET,
        "/api/v1/registrations",
        Tenant("registrations:read"),
        "registrations: filter (status, kind, agent, client_id, due_before), cursor-paginated",
        registrations::list,
    )
    .creating(
        "/api/v1/registrations",
        Tenant("registrations:draft"),
        "open a draft registration",
        registrations::create,
    )
    .route(
        Method::GET,
        "/api/v1/registrations/{id}",
        Tenant("registrations:read"),
        "one registration with its validation",
        registrations::show,
    )
    .route(
        Method::PATCH,
        "/api/v1/registrations/{id}/steps/{step}",
        Tenant("registrations:draft"),
        "save one wizard step (If-Match: version)",
        registrations::patch_step,
    )
    .route(
        Method::POST,
        "/api/v1/registrations/{id}/validate",
        Tenant("registrations:read"),
        "check the draft against its type",
        registrations::validate,
    )
    .route(
        Method::POST,
        "/api/v1/registrations/{id}/submit",
        Tenant("registrations:write"),
        "submit (validates first)",
        registrations::submit,
    )
    .route(
        Method::POST,
        "/api/v1/registrations/{id}/transitions",
        Tenant("registrations:draft"),
        "take a workflow action (each action checks its own permission)",
        registrations::transition,
    )
    .route(
        Method::POST,
        "/api/v1/registrations/{id}/extend",
        Tenant("registrations:write"),
        "extend a reserved name for good cause (60 business days, once)",
        registrations::extend,
    )
    .route(
        Method::POST,
        "/api/v1/registrations/{id}/assign",
        Tenant("registrations:write"),
        "assign to an agent and set the due date",
        registrations::assign,
    )
    .route(
        Method::GET,
        "/api/v1/registrations/{id}/timeline",
        Tenant("registrations:read"),
        "every step taken: who, when, what, note",
        registrations::timeline,
    )
    .route(
        Method::GET,
        "/api/v1/registrations/{id}/summary",
        Tenant("registrations:read"),
        "the filled summary to paste or print (text)",
        registrations::summary_text,
    )
    .route(
        Method::GET,
        "/api/v1/registrations/{id}/documents",
        Tenant("documents:read"),
        "the registry's documents on a registration",
        registrations::documents,
    )
    .route(
        Method::GET,
        "/api/v1/registrations/{id}/documents/{doc}",
        Tenant("documents:read"),
        "download a document",
        registrations::document,
    )
    .route(
        Method::GET,
        "/api/v1/obligations",
        Tenant("clients:read"),
        "the compliance calendar: filter (status, kind, agent, client_id, company_id, due_before, overdue)",
        obligations::list,
    )
    .route(
        Method::POST,
        "/api/v1/obligations/{id}/status",
        Tenant("clients:write"),
        "mark an obligation done, waived or open",
        obligations::set_status,
    )
    .route(
        Method::GET,
        "/api/v1/obligations/feed",
        Tenant("clients:read"),
        "the signed-in agent's secret iCalendar address",
        obligations::feed_url,
    )
    .route(
        Method::GET,
        "/ical/{file}",
        Public,
        "an agent's iCalendar feed (the secret address is the credential)",
        obligations::feed,
    )
    .route(
        Method::GET,
        "/api/v1/platform/tenants",
        Platform("platform:tenants:read"),
        "the agencies on the platform",
        platform::tenants,
    )
    // The portal's pages authenticate with their session cookie themselves.
    .route(
        Method::GET,
        "/",
        Public,
        "portal: home (redirects to sign-in)",
        portal::home,
    )
    .route(
        Method::GET,
        "/login",
        Public,
        "portal: sign-in form",
        portal::login_page,
    )
    .route(
        Method::POST,
        "/login",
        Public,
        "portal: sign-in (CSRF-checked form)",
        portal::login_submit,
    )
    .route(
        Method::POST,
        "/login/mfa",
        Public,
        "portal: sign-in second step",
        portal::mfa_submit,
    )
    .route(
        Method::POST,
        "/logout",
        Public,
        "portal: sign out (CSRF-checked form)",
        portal::logout,
    )
}

async fn openapi_document(State(state): State<AppState>) -> Json<serde_json::Value> {
    Json(crate::routes::openapi(routes(&state, Surface::Api).specs()))
}

/// The router for `surface`, with `extra` routes (e.g. the dev mailbox page) merged in.
pub fn router_for(state: AppState, surface: Surface, extra: Router) -> Router {
    metrics::handle();
    let request_id = HeaderName::from_static("x-request-id");
    let timeout = state.settings.request_timeout;
    let (api, _) = routes(&state, surface).into_parts();
    api.fallback(not_found)
        .with_state(state.clone())
        .merge(extra)
        .route_layer(axum::middleware::from_fn(metrics::track))
        .layer(DefaultBodyLimit::max(state.settings.max_body_bytes))
        .layer(gateway::cors::layer(state.clone()))
        .layer(axum::middleware::from_fn(crate::problem::stamp_request_id))
        .layer(TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, timeout))
        .layer(axum::middleware::from_fn_with_state(state, gateway::headers::security_headers))
        .layer(axum::middleware::from_fn(gateway::access_log::access_log))
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(TraceLayer::new_for_http().make_span_with(|req: &axum::http::Request<_>| {
            let id = req.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("");
            // `tenant` is recorded by the gateway guard once it has resolved the agency.
            tracing::info_span!("request", method = %req.method(), path = %req.uri().path(), request_id = %id, tenant = tracing::field::Empty)
        }))
        .layer(SetRequestIdLayer::new(request_id, MakeRequestUuid))
}

async fn not_found() -> Problem {
    Problem::new(
        StatusCode::NOT_FOUND,
        "not_found",
        "no such route; the API lives under /api/v1",
    )
}

/// Serves the app on `listener` until `shutdown` resolves; in-flight requests finish first.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    serve_router(listener, router(state), shutdown).await
}

pub async fn serve_router(
    listener: tokio::net::TcpListener,
    router: Router,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    // The peer address is the client IP for rate limits and the audit log.
    axum::serve(
        listener,
        router.into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}
