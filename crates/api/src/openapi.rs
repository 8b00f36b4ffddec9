//! The OpenAPI 3.1 document, assembled from the route table: each route's [`Op`] says what it
//! takes and answers (schemas derived from the Rust types with `utoipa::ToSchema`), and the
//! problems it can give are the union of what its [`Access`], its body, its query, its
//! idempotency and the operation itself can answer (each listed with its `code`).
//!
//! The testkit's contract check drives every test response through this document, so a status,
//! a `code` or a body shape the document does not list fails the test that provoked it.

use crate::routes::{Access, RouteSpec};
use comply360_practice::page::Page;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;
use utoipa::ToSchema;

/// A schema as an operation refers to it, with the named schemas it needs in `components`.
#[derive(Clone, Debug)]
pub struct Schema {
    inline: Value,
    components: Vec<(String, Value)>,
}

fn to_json<S: serde::Serialize>(schema: &S) -> Value {
    serde_json::to_value(schema).unwrap_or(Value::Null)
}

fn reference(name: &str) -> Value {
    json!({"$ref": format!("#/components/schemas/{name}")})
}

impl Schema {
    /// `T` as a named component.
    pub fn of<T: ToSchema>() -> Schema {
        let name = T::name().into_owned();
        let mut named = Vec::new();
        T::schemas(&mut named);
        let mut components = vec![(name.clone(), to_json(&T::schema()))];
        components.extend(named.iter().map(|(n, s)| (n.clone(), to_json(s))));
        Schema {
            inline: reference(&name),
            components,
        }
    }

    /// A JSON array of `T`.
    pub fn list_of<T: ToSchema>() -> Schema {
        let item = Schema::of::<T>();
        Schema {
            inline: json!({"type": "array", "items": item.inline}),
            components: item.components,
        }
    }

    /// A page of `T` ([`Page`]), named `<T>Page`.
    pub fn page_of<T: ToSchema>() -> Schema {
        let item = Schema::of::<T>();
        let name = format!("{}Page", T::name());
        let mut page = to_json(&<Page<T> as utoipa::PartialSchema>::schema());
        // The derive spells a generic's argument out in place; the page refers to the named
        // item instead, so `Client` is one schema whether listed, paged or shown alone.
        if let Some(items) = page.pointer_mut("/properties/items/items") {
            *items = item.inline.clone();
        }
        let mut components = item.components;
        components.push((name.clone(), page));
        Schema {
            inline: reference(&name),
            components,
        }
    }

    /// A schema written out by hand, for answers that have no Rust type of their own.
    pub fn raw(inline: Value) -> Schema {
        Schema {
            inline,
            components: Vec::new(),
        }
    }
}

/// A body of a request or an answer.
#[derive(Clone, Debug)]
pub struct Content {
    pub media: &'static str,
    pub schema: Option<Schema>,
    pub example: Option<Value>,
}

/// One operation's contract, declared beside its route (see [`crate::routes::Routes::route`]).
#[derive(Clone, Debug)]
pub struct Op {
    pub summary: &'static str,
    pub request: Option<Content>,
    /// Whether a request without a body is accepted too.
    pub body_optional: bool,
    /// Whether the body is read by [`crate::body::JsonBody`] (whose refusals apply), rather
    /// than parsed by the handler itself.
    pub body_extractor: bool,
    /// A query struct's schema; its properties become `in: query` parameters.
    pub query: Option<Schema>,
    pub status: u16,
    pub answer: Option<Content>,
    /// Whether the route reads the agency from the host or `X-Tenant` before any credential
    /// (the public sign-in routes): the gateway's tenant problems apply.
    pub names_tenant: bool,
    /// The problems only this operation gives: `(status, code)`.
    pub problems: Vec<(u16, &'static str)>,
    /// Extra answers that are not problems (e.g. a 422 import report): `(status, content)`.
    pub also: Vec<(u16, Content)>,
    /// Request headers the operation reads: `(name, description)`, optional strings.
    pub headers: Vec<(&'static str, &'static str)>,
}

impl Op {
    pub fn new(summary: &'static str) -> Op {
        Op {
            summary,
            request: None,
            body_optional: false,
            body_extractor: false,
            query: None,
            status: 200,
            answer: None,
            names_tenant: false,
            problems: Vec::new(),
            also: Vec::new(),
            headers: Vec::new(),
        }
    }

    /// A JSON body of type `T`, with an example that the API accepts.
    pub fn body<T: ToSchema>(self, example: Value) -> Op {
        self.body_schema(Schema::of::<T>(), example)
    }

    /// A JSON body whose schema is written out (e.g. a partial update).
    pub fn body_schema(mut self, schema: Schema, example: Value) -> Op {
        self.body_extractor = true;
        self.request = Some(Content {
            media: "application/json",
            schema: Some(schema),
            example: Some(example),
        });
        self
    }

    /// A JSON body the handler parses itself and may be left out (its only refusal is a 422
    /// `invalid_body`).
    pub fn optional_body<T: ToSchema>(mut self, example: Value) -> Op {
        self.request = Some(Content {
            media: "application/json",
            schema: Some(Schema::of::<T>()),
            example: Some(example),
        });
        self.body_optional = true;
        self.problems.push((422, "invalid_body"));
        self
    }

    /// A body that is not JSON (e.g. `text/csv`), with an example.
    pub fn body_as(mut self, media: &'static str, example: &'static str) -> Op {
        self.request = Some(Content {
            media,
            schema: Some(Schema::raw(json!({"type": "string"}))),
            example: Some(Value::String(example.to_owned())),
        });
        self
    }

    /// Query parameters: the properties of `Q`'s schema.
    pub fn query<Q: ToSchema>(mut self) -> Op {
        self.query = Some(Schema::of::<Q>());
        self
    }

    /// Answers 200 with a JSON `T`.
    pub fn ok<T: ToSchema>(self) -> Op {
        self.answer_json(200, Schema::of::<T>())
    }

    /// Answers 200 with a JSON array of `T`.
    pub fn ok_list<T: ToSchema>(self) -> Op {
        self.answer_json(200, Schema::list_of::<T>())
    }

    /// Answers 200 with a page of `T`.
    pub fn ok_page<T: ToSchema>(self) -> Op {
        self.answer_json(200, Schema::page_of::<T>())
    }

    /// Answers 201 with the created `T`.
    pub fn created<T: ToSchema>(self) -> Op {
        self.answer_json(201, Schema::of::<T>())
    }

    /// Answers `status` with JSON of `schema`.
    pub fn answer_json(mut self, status: u16, schema: Schema) -> Op {
        self.status = status;
        self.answer = Some(Content {
            media: "application/json",
            schema: Some(schema),
            example: None,
        });
        self
    }

    /// Answers `status` with a body of `media` (a file, a page of text).
    pub fn answer_as(mut self, status: u16, media: &'static str) -> Op {
        self.status = status;
        self.answer = Some(Content {
            media,
            schema: Some(Schema::raw(json!({"type": "string"}))),
            example: None,
        });
        self
    }

    /// Answers 204 with no body.
    pub fn no_content(mut self) -> Op {
        self.status = 204;
        self.answer = None;
        self
    }

    /// The route names its agency itself (public routes that act in one).
    pub fn in_tenant(mut self) -> Op {
        self.names_tenant = true;
        self
    }

    /// An optional request header the operation reads.
    pub fn header(mut self, name: &'static str, description: &'static str) -> Op {
        self.headers.push((name, description));
        self
    }

    /// Problems only this operation gives.
    pub fn problems(mut self, problems: &[(u16, &'static str)]) -> Op {
        self.problems.extend_from_slice(problems);
        self
    }

    /// Another answer that is not a problem.
    pub fn also(mut self, status: u16, schema: Schema) -> Op {
        self.also.push((
            status,
            Content {
                media: "application/json",
                schema: Some(schema),
                example: None,
            },
        ));
        self
    }
}

/// Whether the OpenAPI document describes `path`: the API (`/api/…`, `/.well-known/…`, the
/// calendar feeds under `/ical/`), not HTML pages and their files: the portal's, and the docs
/// page (`/api/docs` and `/api/docs/{asset}`, see [`crate::docs`]), which renders the document.
pub fn documented(path: &str) -> bool {
    let docs_page = path == "/api/docs" || path.starts_with("/api/docs/");
    (path.starts_with("/api/") && !docs_page)
        || path.starts_with("/.well-known/")
        || path.starts_with("/ical/")
}

/// The problems every route can give, whatever it is: an internal error, a busy pool.
const ALWAYS: &[(u16, &str)] = &[(500, "internal_error")];

/// Naming the agency (host subdomain or `X-Tenant`) and resolving it (`crate::tenant`,
/// `Problem::from_store`). Not naming one is a problem only where the route needs the name
/// ([`Op::in_tenant`]); behind a credential the agency is the credential's.
const TENANT: &[(u16, &str)] = &[
    (400, "invalid_tenant"),
    (400, "tenant_mismatch"),
    (404, "tenant_not_found"),
    (423, "tenant_suspended"),
    (503, "tenant_unavailable"),
    (503, "busy"),
];

/// The gateway guard for every route that needs a credential (`gateway::auth`).
const CREDENTIAL: &[(u16, &str)] = &[
    (401, "authentication_required"),
    (401, "invalid_token"),
    (401, "invalid_api_key"),
    (401, "session_ended"),
    (401, "token_restricted"),
    (403, "tenant_mismatch"),
];

/// A JSON body (`crate::body`).
const JSON_BODY: &[(u16, &str)] = &[
    (400, "malformed_json"),
    (400, "invalid_body"),
    (413, "payload_too_large"),
    (415, "unsupported_media_type"),
    (422, "invalid_body"),
];

/// An `Idempotency-Key` (`crate::idempotency`).
const IDEMPOTENCY: &[(u16, &str)] = &[
    (400, "invalid_idempotency_key"),
    (409, "idempotency_key_in_progress"),
    (413, "body_too_large"),
    (422, "idempotency_key_reused"),
];

/// Every `(status, code)` `spec` can answer with, in status order.
pub fn problem_codes(spec: &RouteSpec) -> BTreeMap<u16, Vec<&'static str>> {
    let mut all: Vec<(u16, &'static str)> = ALWAYS.to_vec();
    match spec.access {
        Access::Public => {}
        Access::SignedIn | Access::MfaSetup => {
            all.extend_from_slice(CREDENTIAL);
            all.extend_from_slice(TENANT);
            all.extend_from_slice(&[(403, "api_key_not_allowed"), (429, "rate_limited")]);
        }
        Access::Tenant(_) => {
            all.extend_from_slice(CREDENTIAL);
            all.extend_from_slice(TENANT);
            all.extend_from_slice(&[
                (403, "tenant_required"),
                (403, "permission_denied"),
                (429, "rate_limited"),
            ]);
        }
        Access::Platform(_) => {
            all.extend_from_slice(CREDENTIAL);
            all.extend_from_slice(TENANT);
            all.push((403, "permission_denied"));
        }
    }
    if spec.op.names_tenant {
        all.extend_from_slice(TENANT);
        all.push((400, "tenant_required"));
    }
    if spec.op.body_extractor {
        all.extend_from_slice(JSON_BODY);
    }
    if spec.op.query.is_some() {
        all.push((400, "invalid_query"));
    }
    if spec.idempotent {
        all.extend_from_slice(IDEMPOTENCY);
    }
    all.extend_from_slice(&spec.op.problems);
    let mut by_status: BTreeMap<u16, Vec<&'static str>> = BTreeMap::new();
    for (status, code) in all {
        let codes = by_status.entry(status).or_default();
        if !codes.contains(&code) {
            codes.push(code);
        }
    }
    for codes in by_status.values_mut() {
        codes.sort_unstable();
    }
    by_status
}

/// What a status means, for the response's description.
fn reason(status: u16) -> &'static str {
    axum::http::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("problem")
}

fn content(c: &Content, components: &mut Map<String, Value>) -> Value {
    let mut media = json!({});
    if let Some(schema) = &c.schema {
        for (name, s) in &schema.components {
            components.entry(name.clone()).or_insert_with(|| s.clone());
        }
        media["schema"] = schema.inline.clone();
    }
    if let Some(example) = &c.example {
        media["example"] = example.clone();
    }
    json!({ c.media: media })
}

/// The `in: query` parameters of a query struct's schema.
fn query_parameters(schema: &Schema, components: &Map<String, Value>) -> Vec<Value> {
    let resolved = schema
        .inline
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| r.strip_prefix("#/components/schemas/"))
        .and_then(|name| {
            schema
                .components
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, s)| s)
                .or_else(|| components.get(name))
        })
        .unwrap_or(&schema.inline);
    let required: Vec<&str> = resolved["required"]
        .as_array()
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let Some(properties) = resolved["properties"].as_object() else {
        return Vec::new();
    };
    properties
        .iter()
        .map(|(name, property)| {
            let mut property = property.clone();
            let description = property
                .as_object_mut()
                .and_then(|p| p.remove("description"));
            let mut parameter = json!({
                "name": name,
                "in": "query",
                "required": required.contains(&name.as_str()),
                "schema": property,
            });
            if let Some(d) = description {
                parameter["description"] = d;
            }
            parameter
        })
        .collect()
}

/// The shared problem body (RFC 9457 with our `code`, field errors and the request id).
fn problem_schema() -> Value {
    json!({
        "type": "object",
        "description": "A problem (RFC 9457). `code` is stable and says what went wrong; `detail` is for people.",
        "required": ["type", "title", "status", "detail", "code"],
        "properties": {
            "type": {"type": "string", "description": "https://comply360.dev/problems/<code with dashes>"},
            "title": {"type": "string", "description": "the status's reason phrase"},
            "status": {"type": "integer"},
            "detail": {"type": "string"},
            "code": {"type": "string"},
            "request_id": {"type": "string", "description": "quote it when reporting a problem"},
            "errors": {
                "type": "array",
                "description": "one entry per field that is wrong",
                "items": {
                    "type": "object",
                    "required": ["field", "message"],
                    "properties": {"field": {"type": "string"}, "message": {"type": "string"}}
                }
            }
        }
    })
}

/// The OpenAPI 3.1 document of `specs`.
pub fn document(specs: &[RouteSpec]) -> Value {
    let mut paths = Map::new();
    let mut components = Map::new();
    components.insert("Problem".into(), problem_schema());
    for spec in specs.iter().filter(|s| documented(s.path)) {
        let op = operation(spec, &mut components);
        let entry = paths
            .entry(spec.path.to_owned())
            .or_insert_with(|| json!({}));
        if let Some(obj) = entry.as_object_mut() {
            obj.insert(spec.method.as_str().to_ascii_lowercase(), op);
        }
    }
    let components: BTreeMap<String, Value> = components.into_iter().collect();
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Comply360 API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Company registration and compliance for corporate-service agencies. Name the agency with its subdomain or the X-Tenant header; authenticate with a bearer access token (POST /api/v1/auth/login) or an API key (Authorization: Bearer c360_…). Errors are problems (RFC 9457, application/problem+json) with a stable `code`; each operation lists the codes it can answer with under each status."
        },
        "paths": paths,
        "components": {
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
                "apiKey": {"type": "http", "scheme": "bearer", "description": "an API key, c360_…"}
            },
            "schemas": components
        }
    })
}

fn operation(spec: &RouteSpec, components: &mut Map<String, Value>) -> Value {
    let op_spec = &spec.op;
    let mut parameters: Vec<Value> = spec
        .path
        .split('/')
        .filter_map(|seg| seg.strip_prefix('{')?.strip_suffix('}'))
        .map(|name| json!({"name": name, "in": "path", "required": true, "schema": {"type": "string"}}))
        .collect();
    if let Some(query) = &op_spec.query {
        // The query struct itself (first, see `Schema::of`) becomes parameters, not a
        // schema; what its properties refer to stays.
        for (name, s) in query.components.iter().skip(1) {
            components.entry(name.clone()).or_insert_with(|| s.clone());
        }
        parameters.extend(query_parameters(query, components));
    }
    if op_spec.names_tenant {
        parameters.push(json!({
            "name": "X-Tenant", "in": "header", "required": false,
            "description": "The agency's slug, when the host name (`<agency>.<base domain>`) does not name it.",
            "schema": {"type": "string"},
            "example": "karoo"
        }));
    }
    for (name, description) in &op_spec.headers {
        parameters.push(json!({
            "name": name, "in": "header", "required": false,
            "description": description, "schema": {"type": "string"}
        }));
    }
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

    let mut responses = Map::new();
    let mut success = json!({"description": reason(op_spec.status)});
    if let Some(answer) = &op_spec.answer {
        success["content"] = content(answer, components);
    }
    if spec.idempotent {
        success["headers"] = json!({"Idempotent-Replayed": {
            "description": "`true` when this is the recorded answer of an earlier request with the same Idempotency-Key.",
            "schema": {"type": "string", "enum": ["true"]}
        }});
    }
    responses.insert(op_spec.status.to_string(), success);
    for (status, extra) in &op_spec.also {
        let entry = responses
            .entry(status.to_string())
            .or_insert_with(|| json!({"description": reason(*status)}));
        let added = content(extra, components);
        merge_content(entry, added);
    }
    // A body the handler reads as bytes (not through `JsonBody`) over the size limit gets
    // axum's own plain-text 413.
    if op_spec.request.is_some() && !op_spec.body_extractor {
        let entry = responses
            .entry("413".to_owned())
            .or_insert_with(|| json!({"description": reason(413)}));
        merge_content(entry, json!({"text/plain": {"schema": {"type": "string"}}}));
    }
    // The request timeout (`TimeoutLayer`) answers with no body, whatever the route.
    responses.insert(
        "408".to_owned(),
        json!({"description": "The request took longer than the server allows (COMPLY360_REQUEST_TIMEOUT_SECS); it may or may not have taken effect."}),
    );
    for (status, codes) in problem_codes(spec) {
        let problem = json!({"application/problem+json": {"schema": {
            "allOf": [
                {"$ref": "#/components/schemas/Problem"},
                {"properties": {"code": {"enum": codes}, "status": {"const": status}}}
            ]
        }}});
        let entry = responses
            .entry(status.to_string())
            .or_insert_with(|| json!({"description": reason(status)}));
        merge_content(entry, problem);
        if status == 429 {
            entry["headers"] = json!({"Retry-After": {
                "description": "Seconds to wait before trying again.",
                "schema": {"type": "integer", "minimum": 1}
            }});
        }
    }

    let mut op = json!({
        "summary": op_spec.summary,
        "operationId": operation_id(spec),
        "tags": [tag],
        "parameters": parameters,
        "responses": responses,
    });
    if let Some(request) = &op_spec.request {
        op["requestBody"] = json!({
            "required": !op_spec.body_optional,
            "content": content(request, components),
        });
    }
    op["description"] = json!(match spec.access {
        Access::Public => "No credential.".to_owned(),
        Access::SignedIn => "A signed-in person (an access token, not an API key).".to_owned(),
        Access::MfaSetup =>
            "A signed-in person, or the setup token of a sign-in that must enrol MFA first."
                .to_owned(),
        Access::Tenant(p) => format!("An account or API key of the agency holding `{p}`."),
        Access::Platform(p) => format!("A platform operator holding `{p}`."),
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
    op
}

fn merge_content(response: &mut Value, added: Value) {
    let Some(added) = added.as_object() else {
        return;
    };
    if response.get("content").is_none() {
        response["content"] = json!({});
    }
    if let Some(existing) = response["content"].as_object_mut() {
        for (media, body) in added {
            existing.insert(media.clone(), body.clone());
        }
    }
}

/// `get_api_v1_clients_id`-style ids: unique per method and path, stable across releases.
fn operation_id(spec: &RouteSpec) -> String {
    let path: String = spec
        .path
        .trim_start_matches("/api/v1")
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    let path = path
        .split('_')
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join("_");
    format!("{}_{}", spec.method.as_str().to_ascii_lowercase(), path)
}
