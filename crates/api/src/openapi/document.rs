//! The OpenAPI 3.1 document assembled from the route table: paths and operations (parameters,
//! request body, answers, a problem response per status), the shared `Problem` schema and the
//! components the operations refer to.

use super::op::{Content, Schema};
use super::problems::problem_codes;
use crate::routes::{Access, RouteSpec};
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

/// Whether the OpenAPI document describes `path`: the API (`/api/…`, `/.well-known/…`, the
/// calendar feeds under `/ical/`), not HTML pages and their files: the portal's, and the docs
/// page (`/api/docs` and `/api/docs/{asset}`, see [`crate::docs`]), which renders the document.
pub fn documented(path: &str) -> bool {
    let docs_page = path == "/api/docs" || path.starts_with("/api/docs/");
    (path.starts_with("/api/") && !docs_page)
        || path.starts_with("/.well-known/")
        || path.starts_with("/ical/")
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
            },
            "plan_limit": {
                "type": "object",
                "description": "with plan_limit_reached: which limit of the agency's plan, what it allows, and the plan that lifts it",
                "required": ["limit", "plan"],
                "properties": {
                    "limit": {"type": "string", "description": "users, registrations_per_month, storage_bytes, odoo_sync or api_keys"},
                    "allowed": {"type": ["integer", "null"]},
                    "plan": {"type": "string"},
                    "upgrade": {"type": ["string", "null"]}
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
    if let Some(fields) = op_spec.sparse_fields {
        parameters.push(json!({
            "name": "fields", "in": "query", "required": false,
            "description": format!(
                "Only these fields of each item, comma-separated (a sparse fieldset): any of {}.",
                fields.join(", ")
            ),
            "schema": {"type": "string"},
            "example": fields.iter().take(3).cloned().collect::<Vec<_>>().join(","),
        }));
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
