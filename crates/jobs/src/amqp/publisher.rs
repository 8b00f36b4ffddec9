//! Publishing with publisher confirms on the current connection's channel. The session
//! replaces the channel on every reconnect; the relay and the consumers' retries only ever
//! see "the channel now, or not connected".

use super::AmqpError;
use super::message::Outgoing;
use futures::future::join_all;
use lapin::options::BasicPublishOptions;
use lapin::{Channel, Confirmation};
use std::time::Duration;
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

#[derive(Clone)]
pub(crate) struct Publisher {
    current: watch::Receiver<Option<Channel>>,
    confirm_timeout: Duration,
}

impl Publisher {
    /// A publisher and the sender through which the session hands it each new channel
    /// (`None` while disconnected).
    pub fn new(confirm_timeout: Duration) -> (Publisher, watch::Sender<Option<Channel>>) {
        let (tx, rx) = watch::channel(None);
        (
            Publisher {
                current: rx,
                confirm_timeout,
            },
            tx,
        )
    }

    pub fn is_connected(&self) -> bool {
        self.current.borrow().is_some()
    }

    /// The channel in confirm mode, waiting up to `wait` for a reconnect.
    pub async fn channel(
        &self,
        wait: Duration,
        stop: &CancellationToken,
    ) -> Result<Channel, AmqpError> {
        let mut rx = self.current.clone();
        tokio::select! {
            ready = tokio::time::timeout(wait, rx.wait_for(Option::is_some)) => match ready {
                Ok(Ok(channel)) => channel.clone().ok_or(AmqpError::Disconnected),
                _ => Err(AmqpError::Disconnected),
            },
            _ = stop.cancelled() => Err(AmqpError::Disconnected),
        }
    }

    /// Publishes every message, then waits for all their confirms. `Ok` only when the broker
    /// acknowledged each one (it has them on disk, for persistent messages to durable
    /// queues); a nack, a lost connection or a slow broker is an error, and the caller must
    /// treat the whole batch as not sent.
    pub async fn publish_all(
        &self,
        channel: &Channel,
        messages: Vec<Outgoing>,
    ) -> Result<(), AmqpError> {
        let mut confirms = Vec::with_capacity(messages.len());
        for m in messages {
            let confirm = channel
                .basic_publish(
                    m.exchange,
                    m.routing_key,
                    BasicPublishOptions::default(),
                    &m.body,
                    m.properties,
                )
                .await?;
            confirms.push(confirm);
        }
        let results = tokio::time::timeout(self.confirm_timeout, join_all(confirms))
            .await
            .map_err(|_| AmqpError::ConfirmTimeout(self.confirm_timeout))?;
        for result in results {
            match result? {
                Confirmation::Ack(_) => {}
                // NotRequested means the channel was not in confirm mode: not proof of
                // anything, so it counts as a failure too.
                Confirmation::Nack(_) | Confirmation::NotRequested => {
                    return Err(AmqpError::Nacked);
                }
            }
        }
        Ok(())
    }
}
