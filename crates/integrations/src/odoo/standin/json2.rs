//! The stand-in's JSON-2 routes (served from 19.0 on), following odoo/odoo
//! `addons/rpc/controllers/json2.py`: bearer authentication, then the model (404), the public
//! method (404), `ids` on an `@api.model` method (422), the parameters bound to the signature
//! (422), then the call.

use super::records::{OrmError, has_method, repr};
use super::xmlrpc::record_ids;
use super::{StandIn, StandInUser};
use crate::odoo::wire::{DATABASE_HEADER, signature};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};
use std::sync::Arc;

/// Odoo's JSON-2 error body for an HTTP exception (`arguments`: its description and code).
fn error(status: StatusCode, name: &str, message: &str) -> Response {
    error_with(status, name, message, json!([message, status.as_u16()]))
}

/// `http.serialize_exception`'s shape: `arguments` are the exception's.
fn error_with(status: StatusCode, name: &str, message: &str, arguments: Value) -> Response {
    (
        status,
        Json(json!({
            "name": name,
            "message": message,
            "arguments": arguments,
            "context": {},
            "debug": format!("Traceback (most recent call last):\n  (the Odoo stand-in)\n{name}: {message}\n"),
        })),
    )
        .into_response()
}

fn orm_error(e: &OrmError) -> Response {
    // UNCONFIRMED: the statuses Odoo gives these exceptions (their `http_status`).
    let status = match e {
        OrmError::User(_) | OrmError::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
        OrmError::Missing(_) => StatusCode::NOT_FOUND,
        OrmError::Python { .. } => StatusCode::INTERNAL_SERVER_ERROR,
    };
    error_with(
        status,
        &e.qualified_name(),
        e.message(),
        json!([e.message()]),
    )
}

fn authenticated<'a>(sim: &'a StandIn, headers: &HeaderMap) -> Option<&'a StandInUser> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, key) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return None;
    }
    sim.config.user_by_key(key.trim())
}

pub(super) async fn call(
    State(sim): State<Arc<StandIn>>,
    Path((model, method)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some(user) = authenticated(&sim, &headers) else {
        return error(
            StatusCode::UNAUTHORIZED,
            "werkzeug.exceptions.Unauthorized",
            "Invalid apikey",
        );
    };
    if let Some(db) = headers.get(DATABASE_HEADER).and_then(|v| v.to_str().ok())
        && db != sim.config.database
    {
        // UNCONFIRMED: how Odoo answers a database it does not host.
        return error(
            StatusCode::NOT_FOUND,
            "werkzeug.exceptions.NotFound",
            &format!("the database {} does not exist", repr(db)),
        );
    }
    let mut params: Map<String, Value> = if body.is_empty() {
        Map::new()
    } else {
        match serde_json::from_slice::<Value>(&body) {
            Ok(Value::Object(params)) => params,
            Ok(_) => {
                return error(
                    StatusCode::BAD_REQUEST,
                    "werkzeug.exceptions.BadRequest",
                    "could not parse the body, expecting a json object",
                );
            }
            Err(e) => {
                return error(
                    StatusCode::BAD_REQUEST,
                    "werkzeug.exceptions.BadRequest",
                    &format!("could not parse the body as json: {e}"),
                );
            }
        }
    };
    if sim.db().model(&model).is_none() {
        return error(
            StatusCode::NOT_FOUND,
            "werkzeug.exceptions.NotFound",
            &format!("the model {} does not exist", repr(&model)),
        );
    }
    if method.starts_with('_') || !has_method(&model, &method) {
        return error(
            StatusCode::NOT_FOUND,
            "werkzeug.exceptions.NotFound",
            &format!(
                "The method {} does not exist on the model {}",
                repr(&method),
                repr(&model)
            ),
        );
    }
    let ids = match record_ids(params.remove("ids").as_ref()) {
        Ok(ids) => ids,
        Err(e) => return orm_error(&e),
    };
    let model_method = signature(&method).is_some_and(|s| !s.record);
    if model_method && !ids.is_empty() {
        return error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "werkzeug.exceptions.UnprocessableEntity",
            &format!("cannot call {model}.{method} with ids"),
        );
    }
    sim.count(&model, &method);
    match sim.db().call(user.uid, &model, &method, ids, params) {
        Ok(result) => Json(result).into_response(),
        // A parameter that does not bind is refused before the call, with 422.
        Err(OrmError::Python {
            exception: "TypeError",
            message,
        }) => error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "werkzeug.exceptions.UnprocessableEntity",
            &message,
        ),
        Err(e) => orm_error(&e),
    }
}

pub(super) async fn version(State(sim): State<Arc<StandIn>>) -> Response {
    sim.count("web", "version");
    Json(json!({
        "version_info": sim.config.version_info(),
        "version": sim.config.server_version,
    }))
    .into_response()
}
