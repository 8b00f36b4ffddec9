//! `comply360 bench --suite jobs`: the PostgreSQL job queue's throughput from `emit` to handler
//! completion with a no-op handler, and what `emit` adds to a request's transaction.

use super::bench::percentiles;
use async_trait::async_trait;
use comply360_domain::IsolationMode;
use comply360_jobs::event::types;
use comply360_jobs::run_jobs::postgres_worker;
use comply360_jobs::{
    Handler, HandlerError, JobContext, NewEvent, Outbox, RetryPolicy, Runner, Subscriptions,
    Transport, WorkerConfig,
};
use comply360_store::{Store, Tenant};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

/// Does nothing but count, so the bench can wait without polling the jobs table (a count
/// over a busy queue every few milliseconds would cost more than the jobs themselves).
struct Noop(Arc<AtomicUsize>);

#[async_trait]
impl Handler for Noop {
    fn name(&self) -> &'static str {
        "bench.noop"
    }
    fn subscribes_to(&self) -> &'static [&'static str] {
        &["payment.received"]
    }
    fn runs_in_batches(&self) -> bool {
        true
    }

    async fn handle(&self, _ctx: &mut JobContext<'_>) -> Result<(), HandlerError> {
        self.0.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }
}

pub async fn bench(store: &Store, events: usize, concurrency: usize) -> anyhow::Result<()> {
    let handled = Arc::new(AtomicUsize::new(0));
    let outbox = Outbox::new(
        Arc::new(Subscriptions::new(RetryPolicy::DEFAULT).with(Noop(handled.clone()))),
        Transport::Postgres,
    );
    let mut tenants = Vec::new();
    for mode in [
        IsolationMode::Pooled,
        IsolationMode::Schema,
        IsolationMode::Database,
    ] {
        let slug = format!("jobs-{mode}");
        super::bench::provision(store, &slug, mode).await?;
        tenants.push(store.tenancy().resolve(&slug).await?);
    }

    println!("\njobs (PostgreSQL transport, no-op handler, {concurrency} jobs at once):");
    emit_latency(store, &outbox, &tenants[0]).await?;

    let per_tenant = events / tenants.len();
    let total = per_tenant * tenants.len();
    let config = WorkerConfig {
        concurrency,
        ..WorkerConfig::default()
    };
    let runner = Runner::new(store.tenancy().clone(), outbox.clone(), config.job_timeout);
    let worker =
        postgres_worker(runner, store.listen_options(), config).spawn(CancellationToken::new());

    // Emit while the worker runs: the figure is emit -> handler completion, end to end.
    let started = Instant::now();
    let emitting = {
        let store = store.clone();
        let outbox = outbox.clone();
        let tenants = tenants.clone();
        tokio::spawn(async move {
            let handles: Vec<_> = tenants
                .into_iter()
                .map(|t| {
                    let store = store.clone();
                    let outbox = outbox.clone();
                    tokio::spawn(async move { emit_batches(&store, &outbox, &t, per_tenant).await })
                })
                .collect();
            for h in handles {
                h.await??;
            }
            anyhow::Ok(started.elapsed())
        })
    };
    let emitted_in = emitting.await??;
    // The handler has run for every event; then wait for the last commits to be visible.
    while handled.load(Ordering::Relaxed) < total {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    while done(store, &tenants).await? < total {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let elapsed = started.elapsed();
    worker.shutdown().await;
    println!(
        "  {total} events over 3 tenants (one per mode): emitted in {:.2} s ({:.0}/s), all handled after {:.2} s: {:.0} events/s end to end",
        emitted_in.as_secs_f64(),
        total as f64 / emitted_in.as_secs_f64(),
        elapsed.as_secs_f64(),
        total as f64 / elapsed.as_secs_f64()
    );
    use super::bench_report::{record, round2};
    record("events", total);
    record(
        "events_emitted_per_second",
        round2(total as f64 / emitted_in.as_secs_f64()),
    );
    record(
        "events_handled_per_second",
        round2(total as f64 / elapsed.as_secs_f64()),
    );
    Ok(())
}

async fn emit_batches(
    store: &Store,
    outbox: &Outbox,
    tenant: &Tenant,
    n: usize,
) -> anyhow::Result<()> {
    let mut left = n;
    while left > 0 {
        let batch = left.min(100);
        let mut tx = store.tenancy().begin(tenant).await?;
        for _ in 0..batch {
            let event = NewEvent::new(types::PAYMENT_RECEIVED, "payment").aggregate(Uuid::now_v7());
            outbox.emit(&mut tx, event).await?;
        }
        tx.commit().await?;
        left -= batch;
    }
    Ok(())
}

async fn done(store: &Store, tenants: &[Arc<Tenant>]) -> anyhow::Result<usize> {
    let mut total = 0i64;
    for t in tenants {
        let mut tx = store.tenancy().begin(t).await?;
        let n = comply360_jobs::queue::count_done(&mut tx).await?;
        tx.commit().await?;
        total += n;
    }
    Ok(usize::try_from(total)?)
}

/// A request-shaped transaction (insert one row, commit) with and without one `emit`.
async fn emit_latency(store: &Store, outbox: &Outbox, tenant: &Tenant) -> anyhow::Result<()> {
    const N: usize = 500;
    let mut without = Vec::with_capacity(N);
    let mut with = Vec::with_capacity(N);
    for i in 0..2 * N {
        let emit = i % 2 == 1;
        let started = Instant::now();
        let mut tx = store.tenancy().begin(tenant).await?;
        comply360_store::repo::bench::write_one_row(&mut tx).await?;
        if emit {
            let event = NewEvent::new(types::PAYMENT_RECEIVED, "payment").aggregate(Uuid::now_v7());
            outbox.emit(&mut tx, event).await?;
        }
        tx.commit().await?;
        if emit {
            with.push(started.elapsed());
        } else {
            without.push(started.elapsed());
        }
    }
    let (p50a, p95a, _) = percentiles(&mut without);
    let (p50b, p95b, _) = percentiles(&mut with);
    println!(
        "  request transaction (pooled): without emit p50 {p50a:.2} / p95 {p95a:.2} ms; with emit p50 {p50b:.2} / p95 {p95b:.2} ms; emit adds {:.2} ms at p50",
        p50b - p50a
    );
    use super::bench_report::{record, round2};
    record("request_tx_without_emit_p50_ms", round2(p50a));
    record("request_tx_with_emit_p50_ms", round2(p50b));
    record("request_tx_with_emit_p95_ms", round2(p95b));
    Ok(())
}
