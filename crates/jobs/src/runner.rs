//! Running one claimed job: the handler's effects, its inbox row and the job's completion in
//! one transaction; a failure is recorded in a second one.

use crate::handler::JobContext;
use crate::metrics;
use crate::outbox::Outbox;
use crate::queue::{self, ClaimedJob};
use crate::{HandlerError, JobsError};
use comply360_store::{Tenancy, Tenant};
use std::time::{Duration, Instant};

/// What became of a job.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Done,
    /// Its inbox row existed: processed before (a redelivery, or a worker that died after
    /// committing), so nothing was run again.
    Duplicate,
    /// Failed; queued again with backoff.
    Retried,
    /// Not attempted (circuit open); queued again without using an attempt.
    Deferred,
    /// Failed for the last time (or permanently): parked as a dead letter.
    Dead,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Done => "done",
            Outcome::Duplicate => "duplicate",
            Outcome::Retried => "retried",
            Outcome::Deferred => "deferred",
            Outcome::Dead => "dead",
        }
    }
}

#[derive(Clone)]
pub struct Runner {
    tenancy: Tenancy,
    outbox: Outbox,
    job_timeout: Duration,
}

impl Runner {
    pub fn new(tenancy: Tenancy, outbox: Outbox, job_timeout: Duration) -> Runner {
        Runner {
            tenancy,
            outbox,
            job_timeout,
        }
    }

    pub fn tenancy(&self) -> &Tenancy {
        &self.tenancy
    }

    pub fn outbox(&self) -> &Outbox {
        &self.outbox
    }

    pub async fn run(&self, tenant: &Tenant, job: ClaimedJob) -> Result<Outcome, JobsError> {
        let started = Instant::now();
        let outcome = self.attempt(tenant, &job).await?;
        metrics::job_finished(&job.handler, outcome, started.elapsed());
        Ok(outcome)
    }

    async fn attempt(&self, tenant: &Tenant, job: &ClaimedJob) -> Result<Outcome, JobsError> {
        let subs = self.outbox.subscriptions().clone();
        let Some(sub) = subs.get(&job.handler) else {
            let error = format!(
                "no handler named {} runs in this deployment; deploy it, then `comply360 jobs retry {}`",
                job.handler, job.id
            );
            return self.fail(tenant, job, HandlerError::Permanent(error)).await;
        };
        let mut tx = self.tenancy.begin(tenant).await?;
        if !queue::take_inbox_slot(&mut tx, &job.handler, job.event.id).await? {
            queue::mark_done(&mut tx, job.id).await?;
            tx.commit().await?;
            return Ok(Outcome::Duplicate);
        }
        if job.attempt > job.max_attempts {
            // Its worker died during the last attempt and nothing was committed.
            tx.rollback().await?;
            let error = "the worker stopped during the last attempt".to_owned();
            return self.fail(tenant, job, HandlerError::Permanent(error)).await;
        }
        let result = {
            let mut ctx = JobContext {
                tx: &mut tx,
                tenant,
                event: &job.event,
                outbox: &self.outbox,
                attempt: job.attempt,
                max_attempts: job.max_attempts,
            };
            match tokio::time::timeout(self.job_timeout, sub.handler.handle(&mut ctx)).await {
                Ok(result) => result,
                Err(_) => Err(HandlerError::Retryable(format!(
                    "timed out after {:?}",
                    self.job_timeout
                ))),
            }
        };
        match result {
            Ok(()) => {
                queue::mark_done(&mut tx, job.id).await?;
                tx.commit().await?;
                Ok(Outcome::Done)
            }
            Err(err) => {
                tx.rollback().await?;
                self.fail(tenant, job, err).await
            }
        }
    }

    /// Records a failure: back in the queue with backoff, deferred, or dead.
    async fn fail(
        &self,
        tenant: &Tenant,
        job: &ClaimedJob,
        err: HandlerError,
    ) -> Result<Outcome, JobsError> {
        let policy = self
            .outbox
            .subscriptions()
            .get(&job.handler)
            .map(|s| s.policy)
            .unwrap_or_else(|| self.outbox.subscriptions().default_policy());
        let error = err.to_string();
        let mut tx = self.tenancy.begin(tenant).await?;
        let outcome = match err {
            HandlerError::Deferred { after, .. } => {
                queue::reschedule(&mut tx, job.id, after, &error, true).await?;
                Outcome::Deferred
            }
            HandlerError::Retryable(_) if job.attempt < job.max_attempts => {
                let delay = policy.delay_after(job.attempt);
                queue::reschedule(&mut tx, job.id, delay, &error, false).await?;
                tracing::info!(job = %job.id, handler = %job.handler, attempt = job.attempt,
                    retry_in = ?delay, error = %error, "job failed; will retry");
                Outcome::Retried
            }
            _ => {
                queue::mark_dead(&mut tx, job.id, &error).await?;
                if let Some(sub) = self.outbox.subscriptions().get(&job.handler) {
                    let mut ctx = JobContext {
                        tx: &mut tx,
                        tenant,
                        event: &job.event,
                        outbox: &self.outbox,
                        attempt: job.attempt,
                        max_attempts: job.max_attempts,
                    };
                    if let Err(hook) = sub.handler.on_dead(&mut ctx, &error).await {
                        // The dead letter matters more than the hook: record it without.
                        tracing::warn!(job = %job.id, error = %hook, "on_dead hook failed");
                        tx.rollback().await?;
                        tx = self.tenancy.begin(tenant).await?;
                        queue::mark_dead(&mut tx, job.id, &error).await?;
                    }
                }
                tracing::warn!(job = %job.id, handler = %job.handler, attempts = job.attempt,
                    error = %error, "job dead-lettered");
                Outcome::Dead
            }
        };
        tx.commit().await?;
        Ok(outcome)
    }
}
