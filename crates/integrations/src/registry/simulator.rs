//! The registry simulator: a local HTTP server that behaves like a companies registry with a
//! filing API would, so the automated filing path can run end to end (the real registries have
//! no such API; see [`ManualGateway`](super::ManualGateway)).
//!
//! # HTTP API (JSON)
//!
//! | route | answer |
//! |---|---|
//! | `POST /v1/name-reservations` ([`NameReservationRequest`]) | 202 [`Receipt`](super::Receipt) |
//! | `POST /v1/incorporations` ([`IncorporationRequest`]) | 202 [`Receipt`](super::Receipt) |
//! | `GET /v1/filings/{filing_id}` | 200 [`FilingOutcome`](super::FilingOutcome): `{"status":"pending"}` until `answer_after` has passed since submission, then the decision, unchanged thereafter; 404 for an unknown id |
//! | `GET /v1/names?q=` | 200 the names held (seeded, reserved, registered), filtered by `q`; for debugging |
//! | `GET /healthz` | 200 `{"status":"ok"}` |
//!
//! A request the registry's form would not accept (unparsable JSON, 0 or too many names, an
//! empty name, an unknown company type, no directors) is answered 400 or 422 with an
//! `application/problem+json` body whose `detail` says what to correct. Everything else is
//! accepted and decided: see `registrar` (numbers, ordering), `names` (what "duplicate" means)
//! and `rules` (documents, director minimums, number suffixes).
//!
//! # Running it
//!
//! In tests: [`RegistrySimulator::start`] on `127.0.0.1:0`, then [`SimulatorHandle::base_url`]
//! for a [`SimulatorGateway`](super::SimulatorGateway). The server stops on
//! [`SimulatorHandle::shutdown`] or when the handle is dropped.
//!
//! From the command line, `comply360 registry-sim --listen 127.0.0.1:8790 --answer-after 2s
//! --seed "Acme Holdings"` maps its flags onto [`SimulatorConfig`] (`--seed` repeatable; the
//! duration parsed with `humantime`) and awaits [`serve`] with ctrl-c as the shutdown future.
//! Seeded names are registered in both jurisdictions. State lives in memory and is lost when
//! the process stops.

mod problem;
mod registrar;
mod rules;
mod validate;

use crate::registry::{IncorporationRequest, NameReservationRequest};
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::Utc;
use problem::problem;
use registrar::Registrar;
use serde::Deserialize;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use url::Url;

/// How the simulator listens and behaves.
#[derive(Clone, Debug)]
pub struct SimulatorConfig {
    /// `127.0.0.1:0` picks a free port (see [`SimulatorHandle::addr`]).
    pub listen: SocketAddr,
    /// How long a filing stays pending; zero answers on the first poll.
    pub answer_after: Duration,
    /// Names taken as already registered, in both jurisdictions.
    pub seed_names: Vec<String>,
}

impl Default for SimulatorConfig {
    fn default() -> Self {
        SimulatorConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            answer_after: Duration::ZERO,
            seed_names: Vec::new(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SimulatorError {
    #[error(
        "the registry simulator cannot listen on {addr}: {source}; choose another --listen address"
    )]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("the registry simulator's address {addr} does not make a URL: {detail}")]
    Address { addr: SocketAddr, detail: String },
    #[error("the registry simulator stopped serving: {0}")]
    Serve(std::io::Error),
    #[error("the registry simulator's task ended abnormally: {0}")]
    Task(String),
}

/// Starts simulators; see the module documentation.
pub struct RegistrySimulator;

impl RegistrySimulator {
    /// Binds `config.listen` and serves in a background task until the handle is shut down or
    /// dropped.
    pub async fn start(config: SimulatorConfig) -> Result<SimulatorHandle, SimulatorError> {
        let listener = bind(config.listen).await?;
        let addr = listener
            .local_addr()
            .map_err(|source| SimulatorError::Bind {
                addr: config.listen,
                source,
            })?;
        let base_url =
            Url::parse(&format!("http://{addr}/")).map_err(|e| SimulatorError::Address {
                addr,
                detail: e.to_string(),
            })?;
        let cancel = CancellationToken::new();
        let stop = cancel.clone();
        let task = tokio::spawn(serve_on(
            listener,
            config,
            async move { stop.cancelled().await },
        ));
        Ok(SimulatorHandle {
            addr,
            base_url,
            cancel,
            task: Some(task),
        })
    }

    /// The routes over a fresh in-memory registry, to mount elsewhere.
    pub fn router(config: &SimulatorConfig) -> Router {
        let state = Arc::new(Simulator {
            registrar: Mutex::new(Registrar::new(&config.seed_names)),
            answer_after: config.answer_after,
        });
        Router::new()
            .route("/v1/name-reservations", post(reserve_name))
            .route("/v1/incorporations", post(incorporate))
            .route("/v1/filings/{filing_id}", get(filing))
            .route("/v1/names", get(list_names))
            .route("/healthz", get(healthz))
            .fallback(not_found)
            .with_state(state)
    }
}

/// Serves on `config.listen` until `shutdown` completes: the entry point for a CLI subcommand.
pub async fn serve(
    config: SimulatorConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), SimulatorError> {
    let listener = bind(config.listen).await?;
    serve_on(listener, config, shutdown).await
}

async fn bind(addr: SocketAddr) -> Result<TcpListener, SimulatorError> {
    TcpListener::bind(addr)
        .await
        .map_err(|source| SimulatorError::Bind { addr, source })
}

async fn serve_on(
    listener: TcpListener,
    config: SimulatorConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), SimulatorError> {
    if let Ok(addr) = listener.local_addr() {
        tracing::info!(%addr, answer_after = ?config.answer_after, seeds = config.seed_names.len(), "registry simulator listening");
    }
    axum::serve(listener, RegistrySimulator::router(&config))
        .with_graceful_shutdown(shutdown)
        .await
        .map_err(SimulatorError::Serve)
}

/// A running simulator. Dropping it stops the server too (without waiting for it).
pub struct SimulatorHandle {
    addr: SocketAddr,
    base_url: Url,
    cancel: CancellationToken,
    task: Option<JoinHandle<Result<(), SimulatorError>>>,
}

impl SimulatorHandle {
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://<addr>/`, for [`SimulatorGateway::new`](super::SimulatorGateway::new).
    pub fn base_url(&self) -> Url {
        self.base_url.clone()
    }

    /// Stops accepting connections, lets requests in flight finish, and waits for the server.
    pub async fn shutdown(mut self) -> Result<(), SimulatorError> {
        self.cancel.cancel();
        match self.task.take() {
            Some(task) => task
                .await
                .map_err(|e| SimulatorError::Task(e.to_string()))?,
            None => Ok(()),
        }
    }
}

impl Drop for SimulatorHandle {
    fn drop(&mut self) {
        self.cancel.cancel();
    }
}

struct Simulator {
    registrar: Mutex<Registrar>,
    answer_after: Duration,
}

impl Simulator {
    /// The registry's state. A panic while it was held cannot leave it half-written (every
    /// change is a push or an insert), so a poisoned lock is still usable.
    fn registrar(&self) -> std::sync::MutexGuard<'_, Registrar> {
        self.registrar
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

type Shared = State<Arc<Simulator>>;

fn accepted(receipt: crate::registry::Receipt) -> Response {
    let location = format!("/v1/filings/{}", receipt.filing_id);
    (
        StatusCode::ACCEPTED,
        [(header::LOCATION, location)],
        Json(receipt),
    )
        .into_response()
}

fn unreadable(what: &str, rejection: &JsonRejection) -> Response {
    problem(
        rejection.status(),
        format!("the body is not a valid {what}: {}", rejection.body_text()),
    )
}

async fn reserve_name(
    State(sim): Shared,
    body: Result<Json<NameReservationRequest>, JsonRejection>,
) -> Response {
    let request = match body {
        Ok(Json(request)) => request,
        Err(rejection) => return unreadable("name reservation", &rejection),
    };
    if let Err(detail) = validate::reservation(&request) {
        return problem(StatusCode::UNPROCESSABLE_ENTITY, detail);
    }
    let receipt = sim.registrar().reserve(&request, Utc::now());
    tracing::info!(filing_id = %receipt.filing_id, jurisdiction = %request.jurisdiction, "name reservation filed");
    accepted(receipt)
}

async fn incorporate(
    State(sim): Shared,
    body: Result<Json<IncorporationRequest>, JsonRejection>,
) -> Response {
    let request = match body {
        Ok(Json(request)) => request,
        Err(rejection) => return unreadable("incorporation", &rejection),
    };
    let rule = match validate::incorporation(&request) {
        Ok(rule) => rule,
        Err(detail) => return problem(StatusCode::UNPROCESSABLE_ENTITY, detail),
    };
    let receipt = sim.registrar().incorporate(&request, rule, Utc::now());
    tracing::info!(filing_id = %receipt.filing_id, company_type = rule.code, "incorporation filed");
    accepted(receipt)
}

async fn filing(State(sim): Shared, Path(filing_id): Path<String>) -> Response {
    match sim
        .registrar()
        .outcome(&filing_id, Utc::now(), sim.answer_after)
    {
        Some(outcome) => Json(outcome).into_response(),
        None => problem(
            StatusCode::NOT_FOUND,
            format!(
                "there is no filing {filing_id:?}; use the filing_id of a receipt from this simulator (its state is lost on restart)"
            ),
        ),
    }
}

#[derive(Deserialize)]
struct NamesQuery {
    #[serde(default)]
    q: String,
}

async fn list_names(State(sim): Shared, Query(query): Query<NamesQuery>) -> Response {
    let names = sim.registrar().names(&query.q, Utc::now().date_naive());
    Json(names).into_response()
}

async fn healthz() -> Response {
    Json(serde_json::json!({"status": "ok"})).into_response()
}

async fn not_found() -> Response {
    problem(
        StatusCode::NOT_FOUND,
        "no such route; the simulator serves POST /v1/name-reservations, POST /v1/incorporations, \
         GET /v1/filings/{filing_id}, GET /v1/names?q= and GET /healthz",
    )
}
