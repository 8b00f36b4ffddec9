//! A webhook event, typed for the kinds we act on; the rest kept as JSON.

use super::error::StripeError;
use super::signature::verify;
use super::types::{Charge, CheckoutSession};
use serde::Deserialize;
use serde_json::Value;

#[derive(Clone, Debug, PartialEq)]
pub struct Event {
    /// `evt_…`: deduplicate on it (Stripe delivers at least once).
    pub id: String,
    pub type_: String,
    pub created: i64,
    pub livemode: bool,
    pub object: EventObject,
}

/// `data.object`, by event type.
#[derive(Clone, Debug, PartialEq)]
pub enum EventObject {
    CheckoutSessionCompleted(CheckoutSession),
    CheckoutSessionAsyncPaymentSucceeded(CheckoutSession),
    CheckoutSessionAsyncPaymentFailed(CheckoutSession),
    ChargeRefunded(Charge),
    /// Any other type, `data.object` as sent.
    Other(Value),
}

#[derive(Deserialize)]
struct Raw {
    id: String,
    #[serde(rename = "type")]
    type_: String,
    #[serde(default)]
    created: i64,
    #[serde(default)]
    livemode: bool,
    data: RawData,
}

#[derive(Deserialize)]
struct RawData {
    object: Value,
}

impl Event {
    /// Reads an event body (already verified: see [`construct_event`]).
    pub fn parse(raw: &[u8]) -> Result<Event, StripeError> {
        let raw: Raw = serde_json::from_slice(raw)
            .map_err(|e| StripeError::BadResponse(format!("not a Stripe event: {e}")))?;
        let session = |o: Value| {
            serde_json::from_value::<CheckoutSession>(o)
                .map_err(|e| StripeError::BadResponse(format!("{}: {e}", raw.type_)))
        };
        let object = match raw.type_.as_str() {
            "checkout.session.completed" => {
                EventObject::CheckoutSessionCompleted(session(raw.data.object)?)
            }
            "checkout.session.async_payment_succeeded" => {
                EventObject::CheckoutSessionAsyncPaymentSucceeded(session(raw.data.object)?)
            }
            "checkout.session.async_payment_failed" => {
                EventObject::CheckoutSessionAsyncPaymentFailed(session(raw.data.object)?)
            }
            "charge.refunded" => EventObject::ChargeRefunded(
                serde_json::from_value(raw.data.object)
                    .map_err(|e| StripeError::BadResponse(format!("charge.refunded: {e}")))?,
            ),
            _ => EventObject::Other(raw.data.object),
        };
        Ok(Event {
            id: raw.id,
            type_: raw.type_,
            created: raw.created,
            livemode: raw.livemode,
            object,
        })
    }
}

/// Verifies the signature, then parses: the one way a webhook handler should read an event.
pub fn construct_event(
    raw: &[u8],
    signature_header: &str,
    webhook_secret: &str,
    now_unix: i64,
    tolerance_s: i64,
) -> Result<Event, StripeError> {
    verify(signature_header, raw, webhook_secret, now_unix, tolerance_s)?;
    Event::parse(raw)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_and_other() {
        let body = br#"{"id":"evt_1","object":"event","type":"checkout.session.completed","created":1700000000,"livemode":false,"data":{"object":{"id":"cs_test_1","object":"checkout.session","payment_status":"paid","status":"complete","amount_total":1000,"payment_intent":"pi_1","metadata":{"invoice":"INV-1"}}}}"#;
        let event = Event::parse(body).unwrap();
        let EventObject::CheckoutSessionCompleted(s) = &event.object else {
            panic!("{event:?}")
        };
        assert_eq!(s.payment_intent.as_deref(), Some("pi_1"));
        assert_eq!(s.metadata["invoice"], "INV-1");
        let other = br#"{"id":"evt_2","type":"customer.created","created":1,"data":{"object":{"id":"cus_1"}}}"#;
        assert!(matches!(
            Event::parse(other).unwrap().object,
            EventObject::Other(_)
        ));
    }
}
