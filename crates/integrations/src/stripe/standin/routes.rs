//! The stand-in's routes (see the table in [`super`]).

use super::{Session, StandIn, lock, new_id, now};
use crate::payfast::standin_escape as escape;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;
use std::sync::Arc;

pub(super) fn router(state: Arc<StandIn>) -> Router {
    Router::new()
        .route(
            "/v1/checkout/sessions",
            post(create_session).get(list_sessions),
        )
        .route("/v1/checkout/sessions/{id}", get(retrieve_session))
        .route("/v1/refunds", post(create_refund))
        .route("/c/pay/{id}", get(hosted_page).post(pay))
        .with_state(state)
}

fn error(
    status: StatusCode,
    type_: &str,
    code: Option<&str>,
    message: &str,
    param: Option<&str>,
) -> Response {
    let mut e = Map::new();
    e.insert("type".into(), json!(type_));
    e.insert("message".into(), json!(message));
    if let Some(c) = code {
        e.insert("code".into(), json!(c));
    }
    if let Some(p) = param {
        e.insert("param".into(), json!(p));
    }
    (status, axum::Json(json!({"error": e}))).into_response()
}

fn missing(param: &str) -> Response {
    error(
        StatusCode::BAD_REQUEST,
        "invalid_request_error",
        Some("parameter_missing"),
        &format!("Missing required param: {param}."),
        Some(param),
    )
}

/// The bearer key must be the configured secret key.
fn authorised(sim: &StandIn, headers: &HeaderMap) -> Result<(), Box<Response>> {
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    if given == sim.config.secret_key {
        return Ok(());
    }
    let shown: String = given
        .chars()
        .rev()
        .take(4)
        .collect::<String>()
        .chars()
        .rev()
        .collect();
    Err(Box::new(error(
        StatusCode::UNAUTHORIZED,
        "invalid_request_error",
        None,
        &format!("Invalid API Key provided: sk_test_****{shown}"),
        None,
    )))
}

fn form(body: &[u8]) -> BTreeMap<String, String> {
    url::form_urlencoded::parse(body).into_owned().collect()
}

/// Replays the stored answer for a repeated `Idempotency-Key`, or computes and stores one.
fn idempotent(
    sim: &StandIn,
    route: &str,
    headers: &HeaderMap,
    compute: impl FnOnce() -> (u16, Value),
) -> (u16, Value) {
    let key = headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    if let Some(key) = &key
        && let Some(answer) = lock(&sim.idempotent).get(&(route.to_owned(), key.clone()))
    {
        return answer.clone();
    }
    let answer = compute();
    if let Some(key) = key {
        lock(&sim.idempotent).insert((route.to_owned(), key), answer.clone());
    }
    answer
}

fn json_response((status, body): (u16, Value)) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, axum::Json(body)).into_response()
}

fn error_json(response_param: &str, code: &str, message: &str) -> (u16, Value) {
    (
        400,
        json!({"error": {"type": "invalid_request_error", "code": code, "message": message, "param": response_param}}),
    )
}

async fn create_session(
    State(sim): State<Arc<StandIn>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Err(refused) = authorised(&sim, &headers) {
        return *refused;
    }
    let params = form(&body);
    for required in ["mode", "success_url"] {
        if params.get(required).is_none_or(|v| v.is_empty()) {
            return missing(required);
        }
    }
    let mut items = Vec::new();
    let mut currency = String::new();
    for i in 0.. {
        let key = |rest: &str| format!("line_items[{i}]{rest}");
        let any = params.keys().any(|k| k.starts_with(&key("")));
        if !any {
            break;
        }
        for rest in [
            "[price_data][currency]",
            "[price_data][product_data][name]",
            "[price_data][unit_amount]",
            "[quantity]",
        ] {
            if !params.contains_key(&key(rest)) {
                return missing(&key(rest));
            }
        }
        let amount: i64 = params[&key("[price_data][unit_amount]")]
            .parse()
            .unwrap_or(-1);
        let quantity: i64 = params[&key("[quantity]")].parse().unwrap_or(-1);
        if amount < 0 || quantity < 1 {
            return error(
                StatusCode::BAD_REQUEST,
                "invalid_request_error",
                Some("parameter_invalid_integer"),
                "Invalid integer.",
                Some(&key("[price_data][unit_amount]")),
            );
        }
        currency = params[&key("[price_data][currency]")].clone();
        items.push(json!({
            "description": params[&key("[price_data][product_data][name]")],
            "unit_amount": amount, "quantity": quantity, "amount_total": amount * quantity,
        }));
    }
    if items.is_empty() {
        return missing("line_items");
    }
    let answer = idempotent(&sim, "sessions", &headers, || {
        let id = new_id("cs_test");
        let total: i64 = items
            .iter()
            .filter_map(|i| i["amount_total"].as_i64())
            .sum();
        let metadata: Map<String, Value> = params
            .iter()
            .filter_map(|(k, v)| {
                let name = k.strip_prefix("metadata[")?.strip_suffix(']')?;
                Some((name.to_owned(), json!(v)))
            })
            .collect();
        let url = sim
            .base_url
            .join(&format!("c/pay/{id}"))
            .map(|u| u.to_string())
            .unwrap_or_default();
        let session = json!({
            "id": id, "object": "checkout.session", "mode": params["mode"],
            "url": url, "status": "open", "payment_status": "unpaid", "payment_intent": null,
            "amount_total": total, "amount_subtotal": total, "currency": currency,
            "client_reference_id": params.get("client_reference_id"),
            "customer_email": params.get("customer_email"),
            "success_url": params["success_url"], "cancel_url": params.get("cancel_url"),
            "metadata": metadata, "created": now(), "livemode": false,
            "line_items": {"object": "list", "data": items, "has_more": false},
        });
        let seq = sim.next_seq();
        lock(&sim.sessions).push(Session {
            json: session.clone(),
            success_url: params["success_url"].clone(),
            refunded: 0,
            seq,
        });
        (200, session)
    });
    json_response(answer)
}

fn no_such_session(id: &str) -> Response {
    error(
        StatusCode::NOT_FOUND,
        "invalid_request_error",
        Some("resource_missing"),
        &format!("No such checkout.session: '{id}'"),
        Some("session"),
    )
}

async fn retrieve_session(
    State(sim): State<Arc<StandIn>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    if let Err(refused) = authorised(&sim, &headers) {
        return *refused;
    }
    match lock(&sim.sessions)
        .iter()
        .find(|s| s.json["id"] == id.as_str())
    {
        Some(s) => axum::Json(s.json.clone()).into_response(),
        None => no_such_session(&id),
    }
}

async fn list_sessions(
    State(sim): State<Arc<StandIn>>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    if let Err(refused) = authorised(&sim, &headers) {
        return *refused;
    }
    let params = form(query.unwrap_or_default().as_bytes());
    let gte: i64 = params
        .get("created[gte]")
        .and_then(|v| v.parse().ok())
        .unwrap_or(i64::MIN);
    let limit: usize = params
        .get("limit")
        .and_then(|v| v.parse().ok())
        .unwrap_or(10)
        .clamp(1, 100);
    let sessions = lock(&sim.sessions);
    let mut newest_first: Vec<&Session> = sessions
        .iter()
        .filter(|s| s.json["created"].as_i64().unwrap_or(0) >= gte)
        .collect();
    newest_first.sort_by_key(|s| std::cmp::Reverse(s.seq));
    let start = match params.get("starting_after") {
        Some(after) => match newest_first
            .iter()
            .position(|s| s.json["id"] == after.as_str())
        {
            Some(p) => p + 1,
            None => return no_such_session(after),
        },
        None => 0,
    };
    let rest = newest_first.get(start..).unwrap_or_default();
    let page: Vec<Value> = rest.iter().take(limit).map(|s| s.json.clone()).collect();
    axum::Json(json!({
        "object": "list", "url": "/v1/checkout/sessions",
        "has_more": rest.len() > limit, "data": page,
    }))
    .into_response()
}

async fn create_refund(
    State(sim): State<Arc<StandIn>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Err(refused) = authorised(&sim, &headers) {
        return *refused;
    }
    let params = form(&body);
    let Some(pi) = params.get("payment_intent").cloned() else {
        return missing("payment_intent");
    };
    let amount: Option<i64> = match params.get("amount").map(|a| a.parse::<i64>()) {
        None => None,
        Some(Ok(a)) if a > 0 => Some(a),
        Some(_) => {
            return json_response(error_json(
                "amount",
                "parameter_invalid_integer",
                "Invalid positive integer.",
            ));
        }
    };
    let mut charge = None;
    let answer = idempotent(&sim, "refunds", &headers, || {
        let mut sessions = lock(&sim.sessions);
        let Some(session) = sessions
            .iter_mut()
            .find(|s| s.json["payment_intent"] == pi.as_str())
        else {
            return (
                404,
                json!({"error": {"type": "invalid_request_error", "code": "resource_missing", "message": format!("No such payment_intent: '{pi}'"), "param": "payment_intent"}}),
            );
        };
        let total = session.json["amount_total"].as_i64().unwrap_or(0);
        let remaining = total - session.refunded;
        let amount = amount.unwrap_or(remaining);
        if amount > remaining || amount <= 0 {
            return error_json(
                "amount",
                "amount_too_large",
                &format!(
                    "Refund amount ({amount}) is greater than unrefunded amount on charge ({remaining})"
                ),
            );
        }
        session.refunded += amount;
        let metadata: Map<String, Value> = params
            .iter()
            .filter_map(|(k, v)| {
                Some((
                    k.strip_prefix("metadata[")?.strip_suffix(']')?.to_owned(),
                    json!(v),
                ))
            })
            .collect();
        charge = Some(json!({
            "id": format!("ch_{}", pi.trim_start_matches("pi_")), "object": "charge",
            "amount": total, "amount_refunded": session.refunded, "payment_intent": pi,
            "refunded": session.refunded == total, "currency": session.json["currency"],
        }));
        (
            200,
            json!({
                "id": new_id("re"), "object": "refund", "amount": amount, "status": "succeeded",
                "payment_intent": pi, "metadata": metadata, "created": now(),
            }),
        )
    });
    if let Some(charge) = charge {
        sim.emit("charge.refunded", charge).await;
    }
    json_response(answer)
}

async fn hosted_page(State(sim): State<Arc<StandIn>>, Path(id): Path<String>) -> Response {
    let sessions = lock(&sim.sessions);
    let Some(session) = sessions.iter().find(|s| s.json["id"] == id.as_str()) else {
        return (StatusCode::NOT_FOUND, Html("<!doctype html><html lang=\"en\"><title>Not found</title><h1>This payment page does not exist</h1></html>".to_owned())).into_response();
    };
    let s = &session.json;
    let currency = s["currency"].as_str().unwrap_or_default().to_uppercase();
    let money = |cents: i64| format!("{currency} {}", crate::payfast::format_cents(cents));
    let mut rows = String::new();
    for item in s["line_items"]["data"].as_array().into_iter().flatten() {
        rows.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>\n",
            escape(item["description"].as_str().unwrap_or_default()),
            item["quantity"],
            money(item["amount_total"].as_i64().unwrap_or(0)),
        ));
    }
    let total = money(s["amount_total"].as_i64().unwrap_or(0));
    Html(format!(
        "<!doctype html>\n<html lang=\"en\">\n<head><meta charset=\"utf-8\"><title>Pay {total} – Stripe stand-in</title></head>\n<body>\n<main>\n<h1>Pay {total}</h1>\n<table>\n<caption>What you are paying for</caption>\n<thead><tr><th scope=\"col\">Item</th><th scope=\"col\">Quantity</th><th scope=\"col\">Amount</th></tr></thead>\n<tbody>\n{rows}</tbody>\n</table>\n<form method=\"post\" action=\"/c/pay/{id}\">\n<label for=\"card\">Card number (the stand-in accepts any)</label>\n<input id=\"card\" name=\"card\" autocomplete=\"off\" value=\"4242 4242 4242 4242\">\n<button type=\"submit\">Pay</button>\n</form>\n</main>\n</body>\n</html>\n",
        id = escape(&id),
    ))
    .into_response()
}

async fn pay(State(sim): State<Arc<StandIn>>, Path(id): Path<String>) -> Response {
    match complete(&sim, &id).await {
        Some(url) => Redirect::to(&url).into_response(),
        None => (StatusCode::NOT_FOUND, Html("<!doctype html><html lang=\"en\"><title>Not found</title><h1>This payment is not open</h1></html>".to_owned())).into_response(),
    }
}

/// Completes an open session and sends `checkout.session.completed`; the success URL.
pub(super) async fn complete(sim: &StandIn, id: &str) -> Option<String> {
    let (object, success_url) = {
        let mut sessions = lock(&sim.sessions);
        let session = sessions
            .iter_mut()
            .find(|s| s.json["id"] == id && s.json["status"] == "open")?;
        session.json["status"] = json!("complete");
        session.json["payment_status"] = json!("paid");
        session.json["payment_intent"] = json!(new_id("pi"));
        session.json["url"] = Value::Null;
        (
            session.json.clone(),
            session.success_url.replace("{CHECKOUT_SESSION_ID}", id),
        )
    };
    sim.emit("checkout.session.completed", object).await;
    Some(success_url)
}
