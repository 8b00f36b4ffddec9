//! What to do with one delivered message: the decision only (the consumer acts on it).
//!
//! The rule that keeps work from being lost: a message is let go (acked) only when its job
//! is finished — done, or dead with its copy in the dead letters — or when a successor copy
//! has been confirmed into a delay queue. So an unfinished job always has a message in the
//! broker, whatever fails in between, and the claim plus the inbox make every extra copy
//! harmless.

use super::job_state::{self, JobState};
use super::message;
use crate::JobsError;
use crate::event::Event;
use crate::queue;
use crate::runner::{Outcome, Runner};
use comply360_store::{StoreError, Tenant};
use lapin::BasicProperties;
use std::time::Duration;

/// The job's row is locked by a concurrent transaction (another copy is being claimed).
const RECHECK: Duration = Duration::from_secs(1);
/// A copy arriving this little before its job's time runs: copies from a delay queue expire
/// at the job's time, plus the broker's latency, so only stale duplicates are earlier.
const EARLY_TOLERANCE: Duration = Duration::from_millis(50);
/// The database failed us; the job has not moved.
const AFTER_ERROR: Duration = Duration::from_secs(5);
/// The tenant is suspended or not provisioned: its jobs wait, as on the PostgreSQL transport.
const UNSERVABLE_RECHECK: Duration = Duration::from_secs(60);

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Verdict {
    /// The job is finished (or there is none): drop the message.
    Ack,
    /// The job is not finished: put a copy in the delay queue, back after this long, then ack.
    Later(Duration),
    /// Reject to the dead letters.
    DeadLetter(String),
}

pub(crate) struct Deliveries {
    runner: Runner,
    worker: String,
    lease: Duration,
}

impl Deliveries {
    pub fn new(runner: Runner, worker: String, lease: Duration) -> Deliveries {
        Deliveries {
            runner,
            worker,
            lease,
        }
    }

    /// `second_look`: the message was redelivered or came back from a delay queue.
    pub async fn decide(
        &self,
        handler: &str,
        second_look: bool,
        properties: &BasicProperties,
        body: &[u8],
    ) -> Verdict {
        let event = match message::parse(properties, body) {
            Ok(event) => event,
            Err(reason) => return Verdict::DeadLetter(format!("malformed message: {reason}")),
        };
        let tenant = match self.runner.tenancy().resolve_id(event.tenant_id).await {
            Ok(tenant) => tenant,
            Err(StoreError::UnknownTenant(_)) => {
                return Verdict::DeadLetter(format!("no tenant {}", event.tenant_id));
            }
            Err(err) => {
                tracing::warn!(tenant = %event.tenant_id, error = %err, "cannot resolve a delivery's tenant");
                return Verdict::Later(AFTER_ERROR);
            }
        };
        if tenant.ensure_servable().is_err() {
            return Verdict::Later(UNSERVABLE_RECHECK);
        }
        match self.run(&tenant, &event, handler, second_look).await {
            Ok(verdict) => verdict,
            Err(err) => {
                tracing::warn!(tenant = %event.tenant_id, event = %event.id, handler,
                    error = %err, "delivery could not be processed; it comes back shortly");
                Verdict::Later(AFTER_ERROR)
            }
        }
    }

    async fn run(
        &self,
        tenant: &Tenant,
        event: &Event,
        handler: &str,
        second_look: bool,
    ) -> Result<Verdict, JobsError> {
        if second_look {
            // A redelivery, or a copy back from a delay queue, may be a stale duplicate (a
            // copy handed over, then its original redelivered because the ack was lost with
            // the connection). Running it before the job's time would skip the backoff.
            if let Some(job) = self.load(tenant, event, handler).await?
                && job.state == "queued"
                && job.due_in > EARLY_TOLERANCE
            {
                return Ok(Verdict::Later(job.due_in));
            }
        }
        let mut tx = self.runner.tenancy().begin(tenant).await?;
        let claimed =
            queue::claim_delivered(&mut tx, event.id, handler, &self.worker, self.lease).await?;
        tx.commit().await?;
        let Some(job) = claimed else {
            return self.pending(tenant, event, handler, RECHECK).await;
        };
        match self.runner.run(tenant, job).await {
            Ok(Outcome::Done | Outcome::Duplicate) => Ok(Verdict::Ack),
            Ok(Outcome::Dead) => Ok(Verdict::DeadLetter(
                "the job failed for the last time".to_owned(),
            )),
            // The runner stored the backoff as the job's run_at; the copy waits exactly that.
            Ok(Outcome::Retried | Outcome::Deferred) => {
                self.pending(tenant, event, handler, Duration::ZERO).await
            }
            Err(err) => {
                // Nothing was recorded and this worker holds the lease: the job can be taken
                // again when the lease runs out, so that is when the copy comes back.
                tracing::warn!(event = %event.id, handler, error = %err, "job could not be recorded");
                Ok(Verdict::Later(self.lease + RECHECK))
            }
        }
    }

    /// When the claim did not run the job: drop the message if the job is finished, else
    /// keep a copy coming back until it is (`floor` is the shortest wait).
    async fn pending(
        &self,
        tenant: &Tenant,
        event: &Event,
        handler: &str,
        floor: Duration,
    ) -> Result<Verdict, JobsError> {
        Ok(match self.load(tenant, event, handler).await? {
            // No job: the handler did not subscribe to this event when it was emitted.
            None => Verdict::Ack,
            Some(job) => match job.state.as_str() {
                "done" | "dead" => Verdict::Ack,
                // Another worker holds it (or held it and died): back when its lease ends.
                "running" => Verdict::Later(job.lease_left + RECHECK),
                _ => Verdict::Later(job.due_in.max(floor)),
            },
        })
    }

    async fn load(
        &self,
        tenant: &Tenant,
        event: &Event,
        handler: &str,
    ) -> Result<Option<JobState>, JobsError> {
        let mut tx = self.runner.tenancy().begin(tenant).await?;
        let job = job_state::load(&mut tx, event.id, handler).await?;
        tx.commit().await?;
        Ok(job)
    }
}
