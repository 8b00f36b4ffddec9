//! Stripe's objects as far as we read them; unknown fields are ignored.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A Checkout Session (`object: "checkout.session"`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckoutSession {
    pub id: String,
    /// The hosted page to send the customer to (while `open`).
    #[serde(default)]
    pub url: Option<String>,
    /// Set once paid (`pi_…`); what a refund names.
    #[serde(default)]
    pub payment_intent: Option<String>,
    /// `unpaid`, `paid`, `no_payment_required`.
    pub payment_status: String,
    /// `open`, `complete`, `expired`.
    #[serde(default)]
    pub status: Option<String>,
    /// In the currency's minor unit (cents).
    #[serde(default)]
    pub amount_total: Option<i64>,
    #[serde(default)]
    pub currency: Option<String>,
    #[serde(default)]
    pub client_reference_id: Option<String>,
    #[serde(default)]
    pub metadata: BTreeMap<String, String>,
    #[serde(default)]
    pub created: i64,
}

/// A page of a list (`object: "list"`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct List<T> {
    pub data: Vec<T>,
    pub has_more: bool,
}

/// A refund (`re_…`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refund {
    pub id: String,
    /// `pending`, `succeeded`, `failed`, `canceled`, `requires_action`.
    pub status: String,
    pub amount: i64,
    #[serde(default)]
    pub payment_intent: Option<String>,
}

/// A charge, as `charge.refunded` carries it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Charge {
    pub id: String,
    pub amount: i64,
    pub amount_refunded: i64,
    #[serde(default)]
    pub payment_intent: Option<String>,
    pub refunded: bool,
}
