//! An invoice, its lines, and what has been paid and credited against it.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

/// Where an invoice stands. A draft has no number; issuing numbers it (without gaps) and
/// makes its pay link; payments move it to partially paid or paid; void ends it (its number
/// stays taken, so the sequence keeps no holes).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum InvoiceStatus {
    Draft,
    Issued,
    PartiallyPaid,
    Paid,
    Void,
}

comply360_domain::text_enum!(InvoiceStatus, "invoice status", {
    Draft => "draft", Issued => "issued", PartiallyPaid => "partially_paid", Paid => "paid",
    Void => "void",
});

impl InvoiceStatus {
    /// A client can pay it (issued and not yet paid in full).
    pub fn payable(self) -> bool {
        matches!(self, InvoiceStatus::Issued | InvoiceStatus::PartiallyPaid)
    }

    /// The status once `paid` of `total` has been received.
    pub fn after_payment(paid: i64, total: i64) -> InvoiceStatus {
        if paid >= total {
            InvoiceStatus::Paid
        } else if paid > 0 {
            InvoiceStatus::PartiallyPaid
        } else {
            InvoiceStatus::Issued
        }
    }
}

/// What a line charges for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LineKind {
    /// The registry's own fee (CIPC's), passed on at cost: a disbursement, without VAT.
    RegistryFee,
    /// The agency's price for the registration type (Settings › Commissions › Prices).
    ServiceFee,
    /// A line staff added.
    Other,
}

comply360_domain::text_enum!(LineKind, "invoice line kind", {
    RegistryFee => "registry_fee", ServiceFee => "service_fee", Other => "other",
});

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct InvoiceLine {
    pub position: i16,
    pub kind: LineKind,
    pub description: String,
    pub quantity: i32,
    pub unit_cents: i64,
    /// Basis points: 1500 is 15%; 0 for disbursements or when the agency is not a VAT vendor.
    pub vat_rate_bp: i32,
    /// `unit_cents × quantity`, exclusive of VAT.
    pub amount_cents: i64,
    pub vat_cents: i64,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Invoice {
    pub id: Uuid,
    pub registration_id: Uuid,
    pub client_id: Uuid,
    /// The client's display name, for lists and the pay page.
    pub client_name: String,
    pub status: InvoiceStatus,
    /// Set when issued, e.g. `INV-000042`.
    pub number: Option<String>,
    /// ZAR, USD or ZWG.
    pub currency: String,
    pub subtotal_cents: i64,
    pub vat_cents: i64,
    pub total_cents: i64,
    pub paid_cents: i64,
    /// Credited by credit notes (refunds).
    pub credited_cents: i64,
    /// What the client still owes: total less paid, never below zero.
    pub due_cents: i64,
    /// The agency as it stood on the invoice when issued (name, VAT number, address, terms).
    #[schema(value_type = Object)]
    pub issuer: Value,
    pub issued_on: Option<NaiveDate>,
    pub due_on: Option<NaiveDate>,
    pub void_reason: Option<String>,
    pub note: String,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub lines: Vec<InvoiceLine>,
}

/// A payment received against an invoice.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Payment {
    pub id: Uuid,
    pub invoice_id: Uuid,
    /// `payfast`, `stripe` or `manual`.
    pub provider: String,
    /// `card`, `eft`, `cash` or `online`.
    pub method: String,
    /// PayFast's pf_payment_id, Stripe's payment intent, or the reference staff recorded.
    pub reference: String,
    pub amount_cents: i64,
    pub currency: String,
    pub fee_cents: Option<i64>,
    pub refunded_cents: i64,
    pub received_on: NaiveDate,
    pub recorded_by: Option<Uuid>,
    pub created_at: DateTime<Utc>,
}

/// Which payment providers may be used, and how a payment was made.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Provider {
    Payfast,
    Stripe,
    /// Recorded by staff: an EFT seen on the bank statement, cash at the counter.
    Manual,
}

comply360_domain::text_enum!(Provider, "payment provider", {
    Payfast => "payfast", Stripe => "stripe", Manual => "manual",
});

/// How staff say a manual payment was made.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ManualMethod {
    Eft,
    Cash,
}

comply360_domain::text_enum!(ManualMethod, "payment method", {
    Eft => "eft", Cash => "cash",
});

/// A credit note (a refund of part or all of a payment).
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct CreditNote {
    pub id: Uuid,
    pub invoice_id: Uuid,
    pub payment_id: Uuid,
    pub number: String,
    pub amount_cents: i64,
    /// The VAT part of the amount (the same share as on the invoice).
    pub vat_cents: i64,
    pub reason: String,
    /// `pending` (the provider has been asked), `refunded`, or `failed` (with `failure`).
    pub refund_status: String,
    pub provider_refund: Option<String>,
    pub failure: Option<String>,
    pub issued_on: NaiveDate,
    pub created_by: Option<Uuid>,
    pub created_at: DateTime<Utc>,
}

/// An invoice with everything recorded against it: what the invoice page shows.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct InvoiceDetail {
    #[serde(flatten)]
    pub invoice: Invoice,
    pub payments: Vec<Payment>,
    pub credit_notes: Vec<CreditNote>,
}

/// A line staff add to a draft.
#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LineInput {
    #[schema(value_type = String, required)]
    pub description: Option<String>,
    /// 1 when left out.
    pub quantity: Option<i32>,
    /// In cents, exclusive of VAT.
    #[schema(value_type = i64, required)]
    pub unit_cents: Option<i64>,
}

/// A draft invoice for a registration: the fee lines are computed; staff may add lines and a
/// note.
#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DraftInput {
    #[schema(value_type = Uuid, required)]
    pub registration_id: Option<Uuid>,
    #[serde(default)]
    pub extra_lines: Vec<LineInput>,
    pub note: Option<String>,
}

/// Staff record a payment made outside the providers.
#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ManualPaymentInput {
    /// `eft` or `cash`.
    #[schema(value_type = String, required)]
    pub method: Option<String>,
    /// In cents; at most what is still due.
    #[schema(value_type = i64, required)]
    pub amount_cents: Option<i64>,
    /// The bank statement's reference, or the receipt book's number.
    #[schema(value_type = String, required)]
    pub reference: Option<String>,
    /// The day it was received: today or earlier (today when left out).
    pub received_on: Option<NaiveDate>,
}

/// A refund of (part of) a payment.
#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefundInput {
    #[schema(value_type = Uuid, required)]
    pub payment_id: Option<Uuid>,
    /// In cents; the whole unrefunded amount when left out.
    pub amount_cents: Option<i64>,
    #[schema(value_type = String, required)]
    pub reason: Option<String>,
}
