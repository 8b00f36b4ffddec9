//! Running one claimed job: the handler's effects, its inbox row and the job's completion in
//! one transaction; a failure is recorded in a second one.

use crate::handler::{JobContext, PrepareContext};
use crate::metrics;
use crate::outbox::Outbox;
use crate::queue::{self, ClaimedJob};
use crate::{HandlerError, JobsError};
use comply360_domain::EventId;
use comply360_store::{Tenancy, Tenant, TenantTx};
use futures::FutureExt;
use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tracing::Instrument;

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
    relaxed_commits: bool,
}

impl Runner {
    pub fn new(tenancy: Tenancy, outbox: Outbox, job_timeout: Duration) -> Runner {
        Runner {
            tenancy,
            outbox,
            job_timeout,
            relaxed_commits: false,
        }
    }

    /// Job transactions commit without waiting for the WAL flush. Safe only where a lost
    /// completion is found again: on the PostgreSQL transport the job stays `running` and is
    /// claimed again when its lease expires (effects and inbox row were lost with it). Not on
    /// RabbitMQ, where the message is acknowledged after the commit and would be gone.
    pub fn with_relaxed_commits(mut self) -> Runner {
        self.relaxed_commits = true;
        self
    }

    async fn begin(&self, tenant: &Tenant) -> Result<TenantTx, JobsError> {
        Ok(if self.relaxed_commits {
            self.tenancy.begin_relaxed(tenant).await?
        } else {
            self.tenancy.begin(tenant).await?
        })
    }

    pub fn tenancy(&self) -> &Tenancy {
        &self.tenancy
    }

    pub fn outbox(&self) -> &Outbox {
        &self.outbox
    }

    /// What a handler is given for `job` (its run, or its `on_dead` hook).
    fn context<'a>(
        &'a self,
        tx: &'a mut TenantTx,
        tenant: &'a Tenant,
        job: &'a ClaimedJob,
    ) -> JobContext<'a> {
        JobContext {
            tx,
            tenant,
            event: &job.event,
            outbox: &self.outbox,
            attempt: job.attempt,
            max_attempts: job.max_attempts,
            prepared: None,
        }
    }

    pub async fn run(&self, tenant: &Tenant, job: ClaimedJob) -> Result<Outcome, JobsError> {
        let span = job_span(tenant, &job);
        async move {
            let started = Instant::now();
            let outcome = self.attempt(tenant, &job).await?;
            metrics::job_finished(&job.handler, outcome, started.elapsed());
            Ok(outcome)
        }
        .instrument(span)
        .await
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
        // The handler's work outside any transaction, within the job's time limit.
        let started = Instant::now();
        let prepare_ctx = PrepareContext {
            tenancy: &self.tenancy,
            tenant,
            event: &job.event,
            attempt: job.attempt,
        };
        let prepare = sub.handler.prepare(&prepare_ctx);
        let prepared = match tokio::time::timeout(self.job_timeout, prepare).await {
            Ok(Ok(prepared)) => prepared,
            Ok(Err(err)) => return self.fail(tenant, job, err).await,
            Err(_) => {
                let err =
                    HandlerError::Retryable(format!("timed out after {:?}", self.job_timeout));
                return self.fail(tenant, job, err).await;
            }
        };
        let remaining = self.job_timeout.saturating_sub(started.elapsed());
        let mut tx = self.begin(tenant).await?;
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
            let mut ctx = self.context(&mut tx, tenant, job);
            ctx.prepared = prepared;
            match tokio::time::timeout(remaining, sub.handler.handle(&mut ctx)).await {
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

    /// Runs jobs of batching handlers ([`crate::Handler::runs_in_batches`]) in one
    /// transaction, each under a savepoint: one BEGIN, one inbox statement, one completion
    /// statement and one commit for the lot, and two round trips per job (its savepoint) besides its
    /// own statements. A job that fails is rolled back to its savepoint (its inbox slot given
    /// back) and recorded after the commit, as [`Runner::run`] does. If the batch's
    /// transaction itself fails, each job runs again on its own.
    pub async fn run_batch(
        &self,
        tenant: Arc<Tenant>,
        jobs: Vec<ClaimedJob>,
    ) -> Result<(), JobsError> {
        if jobs.is_empty() {
            return Ok(());
        }
        let started = Instant::now();
        let jobs = Arc::new(jobs);
        let batch = self
            .clone()
            .try_batch(tenant.clone(), jobs.clone())
            .boxed()
            .await;
        let (outcomes, failures) = match batch {
            Ok(result) => result,
            Err(err) => {
                tracing::debug!(error = %err, jobs = jobs.len(), "batch failed; running its jobs one by one");
                for i in 0..jobs.len() {
                    let job = jobs[i].clone();
                    self.clone().run_owned(tenant.clone(), job).boxed().await?;
                }
                return Ok(());
            }
        };
        let each = started.elapsed() / u32::try_from(jobs.len()).unwrap_or(u32::MAX);
        for (i, outcome) in outcomes {
            metrics::job_finished(&jobs[i].handler, outcome, each);
        }
        for (i, err) in failures {
            let job = jobs[i].clone();
            let outcome = self
                .clone()
                .fail_owned(tenant.clone(), job, err)
                .boxed()
                .await?;
            metrics::job_finished(&jobs[i].handler, outcome, each);
        }
        Ok(())
    }

    async fn run_owned(self, tenant: Arc<Tenant>, job: ClaimedJob) -> Result<Outcome, JobsError> {
        self.run(&tenant, job).await
    }

    async fn fail_owned(
        self,
        tenant: Arc<Tenant>,
        job: ClaimedJob,
        err: HandlerError,
    ) -> Result<Outcome, JobsError> {
        self.fail(&tenant, &job, err).await
    }

    /// The batch's transaction; returns the outcomes (by index) and the failures to record.
    // Owned arguments: with borrowed ones the compiler cannot prove the future `Send` for
    // every lifetime once the pass boxes it (rust-lang/rust#102211 and relatives).
    async fn try_batch(
        self,
        tenant: Arc<Tenant>,
        jobs: Arc<Vec<ClaimedJob>>,
    ) -> Result<(Vec<(usize, Outcome)>, Vec<(usize, HandlerError)>), JobsError> {
        {
            let tenant: &Tenant = &tenant;
            let subs = self.outbox.subscriptions().clone();
            let mut tx = self.begin(tenant).boxed().await?;
            let slots: Vec<(String, EventId)> = jobs
                .iter()
                .map(|job| (job.handler.clone(), job.event.id))
                .collect();
            let fresh: HashSet<(String, EventId)> = queue::take_inbox_slots(&mut tx, &slots)
                .boxed()
                .await?
                .into_iter()
                .collect();
            let mut done = Vec::new();
            let mut outcomes = Vec::new();
            let mut failures = Vec::new();
            let mut given_back: Vec<(String, EventId)> = Vec::new();
            // Indexes rather than an iterator: a slice iterator held across an await trips
            // the same compiler limitation as above.
            for i in 0..jobs.len() {
                let job = &jobs[i];
                if !fresh.contains(&(job.handler.clone(), job.event.id)) {
                    done.push(job.id);
                    outcomes.push((i, Outcome::Duplicate));
                    continue;
                }
                let handler = match subs.get(&job.handler) {
                    Some(sub) if job.attempt <= job.max_attempts => sub.handler.clone(),
                    _ => {
                        // Not runnable here (see `attempt`): recorded as a permanent failure.
                        given_back.push((job.handler.clone(), job.event.id));
                        let error = "the worker stopped during the last attempt, or the handler is not deployed";
                        failures.push((i, HandlerError::Permanent(error.to_owned())));
                        continue;
                    }
                };
                // One round trip: end the previous job's savepoint and open this one's.
                savepoint_op(&mut tx, "SAVEPOINT job").await?;
                let span = job_span(tenant, job);
                let result = {
                    let mut ctx = self.context(&mut tx, tenant, job);
                    let handled = handler.handle(&mut ctx).instrument(span);
                    match tokio::time::timeout(self.job_timeout, handled).await {
                        Ok(result) => result,
                        Err(_) => Err(HandlerError::Retryable(format!(
                            "timed out after {:?}",
                            self.job_timeout
                        ))),
                    }
                };
                match result {
                    Ok(()) => {
                        savepoint_op(&mut tx, "RELEASE SAVEPOINT job").await?;
                        done.push(job.id);
                        outcomes.push((i, Outcome::Done));
                    }
                    Err(err) => {
                        savepoint_op(&mut tx, "ROLLBACK TO SAVEPOINT job").await?;
                        savepoint_op(&mut tx, "RELEASE SAVEPOINT job").await?;
                        given_back.push((job.handler.clone(), job.event.id));
                        failures.push((i, err));
                    }
                }
            }
            if !given_back.is_empty() {
                queue::drop_inbox_slots(&mut tx, &given_back)
                    .boxed()
                    .await?;
            }
            queue::mark_all_done(&mut tx, &done).boxed().await?;
            tx.commit().boxed().await?;
            Ok((outcomes, failures))
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
        let mut tx = self.begin(tenant).await?;
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
                    let mut ctx = self.context(&mut tx, tenant, job);
                    if let Err(hook) = sub.handler.on_dead(&mut ctx, &error).await {
                        // The dead letter matters more than the hook: record it without.
                        tracing::warn!(job = %job.id, error = %hook, "on_dead hook failed");
                        tx.rollback().await?;
                        tx = self.begin(tenant).await?;
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

/// A job's span. It continues the trace of whatever emitted the job's event: the parent is
/// set here, before the span is first entered (which would fix its trace).
fn job_span(tenant: &Tenant, job: &ClaimedJob) -> tracing::Span {
    let span = tracing::info_span!("job", job = %job.id, handler = %job.handler,
        tenant = %tenant.slug(), event = %job.event.id, attempt = job.attempt);
    if let Some(parent) = &job.event.traceparent {
        comply360_domain::trace_context::adopt(&span, parent);
    }
    span
}

/// A savepoint statement in the batch's transaction.
async fn savepoint_op(tx: &mut TenantTx, sql: &'static str) -> Result<(), JobsError> {
    tx.query(sql).execute(tx.conn()).await?;
    Ok(())
}
