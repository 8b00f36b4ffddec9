//! The route table. Every API route is added through [`Routes::route`], which requires the
//! [`Access`] it needs: the gateway guard enforces it, the OpenAPI document publishes it, and
//! a test walks the table to check that every route declares one and that the guard holds.
//! A route cannot be added without saying who may call it.

use crate::gateway::auth::{Guard, guard};
use crate::state::AppState;
use axum::Router;
use axum::handler::Handler;
use axum::http::Method;
use axum::routing::{MethodFilter, on};
use comply360_identity::rbac::Permission;
use serde_json::{Map, Value, json};

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
    pub summary: &'static str,
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

    /// Adds `handler` at `method path`, guarded by `access`.
    pub fn route<H, T>(
        self,
        method: Method,
        path: &'static str,
        access: Access,
        summary: &'static str,
        handler: H,
    ) -> Routes
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.add(method, path, access, summary, false, handler)
    }

    /// Adds a creating `POST`: like [`Routes::route`], and an `Idempotency-Key` makes it run
    /// at most once per agency and key ([`crate::idempotency`]).
    pub fn creating<H, T>(
        self,
        path: &'static str,
        access: Access,
        summary: &'static str,
        handler: H,
    ) -> Routes
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.add(Method::POST, path, access, summary, true, handler)
    }

    fn add<H, T>(
        mut self,
        method: Method,
        path: &'static str,
        access: Access,
        summary: &'static str,
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
            summary,
            idempotent,
        });
        self
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

/// Whether the OpenAPI document describes `path`: the API (`/api/…`, `/.well-known/…`), not
/// HTML pages and their files: the portal's, and the docs page (`/api/docs` and
/// `/api/docs/{asset}`, see [`crate::docs`]), which renders the document.
pub fn documented(path: &str) -> bool {
    let docs_page = path == "/api/docs" || path.starts_with("/api/docs/");
    (path.starts_with("/api/") && !docs_page) || path.starts_with("/.well-known/")
}

/// The OpenAPI 3.1 document of `specs`: paths, summaries, the security each route takes and
/// the permission it needs (`x-permission`).
pub fn openapi(specs: &[RouteSpec]) -> Value {
    let mut paths = Map::new();
    for spec in specs.iter().filter(|s| documented(s.path)) {
        let entry = paths
            .entry(spec.path.to_owned())
            .or_insert_with(|| json!({}));
        let mut parameters: Vec<Value> = spec
            .path
            .split('/')
            .filter_map(|seg| seg.strip_prefix('{')?.strip_suffix('}'))
            .map(|name| json!({"name": name, "in": "path", "required": true, "schema": {"type": "string"}}))
            .collect();
        if spec.idempotent {
            parameters.push(json!({
                "name": "Idempotency-Key", "in": "header", "required": false,
                "description": "Makes the request run at most once: the same key with the same request returns the first answer (with `Idempotent-Replayed: true`), with another request a 422 `idempotency_key_reused`. Kept per agency for 24 hours.",
                "schema": {"type": "string", "minLength": 1, "maxLength": 255},
                "example": "0199f1c2-7a3b-7c00-8000-000000000001"
            }));
        }
        // The first segment after the version (`/.well-known/…` is tagged `.well-known`).
        let tag = spec
            .path
            .trim_start_matches("/api/v1/")
            .split('/')
            .find(|segment| !segment.is_empty())
            .unwrap_or("api");
        let mut op = json!({
            "summary": spec.summary,
            "tags": [tag],
            "parameters": parameters,
            "responses": {
                "200": {"description": "success"},
                "default": {"description": "a problem (RFC 9457)", "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}}
            },
        });
        let (security, permission) = match spec.access {
            Access::Public => (json!([]), None),
            Access::SignedIn | Access::MfaSetup => (json!([{"bearer": []}]), None),
            Access::Tenant(p) => (json!([{"bearer": []}, {"apiKey": []}]), Some(p)),
            Access::Platform(p) => (json!([{"bearer": []}]), Some(p)),
        };
        op["security"] = security;
        if let Some(p) = permission {
            op["x-permission"] = json!(p);
        }
        if let Some(obj) = entry.as_object_mut() {
            obj.insert(spec.method.as_str().to_ascii_lowercase(), op);
        }
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Comply360 API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Company registration and compliance for corporate-service agencies. Name the agency with its subdomain or the X-Tenant header; authenticate with a bearer access token (POST /api/v1/auth/login) or an API key (Authorization: Bearer c360_…)."
        },
        "paths": paths,
        "components": {
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
                "apiKey": {"type": "http", "scheme": "bearer", "description": "an API key, c360_…"}
            },
            "schemas": {
                "Problem": {
                    "type": "object",
                    "required": ["type", "title", "status", "code"],
                    "properties": {
                        "type": {"type": "string"}, "title": {"type": "string"},
                        "status": {"type": "integer"}, "detail": {"type": "string"},
                        "code": {"type": "string"}, "request_id": {"type": "string"},
                        "errors": {"type": "array", "items": {"type": "object", "properties": {"field": {"type": "string"}, "message": {"type": "string"}}}}
                    }
                }
            }
        }
    })
}
