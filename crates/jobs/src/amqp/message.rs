//! An event as an AMQP message, and back. The body is the [`Event`] as JSON; the properties
//! repeat what a consumer must check before trusting the body (tenant, type, id).

use super::AmqpError;
use super::topology::short;
use crate::event::{Event, exchange_for};
use lapin::BasicProperties;
use lapin::types::{AMQPValue, FieldTable, ShortString};
use std::time::Duration;

const TENANT_HEADER: &str = "tenant_id";
const TYPE_HEADER: &str = "event_type";
/// AMQP delivery mode 2: written to disk by the broker, so it survives a broker restart.
const PERSISTENT: u8 = 2;

/// A message ready for `basic.publish`.
#[derive(Clone, Debug)]
pub(crate) struct Outgoing {
    pub exchange: ShortString,
    pub routing_key: ShortString,
    pub body: Vec<u8>,
    pub properties: BasicProperties,
}

/// The relay's message for an event: to its exchange, routed by its type.
pub(crate) fn for_event(event: &Event) -> Result<Outgoing, AmqpError> {
    let body = serde_json::to_vec(event).map_err(|source| AmqpError::Encode {
        id: event.id,
        source,
    })?;
    let mut headers = FieldTable::default();
    headers.insert(
        TENANT_HEADER.into(),
        AMQPValue::LongString(event.tenant_id.to_string().into()),
    );
    headers.insert(
        TYPE_HEADER.into(),
        AMQPValue::LongString(event.event_type.clone().into()),
    );
    let properties = BasicProperties::default()
        .with_message_id(short(&event.id.to_string())?)
        .with_content_type("application/json".into())
        .with_delivery_mode(PERSISTENT)
        .with_timestamp(u64::try_from(event.occurred_at.timestamp()).unwrap_or(0))
        .with_app_id("comply360".into())
        .with_headers(headers);
    Ok(Outgoing {
        exchange: exchange_for(&event.event_type).into(),
        routing_key: short(&event.event_type)?,
        body,
        properties,
    })
}

/// The same message again, into a delay queue (through the default exchange), to come back
/// to the handler's queue after `delay`. The broker's `x-death` bookkeeping from earlier
/// rounds is dropped so the headers do not grow with every retry.
pub(crate) fn delayed(
    properties: &BasicProperties,
    body: &[u8],
    delay_queue: &str,
    delay: Duration,
) -> Result<Outgoing, AmqpError> {
    let mut headers = FieldTable::default();
    if let Some(old) = properties.headers() {
        for (key, value) in old.inner() {
            if !key.as_str().starts_with("x-") {
                headers.insert(key.clone(), value.clone());
            }
        }
    }
    let properties = properties
        .clone()
        .with_headers(headers)
        .with_delivery_mode(PERSISTENT)
        .with_expiration(delay.as_millis().max(1).to_string().into());
    Ok(Outgoing {
        exchange: "".into(),
        routing_key: short(delay_queue)?,
        body: body.to_vec(),
        properties,
    })
}

/// Reads a delivered message. Any disagreement between the headers and the body is refused:
/// a job must never run under a tenant its message did not clearly name (DESIGN.md rule 9).
pub(crate) fn parse(properties: &BasicProperties, body: &[u8]) -> Result<Event, String> {
    let event: Event =
        serde_json::from_slice(body).map_err(|e| format!("body is not an event: {e}"))?;
    let tenant = header(properties, TENANT_HEADER).ok_or("no tenant_id header")?;
    if tenant != event.tenant_id.to_string() {
        return Err(format!(
            "tenant_id header {tenant} differs from the body's {}",
            event.tenant_id
        ));
    }
    let event_type = header(properties, TYPE_HEADER).ok_or("no event_type header")?;
    if event_type != event.event_type {
        return Err(format!(
            "event_type header {event_type} differs from the body's {}",
            event.event_type
        ));
    }
    match properties.message_id() {
        Some(id) if id.as_str() == event.id.to_string() => Ok(event),
        _ => Err("message_id is not the event's id".into()),
    }
}

/// Whether the message came back from a delay queue (the broker records each dead-lettering,
/// expiry included, in `x-death`).
pub(crate) fn came_back(properties: &BasicProperties) -> bool {
    properties
        .headers()
        .as_ref()
        .is_some_and(|h| h.contains_key("x-death"))
}

fn header(properties: &BasicProperties, name: &str) -> Option<String> {
    match properties.headers().as_ref()?.inner().get(name)? {
        AMQPValue::LongString(s) => Some(String::from_utf8_lossy(s.as_bytes()).into_owned()),
        AMQPValue::ShortString(s) => Some(s.as_str().to_owned()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use comply360_domain::{EventId, TenantId};

    fn event() -> Event {
        Event {
            id: EventId::new(),
            tenant_id: TenantId::new(),
            event_type: "document.uploaded".into(),
            schema_version: 1,
            aggregate_type: "document".into(),
            aggregate_id: None,
            actor_id: None,
            payload: serde_json::json!({"name": "id.pdf"}),
            occurred_at: chrono::Utc::now(),
            traceparent: None,
        }
    }

    #[test]
    fn an_event_round_trips() {
        let e = event();
        let out = for_event(&e).unwrap();
        assert_eq!(out.exchange.as_str(), "document.processing");
        assert_eq!(out.routing_key.as_str(), "document.uploaded");
        assert_eq!(out.properties.delivery_mode(), &Some(PERSISTENT));
        assert_eq!(parse(&out.properties, &out.body).unwrap(), e);

        let later = delayed(
            &out.properties,
            &out.body,
            "c360.h.delay.1s",
            Duration::from_millis(250),
        )
        .unwrap();
        assert_eq!(later.exchange.as_str(), "");
        assert_eq!(
            later.properties.expiration().as_ref().unwrap().as_str(),
            "250"
        );
        assert_eq!(parse(&later.properties, &later.body).unwrap(), e);
    }

    #[test]
    fn a_message_naming_another_tenant_is_refused() {
        let e = event();
        let out = for_event(&e).unwrap();
        let mut other = e.clone();
        other.tenant_id = TenantId::new();
        let body = serde_json::to_vec(&other).unwrap();
        assert!(
            parse(&out.properties, &body)
                .unwrap_err()
                .contains("tenant_id")
        );
        assert!(parse(&BasicProperties::default(), &out.body).is_err());
        assert!(parse(&out.properties, b"{not json").is_err());
    }
}
