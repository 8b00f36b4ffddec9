//! A stand-in for CIPC's API Management gateway, speaking the same HTTP as [`CipcClient`]
//! expects, so the client is tested over real HTTP without CIPC credentials.
//!
//! | route | behaviour |
//! |---|---|
//! | `POST /oauth2/token` | form `grant_type=password` (client_id, username, password, scope) or `grant_type=refresh_token` (refresh_token); needs the subscription key header. 200 `{access_token, token_type, expires_in, refresh_token, scope}`; 400 `invalid_grant` / `invalid_client` / `unsupported_grant_type`; 401 without the right key |
//! | `GET /companies/v1/companyprofile/{enterprise_number}` | profile (UNCONFIRMED path, as the client's default) |
//! | `GET /companies/v1/directors/{enterprise_number}` | `{"Directors":[…]}` |
//! | `GET /companies/v1/filinghistory/{enterprise_number}` | `{"FilingHistory":[…]}` |
//! | `GET /sandbox/boreg/enterprise/register/{enterprise_number}` | the BO register, FACTS.md's example for 2013/187505/07 |
//!
//! Every API route needs `Ocp-Apim-Subscription-Key` and a live `Authorization: Bearer` token
//! (401 otherwise), and answers 404 for an unknown company, 400 for a malformed number. The
//! number is matched with or without its K prefix. Fixture companies: `K2015/255566/07` and
//! `2013/187505/07` (see `fixtures`).
//!
//! Tokens are opaque and short-lived by configuration; a refresh rotates the refresh token.
//! [`StandInHandle::counters`] counts grants so tests can prove the refresh path;
//! [`StandInHandle::expire_access_tokens`] and [`StandInHandle::expire_refresh_tokens`] end
//! tokens early.
//!
//! Kept in one file because it is one job, one small server: its configuration, token state,
//! handle and the route handlers read together (its fixture data is already in `fixtures`).
//!
//! [`CipcClient`]: super::CipcClient

mod fixtures;

pub use fixtures::facts_bo_register;

use super::config::{
    CipcCredentials, DEFAULT_BENEFICIAL_OWNERSHIP_PATH, DEFAULT_COMPANY_PROFILE_PATH,
    DEFAULT_DIRECTORS_PATH, DEFAULT_FILING_HISTORY_PATH, DEFAULT_TOKEN_PATH,
};
use super::wire::SUBSCRIPTION_KEY_HEADER;
use axum::extract::{Form, Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::Utc;
use comply360_domain::identifiers::RegistrationNumber;
use fixtures::Fixture;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use url::Url;

#[derive(Clone, Debug)]
pub struct StandInConfig {
    pub listen: SocketAddr,
    /// The only credentials the token endpoint accepts.
    pub credentials: CipcCredentials,
    pub access_token_lifetime: Duration,
    pub refresh_token_lifetime: Duration,
}

impl Default for StandInConfig {
    fn default() -> Self {
        StandInConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            credentials: CipcCredentials {
                client_id: "standin-client".to_owned(),
                username: "agent@example.co.za".to_owned(),
                password: "standin-password".to_owned(),
                subscription_key: "standin-subscription-key".to_owned(),
                scope: "companies beneficial-ownership".to_owned(),
            },
            access_token_lifetime: Duration::from_secs(3600),
            refresh_token_lifetime: Duration::from_secs(24 * 3600),
        }
    }
}

/// A snapshot of what the stand-in has seen.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StandInCounters {
    /// Every request to the token endpoint.
    pub token_requests: u64,
    /// Password grants that issued a token.
    pub sign_ins: u64,
    /// Refresh grants that issued a token.
    pub refreshes: u64,
    /// Grants refused (bad password, key, client or refresh token).
    pub refused_grants: u64,
    /// Requests to the API routes, refused or not.
    pub api_requests: u64,
    /// API requests answered 401.
    pub unauthorized: u64,
}

#[derive(Default)]
struct Counters {
    token_requests: AtomicU64,
    sign_ins: AtomicU64,
    refreshes: AtomicU64,
    refused_grants: AtomicU64,
    api_requests: AtomicU64,
    unauthorized: AtomicU64,
}

impl Counters {
    fn bump(counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::SeqCst);
    }

    fn snapshot(&self) -> StandInCounters {
        let read = |c: &AtomicU64| c.load(Ordering::SeqCst);
        StandInCounters {
            token_requests: read(&self.token_requests),
            sign_ins: read(&self.sign_ins),
            refreshes: read(&self.refreshes),
            refused_grants: read(&self.refused_grants),
            api_requests: read(&self.api_requests),
            unauthorized: read(&self.unauthorized),
        }
    }
}

#[derive(Default)]
struct Tokens {
    access: HashMap<String, Instant>,
    refresh: HashMap<String, Instant>,
}

struct StandIn {
    config: StandInConfig,
    fixtures: Vec<Fixture>,
    tokens: Mutex<Tokens>,
    counters: Counters,
}

impl StandIn {
    fn tokens(&self) -> std::sync::MutexGuard<'_, Tokens> {
        self.tokens.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

pub struct CipcStandIn;

impl CipcStandIn {
    /// Serves on `config.listen` until the handle is shut down or dropped.
    pub async fn start(config: StandInConfig) -> std::io::Result<StandInHandle> {
        let listener = tokio::net::TcpListener::bind(config.listen).await?;
        let addr = listener.local_addr()?;
        let base_url = Url::parse(&format!("http://{addr}/"))
            .map_err(|e| std::io::Error::other(format!("{addr} does not make a URL: {e}")))?;
        let state = Arc::new(StandIn {
            config,
            fixtures: fixtures::all(),
            tokens: Mutex::new(Tokens::default()),
            counters: Counters::default(),
        });
        let router = Router::new()
            .route(DEFAULT_TOKEN_PATH, post(token))
            .route(DEFAULT_COMPANY_PROFILE_PATH, get(profile))
            .route(DEFAULT_DIRECTORS_PATH, get(directors))
            .route(DEFAULT_FILING_HISTORY_PATH, get(filings))
            .route(DEFAULT_BENEFICIAL_OWNERSHIP_PATH, get(beneficial_ownership))
            .with_state(state.clone());
        let cancel = CancellationToken::new();
        let stop = cancel.clone();
        let task = tokio::spawn(async move {
            axum::serve(listener, router)
                .with_graceful_shutdown(async move { stop.cancelled().await })
                .await
        });
        Ok(StandInHandle {
            addr,
            base_url,
            state,
            cancel,
            task: Some(task),
        })
    }
}

/// A running stand-in; dropping it stops the server.
pub struct StandInHandle {
    addr: SocketAddr,
    base_url: Url,
    state: Arc<StandIn>,
    cancel: CancellationToken,
    task: Option<JoinHandle<std::io::Result<()>>>,
}

impl StandInHandle {
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// For [`CipcConfig::new`](super::CipcConfig::new).
    pub fn base_url(&self) -> Url {
        self.base_url.clone()
    }

    /// The credentials the stand-in accepts.
    pub fn credentials(&self) -> CipcCredentials {
        self.state.config.credentials.clone()
    }

    pub fn counters(&self) -> StandInCounters {
        self.state.counters.snapshot()
    }

    /// Ends every access token now, as if their lifetime had run out.
    pub fn expire_access_tokens(&self) {
        self.state.tokens().access.clear();
    }

    /// Ends every refresh token now, so the next renewal has to sign in.
    pub fn expire_refresh_tokens(&self) {
        self.state.tokens().refresh.clear();
    }

    pub async fn shutdown(mut self) -> std::io::Result<()> {
        self.cancel.cancel();
        match self.task.take() {
            Some(task) => task.await.map_err(std::io::Error::other)?,
            None => Ok(()),
        }
    }
}

impl Drop for StandInHandle {
    fn drop(&mut self) {
        self.cancel.cancel();
    }
}

type Shared = State<Arc<StandIn>>;

fn apim_error(status: StatusCode, message: &str) -> Response {
    (
        status,
        Json(json!({"statusCode": status.as_u16(), "message": message})),
    )
        .into_response()
}

fn oauth_error(error: &str, description: &str) -> Response {
    (
        StatusCode::BAD_REQUEST,
        Json(json!({"error": error, "error_description": description})),
    )
        .into_response()
}

fn has_subscription_key(sim: &StandIn, headers: &HeaderMap) -> bool {
    headers
        .get(SUBSCRIPTION_KEY_HEADER)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|key| key == sim.config.credentials.subscription_key)
}

const MISSING_KEY: &str = "Access denied due to missing or invalid subscription key. Make sure to include a valid subscription key when making requests to an API.";

async fn token(
    State(sim): Shared,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    Counters::bump(&sim.counters.token_requests);
    let refused = |response: Response| {
        Counters::bump(&sim.counters.refused_grants);
        response
    };
    if !has_subscription_key(&sim, &headers) {
        return refused(apim_error(StatusCode::UNAUTHORIZED, MISSING_KEY));
    }
    let field = |name: &str| form.get(name).map(String::as_str).unwrap_or("");
    let expected = &sim.config.credentials;
    if field("client_id") != expected.client_id {
        return refused(oauth_error(
            "invalid_client",
            "The client_id is not registered.",
        ));
    }
    let now = Instant::now();
    match field("grant_type") {
        "password" => {
            if field("username") != expected.username || field("password") != expected.password {
                return refused(oauth_error(
                    "invalid_grant",
                    "The user name or password is incorrect.",
                ));
            }
            Counters::bump(&sim.counters.sign_ins);
        }
        "refresh_token" => {
            let mut tokens = sim.tokens();
            let live = tokens
                .refresh
                .remove(field("refresh_token"))
                .is_some_and(|expires| now < expires);
            if !live {
                drop(tokens);
                return refused(oauth_error(
                    "invalid_grant",
                    "The refresh token is invalid or has expired.",
                ));
            }
            Counters::bump(&sim.counters.refreshes);
        }
        other => {
            return refused(oauth_error(
                "unsupported_grant_type",
                &format!("grant_type {other:?} is not supported; use password or refresh_token"),
            ));
        }
    }
    let access = format!("at-{}", uuid::Uuid::new_v4().simple());
    let refresh = format!("rt-{}", uuid::Uuid::new_v4().simple());
    {
        let mut tokens = sim.tokens();
        tokens
            .access
            .insert(access.clone(), now + sim.config.access_token_lifetime);
        tokens
            .refresh
            .insert(refresh.clone(), now + sim.config.refresh_token_lifetime);
    }
    Json(json!({
        "access_token": access,
        "token_type": "Bearer",
        "expires_in": sim.config.access_token_lifetime.as_secs(),
        "refresh_token": refresh,
        "scope": expected.scope,
    }))
    .into_response()
}

/// Why an API request is refused: a status and API Management's message.
type Refusal = (StatusCode, String);

/// The fixture for an authorised request, or why it is refused.
fn authorised<'a>(
    sim: &'a StandIn,
    headers: &HeaderMap,
    enterprise_number: &str,
) -> Result<&'a Fixture, Refusal> {
    Counters::bump(&sim.counters.api_requests);
    let unauthorised = |message: &str| {
        Counters::bump(&sim.counters.unauthorized);
        (StatusCode::UNAUTHORIZED, message.to_owned())
    };
    if !has_subscription_key(sim, headers) {
        return Err(unauthorised(MISSING_KEY));
    }
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    let live = bearer.is_some_and(|token| {
        sim.tokens()
            .access
            .get(token)
            .is_some_and(|expires| Instant::now() < *expires)
    });
    if !live {
        return Err(unauthorised(
            "Unauthorized. Access token is missing, invalid or expired.",
        ));
    }
    let number = RegistrationNumber::parse(enterprise_number, Utc::now().date_naive())
        .map_err(|e| (StatusCode::BAD_REQUEST, e.to_string()))?;
    sim.fixtures
        .iter()
        .find(|f| f.registration_number == number.registration_number())
        .ok_or_else(|| (StatusCode::NOT_FOUND, "Enterprise not found.".to_owned()))
}

fn answer(
    sim: &StandIn,
    headers: &HeaderMap,
    enterprise_number: &str,
    pick: impl Fn(&Fixture) -> Option<&Value>,
) -> Response {
    match authorised(sim, headers, enterprise_number) {
        Ok(fixture) => match pick(fixture) {
            Some(value) => Json(value.clone()).into_response(),
            None => apim_error(StatusCode::NOT_FOUND, "No record found."),
        },
        Err((status, message)) => apim_error(status, &message),
    }
}

async fn profile(State(sim): Shared, headers: HeaderMap, Path(number): Path<String>) -> Response {
    answer(&sim, &headers, &number, |f| Some(&f.profile))
}

async fn directors(State(sim): Shared, headers: HeaderMap, Path(number): Path<String>) -> Response {
    answer(&sim, &headers, &number, |f| Some(&f.directors))
}

async fn filings(State(sim): Shared, headers: HeaderMap, Path(number): Path<String>) -> Response {
    answer(&sim, &headers, &number, |f| Some(&f.filings))
}

async fn beneficial_ownership(
    State(sim): Shared,
    headers: HeaderMap,
    Path(number): Path<String>,
) -> Response {
    answer(&sim, &headers, &number, |f| f.beneficial_ownership.as_ref())
}
