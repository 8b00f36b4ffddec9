//! PayFast (FACTS.md section 7): the checkout form a browser posts, the ITN PayFast posts
//! back, and the REST API for refunds and reconciliation; an in-memory stand-in serving all
//! of them on loopback.
//!
//! * [`signature`]: the three MD5 signatures and PHP's `urlencode`.
//! * [`CheckoutRequest`] → [`CheckoutForm`]: the signed form for a [`PayFastConfig`].
//! * [`itn`]: reading an ITN ([`Itn`]) and its checks, one function each.
//! * [`PayFastClient`]: `validate`, `refund`, `transactions`.
//! * [`standin`]: PayFast's pages, ITN sender, validate and API on `127.0.0.1`.

mod amount;
mod checkout;
mod client;
mod config;
mod error;
pub mod itn;
pub mod signature;
pub mod standin;

pub use amount::{format_cents, format_rands, parse_cents};
pub use checkout::{CheckoutForm, CheckoutRequest};
pub use client::{ApiAnswer, PayFastClient, TransactionRow};
pub use config::{API_BASE, ITN_HOSTS, LIVE_PROCESS_BASE, PayFastConfig, SANDBOX_PROCESS_BASE};
pub use error::PayFastError;
pub use itn::{Itn, check_amount, check_merchant, source_allowed, verify_itn};
pub(crate) use standin::escape as standin_escape;
pub use standin::{
    ItnDelivery, PaidResult, PayFastStandIn, PayFastStandInConfig, PayFastStandInHandle,
    StandInMerchant, StandInPayment,
};
