//! An in-memory Odoo speaking both external APIs, so the client (and other crates' tests, and
//! a dev command) work over real HTTP without an Odoo server.
//!
//! | route | behaviour |
//! |---|---|
//! | `POST /xmlrpc/2/common` | `version()` → `{server_version, server_version_info, server_serie, protocol_version: 1}`; `login(db, login, key)` and `authenticate(db, login, key, env)` → uid, or `False` when refused (fault 3 "Access Denied" with [`StandInConfig::authenticate_faults`]); another database → fault 1 (`psycopg2.OperationalError`) |
//! | `POST /xmlrpc/2/object` | `execute_kw(db, uid, key, model, method, args, kw)` and `execute(db, uid, key, model, method, *args)`; wrong uid/key → fault 3 "Access Denied"; unknown model → fault 2 "Object x doesn't exist"; unknown method → fault 1 `AttributeError`; `_private` method → fault 4 |
//! | `POST /json/2/<model>/<method>` | (server 19.0 and later) `Authorization: bearer <key>` else 401 `werkzeug.exceptions.Unauthorized` "Invalid apikey"; `X-Odoo-Database` other than ours → 404 (UNCONFIRMED); body `{ids, context, …named params}`; unknown model/method → 404; `ids` on an `@api.model` method or parameters that do not bind → 422; ORM errors → `{name, message, arguments, context, debug}` |
//! | `GET /web/version` | (19.0 and later) `{"version_info": [19, 0, 0, "final", 0, ""], "version": "19.0"}` |
//! | anything else | werkzeug's HTML 404 page (so an 18.0 stand-in answers JSON-2 with it, as Odoo 18 does) |
//!
//! Models ([`schema`]): `res.partner`, `crm.lead`, `crm.stage` (seeded from
//! [`StandInConfig::crm_stages`]), `account.move` (with `invoice_line_ids` command tuples into
//! `account.move.line`, whose `tax_ids` name `account.tax` records (a 15% sales and purchase
//! tax are seeded); computed `amount_total`, `amount_residual` and `payment_state`),
//! `account.payment`, the `account.payment.register` wizard, `res.currency` (ZAR, USD),
//! `res.users` (the configured users), `ir.model` (one record per model), and
//! `x_comply360_commission` when [`StandInConfig::commission_model`]. Methods: `search`,
//! `search_count`, `search_read`, `read`, `create` (a dict or a list of dicts), `write`,
//! `unlink`, `fields_get`, `res.users.context_get`; `account.move.action_post`,
//! `button_draft`, `button_cancel`; the wizard's `create` (with `active_model`/`active_ids` in
//! the context) and `action_create_payments` (see `records/accounting.rs`); domains as in
//! [`domain`]. XML-RPC `create` with one dict answers the id, JSON-2 always a list of ids (it
//! answers a recordset as its ids); a method answering None is a fault over XML-RPC ("cannot
//! marshal None"), its work done.
//!
//! Errors follow Odoo: `UserError`/`ValidationError`/`MissingError` are fault 2, `AccessError`
//! fault 4, anything else fault 1 with a traceback whose last line is `ValueError: …`
//! [P: odoo/odoo `addons/base/controllers/rpc.py`]. Over JSON-2 the model and method 404s and
//! the 422s are those of odoo/odoo `addons/rpc/controllers/json2.py`; the statuses of ORM
//! exceptions (422 for `UserError`/`ValidationError`, 404 `MissingError`, 500 otherwise, named `builtins.ValueError` etc.) are UNCONFIRMED.
//!
//! The handle lets tests look at and change the data ([`StandInHandle::records`],
//! [`StandInHandle::delete`]), count calls, inject failures ([`StandInHandle::fail_next`]),
//! and [`StandInHandle::stop`] / [`StandInHandle::restart`] the server on the same port with
//! the records kept, as if Odoo went down mid-stream and came back.

mod domain;
mod json2;
mod records;
mod schema;
mod xmlrpc;

pub use schema::COMMISSION_MODEL;

use super::config::{OdooConfig, OdooProtocol};
use super::wire::{WEB_VERSION_PATH, XMLRPC_COMMON_PATH, XMLRPC_OBJECT_PATH};
use axum::Router;
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use records::{Database, SeedUser};
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;
use tokio::net::{TcpListener, TcpSocket};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use url::Url;

/// A user of the stand-in's database; the API key is also its XML-RPC password.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StandInUser {
    pub uid: i64,
    pub login: String,
    pub name: String,
    pub api_key: String,
}

#[derive(Clone, Debug)]
pub struct StandInConfig {
    pub listen: SocketAddr,
    pub database: String,
    pub users: Vec<StandInUser>,
    /// `"19.0"` serves both APIs; below 19 (e.g. `"18.0"`) XML-RPC only.
    pub server_version: String,
    /// Whether the custom model [`COMMISSION_MODEL`] is installed.
    pub commission_model: bool,
    /// `crm.stage` names in sequence; a stage named "Won" is the won stage.
    pub crm_stages: Vec<String>,
    /// A refused XML-RPC `authenticate` faults with 3 (older servers) instead of answering
    /// `False` (Odoo 19's `common` service). FACTS.md: clients must handle both.
    pub authenticate_faults: bool,
}

impl Default for StandInConfig {
    fn default() -> Self {
        StandInConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            database: "comply360".to_owned(),
            users: vec![StandInUser {
                uid: 2,
                login: "admin".to_owned(),
                name: "Mitchell Admin".to_owned(),
                api_key: "standin-api-key-6578616d706c65".to_owned(),
            }],
            server_version: "19.0".to_owned(),
            commission_model: false,
            crm_stages: ["New", "Qualified", "Proposition", "Won"]
                .map(str::to_owned)
                .to_vec(),
            authenticate_faults: false,
        }
    }
}

impl StandInConfig {
    /// The major version, when `server_version` starts with one.
    fn major_version(&self) -> Option<i64> {
        let digits: String = self
            .server_version
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        digits.parse().ok()
    }

    /// JSON-2 exists from Odoo 19.0 on.
    pub fn serves_json2(&self) -> bool {
        self.major_version().is_some_and(|major| major >= 19)
    }

    /// `[19, 0, 0, "final", 0, ""]`.
    fn version_info(&self) -> Value {
        let mut parts = self.server_version.split('.');
        let major = self.major_version();
        let minor = parts
            .nth(1)
            .and_then(|p| p.parse::<i64>().ok())
            .unwrap_or(0);
        match major {
            Some(major) => json!([major, minor, 0, "final", 0, ""]),
            None => json!([self.server_version, minor, 0, "final", 0, ""]),
        }
    }

    fn server_serie(&self) -> String {
        self.server_version
            .split('.')
            .take(2)
            .collect::<Vec<_>>()
            .join(".")
    }

    fn user_by_key(&self, key: &str) -> Option<&StandInUser> {
        self.users.iter().find(|u| u.api_key == key)
    }
}

/// A failure [`StandInHandle::fail_next`] answers instead of Odoo.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InjectedFailure {
    /// 503 with an HTML page, as a proxy in front of a restarting Odoo.
    ServiceUnavailable,
    /// 500 with an HTML page.
    InternalServerError,
}

struct StandIn {
    config: StandInConfig,
    db: Mutex<Database>,
    calls: Mutex<BTreeMap<(String, String), usize>>,
    failures: Mutex<(usize, InjectedFailure)>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl StandIn {
    /// Counts a call that reached Odoo (`("common", "authenticate")` for the common service).
    fn count(&self, model: &str, method: &str) {
        *lock(&self.calls)
            .entry((model.to_owned(), method.to_owned()))
            .or_default() += 1;
    }

    fn db(&self) -> MutexGuard<'_, Database> {
        lock(&self.db)
    }
}

pub struct OdooStandIn;

impl OdooStandIn {
    /// Serves on `config.listen` until the handle is stopped, shut down or dropped.
    pub async fn start(config: StandInConfig) -> std::io::Result<StandInHandle> {
        let users: Vec<SeedUser> = config
            .users
            .iter()
            .map(|u| SeedUser {
                uid: u.uid,
                name: u.name.clone(),
                login: u.login.clone(),
            })
            .collect();
        let state = Arc::new(StandIn {
            db: Mutex::new(Database::new(
                config.commission_model,
                &users,
                &config.crm_stages,
            )),
            config,
            calls: Mutex::new(BTreeMap::new()),
            failures: Mutex::new((0, InjectedFailure::ServiceUnavailable)),
        });
        let listener = bind(state.config.listen)?;
        let addr = listener.local_addr()?;
        let base_url = Url::parse(&format!("http://{addr}/"))
            .map_err(|e| std::io::Error::other(format!("{addr} does not make a URL: {e}")))?;
        let mut handle = StandInHandle {
            addr,
            base_url,
            state,
            running: None,
        };
        handle.serve(listener);
        Ok(handle)
    }
}

/// Binds with `SO_REUSEADDR`, so [`StandInHandle::restart`] gets the same port back at once.
fn bind(addr: SocketAddr) -> std::io::Result<TcpListener> {
    let socket = if addr.is_ipv4() {
        TcpSocket::new_v4()?
    } else {
        TcpSocket::new_v6()?
    };
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(1024)
}

fn router(state: Arc<StandIn>) -> Router {
    let mut router = Router::new()
        .route(XMLRPC_COMMON_PATH, post(xmlrpc::common))
        .route(XMLRPC_OBJECT_PATH, post(xmlrpc::object));
    if state.config.serves_json2() {
        router = router
            .route("/json/2/{model}/{method}", post(json2::call))
            .route(WEB_VERSION_PATH, get(json2::version));
    }
    router
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(state.clone(), inject))
        .with_state(state)
}

struct Running {
    cancel: CancellationToken,
    task: JoinHandle<std::io::Result<()>>,
}

/// A running (or stopped) stand-in; dropping it stops the server.
pub struct StandInHandle {
    addr: SocketAddr,
    base_url: Url,
    state: Arc<StandIn>,
    running: Option<Running>,
}

impl StandInHandle {
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// For [`OdooConfig::base_url`].
    pub fn base_url(&self) -> Url {
        self.base_url.clone()
    }

    pub fn config(&self) -> &StandInConfig {
        &self.state.config
    }

    /// A client configuration for the first configured user.
    pub fn odoo_config(&self, protocol: OdooProtocol) -> OdooConfig {
        let user = self.state.config.users.first();
        OdooConfig {
            base_url: self.base_url(),
            database: self.state.config.database.clone(),
            login: user.map(|u| u.login.clone()).unwrap_or_default(),
            api_key: user.map(|u| u.api_key.as_str()).unwrap_or_default().into(),
            protocol,
        }
    }

    /// The stored records of `model` in id order: `id`, fields as stored (a many2one as its
    /// id or `false`; one2many lines are records of their own model).
    pub fn records(&self, model: &str) -> Vec<Map<String, Value>> {
        self.state.db().snapshot(model)
    }

    /// Deletes a record (and its lines) as someone in Odoo would; whether it existed.
    pub fn delete(&self, model: &str, id: i64) -> bool {
        self.state.db().delete(model, id)
    }

    /// Calls of `model.method` that got past authentication and the model and method checks
    /// (not those refused there or by an injected failure); the common service counts as model
    /// `"common"`, `/web/version` as `("web", "version")`.
    pub fn calls(&self, model: &str, method: &str) -> usize {
        lock(&self.state.calls)
            .get(&(model.to_owned(), method.to_owned()))
            .copied()
            .unwrap_or(0)
    }

    pub fn total_calls(&self) -> usize {
        lock(&self.state.calls).values().sum()
    }

    /// The next `count` requests, whatever their route, get `failure` instead of an answer.
    pub fn fail_next(&self, count: usize, failure: InjectedFailure) {
        *lock(&self.state.failures) = (count, failure);
    }

    pub fn is_running(&self) -> bool {
        self.running.is_some()
    }

    /// Stops serving (connections are refused) and keeps the records.
    pub async fn stop(&mut self) {
        if let Some(mut running) = self.running.take() {
            running.cancel.cancel();
            // Idle keep-alive connections close at once; give busy ones a moment.
            if tokio::time::timeout(Duration::from_secs(5), &mut running.task)
                .await
                .is_err()
            {
                running.task.abort();
            }
        }
    }

    /// Serves again on the same address, with the records as they were.
    pub async fn restart(&mut self) -> std::io::Result<()> {
        self.stop().await;
        let listener = bind(self.addr)?;
        self.serve(listener);
        Ok(())
    }

    pub async fn shutdown(mut self) {
        self.stop().await;
    }

    fn serve(&mut self, listener: TcpListener) {
        let cancel = CancellationToken::new();
        let stop = cancel.clone();
        let app = router(self.state.clone());
        let task = tokio::spawn(async move {
            axum::serve(listener, app)
                .with_graceful_shutdown(async move { stop.cancelled().await })
                .await
        });
        self.running = Some(Running { cancel, task });
    }
}

impl Drop for StandInHandle {
    fn drop(&mut self) {
        if let Some(running) = &self.running {
            running.cancel.cancel();
        }
    }
}

/// Answers an injected failure instead of the route while any are left.
async fn inject(State(sim): State<Arc<StandIn>>, request: Request, next: Next) -> Response {
    let failure = {
        let mut failures = lock(&sim.failures);
        if failures.0 > 0 {
            failures.0 -= 1;
            Some(failures.1)
        } else {
            None
        }
    };
    match failure {
        Some(InjectedFailure::ServiceUnavailable) => html_error(
            StatusCode::SERVICE_UNAVAILABLE,
            "Service Unavailable",
            "The server is temporarily unable to service your request.",
        ),
        Some(InjectedFailure::InternalServerError) => html_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Internal Server Error",
            "The server encountered an internal error and was unable to complete your request.",
        ),
        None => next.run(request).await,
    }
}

async fn not_found() -> Response {
    html_error(
        StatusCode::NOT_FOUND,
        "Not Found",
        "The requested URL was not found on the server. If you entered the URL manually please check your spelling and try again.",
    )
}

/// werkzeug's HTML error page.
fn html_error(status: StatusCode, title: &str, text: &str) -> Response {
    let code = status.as_u16();
    (
        status,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        format!(
            "<!doctype html>\n<html lang=en>\n<title>{code} {title}</title>\n<h1>{title}</h1>\n<p>{text}</p>\n"
        ),
    )
        .into_response()
}
