//! The route table. Every API route is added through [`Routes::route`], which requires the
//! [`Access`] it needs and its contract (an [`Op`]: body, query, answer, its own problems):
//! the gateway guard enforces the access, the OpenAPI document ([`crate::openapi`]) publishes
//! both, and tests walk the table (every route declares its access and the guard holds it;
//! every answer a test receives is one the document lists). A route cannot be added without
//! saying who may call it and what it answers.

use crate::gateway::auth::{Guard, guard};
pub use crate::openapi::{Op, Schema, documented};
use crate::state::AppState;
use axum::Router;
use axum::extract::Request;
use axum::handler::Handler;
use axum::http::Method;
use axum::middleware::Next;
use axum::routing::{MethodFilter, on};
use comply360_identity::rbac::Permission;
use std::sync::Arc;
use tracing::Instrument;

/// Who may call a route.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// No credential: signing in, password reset, invitations, public keys.
    Public,
    /// Any signed-in account (not an API key): its own profile, password, sessions.
    SignedIn,
    /// Like `SignedIn`, and also a setup token (MFA enrolment the tenant requires).
    MfaSetup,
    /// An account or API key of the request's tenant that holds the permission.
    Tenant(Permission),
    /// A platform operator who holds the permission.
    Platform(Permission),
}

impl Access {
    pub fn permission(self) -> Option<Permission> {
        match self {
            Access::Tenant(p) | Access::Platform(p) => Some(p),
            _ => None,
        }
    }
}

/// One route as declared.
#[derive(Clone, Debug)]
pub struct RouteSpec {
    pub method: Method,
    pub path: &'static str,
    pub access: Access,
    /// What it takes, answers and can refuse with (the OpenAPI document's operation).
    pub op: Op,
    /// A creating `POST` that honours `Idempotency-Key` ([`crate::idempotency`]).
    pub idempotent: bool,
}

/// Builds the router and the table together.
pub struct Routes {
    state: AppState,
    router: Router<AppState>,
    specs: Vec<RouteSpec>,
}

impl Routes {
    pub fn new(state: AppState) -> Routes {
        Routes {
            state,
            router: Router::new(),
            specs: Vec::new(),
        }
    }

    /// Adds `handler` at `method path`, guarded by `access`, with the contract `op` (what the
    /// OpenAPI document says it takes, answers and can refuse with).
    pub fn route<H, T>(
        self,
        method: Method,
        path: &'static str,
        access: Access,
        op: Op,
        handler: H,
    ) -> Routes
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.add(method, path, access, op, false, handler)
    }

    /// Adds a creating `POST`: like [`Routes::route`], and an `Idempotency-Key` makes it run
    /// at most once per agency and key ([`crate::idempotency`]).
    pub fn creating<H, T>(self, path: &'static str, access: Access, op: Op, handler: H) -> Routes
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.add(Method::POST, path, access, op, true, handler)
    }

    /// Adds an uploading `POST` (multipart): like [`Routes::route`], with its own body limit
    /// instead of the API's (the handler streams the body and holds it to its own limit).
    pub fn uploading<H, T>(
        self,
        path: &'static str,
        access: Access,
        op: Op,
        limit: usize,
        handler: H,
    ) -> Routes
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        let handler = handler.layer(axum::extract::DefaultBodyLimit::max(limit));
        self.add(Method::POST, path, access, op, false, handler)
    }

    fn add<H, T>(
        mut self,
        method: Method,
        path: &'static str,
        access: Access,
        op: Op,
        idempotent: bool,
        handler: H,
    ) -> Routes
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        let filter = method_filter(&method);
        let mut route = on(filter, handler);
        if idempotent {
            // Inside the guard: the tenant and the caller are known when it runs.
            route = route.layer(axum::middleware::from_fn_with_state(
                self.state.clone(),
                crate::idempotency::layer,
            ));
        }
        // The handler runs in a `handler` span naming its operation by the route's template
        // (`POST /api/v1/clients/{id}/contacts`, never the raw path with its ids), inside the
        // request's span with the request id, tenant and user: what `#[tracing::instrument]`
        // on each handler would give, declared once for every route.
        let operation: Arc<str> = format!("{method} {path}").into();
        let route = route.layer(axum::middleware::from_fn(
            move |req: Request, next: Next| {
                let span = tracing::info_span!("handler", operation = %operation);
                next.run(req).instrument(span)
            },
        ));
        let guarded = route.route_layer(axum::middleware::from_fn_with_state(
            Guard {
                state: self.state.clone(),
                access,
            },
            guard,
        ));
        self.router = self.router.route(path, guarded);
        self.specs.push(RouteSpec {
            method,
            path,
            access,
            op,
            idempotent,
        });
        self
    }

    /// The state the routes are built for (a fragment may size a route by its settings).
    pub fn state(&self) -> &AppState {
        &self.state
    }

    pub fn specs(&self) -> &[RouteSpec] {
        &self.specs
    }

    pub fn into_parts(self) -> (Router<AppState>, Vec<RouteSpec>) {
        (self.router, self.specs)
    }
}

fn method_filter(method: &Method) -> MethodFilter {
    match *method {
        Method::POST => MethodFilter::POST,
        Method::PUT => MethodFilter::PUT,
        Method::PATCH => MethodFilter::PATCH,
        Method::DELETE => MethodFilter::DELETE,
        _ => MethodFilter::GET,
    }
}
