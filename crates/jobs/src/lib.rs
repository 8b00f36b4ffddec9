//! Events and jobs (DESIGN.md section 4).
//!
//! * [`outbox`]: `emit` writes an event in the caller's tenant transaction, so nothing a user
//!   does is lost on its way to another system; a worker turns it into one job per subscribed
//!   handler (`queue::dispatch`; on RabbitMQ the jobs are written with the event).
//! * [`handler`] / [`subscriptions`]: what a subscriber implements and which events it gets.
//! * [`queue`]: the job table's statements (dispatch, claim with `FOR UPDATE SKIP LOCKED` and
//!   a lease, complete, retry with backoff, dead-letter, replay), always inside one tenant's
//!   transaction.
//! * [`runner`]: one job's run — handler effects, inbox row and completion commit together.
//! * [`worker`]: finds tenants with work (NOTIFY, sweep, timers) and runs passes;
//!   [`run_jobs`] is the PostgreSQL transport's pass.
//! * [`admin`]: the operator's commands across tenants.

pub mod admin;
pub mod amqp;
mod error;
pub mod event;
pub mod handler;
pub mod handlers;
pub mod metrics;
pub mod outbox;
pub mod queue;
mod retry;
pub mod run_jobs;
pub mod runner;
pub mod subscriptions;
pub mod worker;

pub use error::{HandlerError, JobsError};
pub use event::{Event, NewEvent};
pub use handler::{Handler, JobContext, PrepareContext, Prepared};
pub use outbox::Outbox;
pub use retry::RetryPolicy;
pub use runner::{Outcome, Runner};
pub use subscriptions::Subscriptions;
pub use worker::{Worker, WorkerConfig, WorkerHandle};

use std::fmt;
use std::str::FromStr;

/// How events travel from the outbox to their handlers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Transport {
    /// The jobs table itself, claimed with `SKIP LOCKED` and woken by NOTIFY. Needs nothing
    /// but PostgreSQL.
    #[default]
    Postgres,
    /// A relay publishes the outbox to RabbitMQ topic exchanges; consumers run the jobs.
    Rabbitmq,
}

impl fmt::Display for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Transport::Postgres => "postgres",
            Transport::Rabbitmq => "rabbitmq",
        })
    }
}

impl FromStr for Transport {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "postgres" => Ok(Transport::Postgres),
            "rabbitmq" => Ok(Transport::Rabbitmq),
            other => Err(format!(
                "unknown transport {other:?}: use postgres or rabbitmq"
            )),
        }
    }
}

/// A stable name for this worker process, stored as the lease holder of its jobs.
pub fn worker_id() -> String {
    let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "local".to_owned());
    format!(
        "{host}:{}:{}",
        std::process::id(),
        &uuid::Uuid::new_v4().simple().to_string()[..8]
    )
}

/// Runs every due job of one tenant in this process until none is left due; returns how
/// many jobs ran. For the CLI (`notify test` waits for its message) and for tests.
pub async fn run_due(
    runner: &Runner,
    tenant: &comply360_store::Tenant,
) -> Result<usize, JobsError> {
    let worker = worker_id();
    let mut ran = 0;
    loop {
        let mut tx = runner.tenancy().begin(tenant).await?;
        // On RabbitMQ the unrelayed events are the relay's to publish, and their jobs exist.
        let dispatched = match runner.outbox().transport() {
            Transport::Postgres => {
                queue::dispatch(&mut tx, runner.outbox().subscriptions(), 64).await?
            }
            Transport::Rabbitmq => queue::Dispatched::default(),
        };
        let jobs = queue::claim(&mut tx, &worker, std::time::Duration::from_secs(300), 64).await?;
        tx.commit().await?;
        if jobs.is_empty() && dispatched.events == 0 {
            return Ok(ran);
        }
        for job in jobs {
            runner.run(tenant, job).await?;
            ran += 1;
        }
    }
}
