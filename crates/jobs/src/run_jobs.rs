//! The PostgreSQL transport's pass: dispatch waiting events into their jobs, claim due jobs with
//! `FOR UPDATE SKIP LOCKED` and run them, refilling as they finish so `concurrency` jobs are
//! always in flight.

use crate::JobsError;
use crate::queue;
use crate::runner::Runner;
use crate::worker::{Pass, TenantWork};
use async_trait::async_trait;
use comply360_store::Tenant;
use futures::StreamExt;
use futures::stream::FuturesUnordered;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;

/// Jobs claimed per free slot, and the size of a batch (see `pass`).
const BATCH_PER_SLOT: usize = 8;

type JobFuture =
    std::pin::Pin<Box<dyn std::future::Future<Output = (String, Result<(), JobsError>)> + Send>>;

pub struct RunJobs {
    runner: Runner,
    worker_id: String,
    lease: Duration,
    pass_limit: usize,
    concurrency: usize,
    /// Shared by every tenant's pass: the process never runs more than `concurrency` jobs.
    permits: Arc<Semaphore>,
}

impl RunJobs {
    pub fn new(
        runner: Runner,
        worker_id: String,
        lease: Duration,
        concurrency: usize,
        pass_limit: usize,
    ) -> RunJobs {
        let concurrency = concurrency.max(1);
        RunJobs {
            runner,
            worker_id,
            lease,
            pass_limit: pass_limit.max(1),
            concurrency,
            permits: Arc::new(Semaphore::new(concurrency)),
        }
    }

    /// Dispatches up to `n` waiting events into their jobs, then claims up to `n` due jobs, in
    /// one transaction. Also says whether events were left waiting.
    async fn claim(
        &self,
        tenant: &Tenant,
        n: usize,
    ) -> Result<(Vec<queue::ClaimedJob>, bool), JobsError> {
        let mut tx = self.runner.tenancy().begin_relaxed(tenant).await?;
        let limit = i64::try_from(n).unwrap_or(i64::MAX);
        let dispatched =
            queue::dispatch(&mut tx, self.runner.outbox().subscriptions(), limit).await?;
        let jobs = queue::claim(&mut tx, &self.worker_id, self.lease, limit).await?;
        tx.commit().await?;
        Ok((jobs, dispatched.events >= n))
    }
}

#[async_trait]
impl TenantWork for RunJobs {
    async fn pass(&self, tenant: Arc<Tenant>, stop: CancellationToken) -> Result<Pass, JobsError> {
        // A job may hold two of its agency's connections at once (its transaction, and a short
        // one of its own, as notify.deliver records a send). With one connection always left
        // over, some job (or request) can take it and finish, so no pass stalls on its own
        // pool. A database-mode agency's pool of 5 runs 4 jobs at a time: with the process's 8
        // slots on it, every connection was held by a job waiting for a second one, and
        // sign-ins timed out (seen at the demo's start).
        let connections = self.runner.tenancy().connections_for(&tenant) as usize;
        let tenant_slots = Arc::new(Semaphore::new(
            connections.saturating_sub(1).clamp(1, self.concurrency),
        ));
        let mut in_flight: FuturesUnordered<JobFuture> = FuturesUnordered::new();
        let mut exhausted = false;
        let mut started = 0usize;
        let mut first_error = None;
        loop {
            // Refill when half the slots are free: one claim round trip serves many jobs.
            // (Lone jobs from a large claim may outnumber the slots while they wait for a
            // permit, hence the saturation.)
            let free = self.concurrency.saturating_sub(in_flight.len());
            if !exhausted
                && !stop.is_cancelled()
                && started < self.pass_limit
                && (in_flight.is_empty() || (free > 0 && free * 2 >= self.concurrency))
            {
                // Batching handlers take a whole batch in one transaction, so claim more
                // than there are free slots; lone jobs still wait for a permit each.
                let want = (free.max(1) * BATCH_PER_SLOT).min(self.pass_limit - started);
                let (jobs, events_left) = match self.claim(&tenant, want).await {
                    Ok(claimed) => claimed,
                    Err(err) => {
                        first_error.get_or_insert(err);
                        exhausted = true;
                        (Vec::new(), false)
                    }
                };
                if jobs.len() < want && !events_left {
                    exhausted = true;
                }
                started += jobs.len();
                let subs = self.runner.outbox().subscriptions();
                let (batched, alone): (Vec<_>, Vec<_>) = jobs.into_iter().partition(|job| {
                    subs.get(&job.handler)
                        .is_some_and(|s| s.handler.runs_in_batches())
                });
                // A batch per slot: one batch of the whole claim would be a single future in
                // flight, and the pass would wait for it before claiming again, so batching
                // jobs ran one batch at a time however many slots were free.
                let mut batched = batched;
                while !batched.is_empty() {
                    let rest = batched.split_off(batched.len().min(BATCH_PER_SLOT));
                    let batch = std::mem::replace(&mut batched, rest);
                    let runner = self.runner.clone();
                    let permits = self.permits.clone();
                    let slots = tenant_slots.clone();
                    let tenant = tenant.clone();
                    in_flight.push(Box::pin(async move {
                        let _slot = slots.acquire_owned().await;
                        let _permit = permits.acquire_owned().await;
                        let what = format!("batch of {}", batch.len());
                        (what, runner.run_batch(tenant, batch).await)
                    }) as JobFuture);
                }
                for job in alone {
                    let runner = self.runner.clone();
                    let permits = self.permits.clone();
                    let slots = tenant_slots.clone();
                    let tenant = tenant.clone();
                    in_flight.push(Box::pin(async move {
                        let _slot = slots.acquire_owned().await;
                        let _permit = permits.acquire_owned().await;
                        let what = format!("job {}", job.id);
                        (what, runner.run(&tenant, job).await.map(|_| ()))
                    }));
                }
            }
            match in_flight.next().await {
                None => break,
                Some((_, Ok(()))) => {}
                Some((what, Err(err))) => {
                    // The jobs keep their lease and run again when it expires.
                    tracing::warn!(error = %err, "{what} could not be recorded");
                }
            }
        }
        if let Some(err) = first_error {
            return Err(err);
        }
        if !exhausted && !stop.is_cancelled() {
            return Ok(Pass {
                more: true,
                next_due: None,
            });
        }
        let mut tx = self.runner.tenancy().begin(&tenant).await?;
        let next_due = queue::next_due(&mut tx).await?;
        tx.commit().await?;
        Ok(Pass {
            more: false,
            next_due,
        })
    }

    async fn release(&self, tenant: Arc<Tenant>) -> Result<(), JobsError> {
        let mut tx = self.runner.tenancy().begin(&tenant).await?;
        let released = queue::release(&mut tx, &self.worker_id).await?;
        tx.commit().await?;
        if released > 0 {
            tracing::info!(tenant = %tenant.slug(), released, "released claimed jobs");
        }
        Ok(())
    }
}

/// The PostgreSQL transport's worker: [`RunJobs`] passes driven by a [`Worker`], with this
/// process's lease-holder name and relaxed commits for claims and completions (a completion
/// lost in a server crash leaves the job `running`; its lease runs out and it is claimed
/// again). `listen` must reach the app database directly.
pub fn postgres_worker(
    runner: Runner,
    listen: sqlx::postgres::PgConnectOptions,
    config: crate::WorkerConfig,
) -> crate::Worker {
    let tenancy = runner.tenancy().clone();
    let handlers = runner.outbox().subscriptions().names();
    let work = RunJobs::new(
        runner.with_relaxed_commits(),
        crate::worker_id(),
        config.lease,
        config.concurrency,
        config.pass_limit,
    );
    crate::Worker::new(tenancy, Arc::new(work), listen, config, handlers)
}
