//! The contract check: every answer a test receives from a documented route is held against the
//! OpenAPI document the app serves. The status must be listed for the operation; a problem's
//! `code` must be listed under that status; a JSON body must validate against the listed
//! schema (`jsonschema`, JSON Schema 2020-12, which OpenAPI 3.1's schemas are).
//!
//! [`crate::spawn_app`] installs it as the outermost layer, so it sees exactly what the client
//! gets. A violation replaces the answer with a 500 problem `contract_violation` whose detail
//! names the operation, the status, the code and the schema error, prints the same to the test's
//! output, and makes the [`crate::TestApp`] panic when it is dropped: a test that provokes an
//! undocumented answer fails even when it does not look at the status. To fix one, fix the
//! document (the route's `Op` in `crates/api`), never the test.
//!
//! Lives in the testkit, so `jsonschema` never reaches the production binary.

use axum::body::{Body, HttpBody};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

/// The document and what is compiled from it, shared by every app of the test process (the
/// document depends on the route table only).
pub struct Contract {
    document: Value,
    /// Validators by JSON pointer of the schema inside the document.
    validators: Mutex<HashMap<String, Arc<jsonschema::Validator>>>,
}

/// What one app has seen: the violations, reported when it is dropped.
#[derive(Clone, Default)]
pub struct Violations(Arc<Mutex<Vec<String>>>);

impl Violations {
    pub fn take(&self) -> Vec<String> {
        std::mem::take(&mut *self.0.lock().unwrap_or_else(PoisonError::into_inner))
    }

    fn push(&self, what: String) {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(what);
    }
}

/// The layer's state.
#[derive(Clone)]
pub struct Check {
    pub contract: &'static Contract,
    pub violations: Violations,
}

/// The process's contract, from the document of the API's route table.
pub fn contract(state: &comply360_api::AppState) -> &'static Contract {
    static CONTRACT: OnceLock<Contract> = OnceLock::new();
    CONTRACT.get_or_init(|| {
        let routes = comply360_api::routes(state, comply360_api::Surface::Api);
        Contract::new(comply360_api::openapi::document(routes.specs()))
    })
}

/// A JSON pointer token, as it may stand in a URI fragment (`{id}` is percent-encoded).
fn escape(segment: &str) -> String {
    segment
        .replace('~', "~0")
        .replace('/', "~1")
        .replace('{', "%7B")
        .replace('}', "%7D")
}

/// The media types a response declares that `actual` falls under (`*/*`, `type/*`).
fn media_matches(declared: &str, actual: &str) -> bool {
    declared == actual
        || declared == "*/*"
        || declared
            .strip_suffix("/*")
            .is_some_and(|prefix| actual.split('/').next() == Some(prefix))
}

impl Contract {
    pub fn new(document: Value) -> Contract {
        Contract {
            document,
            validators: Mutex::new(HashMap::new()),
        }
    }

    /// The documented path template `path` falls under, preferring literal segments (so
    /// `/companies/lookup` is not `/companies/{id}`).
    fn template(&self, method: &Method, path: &str) -> Option<String> {
        let method = method.as_str().to_ascii_lowercase();
        let wanted: Vec<&str> = path.split('/').collect();
        let paths = self.document["paths"].as_object()?;
        paths
            .iter()
            .filter(|(_, item)| item.get(&method).is_some())
            .filter_map(|(template, _)| {
                let segments: Vec<&str> = template.split('/').collect();
                if segments.len() != wanted.len() {
                    return None;
                }
                let mut params = 0;
                for (t, w) in segments.iter().zip(&wanted) {
                    if t.starts_with('{') && t.ends_with('}') {
                        if w.is_empty() {
                            return None;
                        }
                        params += 1;
                    } else if t != w {
                        return None;
                    }
                }
                Some((params, template.clone()))
            })
            .min()
            .map(|(_, template)| template)
    }

    fn validator(&self, pointer: &str) -> Result<Arc<jsonschema::Validator>, String> {
        let mut validators = self
            .validators
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(v) = validators.get(pointer) {
            return Ok(v.clone());
        }
        // The whole document is the root resource, so `#/components/schemas/…` resolves; its
        // other members are unknown keywords to JSON Schema and ignored.
        let mut root = self.document.clone();
        root["$schema"] = json!("https://json-schema.org/draft/2020-12/schema");
        root["$ref"] = json!(format!("#{pointer}"));
        let validator = jsonschema::options()
            .with_draft(jsonschema::Draft::Draft202012)
            .build(&root)
            .map_err(|e| format!("the schema at {pointer} does not compile: {e}"))?;
        let validator = Arc::new(validator);
        validators.insert(pointer.to_owned(), validator.clone());
        Ok(validator)
    }

    /// Checks one answer; `Err` says what the document does not allow. `None` when the route
    /// is not in the document (pages, files, unknown paths): nothing to check.
    pub fn check(
        &self,
        method: &Method,
        path: &str,
        status: StatusCode,
        content_type: Option<&str>,
        body: &[u8],
    ) -> Option<Result<(), String>> {
        let template = self.template(method, path)?;
        let method_key = method.as_str().to_ascii_lowercase();
        let operation = format!("{} {template}", method.as_str());
        let status_key = status.as_u16().to_string();
        let responses = &self.document["paths"][&template][&method_key]["responses"];
        let Some(response) = responses.get(&status_key) else {
            let code = problem_code(body);
            return Some(Err(format!(
                "{operation} answered {status_key}{} which the document does not list for it",
                code.map(|c| format!(" (code {c})")).unwrap_or_default()
            )));
        };
        let media = content_type
            .map(|c| {
                c.split(';')
                    .next()
                    .unwrap_or("")
                    .trim()
                    .to_ascii_lowercase()
            })
            .filter(|m| !m.is_empty());
        let Some(media) = media else {
            return Some(if body.is_empty() {
                Ok(())
            } else {
                Err(format!(
                    "{operation} answered {status_key} with a body but no Content-Type"
                ))
            });
        };
        let declared = response["content"]
            .as_object()
            .and_then(|c| c.keys().find(|d| media_matches(d, &media)).cloned());
        let Some(declared) = declared else {
            return Some(Err(format!(
                "{operation} answered {status_key} as {media}, which the document does not list for that status{}",
                problem_code(body)
                    .map(|c| format!(" (code {c})"))
                    .unwrap_or_default()
            )));
        };
        if !(media == "application/json" || media.ends_with("+json")) {
            return Some(Ok(()));
        }
        let value: Value = match serde_json::from_slice(body) {
            Ok(v) => v,
            Err(e) => {
                return Some(Err(format!(
                    "{operation} answered {status_key} with {media} that is not JSON: {e}"
                )));
            }
        };
        if media == "application/problem+json" {
            let allowed: Vec<&str> = response["content"][&declared]["schema"]["allOf"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|s| s["properties"]["code"]["enum"].as_array())
                .flatten()
                .filter_map(Value::as_str)
                .collect();
            let code = value["code"].as_str().unwrap_or("(none)");
            if !allowed.contains(&code) {
                return Some(Err(format!(
                    "{operation} answered {status_key} with code {code}, which the document does not list under {status_key} (it lists {allowed:?})"
                )));
            }
        }
        if response["content"][&declared].get("schema").is_none() {
            return Some(Ok(()));
        }
        let pointer = format!(
            "/paths/{}/{method_key}/responses/{status_key}/content/{}/schema",
            escape(&template),
            escape(&declared)
        );
        let validator = match self.validator(&pointer) {
            Ok(v) => v,
            Err(e) => return Some(Err(format!("{operation}: {e}"))),
        };
        let errors: Vec<String> = validator
            .iter_errors(&value)
            .map(|e| format!("at {:?}: {e}", e.instance_path().as_str()))
            .collect();
        Some(if errors.is_empty() {
            Ok(())
        } else {
            Err(format!(
                "{operation} answered {status_key}{} with a body its schema refuses: {}",
                problem_code(body)
                    .map(|c| format!(" (code {c})"))
                    .unwrap_or_default(),
                errors.join("; ")
            ))
        })
    }
}

impl Contract {
    /// Every request example that its own schema refuses, as `operation: error`.
    pub fn refused_examples(&self) -> Vec<String> {
        let mut refused = Vec::new();
        let Some(paths) = self.document["paths"].as_object() else {
            return vec!["the document has no paths".into()];
        };
        for (template, item) in paths {
            for (method, op) in item.as_object().into_iter().flatten() {
                let Some(content) = op["requestBody"]["content"].as_object() else {
                    continue;
                };
                for (media, body) in content {
                    let (Some(example), Some(_)) = (body.get("example"), body.get("schema")) else {
                        continue;
                    };
                    if media != "application/json" {
                        continue;
                    }
                    let pointer = format!(
                        "/paths/{}/{method}/requestBody/content/{}/schema",
                        escape(template),
                        escape(media)
                    );
                    let operation = format!("{} {template}", method.to_ascii_uppercase());
                    match self.validator(&pointer) {
                        Ok(v) => refused.extend(v.iter_errors(example).map(|e| {
                            format!("{operation}: {e} at {:?}", e.instance_path().as_str())
                        })),
                        Err(e) => refused.push(format!("{operation}: {e}")),
                    }
                }
            }
        }
        refused
    }
}

fn problem_code(body: &[u8]) -> Option<String> {
    let value: Value = serde_json::from_slice(body).ok()?;
    value["code"].as_str().map(str::to_owned)
}

/// The middleware: checks the answer, and replaces it with a `contract_violation` problem when
/// the document does not allow it.
pub async fn layer(State(check): State<Check>, req: Request, next: Next) -> Response {
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    let res = next.run(req).await;
    if check.contract.template(&method, &path).is_none() {
        return res;
    }
    let content_type = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let is_json = content_type.as_deref().is_some_and(|c| c.contains("json"));
    let (parts, body) = res.into_parts();
    // Only JSON is read whole; files and feeds pass through, checked by status and type.
    let (bytes, body) = if is_json {
        match axum::body::to_bytes(body, usize::MAX).await {
            Ok(bytes) => (bytes.clone(), Body::from(bytes)),
            Err(_) => return Response::from_parts(parts, Body::empty()),
        }
    } else {
        let empty = body.size_hint().exact() == Some(0)
            || parts
                .headers
                .get(header::CONTENT_LENGTH)
                .is_some_and(|v| v.as_bytes() == b"0");
        let bytes = if empty {
            axum::body::Bytes::new()
        } else {
            axum::body::Bytes::from_static(b"-")
        };
        (bytes, body)
    };
    let verdict = check.contract.check(
        &method,
        &path,
        parts.status,
        content_type.as_deref(),
        &bytes,
    );
    match verdict {
        Some(Err(what)) => {
            eprintln!("CONTRACT VIOLATION: {what}");
            check.violations.push(what.clone());
            let mut res = (
                StatusCode::INTERNAL_SERVER_ERROR,
                axum::Json(json!({
                    "type": "https://comply360.dev/problems/contract-violation",
                    "title": "Internal Server Error",
                    "status": 500,
                    "code": "contract_violation",
                    "detail": what,
                })),
            )
                .into_response();
            res.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/problem+json"),
            );
            res
        }
        _ => Response::from_parts(parts, body),
    }
}
