//! The payments API: invoices and what is paid and refunded against them, the agency's
//! billing details and payment providers, the public checkout a pay link starts, and the
//! providers' webhooks.

pub mod checkout;
pub mod invoices;
pub mod settings;
pub mod webhooks;

use crate::problem::Problem;
use crate::state::AppState;
use axum::http::StatusCode;
use comply360_payments::Payments;

/// The process's payments service; a 503 when this process was started without one.
pub(crate) fn service(state: &AppState) -> Result<&Payments, Problem> {
    state.payments.as_ref().ok_or_else(|| {
        Problem::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "payments_unavailable",
            "online payments are not set up on this server",
        )
    })
}
