//! `comply360 bench`: provisioning latency per isolation mode and a fleet migration, measured
//! on a throwaway embedded cluster in a temporary directory (removed afterwards).

use crate::cli::{BenchArgs, BenchSuite};
use comply360_domain::{IsolationMode, Slug, Tier};
use comply360_store::embedded::{EmbeddedCluster, EmbeddedOptions};
use comply360_store::fleet::FleetOptions;
use comply360_store::migrations::{Migration, MigrationSet};
use comply360_store::provision::{NewTenant, ProvisionOptions};
use comply360_store::{EMBEDDED_ADMIN_ROLE, Store, StoreSettings};
use futures::{StreamExt, TryStreamExt};
use std::process::ExitCode;
use std::time::{Duration, Instant};

pub async fn run(args: BenchArgs) -> anyhow::Result<ExitCode> {
    let started_at = chrono::Utc::now();
    let shape = || super::bench_api::Shape {
        agencies: args.agencies,
        per_agency: args.per_agency,
        seconds: args.seconds,
    };
    // The HTTP suites run a server process on a data directory of their own; the others
    // work in process on a bare throwaway cluster.
    let result = match args.suite {
        BenchSuite::ApiRead => super::bench_api::api_read(shape()).await?,
        BenchSuite::ApiWrite => super::bench_api::api_write(shape()).await?,
        BenchSuite::Memory => super::bench_api::memory(shape()).await?,
        BenchSuite::Peers => super::bench_peers::peers(shape(), args.peers_dir.clone()).await?,
        _ => {
            on_throwaway_cluster(&args).await?;
            serde_json::Value::Null
        }
    };
    if let Some(path) = &args.json {
        let document = document(&args, started_at, result);
        std::fs::write(path, serde_json::to_vec_pretty(&document)?)
            .map_err(|e| anyhow::anyhow!("cannot write the figures to {}: {e}", path.display()))?;
    }
    Ok(ExitCode::SUCCESS)
}

/// The run's JSON: what ran, when, where, and its figures.
fn document(
    args: &BenchArgs,
    started_at: chrono::DateTime<chrono::Utc>,
    result: serde_json::Value,
) -> serde_json::Value {
    use clap::ValueEnum;
    let mut figures = super::bench_report::take();
    if let serde_json::Value::Object(more) = result {
        figures.extend(more);
    }
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, m)| m.trim().to_owned())
        })
        .unwrap_or_default();
    serde_json::json!({
        "suite": args.suite.to_possible_value().map(|v| v.get_name().to_owned()),
        "started_at": started_at.to_rfc3339(),
        "version": env!("CARGO_PKG_VERSION"),
        "build": if cfg!(debug_assertions) { "debug" } else { "release" },
        "machine": {
            "cores": std::thread::available_parallelism().map_or(1, |n| n.get()),
            "cpu": cpu,
            "fsync": !args.no_fsync,
        },
        "figures": figures,
    })
}

async fn on_throwaway_cluster(args: &BenchArgs) -> anyhow::Result<()> {
    let dir = tempfile::Builder::new()
        .prefix("c360bench-")
        .tempdir_in("/tmp")?;
    let mut opts = EmbeddedOptions::new(dir.path());
    opts.unsafe_no_fsync = args.no_fsync;
    let cluster = EmbeddedCluster::start(&opts).await?;
    let mut settings = StoreSettings::new(cluster.address(), EMBEDDED_ADMIN_ROLE);
    settings.maintenance = false;
    let result = match args.suite {
        BenchSuite::Provisioning => bench(settings, args).await,
        BenchSuite::Provision => provision_suite(settings, args).await,
        BenchSuite::FleetMigrate => fleet_suite(settings, args).await,
        BenchSuite::Jobs => jobs_suite(settings, args).await,
        BenchSuite::Auth => auth_suite(settings, args).await,
        BenchSuite::Registrations => registrations_suite(settings, args).await,
        BenchSuite::Portal => portal_suite(settings, args).await,
        BenchSuite::Documents => documents_suite(settings, args).await,
        BenchSuite::Money => money_suite(settings, args).await,
        BenchSuite::Reports => reports_suite(settings, args).await,
        BenchSuite::Payments => payments_suite(settings, args).await,
        BenchSuite::ApiRead | BenchSuite::ApiWrite | BenchSuite::Memory | BenchSuite::Peers => {
            unreachable!("served by a server process of their own")
        }
    };
    cluster.release().await?;
    result
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

fn machine_line(suite: &str, args: &BenchArgs) {
    println!(
        "comply360 bench{suite}: {} cores, fsync {}",
        std::thread::available_parallelism().map_or(1, |n| n.get()),
        if args.no_fsync { "off" } else { "on" }
    );
}

/// Provisioning latency per mode, then a fleet migration of `--fleet` schema agencies.
async fn bench(settings: StoreSettings, args: &BenchArgs) -> anyhow::Result<()> {
    let store = Store::open(settings.clone()).await?;
    machine_line("", args);
    provision_latency(&store, args.per_mode).await?;
    store.close().await;
    fleet_migrations(
        settings,
        &[args.fleet],
        args.concurrency,
        args.per_mode,
        !args.no_fsync,
    )
    .await
}

async fn provision_suite(settings: StoreSettings, args: &BenchArgs) -> anyhow::Result<()> {
    let store = Store::open(settings).await?;
    machine_line(" --suite provision", args);
    let result = provision_latency(&store, args.per_mode).await;
    store.close().await;
    result
}

async fn fleet_suite(settings: StoreSettings, args: &BenchArgs) -> anyhow::Result<()> {
    machine_line(" --suite fleet-migrate", args);
    let mut sizes = args.fleet_sizes.clone();
    sizes.sort_unstable();
    sizes.dedup();
    fleet_migrations(settings, &sizes, args.concurrency, 0, !args.no_fsync).await
}

/// Provisions `per_mode` agencies in pooled and schema mode and a fifth as many in database
/// mode, one after another, timing each.
async fn provision_latency(store: &Store, per_mode: usize) -> anyhow::Result<()> {
    println!(
        "{:<10} {:>6} {:>10} {:>10} {:>10}",
        "mode", "n", "p50 ms", "p95 ms", "max ms"
    );
    let database_count = (per_mode / 5).max(5);
    for (mode, n) in [
        (IsolationMode::Pooled, per_mode),
        (IsolationMode::Schema, per_mode),
        (IsolationMode::Database, database_count),
    ] {
        let mut times = Vec::with_capacity(n);
        for i in 0..n {
            let started = Instant::now();
            provision(store, &format!("bench-{mode}-{i}"), mode).await?;
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
        super::bench_report::record(
            &format!("provision.{}", mode.as_str()),
            serde_json::json!({
                "agencies": n,
                "p50_ms": super::bench_report::round2(p50),
                "p95_ms": super::bench_report::round2(p95),
                "max_ms": super::bench_report::round2(max),
            }),
        );
    }
    Ok(())
}

/// For each fleet size in turn (ascending): schema agencies provisioned up to it (`existing`
/// are there already), one new column migrated across every namespace, then a run with
/// nothing left to do. With `fsync` (the cluster's setting), the provisioning, which is the
/// setup and not the measure, runs with fsync off (`durability::set_fsync`: a schema agency
/// builds over a hundred indexes, each synced to disk at once), and the migration with it on.
async fn fleet_migrations(
    settings: StoreSettings,
    sizes: &[usize],
    concurrency: usize,
    existing: usize,
    fsync: bool,
) -> anyhow::Result<()> {
    let mut have = existing;
    let mut set = MigrationSet::tenant();
    for &size in sizes {
        let store =
            Store::open_with(settings.clone(), MigrationSet::control(), set.clone()).await?;
        let started = Instant::now();
        if fsync {
            comply360_store::durability::set_fsync(&settings.admin_options("postgres"), false)
                .await?;
        }
        // Two at a time: provisioning is the setup here, not the measure.
        futures::stream::iter(have..size.max(have))
            .map(|i| {
                let store = &store;
                async move {
                    provision(store, &format!("bench-fleet-{i}"), IsolationMode::Schema).await
                }
            })
            .buffer_unordered(2)
            .try_collect::<Vec<()>>()
            .await?;
        if fsync {
            comply360_store::durability::set_fsync(&settings.admin_options("postgres"), true)
                .await?;
        }
        println!(
            "fleet: provisioned {} more schema agencies in {:.1} s ({} in all; setup with fsync off, then a checkpoint)",
            size.saturating_sub(have),
            started.elapsed().as_secs_f64(),
            size.max(have)
        );
        have = size.max(have);
        store.close().await;

        let next = set.latest() + 1;
        set = set.with(Migration::new(
            next,
            format!("migrations/tenant/{next:04}_bench_note.sql"),
            format!("ALTER TABLE clients ADD COLUMN bench_note_{next} text;"),
        ));
        let store =
            Store::open_with(settings.clone(), MigrationSet::control(), set.clone()).await?;
        let opts = FleetOptions {
            concurrency,
            ..FleetOptions::default()
        };
        let report = store.migrate_fleet(&opts, |_| {}).await?;
        anyhow::ensure!(
            report.is_success(),
            "fleet migration failed: {:?}",
            report.failed
        );
        println!(
            "fleet migration: one added column across {} namespaces in {:.2} s (concurrency {concurrency})",
            report.migrated,
            report.elapsed_ms as f64 / 1000.0,
        );
        let idle = store.migrate_fleet(&opts, |_| {}).await?;
        println!("fleet migration with nothing to do: {} ms", idle.elapsed_ms);
        super::bench_report::record(
            &format!("fleet_migrate.{size}"),
            serde_json::json!({
                "schema_agencies": have,
                "namespaces_migrated": report.migrated,
                "seconds": report.elapsed_ms as f64 / 1000.0,
                "concurrency": concurrency,
                "nothing_to_do_ms": idle.elapsed_ms,
            }),
        );
        store.close().await;
    }
    Ok(())
}

pub(super) async fn provision(
    store: &Store,
    slug: &str,
    mode: IsolationMode,
) -> anyhow::Result<()> {
    provision_as(store, slug, mode, Tier::Starter, true).await?;
    Ok(())
}

/// Provisions agency `slug` (named after it) and returns it resolved; `with_admin` invites an
/// administrator `admin@<slug>.example`, as an operator would.
pub(super) async fn provision_as(
    store: &Store,
    slug: &str,
    mode: IsolationMode,
    tier: Tier,
    with_admin: bool,
) -> anyhow::Result<std::sync::Arc<comply360_store::Tenant>> {
    let new = NewTenant {
        slug: Slug::parse(slug)?,
        name: slug.to_owned(),
        mode,
        tier,
        server: None,
        admin_email: with_admin.then(|| format!("admin@{slug}.example")),
    };
    let record = store
        .create_tenant(new, ProvisionOptions::default())
        .await?;
    Ok(store.tenancy().resolve(&record.slug).await?)
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
