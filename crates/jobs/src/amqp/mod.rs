//! The RabbitMQ transport (DESIGN.md section 4): the outbox relayed to topic exchanges with
//! publisher confirms, one durable queue per handler, retries through delay queues, dead
//! letters in `c360.dead-letters`.
//!
//! * [`topology`]: exchanges, queues, bindings, dead-letter and delay queues.
//! * `relay`: the worker pass that publishes unrelayed events and marks them after the confirm.
//! * `consumer` / `delivery`: per handler, run each delivered job through the ordinary
//!   [`Runner`] and settle the message (ack, delay copy, dead letter).
//! * `session`: connect, reconnect with backoff, graceful shutdown.
//!
//! The database stays the source of truth: the job rows (state, attempts, backoff in
//! `run_at`, dead letters) are the same as on the PostgreSQL transport, so
//! `comply360 jobs dead|retry` work unchanged; the broker carries the deliveries. Effects
//! happen exactly once because a handler's writes commit with its inbox row, so a redelivery
//! or a duplicate publish (a confirm lost with the connection) changes nothing.

mod consumer;
mod delivery;
mod error;
mod job_state;
mod message;
mod publisher;
mod relay;
mod session;
mod settings;
pub mod topology;

pub use error::AmqpError;
pub use settings::AmqpSettings;

use crate::Transport;
use crate::runner::Runner;
use crate::worker::{Worker, WorkerConfig};
use consumer::ConsumerContext;
use delivery::Deliveries;
use publisher::Publisher;
use relay::Relay;
use session::Session;
use sqlx::postgres::PgConnectOptions;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

/// The running transport: the relay worker and the consumers, on one connection that is
/// re-established whenever it breaks.
pub struct AmqpHandle {
    stop: CancellationToken,
    publisher: Publisher,
    task: tokio::task::JoinHandle<()>,
}

impl AmqpHandle {
    pub fn stop_token(&self) -> CancellationToken {
        self.stop.clone()
    }

    /// Whether a connection is up with its topology declared (for readiness).
    pub fn is_connected(&self) -> bool {
        self.publisher.is_connected()
    }

    /// Waits up to `timeout` for a connection; `false` if none came.
    pub async fn wait_connected(&self, timeout: Duration) -> bool {
        self.publisher.channel(timeout, &self.stop).await.is_ok()
    }

    /// Stops consuming and relaying, lets started deliveries and the relay's pass finish (up
    /// to the worker's shutdown grace), then closes the channel and the connection.
    pub async fn shutdown(self) {
        self.stop.cancel();
        let _ = self.task.await;
    }

    /// Waits for the transport to stop (after its token was cancelled elsewhere).
    pub async fn join(self) {
        let _ = self.task.await;
    }
}

/// Starts the RabbitMQ transport. Returns at once: connecting happens in the background and
/// is retried with backoff, so a broker that is down at start-up only delays delivery (the
/// outbox keeps the events). Fails only on settings that could never work.
///
/// `runner`'s outbox must be on [`Transport::Rabbitmq`], or events would be written as
/// already relayed. `listen` reaches the app database directly (for LISTEN); `config` is the
/// worker's: `concurrency` bounds the jobs run at once, `lease` is a claimed job's lease,
/// `shutdown_grace` the wait for in-flight work on shutdown.
pub fn start(
    runner: Runner,
    settings: AmqpSettings,
    listen: PgConnectOptions,
    config: WorkerConfig,
    stop: CancellationToken,
) -> Result<AmqpHandle, AmqpError> {
    settings.validate()?;
    if runner.outbox().transport() != Transport::Rabbitmq {
        return Err(AmqpError::Settings(
            "the outbox is on the postgres transport, which marks events relayed as they are \
             written; build it with Transport::Rabbitmq"
                .into(),
        ));
    }
    let subscriptions = runner.outbox().subscriptions().clone();
    let routes = topology::routes(&subscriptions)?;
    let worker_id = crate::worker_id();
    let (publisher, publisher_tx) = Publisher::new(settings.confirm_timeout);

    let relay = Relay::new(
        runner.tenancy().clone(),
        publisher.clone(),
        settings.relay_batch,
    );
    let relay = Worker::new(
        runner.tenancy().clone(),
        Arc::new(relay),
        listen,
        config.clone(),
        subscriptions.names(),
    )
    .spawn(stop.clone());

    let session = Session {
        routes,
        consumers: ConsumerContext {
            deliveries: Arc::new(Deliveries::new(runner, worker_id.clone(), config.lease)),
            publisher: publisher.clone(),
            permits: Arc::new(Semaphore::new(config.concurrency.max(1))),
            tracker: TaskTracker::new(),
            prefetch: settings.prefetch,
            tag_prefix: worker_id.clone(),
        },
        publisher_tx,
        connection_name: format!("comply360 {worker_id}"),
        shutdown_grace: config.shutdown_grace,
        relay: Some(relay),
        settings,
    };
    let token = stop.clone();
    let task = tokio::spawn(session.run(token));
    Ok(AmqpHandle {
        stop,
        publisher,
        task,
    })
}
