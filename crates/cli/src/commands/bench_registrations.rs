//! `comply360 bench --suite registrations`: the list agents live in. A pooled tenant holds
//! 100,000 registrations (and a pooled neighbour as many, sharing the table); listing one
//! page of 50 filtered by status, newest first, is timed at the database: the tenant
//! transaction (BEGIN + context in one round trip), the keyset query, COMMIT.

use comply360_domain::{IsolationMode, Tier};
use comply360_practice::registrations::{self, RegistrationFilter};
use comply360_practice::workflow::Status;
use comply360_store::Store;
use comply360_store::repo::bench;
use std::time::{Duration, Instant};

async fn fill(store: &Store, slug: &str, rows: i64) -> anyhow::Result<()> {
    let tenant =
        super::bench::provision_as(store, slug, IsolationMode::Pooled, Tier::Starter, false)
            .await?;
    let mut tx = store.tenancy().begin(&tenant).await?;
    bench::fill_registrations(&mut tx, slug, rows).await?;
    tx.commit().await?;
    Ok(())
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

pub async fn bench(store: &Store, rows: i64, samples: usize) -> anyhow::Result<()> {
    let started = Instant::now();
    fill(store, "bench-regs", rows).await?;
    fill(store, "bench-neighbour", rows).await?;
    bench::analyze_pooled_registrations(store.owner_pool()).await?;
    println!(
        "loaded {rows} registrations into each of two pooled tenants in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let tenant = store.tenancy().resolve("bench-regs").await?;

    // The plan, for the record.
    let mut tx = store.tenancy().begin(&tenant).await?;
    let plan = bench::plan_of_status_list(&mut tx).await?;
    tx.commit().await?;
    for line in plan.iter().take(12) {
        println!("  plan: {line}");
    }

    for (label, deep) in [("first page", false), ("page 20 (cursor)", true)] {
        let mut times = Vec::with_capacity(samples);
        for i in 0..samples {
            let status = Status::ALL[i % Status::ALL.len()].as_str();
            let mut filter = RegistrationFilter {
                status: Some(status.into()),
                limit: Some(50),
                ..Default::default()
            };
            if deep {
                // Walk to page 20 once per status, untimed, then time fetching it.
                let mut tx = store.tenancy().begin(&tenant).await?;
                for _ in 0..19 {
                    let page = registrations::list(&mut tx, &filter)
                        .await
                        .map_err(|e| anyhow::anyhow!("{e}"))?;
                    filter.cursor = page.next_cursor;
                }
                tx.commit().await?;
            }
            let t = Instant::now();
            let mut tx = store.tenancy().begin(&tenant).await?;
            let page = registrations::list(&mut tx, &filter)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            tx.commit().await?;
            times.push(t.elapsed());
            anyhow::ensure!(
                page.items.len() == 50 && page.items.iter().all(|r| r.status.as_str() == status),
                "wrong page"
            );
        }
        times.sort();
        println!(
            "list 50 by status, {label}: {samples} samples  p50 {:.2} ms  p95 {:.2} ms  p99 {:.2} ms  max {:.2} ms",
            percentile(&times, 0.50),
            percentile(&times, 0.95),
            percentile(&times, 0.99),
            percentile(&times, 1.0)
        );
    }
    Ok(())
}
