//! The worker: learns which tenants have work (NOTIFY on the app database, a periodic sweep
//! of the catalog's servable tenants as the polling fallback, timers for retries), and runs
//! one *pass* of work per tenant at a time. What a pass does depends on the transport: run
//! due jobs (PostgreSQL) or relay unrelayed events (RabbitMQ).
//!
//! No query ever spans tenants: every pass and every sweep step is one tenant's transaction.

use crate::queue::{self, TenantStats};
use crate::{JobsError, metrics};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use comply360_domain::TenantId;
use comply360_store::listen::{Heard, Listener};
use comply360_store::{JOBS_CHANNEL, Tenancy, Tenant};
use futures::StreamExt;
use futures::stream::FuturesUnordered;
use sqlx::postgres::PgConnectOptions;
use std::collections::{HashMap, HashSet, VecDeque};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Notify, mpsc};
use tokio_util::sync::CancellationToken;
use tokio_util::time::DelayQueue;
use tokio_util::time::delay_queue::Key;

#[derive(Clone, Debug)]
pub struct WorkerConfig {
    /// Jobs run at once by this process.
    pub concurrency: usize,
    /// Tenants worked on at once.
    pub tenants_at_once: usize,
    /// Jobs one pass runs before the tenant goes to the back of the line (fairness).
    pub pass_limit: usize,
    /// How long a claimed job is this worker's; after that another worker may take it.
    pub lease: Duration,
    /// The polling fallback: every tenant is looked at this often even without a NOTIFY.
    pub sweep_interval: Duration,
    /// On shutdown, how long in-flight jobs may take before they are abandoned and released.
    pub shutdown_grace: Duration,
    /// The longest one job may run.
    pub job_timeout: Duration,
}

impl Default for WorkerConfig {
    fn default() -> Self {
        WorkerConfig {
            concurrency: 8,
            tenants_at_once: 4,
            pass_limit: 256,
            lease: Duration::from_secs(300),
            sweep_interval: Duration::from_secs(15),
            shutdown_grace: Duration::from_secs(20),
            job_timeout: Duration::from_secs(120),
        }
    }
}

/// What a pass reports back.
#[derive(Clone, Copy, Debug, Default)]
pub struct Pass {
    /// Work was left (the pass stopped at its limit): come back soon.
    pub more: bool,
    /// Otherwise, when work is next due (a retry), if ever.
    pub next_due: Option<DateTime<Utc>>,
}

/// One transport's unit of work for one tenant.
#[async_trait]
pub trait TenantWork: Send + Sync + 'static {
    async fn pass(&self, tenant: Arc<Tenant>, stop: CancellationToken) -> Result<Pass, JobsError>;
    /// Gives back whatever this worker holds in the tenant (shutdown).
    async fn release(&self, tenant: Arc<Tenant>) -> Result<(), JobsError>;
}

/// A running worker; `shutdown` stops it gracefully.
pub struct WorkerHandle {
    stop: CancellationToken,
    task: tokio::task::JoinHandle<()>,
}

impl WorkerHandle {
    pub fn stop_token(&self) -> CancellationToken {
        self.stop.clone()
    }

    /// Stops claiming, lets in-flight work finish (up to the grace period), releases the rest.
    pub async fn shutdown(self) {
        self.stop.cancel();
        let _ = self.task.await;
    }

    /// Waits for the worker to stop (after its token was cancelled elsewhere).
    pub async fn join(self) {
        let _ = self.task.await;
    }
}

type PassFuture = Pin<Box<dyn Future<Output = (TenantId, Result<Pass, JobsError>)> + Send>>;

pub struct Worker {
    tenancy: Tenancy,
    work: Arc<dyn TenantWork>,
    listen: PgConnectOptions,
    config: WorkerConfig,
    handlers: Vec<&'static str>,
}

impl Worker {
    /// `listen` must reach the app database directly (LISTEN needs a session; never through
    /// PgBouncer in transaction mode).
    pub fn new(
        tenancy: Tenancy,
        work: Arc<dyn TenantWork>,
        listen: PgConnectOptions,
        config: WorkerConfig,
        handlers: Vec<&'static str>,
    ) -> Worker {
        Worker {
            tenancy,
            work,
            listen,
            config,
            handlers,
        }
    }

    pub fn spawn(self, stop: CancellationToken) -> WorkerHandle {
        let token = stop.clone();
        let task = tokio::spawn(async move { self.run(token).await });
        WorkerHandle { stop, task }
    }

    async fn run(self, stop: CancellationToken) {
        metrics::describe(&self.handlers);
        let (wake_tx, mut wake_rx) = mpsc::unbounded_channel::<TenantId>();
        let sweep_now = Arc::new(Notify::new());
        let background = CancellationToken::new();
        let listener = tokio::spawn(listen_loop(
            self.listen.clone(),
            wake_tx.clone(),
            sweep_now.clone(),
            background.clone(),
        ));
        let sweeper = tokio::spawn(sweep_loop(
            self.tenancy.clone(),
            wake_tx,
            sweep_now,
            self.config.sweep_interval,
            self.handlers.clone(),
            background.clone(),
        ));

        let mut sched = Schedule::default();
        let mut passes: FuturesUnordered<PassFuture> = FuturesUnordered::new();
        let mut touched: HashMap<TenantId, Arc<Tenant>> = HashMap::new();
        loop {
            while passes.len() < self.config.tenants_at_once {
                let Some(id) = sched.next_ready() else { break };
                match self.tenancy.resolve_id(id).await {
                    Ok(tenant) if tenant.ensure_servable().is_ok() => {
                        touched.insert(id, tenant.clone());
                        let work = self.work.clone();
                        let stop = stop.clone();
                        passes.push(Box::pin(async move { (id, work.pass(tenant, stop).await) }));
                    }
                    Ok(_) => sched.finished(id),
                    Err(err) => {
                        tracing::warn!(tenant = %id, error = %err, "cannot resolve a tenant with work");
                        sched.finished(id);
                    }
                }
            }
            tokio::select! {
                _ = stop.cancelled() => break,
                Some(id) = wake_rx.recv() => sched.wake(id),
                Some(expired) = sched.timers.next(), if !sched.timers.is_empty() => {
                    let id = expired.into_inner();
                    sched.timer_keys.remove(&id);
                    sched.wake(id);
                }
                Some((id, result)) = passes.next(), if !passes.is_empty() => {
                    sched.finished(id);
                    match result {
                        Ok(pass) if pass.more => sched.wake(id),
                        Ok(pass) => {
                            if let Some(due) = pass.next_due {
                                sched.at(id, due);
                            }
                        }
                        Err(err) => {
                            tracing::warn!(tenant = %id, error = %err, "job pass failed; trying again shortly");
                            sched.at(id, Utc::now() + chrono::Duration::seconds(1));
                        }
                    }
                }
            }
        }

        // Graceful shutdown: passes see the token and claim nothing more; in-flight jobs get
        // the grace period to finish.
        let grace = tokio::time::sleep(self.config.shutdown_grace);
        tokio::pin!(grace);
        while !passes.is_empty() {
            tokio::select! {
                _ = &mut grace => {
                    tracing::warn!(passes = passes.len(), "shutdown grace over; abandoning in-flight jobs");
                    break;
                }
                _ = passes.next() => {}
            }
        }
        drop(passes);
        for tenant in touched.into_values() {
            if let Err(err) = self.work.release(tenant.clone()).await {
                tracing::warn!(tenant = %tenant.slug(), error = %err, "could not release claimed jobs; their lease will expire");
            }
        }
        background.cancel();
        let _ = listener.await;
        let _ = sweeper.await;
    }
}

/// Which tenants are due, in what order, and when the others are.
#[derive(Default)]
struct Schedule {
    ready: VecDeque<TenantId>,
    queued: HashSet<TenantId>,
    running: HashSet<TenantId>,
    /// Woken while a pass was running: run again when it ends.
    again: HashSet<TenantId>,
    timers: DelayQueue<TenantId>,
    timer_keys: HashMap<TenantId, (Key, DateTime<Utc>)>,
}

impl Schedule {
    fn wake(&mut self, id: TenantId) {
        if self.running.contains(&id) {
            self.again.insert(id);
        } else if self.queued.insert(id) {
            self.ready.push_back(id);
        }
    }

    fn next_ready(&mut self) -> Option<TenantId> {
        let id = self.ready.pop_front()?;
        self.queued.remove(&id);
        self.running.insert(id);
        Some(id)
    }

    fn finished(&mut self, id: TenantId) {
        self.running.remove(&id);
        if self.again.remove(&id) {
            self.wake(id);
        }
    }

    /// Wakes the tenant at `due` (keeping the earlier of two timers).
    fn at(&mut self, id: TenantId, due: DateTime<Utc>) {
        let wait = (due - Utc::now()).to_std().unwrap_or(Duration::ZERO);
        if wait.is_zero() {
            self.wake(id);
            return;
        }
        if let Some((key, existing)) = self.timer_keys.get(&id) {
            if *existing <= due {
                return;
            }
            self.timers.remove(key);
        }
        let key = self.timers.insert(id, wait);
        self.timer_keys.insert(id, (key, due));
    }
}

async fn listen_loop(
    options: PgConnectOptions,
    wake: mpsc::UnboundedSender<TenantId>,
    sweep_now: Arc<Notify>,
    stop: CancellationToken,
) {
    let mut listener = Listener::new("job listener", options, &[JOBS_CHANNEL], stop);
    while let Some(heard) = listener.next().await {
        match heard {
            Heard::Notification { payload, .. } => {
                if let Ok(id) = payload.parse::<TenantId>() {
                    let _ = wake.send(id);
                }
            }
            // Wake-ups sent while we were not listening are lost: look everywhere.
            Heard::Connected => sweep_now.notify_one(),
            // Until the listener is back, the sweep is the only way work is found.
            Heard::Lost => {}
        }
    }
}

/// Every `interval` (or when asked), wakes every servable tenant and refreshes the queue
/// gauges from each tenant's own counts.
async fn sweep_loop(
    tenancy: Tenancy,
    wake: mpsc::UnboundedSender<TenantId>,
    sweep_now: Arc<Notify>,
    interval: Duration,
    handlers: Vec<&'static str>,
    stop: CancellationToken,
) {
    loop {
        match tenancy.servable_tenants().await {
            Ok(tenants) => {
                let mut stats: Vec<TenantStats> = Vec::with_capacity(tenants.len());
                for tenant in tenants {
                    if stop.is_cancelled() {
                        return;
                    }
                    let _ = wake.send(tenant.id());
                    match tenant_stats(&tenancy, &tenant).await {
                        Ok(s) => stats.push(s),
                        Err(err) => {
                            tracing::debug!(tenant = %tenant.slug(), error = %err, "no queue stats")
                        }
                    }
                }
                metrics::publish_queue(&handlers, &stats);
            }
            Err(err) => tracing::warn!(error = %err, "job sweep cannot list tenants"),
        }
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = tokio::time::sleep(interval) => {}
            _ = sweep_now.notified() => {}
        }
    }
}

async fn tenant_stats(tenancy: &Tenancy, tenant: &Tenant) -> Result<TenantStats, JobsError> {
    let mut tx = tenancy.begin(tenant).await?;
    let stats = queue::stats(&mut tx).await?;
    tx.commit().await?;
    Ok(stats)
}
