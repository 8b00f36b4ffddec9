//! The stand-in's REST API: refunds and the transaction history, behind the API signature.

use super::{StandIn, lock};
use crate::payfast::amount::format_cents;
use crate::payfast::client::csv_field;
use crate::payfast::signature::{api_signature, signatures_equal};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::Arc;

fn answer(status: StatusCode, data: Value) -> Response {
    let label = if status.is_success() {
        "success"
    } else {
        "failed"
    };
    (
        status,
        axum::Json(json!({"code": status.as_u16(), "status": label, "data": data})),
    )
        .into_response()
}

fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> &'a str {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
}

/// The merchant the headers name, when the signature over headers, query and body holds.
fn authorise(
    sim: &StandIn,
    headers: &HeaderMap,
    query: &BTreeMap<String, String>,
    body: &serde_json::Map<String, Value>,
) -> Result<String, Box<Response>> {
    let merchant_id = header_str(headers, "merchant-id");
    let Some(merchant) = sim.merchant(merchant_id) else {
        return Err(Box::new(answer(
            StatusCode::UNAUTHORIZED,
            json!({"response": "Merchant authorization failed.", "message": false}),
        )));
    };
    let mut signed: Vec<(String, String)> = ["merchant-id", "version", "timestamp"]
        .iter()
        .map(|h| ((*h).to_owned(), header_str(headers, h).to_owned()))
        .collect();
    signed.extend(
        query
            .iter()
            .filter(|(k, _)| k.as_str() != "testing")
            .map(|(k, v)| (k.clone(), v.clone())),
    );
    signed.extend(body.iter().map(|(k, v)| {
        let text = match v {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        (k.clone(), text)
    }));
    let expected = api_signature(&signed, merchant.passphrase.as_deref());
    if !signatures_equal(&expected, header_str(headers, "signature")) {
        return Err(Box::new(answer(
            StatusCode::UNAUTHORIZED,
            json!({"response": "Signature mismatch.", "message": false}),
        )));
    }
    Ok(merchant.merchant_id.clone())
}

pub(super) async fn refund(
    State(sim): State<Arc<StandIn>>,
    Path(pf_payment_id): Path<String>,
    Query(query): Query<BTreeMap<String, String>>,
    headers: HeaderMap,
    body: Option<axum::Json<Value>>,
) -> Response {
    sim.count("refund");
    let body = body
        .and_then(|axum::Json(v)| v.as_object().cloned())
        .unwrap_or_default();
    let merchant_id = match authorise(&sim, &headers, &query, &body) {
        Ok(m) => m,
        Err(refused) => return *refused,
    };
    let amount = body.get("amount").and_then(Value::as_i64).unwrap_or(0);
    let mut payments = lock(&sim.payments);
    let Some(payment) = payments
        .iter_mut()
        .find(|p| p.pf_payment_id == pf_payment_id && p.merchant_id == merchant_id)
    else {
        return answer(
            StatusCode::NOT_FOUND,
            json!({"response": "Transaction not found.", "message": false}),
        );
    };
    let remaining = payment.amount_cents - payment.refunded_cents;
    if amount <= 0 || amount > remaining {
        return answer(
            StatusCode::BAD_REQUEST,
            json!({"response": format!("The refund amount must be between 1 and {remaining} cents."), "message": false}),
        );
    }
    payment.refunded_cents += amount;
    answer(
        StatusCode::OK,
        json!({"response": true, "message": "Success"}),
    )
}

pub(super) async fn history(
    State(sim): State<Arc<StandIn>>,
    Query(query): Query<BTreeMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    sim.count("history");
    let merchant_id = match authorise(&sim, &headers, &query, &serde_json::Map::new()) {
        Ok(m) => m,
        Err(refused) => return *refused,
    };
    let from = query.get("from").cloned().unwrap_or_default();
    let to = query
        .get("to")
        .cloned()
        .unwrap_or_else(|| "9999-12-31".to_owned());
    let mut csv = String::from(
        "Date,Type,Sign,Party,Name,Description,Currency,Funding Type,Gross,Fee,Net,Balance,M Payment ID,PF Payment ID\n",
    );
    for p in lock(&sim.payments).iter() {
        if p.merchant_id != merchant_id || p.date < from || p.date > to {
            continue;
        }
        let row = [
            p.date.clone(),
            "PAYMENT".to_owned(),
            "CREDIT".to_owned(),
            "Buyer".to_owned(),
            format!("{} {}", p.name_first, p.name_last)
                .trim()
                .to_owned(),
            p.item_name.clone(),
            "ZAR".to_owned(),
            "CC".to_owned(),
            format_cents(p.amount_cents),
            format_cents(p.fee_cents),
            format_cents(p.amount_cents + p.fee_cents),
            "0.00".to_owned(),
            p.m_payment_id.clone(),
            p.pf_payment_id.clone(),
        ];
        let line: Vec<String> = row.iter().map(|f| csv_field(f)).collect();
        csv.push_str(&line.join(","));
        csv.push('\n');
    }
    ([(header::CONTENT_TYPE, "text/csv; charset=utf-8")], csv).into_response()
}
