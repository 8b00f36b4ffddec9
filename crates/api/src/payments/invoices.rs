//! `/api/v1/invoices`: an agency's invoices for registrations, issued with a pay link; the
//! payments staff record (EFT, cash) and refunds with credit notes.

use super::super::practice::{path_id, today};
use crate::auth::caller::Caller;
use crate::body::{JsonBody, QueryParams};
use crate::problem::Problem;
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use comply360_payments::invoices::model::{
    CreditNote, DraftInput, Invoice, InvoiceDetail, InvoiceStatus, ManualPaymentInput, Payment,
    RefundInput,
};
use comply360_payments::invoices::{self, Filter, PayToken};
use comply360_payments::{manual, refunds};
use comply360_practice::Page;
use comply360_practice::page::{self, Cursor};
use serde::{Deserialize, Serialize};
use serde_json::json;
use uuid::Uuid;

#[derive(Debug, Default, Deserialize, utoipa::ToSchema, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct InvoiceQuery {
    /// draft, issued, partially_paid, paid or void.
    pub status: Option<String>,
    pub client_id: Option<Uuid>,
    pub registration_id: Option<Uuid>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// 1 to 200 (50 when left out).
    pub limit: Option<i64>,
}

pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    QueryParams(q): QueryParams<InvoiceQuery>,
) -> Result<Json<Page<Invoice>>, Problem> {
    let status = q
        .status
        .as_deref()
        .map(str::parse::<InvoiceStatus>)
        .transpose()
        .map_err(|e| {
            Problem::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation_failed",
                "the query has invalid fields",
            )
            .with_field("status", e.to_string())
        })?;
    let after = match q.cursor.as_deref() {
        Some(c) => Some(Cursor::decode(c).ok_or_else(|| {
            Problem::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation_failed",
                "the query has invalid fields",
            )
            .with_field(
                "cursor",
                "is not a cursor this list gave; start again without it",
            )
        })?),
        None => None,
    };
    let filter = Filter {
        status,
        client: q.client_id,
        registration: q.registration_id,
    };
    let mut tx = state.store.tenancy().begin(caller.tenant()?).await?;
    let page = invoices::list(&mut tx, &filter, after.as_ref(), page::limit(q.limit)).await?;
    tx.commit().await?;
    Ok(Json(page))
}

pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(input): JsonBody<DraftInput>,
) -> Result<(StatusCode, Json<InvoiceDetail>), Problem> {
    let mut tx = state.store.tenancy().begin(caller.tenant()?).await?;
    let detail = invoices::draft(&mut tx, caller.actor(), &input, today()).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(detail)))
}

pub async fn show(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<InvoiceDetail>, Problem> {
    let id = path_id(&id, "invoice")?;
    let mut tx = state.store.tenancy().begin(caller.tenant()?).await?;
    let detail = invoices::detail(&mut tx, id).await?;
    tx.commit().await?;
    Ok(Json(detail))
}

pub async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, Problem> {
    let id = path_id(&id, "invoice")?;
    let mut tx = state.store.tenancy().begin(caller.tenant()?).await?;
    invoices::delete_draft(&mut tx, caller.actor(), id).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VersionInput {
    /// The version you read; a stale one is refused (409).
    pub expected_version: Option<i32>,
    /// Why the invoice is void (void only).
    pub reason: Option<String>,
}

/// An issued invoice and the client's pay link (also emailed to the client).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct IssuedInvoice {
    pub invoice: InvoiceDetail,
    /// The link the client pays at; it is shown once (only its hash is kept).
    pub pay_url: String,
}

/// The client's pay link for `token`, at the portal's address.
pub fn pay_url(state: &AppState, slug: &str, token: &PayToken) -> String {
    state
        .identity
        .settings()
        .portal_link(slug, &format!("/pay/{slug}/{}", token.as_str()))
}

pub async fn issue(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    body: Option<JsonBody<VersionInput>>,
) -> Result<Json<IssuedInvoice>, Problem> {
    let id = path_id(&id, "invoice")?;
    let input = body.map(|JsonBody(b)| b).unwrap_or_default();
    let tenant = caller.tenant()?;
    let mut tx = state.store.tenancy().begin(tenant).await?;
    let slug = tenant.slug().to_owned();
    let url = |t: &PayToken| pay_url(&state, &slug, t);
    let links = invoices::Links {
        agency: tenant.name(),
        pay_url: &url,
    };
    let issued = invoices::issue(
        &mut tx,
        &state.outbox,
        caller.actor(),
        id,
        input.expected_version,
        today(),
        &links,
    )
    .await?;
    tx.commit().await?;
    Ok(Json(IssuedInvoice {
        pay_url: pay_url(&state, tenant.slug(), &issued.token),
        invoice: issued.detail,
    }))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PayLink {
    pub pay_url: String,
}

pub async fn renew_link(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<PayLink>, Problem> {
    let id = path_id(&id, "invoice")?;
    let tenant = caller.tenant()?;
    let mut tx = state.store.tenancy().begin(tenant).await?;
    let slug = tenant.slug().to_owned();
    let url = |t: &PayToken| pay_url(&state, &slug, t);
    let links = invoices::Links {
        agency: tenant.name(),
        pay_url: &url,
    };
    let token = invoices::renew_link(&mut tx, &state.outbox, caller.actor(), id, &links).await?;
    tx.commit().await?;
    Ok(Json(PayLink {
        pay_url: pay_url(&state, tenant.slug(), &token),
    }))
}

pub async fn void(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    JsonBody(input): JsonBody<VersionInput>,
) -> Result<Json<InvoiceDetail>, Problem> {
    let id = path_id(&id, "invoice")?;
    let mut tx = state.store.tenancy().begin(caller.tenant()?).await?;
    let detail = invoices::void(
        &mut tx,
        &state.outbox,
        caller.actor(),
        id,
        input.reason.as_deref(),
        input.expected_version,
    )
    .await?;
    tx.commit().await?;
    Ok(Json(detail))
}

pub async fn record_payment(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    JsonBody(input): JsonBody<ManualPaymentInput>,
) -> Result<(StatusCode, Json<Payment>), Problem> {
    let id = path_id(&id, "invoice")?;
    let mut tx = state.store.tenancy().begin(caller.tenant()?).await?;
    let payment =
        manual::record(&mut tx, &state.outbox, caller.actor(), id, &input, today()).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(payment)))
}

pub async fn refund(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    JsonBody(input): JsonBody<RefundInput>,
) -> Result<(StatusCode, Json<CreditNote>), Problem> {
    let id = path_id(&id, "invoice")?;
    let mut tx = state.store.tenancy().begin(caller.tenant()?).await?;
    let note = refunds::refund(&mut tx, &state.outbox, caller.actor(), id, &input, today()).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(note)))
}

pub(crate) fn routes(routes: crate::routes::Routes) -> crate::routes::Routes {
    use crate::routes::Access::Tenant;
    use crate::routes::Op;
    use axum::http::Method;
    let invalid = (422, "validation_failed");
    let missing = (404, "invoice_not_found");
    let wrong = (409, "transition_not_allowed");
    routes
        .route(
            Method::GET,
            "/api/v1/invoices",
            Tenant("invoices:read"),
            Op::new("invoices, newest first: filter by status, client or registration")
                .query::<InvoiceQuery>()
                .ok_page::<Invoice>()
                .problems(&[invalid]),
            list,
        )
        .creating(
            "/api/v1/invoices",
            Tenant("invoices:write"),
            Op::new("draw up a registration's draft invoice: the registry's fee, the agency's price (with VAT for a VAT vendor) and any extra lines")
                .body::<DraftInput>(json!({"registration_id": "0193a3c2-6b7e-7c4e-9a51-3f1d2e4b5a60", "extra_lines": [{"description": "Courier of the certificate", "unit_cents": 15000}]}))
                .created::<InvoiceDetail>()
                .problems(&[invalid, (404, "registration_not_found"), (409, "invoice_exists"), (409, "nothing_to_invoice"), (409, "mixed_currencies"), (409, "no_vat_rate")]),
            create,
        )
        .route(
            Method::GET,
            "/api/v1/invoices/{id}",
            Tenant("invoices:read"),
            Op::new("one invoice with its lines, payments and credit notes")
                .ok::<InvoiceDetail>()
                .problems(&[missing]),
            show,
        )
        .route(
            Method::DELETE,
            "/api/v1/invoices/{id}",
            Tenant("invoices:write"),
            Op::new("delete a draft invoice (an issued one is voided instead)")
                .no_content()
                .problems(&[missing, wrong]),
            delete,
        )
        .route(
            Method::POST,
            "/api/v1/invoices/{id}/issue",
            Tenant("invoices:write"),
            Op::new("issue a draft: the next number without gaps, the due date, and a pay link emailed to the client")
                .optional_body::<VersionInput>(json!({"expected_version": 1}))
                .ok::<IssuedInvoice>()
                .problems(&[missing, wrong, (409, "stale_version"), (409, "nothing_to_invoice")]),
            issue,
        )
        .route(
            Method::POST,
            "/api/v1/invoices/{id}/pay-link",
            Tenant("invoices:write"),
            Op::new("a fresh pay link for an issued, unpaid invoice, emailed to the client again (the old link stops working)")
                .ok::<PayLink>()
                .problems(&[missing, (409, "not_payable")]),
            renew_link,
        )
        .route(
            Method::POST,
            "/api/v1/invoices/{id}/void",
            Tenant("payments:manage"),
            Op::new("void an issued invoice with a reason (its number stays taken); refund its payments first")
                .body::<VersionInput>(json!({"reason": "issued to the wrong client"}))
                .ok::<InvoiceDetail>()
                .problems(&[invalid, missing, wrong, (409, "stale_version"), (409, "invoice_has_payments")]),
            void,
        )
        .creating(
            "/api/v1/invoices/{id}/payments",
            Tenant("payments:manage"),
            Op::new("record an EFT or cash payment against an issued invoice")
                .body::<ManualPaymentInput>(json!({"method": "eft", "amount_cents": 172500, "reference": "FNB 2026-12-04 ACME", "received_on": "2026-12-04"}))
                .created::<Payment>()
                .problems(&[invalid, missing, (409, "not_payable")]),
            record_payment,
        )
        .creating(
            "/api/v1/invoices/{id}/refunds",
            Tenant("payments:manage"),
            Op::new("refund part or all of a payment: a credit note, and the provider's refund for an online payment")
                .body::<RefundInput>(json!({"payment_id": "0193a3c2-6b7e-7c4e-9a51-3f1d2e4b5a61", "amount_cents": 50000, "reason": "the name was refused; the service fee is refunded"}))
                .created::<CreditNote>()
                .problems(&[invalid, missing, (404, "payment_not_found")]),
            refund,
        )
}
