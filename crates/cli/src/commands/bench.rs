//! `comply360 bench`: provisioning latency per isolation mode and a fleet migration, measured
//! on a throwaway embedded cluster in a temporary directory (removed afterwards).

use crate::cli::{BenchArgs, BenchSuite};
use comply360_domain::{IsolationMode, Slug, Tier};
use comply360_store::embedded::{EmbeddedCluster, EmbeddedOptions};
use comply360_store::fleet::FleetOptions;
use comply360_store::migrations::{Migration, MigrationSet};
use comply360_store::provision::{NewTenant, ProvisionOptions};
use comply360_store::{EMBEDDED_ADMIN_ROLE, Store, StoreSettings};
use std::process::ExitCode;
use std::time::{Duration, Instant};

pub async fn run(args: BenchArgs) -> anyhow::Result<ExitCode> {
    let dir = tempfile::Builder::new()
        .prefix("c360bench-")
        .tempdir_in("/tmp")?;
    let mut opts = EmbeddedOptions::new(dir.path());
    opts.unsafe_no_fsync = args.no_fsync;
    let cluster = EmbeddedCluster::start(&opts).await?;
    let mut settings = StoreSettings::new(cluster.address(), EMBEDDED_ADMIN_ROLE);
    settings.maintenance = false;
    let result = match args.suite {
        BenchSuite::Provisioning => bench(settings, &args).await,
        BenchSuite::Jobs => jobs_suite(settings, &args).await,
        BenchSuite::Auth => auth_suite(settings, &args).await,
        BenchSuite::Registrations => registrations_suite(settings, &args).await,
        BenchSuite::Portal => portal_suite(settings, &args).await,
        BenchSuite::Documents => documents_suite(settings, &args).await,
        BenchSuite::Money => money_suite(settings, &args).await,
        BenchSuite::Reports => reports_suite(settings, &args).await,
        BenchSuite::Payments => payments_suite(settings, &args).await,
    };
    cluster.release().await?;
    result.map(|()| ExitCode::SUCCESS)
}

async fn money_suite(settings: StoreSettings, args: &BenchArgs) -> anyhow::Result<()> {
    let store = Store::open(settings).await?;
    println!(
        "comply360 bench --suite money: {} cores, fsync {}",
        std::thread::available_parallelism().map_or(1, |n| n.get()),
        if args.no_fsync { "off" } else { "on" }
    );
    let result = super::bench_money::bench(&store, args.approvals, args.odoo_records).await;
    store.close().await;
    result
}

async fn payments_suite(settings: StoreSettings, args: &BenchArgs) -> anyhow::Result<()> {
    let store = Store::open(settings).await?;
    println!(
        "comply360 bench --suite payments: {} cores, fsync {}",
        std::thread::available_parallelism().map_or(1, |n| n.get()),
        if args.no_fsync { "off" } else { "on" }
    );
    let result = super::bench_payments::bench(&store, args.webhooks, args.webhooks_in_flight).await;
    store.close().await;
    result
}

async fn jobs_suite(settings: StoreSettings, args: &BenchArgs) -> anyhow::Result<()> {
    let store = Store::open(settings).await?;
    println!(
        "comply360 bench --suite jobs: {} cores, fsync {}",
        std::thread::available_parallelism().map_or(1, |n| n.get()),
        if args.no_fsync { "off" } else { "on" }
    );
    let result = super::bench_jobs::bench(&store, args.events, args.jobs_concurrency).await;
    store.close().await;
    result
}

async fn auth_suite(settings: StoreSettings, args: &BenchArgs) -> anyhow::Result<()> {
    let store = Store::open(settings).await?;
    println!(
        "comply360 bench --suite auth: {} cores, fsync {}",
        std::thread::available_parallelism().map_or(1, |n| n.get()),
        if args.no_fsync { "off" } else { "on" }
    );
    let result = super::bench_auth::bench(&store, 200, 20_000).await;
    store.close().await;
    result
}

async fn registrations_suite(settings: StoreSettings, args: &BenchArgs) -> anyhow::Result<()> {
    let store = Store::open(settings).await?;
    println!(
        "comply360 bench --suite registrations: {} cores, fsync {}",
        std::thread::available_parallelism().map_or(1, |n| n.get()),
        if args.no_fsync { "off" } else { "on" }
    );
    let result = super::bench_registrations::bench(&store, 100_000, 2000).await;
    store.close().await;
    result
}

async fn portal_suite(settings: StoreSettings, args: &BenchArgs) -> anyhow::Result<()> {
    let store = Store::open(settings).await?;
    println!(
        "comply360 bench --suite portal: {} cores, fsync {}",
        std::thread::available_parallelism().map_or(1, |n| n.get()),
        if args.no_fsync { "off" } else { "on" }
    );
    let result = super::bench_portal::bench(&store, 200).await;
    store.close().await;
    result
}

async fn reports_suite(settings: StoreSettings, args: &BenchArgs) -> anyhow::Result<()> {
    let store = Store::open(settings).await?;
    println!(
        "comply360 bench --suite reports: {} cores, fsync {}",
        std::thread::available_parallelism().map_or(1, |n| n.get()),
        if args.no_fsync { "off" } else { "on" }
    );
    let result = super::bench_reports::bench(&store, 200).await;
    store.close().await;
    result
}

async fn documents_suite(settings: StoreSettings, args: &BenchArgs) -> anyhow::Result<()> {
    let store = Store::open(settings).await?;
    println!(
        "comply360 bench --suite documents: {} cores, fsync {}",
        std::thread::available_parallelism().map_or(1, |n| n.get()),
        if args.no_fsync { "off" } else { "on" }
    );
    let params = super::bench_documents::Params {
        files: args.documents_files,
        file_bytes: args.documents_bytes,
        clients: args.documents_clients,
        ocr_pages: args.ocr_pages,
    };
    let result = super::bench_documents::bench(&store, params).await;
    store.close().await;
    result
}

async fn bench(settings: StoreSettings, args: &BenchArgs) -> anyhow::Result<()> {
    let store = Store::open(settings.clone()).await?;
    println!(
        "comply360 bench: {} cores, fsync {}",
        std::thread::available_parallelism().map_or(1, |n| n.get()),
        if args.no_fsync { "off" } else { "on" }
    );
    println!(
        "{:<10} {:>6} {:>10} {:>10} {:>10}",
        "mode", "n", "p50 ms", "p95 ms", "max ms"
    );
    let database_count = (args.per_mode / 5).max(5);
    for (mode, n) in [
        (IsolationMode::Pooled, args.per_mode),
        (IsolationMode::Schema, args.per_mode),
        (IsolationMode::Database, database_count),
    ] {
        let mut times = Vec::with_capacity(n);
        for i in 0..n {
            let started = Instant::now();
            provision(&store, &format!("bench-{mode}-{i}"), mode).await?;
            times.push(started.elapsed());
        }
        let (p50, p95, max) = percentiles(&mut times);
        println!(
            "{:<10} {:>6} {:>10.1} {:>10.1} {:>10.1}",
            mode.as_str(),
            n,
            p50,
            p95,
            max
        );
    }

    let existing = args.per_mode;
    let started = Instant::now();
    for i in existing..args.fleet.max(existing) {
        provision(&store, &format!("bench-fleet-{i}"), IsolationMode::Schema).await?;
    }
    println!(
        "fleet: provisioned {} more schema tenants in {:.1} s ({} schema tenants in all)",
        args.fleet.saturating_sub(existing),
        started.elapsed().as_secs_f64(),
        args.fleet.max(existing)
    );
    store.close().await;

    let next = MigrationSet::tenant().latest() + 1;
    let set = MigrationSet::tenant().with(Migration::new(
        next,
        format!("migrations/tenant/{next:04}_bench_note.sql"),
        "ALTER TABLE clients ADD COLUMN bench_note text;",
    ));
    let store = Store::open_with(settings, MigrationSet::control(), set).await?;
    let opts = FleetOptions {
        concurrency: args.concurrency,
        ..FleetOptions::default()
    };
    let report = store.migrate_fleet(&opts, |_| {}).await?;
    anyhow::ensure!(
        report.is_success(),
        "fleet migration failed: {:?}",
        report.failed
    );
    println!(
        "fleet migration: one added column across {} namespaces in {:.2} s (concurrency {})",
        report.migrated,
        report.elapsed_ms as f64 / 1000.0,
        args.concurrency
    );
    let idle = store.migrate_fleet(&opts, |_| {}).await?;
    println!("fleet migration with nothing to do: {} ms", idle.elapsed_ms);
    store.close().await;
    Ok(())
}

pub(super) async fn provision(
    store: &Store,
    slug: &str,
    mode: IsolationMode,
) -> anyhow::Result<()> {
    let new = NewTenant {
        slug: Slug::parse(slug)?,
        name: slug.to_owned(),
        mode,
        tier: Tier::Starter,
        server: None,
        admin_email: Some(format!("admin@{slug}.example")),
    };
    store
        .create_tenant(new, ProvisionOptions::default())
        .await?;
    Ok(())
}

/// p50, p95 and max in milliseconds (nearest-rank).
pub(super) fn percentiles(times: &mut [Duration]) -> (f64, f64, f64) {
    if times.is_empty() {
        return (0.0, 0.0, 0.0);
    }
    times.sort();
    let rank = |p: f64| {
        let idx = ((p * times.len() as f64).ceil() as usize).clamp(1, times.len()) - 1;
        times[idx].as_secs_f64() * 1000.0
    };
    (rank(0.50), rank(0.95), rank(1.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let mut t: Vec<Duration> = (1..=100).rev().map(Duration::from_millis).collect();
        assert_eq!(percentiles(&mut t), (50.0, 95.0, 100.0));
    }
}
