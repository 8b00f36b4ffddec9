//! The connection's life: connect (with backoff), declare the topology, hand the publishing
//! channel to the relay, start one consumer per handler, and when anything breaks drop it all
//! and start over. Reconnecting from scratch rather than patching a half-broken connection
//! keeps one rule for every failure: the broker holds what was confirmed, the outbox holds
//! what was not.

use super::consumer::{self, ConsumerContext};
use super::topology::{self, Route};
use super::{AmqpError, AmqpSettings};
use crate::worker::WorkerHandle;
use futures::StreamExt;
use lapin::{Channel, Connection, ConnectionProperties};
use std::time::Duration;
use tokio::sync::watch;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

const CONNECT_TIMEOUT: Duration = Duration::from_secs(15);
/// A fallback for noticing a dead connection when no error event arrives.
const STATUS_POLL: Duration = Duration::from_secs(1);

pub(crate) struct Session {
    pub settings: AmqpSettings,
    pub routes: Vec<Route>,
    pub consumers: ConsumerContext,
    pub publisher_tx: watch::Sender<Option<Channel>>,
    pub connection_name: String,
    pub shutdown_grace: Duration,
    /// The relay's worker, joined on shutdown (it stops on the same token).
    pub relay: Option<WorkerHandle>,
}

/// One live connection and its publishing channel (in confirm mode, topology declared).
struct Open {
    connection: Connection,
    publisher: Channel,
    events: futures::stream::BoxStream<'static, lapin::Event>,
}

impl Session {
    pub async fn run(mut self, stop: CancellationToken) {
        let mut backoff = self.settings.reconnect_min;
        loop {
            let opened = tokio::select! {
                _ = stop.cancelled() => break,
                opened = self.open() => opened,
            };
            match opened {
                Ok(open) => {
                    backoff = self.settings.reconnect_min;
                    if self.serve(open, &stop).await {
                        return;
                    }
                }
                Err(err) => {
                    tracing::warn!(url = %self.settings.redacted_url(), error = %err, retry_in = ?backoff,
                        "cannot connect to RabbitMQ");
                    tokio::select! {
                        _ = stop.cancelled() => break,
                        _ = tokio::time::sleep(backoff) => {}
                    }
                    backoff = (backoff * 2).min(self.settings.reconnect_max);
                }
            }
        }
        // Stopped while disconnected: nothing to close, but the relay and in-flight
        // deliveries still get their grace.
        self.drain().await;
    }

    async fn open(&self) -> Result<Open, AmqpError> {
        let properties = ConnectionProperties::default()
            .with_connection_name(self.connection_name.clone().into());
        let connection = tokio::time::timeout(
            CONNECT_TIMEOUT,
            Connection::connect(&self.settings.url, properties),
        )
        .await
        .map_err(|_| AmqpError::ConnectTimeout(CONNECT_TIMEOUT))??;
        // Subscribed before anything else, so no error event is missed.
        let events = connection.events_listener().boxed();
        let publisher = connection.create_channel().await?;
        topology::declare(&publisher, &self.routes).await?;
        publisher
            .confirm_select(lapin::options::ConfirmSelectOptions::default())
            .await?;
        Ok(Open {
            connection,
            publisher,
            events,
        })
    }

    /// Runs one connection until it fails (`false`: reconnect) or `stop` (`true`: done).
    async fn serve(&mut self, open: Open, stop: &CancellationToken) -> bool {
        let Open {
            connection,
            publisher,
            mut events,
        } = open;
        let _ = self.publisher_tx.send(Some(publisher.clone()));
        metrics::gauge!("amqp_connected").set(1.0);
        tracing::info!(url = %self.settings.redacted_url(), "connected to RabbitMQ");

        let consumers_stop = CancellationToken::new();
        let mut consumers = JoinSet::new();
        for route in self.routes.clone() {
            let ctx = self.consumers.clone();
            let token = consumers_stop.clone();
            match connection.create_channel().await {
                Ok(channel) => {
                    consumers
                        .spawn(async move { consumer::consume(channel, &route, ctx, token).await });
                }
                Err(err) => {
                    consumers.spawn(async move { Err(AmqpError::from(err)) });
                    break;
                }
            }
        }

        let failure = tokio::select! {
            _ = stop.cancelled() => None,
            err = connection_failure(&connection, &mut events) => Some(err),
            Some(ended) = consumers.join_next() => Some(match ended {
                Ok(Err(err)) => err,
                _ => AmqpError::Disconnected,
            }),
        };
        consumers_stop.cancel();

        if let Some(err) = failure {
            let _ = self.publisher_tx.send(None);
            metrics::gauge!("amqp_connected").set(0.0);
            tracing::warn!(error = %err, "RabbitMQ connection lost; reconnecting");
            // Consumer loops hold nothing worth waiting for; their deliveries run on in the
            // tracker and settle against the dead channel (the broker redelivers).
            consumers.shutdown().await;
            // The failure may have been one channel's (the connection still up): close the
            // connection so no half of it lingers on the broker.
            let _ = tokio::time::timeout(STATUS_POLL, connection.close(200, "reconnecting".into()))
                .await;
            return false;
        }

        // Graceful: consumers cancel (prefetched messages return to their queues), started
        // deliveries finish and may still publish their retry copies, the relay ends its pass.
        while consumers.join_next().await.is_some() {}
        self.drain().await;
        let _ = self.publisher_tx.send(None);
        metrics::gauge!("amqp_connected").set(0.0);
        let _ = publisher.close(200, "shutdown".into()).await;
        if let Err(err) = connection.close(200, "shutdown".into()).await {
            tracing::debug!(error = %err, "closing the RabbitMQ connection");
        }
        tracing::info!("RabbitMQ transport stopped");
        true
    }

    /// Waits (up to the grace period) for started deliveries and the relay to finish.
    async fn drain(&mut self) {
        self.consumers.tracker.close();
        let tracker = self.consumers.tracker.clone();
        let relay = self.relay.take();
        let finished = async move {
            tracker.wait().await;
            if let Some(relay) = relay {
                relay.join().await;
            }
        };
        if tokio::time::timeout(self.shutdown_grace, finished)
            .await
            .is_err()
        {
            tracing::warn!(
                "shutdown grace over; abandoning in-flight deliveries (they are redelivered)"
            );
        }
    }
}

/// Resolves when the connection reports an error or stops being connected.
async fn connection_failure(
    connection: &Connection,
    events: &mut futures::stream::BoxStream<'static, lapin::Event>,
) -> AmqpError {
    let mut poll = tokio::time::interval(STATUS_POLL);
    loop {
        tokio::select! {
            event = events.next() => match event {
                Some(lapin::Event::Error(err)) => return err.into(),
                Some(_) => {}
                None => return AmqpError::Disconnected,
            },
            _ = poll.tick() => {
                if !connection.status().connected() {
                    return AmqpError::Disconnected;
                }
            }
        }
    }
}
