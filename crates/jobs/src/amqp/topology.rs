//! The broker-side layout. Every declaration is idempotent (same name, same arguments), so it
//! is simply declared again on every (re)connect: a broker that lost its definitions, or a
//! fresh vhost, gets them back before anything is published or consumed. Bindings are only
//! ever added: one left by an earlier deployment's subscriptions delivers messages for which
//! no job exists, and the consumer simply acks them.
//!
//! ```text
//! outbox --relay--> registration.events | document.processing |     (topic, durable;
//!                   notification.events | integration.sync           routing key = event type)
//!                        |  bound by each handler's subscription patterns
//!                        v
//!                   c360.<handler>  (durable; dead-letters to c360.dead)
//!                     |  ^ expired                 | nack, requeue=false
//!        retry/recheck v  |                        v
//!                   c360.<handler>.delay.<N>s    c360.dead (fanout) --> c360.dead-letters
//! ```

use super::AmqpError;
use crate::event::exchange_for;
use crate::subscriptions::Subscriptions;
use lapin::options::{ExchangeDeclareOptions, QueueBindOptions, QueueDeclareOptions};
use lapin::types::{AMQPValue, FieldTable, ShortString};
use lapin::{Channel, ExchangeKind};
use std::time::Duration;

/// The four topic exchanges of DESIGN.md section 4 (see [`exchange_for`]).
pub const EXCHANGES: [&str; 4] = [
    "registration.events",
    "document.processing",
    "notification.events",
    "integration.sync",
];

/// Where a handler queue's rejected messages go: a fanout, so the routing key (event type, or
/// a delay queue's name) does not matter.
pub const DEAD_EXCHANGE: &str = "c360.dead";
/// Every dead letter of every handler; `x-death` in a message's headers names its queue.
pub const DEAD_LETTER_QUEUE: &str = "c360.dead-letters";

/// Delay queues hold messages whose per-message TTL is the wait. RabbitMQ only expires the
/// message at the head of a queue, so one delay queue per handler would make a 5 s retry wait
/// behind a 2 h one. Delays are therefore bucketed by powers of two (1 s, 2 s, 4 s, …): a
/// message waits at most about twice its own delay, and never less than it.
const LONGEST_BUCKET_EXP: u32 = 15; // 2^15 s ≈ 9 h; longer delays share this bucket

/// A handler's queue.
pub fn handler_queue(handler: &str) -> String {
    format!("c360.{handler}")
}

/// The delay queue a wait of `delay` goes to, for `handler`.
pub fn delay_queue(handler: &str, delay: Duration) -> String {
    let ms = delay.as_millis();
    let bucket = (0..=LONGEST_BUCKET_EXP)
        .map(|k| 1u128 << k)
        .find(|secs| secs * 1000 >= ms)
        .unwrap_or(1u128 << LONGEST_BUCKET_EXP);
    format!("c360.{handler}.delay.{bucket}s")
}

/// The (exchange, binding key) pairs for one subscription pattern. `prefix.*` matches any
/// depth in [`crate::event::matches`], so it binds as `prefix.#` (AMQP's `*` is one word).
pub fn bindings(pattern: &str) -> Vec<(&'static str, String)> {
    if pattern == "*" {
        return EXCHANGES.iter().map(|e| (*e, "#".to_owned())).collect();
    }
    match pattern.strip_suffix(".*") {
        Some(prefix) => vec![(exchange_for(pattern), format!("{prefix}.#"))],
        None => vec![(exchange_for(pattern), pattern.to_owned())],
    }
}

/// One handler's queue and what it is bound to.
#[derive(Clone, Debug)]
pub(crate) struct Route {
    pub handler: &'static str,
    pub queue: ShortString,
    pub bindings: Vec<(&'static str, String)>,
}

/// The routes of every handler of this deployment. Fails on a handler name too long for an
/// AMQP queue name (its longest delay queue included), so that shows at start-up.
pub(crate) fn routes(subscriptions: &Subscriptions) -> Result<Vec<Route>, AmqpError> {
    let mut routes = Vec::new();
    for name in subscriptions.names() {
        let Some(sub) = subscriptions.get(name) else {
            continue;
        };
        short(&delay_queue(name, Duration::MAX))?;
        let mut bindings: Vec<(&'static str, String)> = sub
            .handler
            .subscribes_to()
            .iter()
            .flat_map(|p| bindings(p))
            .collect();
        bindings.sort();
        bindings.dedup();
        routes.push(Route {
            handler: name,
            queue: short(&handler_queue(name))?,
            bindings,
        });
    }
    Ok(routes)
}

pub(crate) fn short(name: &str) -> Result<ShortString, AmqpError> {
    ShortString::try_new(name).map_err(|_| AmqpError::NameTooLong(name.to_owned()))
}

fn durable_exchange() -> ExchangeDeclareOptions {
    ExchangeDeclareOptions {
        durable: true,
        ..ExchangeDeclareOptions::default()
    }
}

fn string_arg(value: &str) -> AMQPValue {
    AMQPValue::LongString(value.into())
}

/// Declares the exchanges, the dead-letter path and every handler's queue and bindings.
pub(crate) async fn declare(channel: &Channel, routes: &[Route]) -> Result<(), AmqpError> {
    for exchange in EXCHANGES {
        channel
            .exchange_declare(
                exchange.into(),
                ExchangeKind::Topic,
                durable_exchange(),
                FieldTable::default(),
            )
            .await?;
    }
    channel
        .exchange_declare(
            DEAD_EXCHANGE.into(),
            ExchangeKind::Fanout,
            durable_exchange(),
            FieldTable::default(),
        )
        .await?;
    channel
        .queue_declare(
            DEAD_LETTER_QUEUE.into(),
            QueueDeclareOptions::durable(),
            FieldTable::default(),
        )
        .await?;
    channel
        .queue_bind(
            DEAD_LETTER_QUEUE.into(),
            DEAD_EXCHANGE.into(),
            "".into(),
            QueueBindOptions::default(),
            FieldTable::default(),
        )
        .await?;
    for route in routes {
        let mut args = FieldTable::default();
        args.insert("x-dead-letter-exchange".into(), string_arg(DEAD_EXCHANGE));
        channel
            .queue_declare(route.queue.clone(), QueueDeclareOptions::durable(), args)
            .await?;
        for (exchange, key) in &route.bindings {
            channel
                .queue_bind(
                    route.queue.clone(),
                    (*exchange).into(),
                    short(key)?,
                    QueueBindOptions::default(),
                    FieldTable::default(),
                )
                .await?;
        }
    }
    Ok(())
}

/// Declares one delay queue of `handler`: expired messages go back to the handler's queue
/// through the default exchange. Declared when first used (only the buckets a deployment's
/// backoff reaches ever exist), which is one extra round trip on the failure path only.
pub(crate) async fn declare_delay_queue(
    channel: &Channel,
    handler: &str,
    queue: &str,
) -> Result<(), AmqpError> {
    let mut args = FieldTable::default();
    args.insert("x-dead-letter-exchange".into(), string_arg(""));
    args.insert(
        "x-dead-letter-routing-key".into(),
        string_arg(&handler_queue(handler)),
    );
    channel
        .queue_declare(short(queue)?, QueueDeclareOptions::durable(), args)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_bind_like_they_match() {
        assert_eq!(
            bindings("registration.*"),
            vec![("registration.events", "registration.#".to_owned())]
        );
        assert_eq!(
            bindings("document.uploaded"),
            vec![("document.processing", "document.uploaded".to_owned())]
        );
        let all = bindings("*");
        assert_eq!(all.len(), 4);
        assert!(all.iter().all(|(_, key)| key == "#"));
        // Business events that travel with registrations.
        assert_eq!(
            bindings("payment.*"),
            vec![("registration.events", "payment.#".to_owned())]
        );
    }

    #[test]
    fn delays_are_bucketed_up_never_down() {
        assert_eq!(delay_queue("h", Duration::ZERO), "c360.h.delay.1s");
        assert_eq!(
            delay_queue("h", Duration::from_millis(80)),
            "c360.h.delay.1s"
        );
        assert_eq!(delay_queue("h", Duration::from_secs(1)), "c360.h.delay.1s");
        assert_eq!(
            delay_queue("h", Duration::from_millis(1001)),
            "c360.h.delay.2s"
        );
        assert_eq!(delay_queue("h", Duration::from_secs(5)), "c360.h.delay.8s");
        assert_eq!(
            delay_queue("h", Duration::from_secs(7200)),
            "c360.h.delay.8192s"
        );
        assert_eq!(delay_queue("h", Duration::MAX), "c360.h.delay.32768s");
    }
}
