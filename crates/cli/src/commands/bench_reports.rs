//! `comply360 bench --suite reports`: the four reports over HTTP for an agency of 5,000
//! registrations started over 18 months, with their timelines, prices and commissions: each
//! report's JSON and CSV for the default period (the last 12 whole months and this one) and
//! the JSON for all 18 months, then the portal's page that draws all four; 10 requests to
//! warm up, then sequential requests timed to the last byte (p50/p95/max). Before that, the
//! executed plan of each report's statement (`EXPLAIN ANALYZE`) over the default period.

use super::bench::percentiles;
use super::bench_portal::{PASSWORD, Session};
use chrono::{Datelike, Months};
use comply360_api::{AppState, HttpSettings, Surface, serve_router};
use comply360_domain::{IsolationMode, Slug, Tier};
use comply360_identity::ratelimit::{Quota, RateLimiter};
use comply360_identity::sealed::MasterKey;
use comply360_identity::{Identity, IdentitySettings};
use comply360_jobs::handlers::AuditTrail;
use comply360_jobs::{Outbox, RetryPolicy, Subscriptions, Transport};
use comply360_money::reports::{self, Period, PeriodInput};
use comply360_practice::reminders::sa_today;
use comply360_store::provision::{NewTenant, ProvisionOptions};
use comply360_store::repo::bench::analyze_everything;
use comply360_store::{Store, Tenant};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

const SLUG: &str = "bench-reports";
const REGISTRATIONS: i64 = 5000;
const DAYS: i64 = 548;
const AGENTS: usize = 8;

/// The agency, and the identity that signs its people in.
async fn agency(store: &Store, outbox: &Outbox) -> anyhow::Result<(Arc<Tenant>, Identity)> {
    let record = store
        .create_tenant(
            NewTenant {
                slug: Slug::parse(SLUG)?,
                name: "Bench Reports".into(),
                mode: IsolationMode::Pooled,
                tier: Tier::Starter,
                server: None,
                admin_email: None,
            },
            ProvisionOptions::default(),
        )
        .await?;
    let tenant = store.tenancy().resolve(&record.slug).await?;
    let identity = Identity::start(
        store.clone(),
        outbox.clone(),
        IdentitySettings::default(),
        MasterKey::generate(),
    )
    .await?;
    Ok((tenant, identity))
}

/// The administrator and the agents; the agents' ids.
async fn people(identity: &Identity, tenant: &Arc<Tenant>) -> anyhow::Result<Vec<uuid::Uuid>> {
    let err = |e| anyhow::anyhow!("{e}");
    identity
        .create_user(
            tenant,
            "admin@bench.example",
            "tenant_admin",
            "Bench Admin",
            PASSWORD,
        )
        .await
        .map_err(err)?;
    let mut agents = Vec::with_capacity(AGENTS);
    for i in 0..AGENTS {
        let email = format!("agent{i}@bench.example");
        let user = identity
            .create_user(tenant, &email, "agent", &format!("Agent {i}"), PASSWORD)
            .await
            .map_err(err)?;
        agents.push(user.id);
    }
    Ok(agents)
}

async fn fill(store: &Store, tenant: &Tenant, agents: &[uuid::Uuid]) -> anyhow::Result<()> {
    use comply360_money::bench;
    let mut tx = store.tenancy().begin(tenant).await?;
    bench::fill_registrations(&mut tx, SLUG, REGISTRATIONS, DAYS, agents).await?;
    bench::fill_timelines(&mut tx).await?;
    bench::fill_prices(&mut tx).await?;
    bench::fill_commissions(&mut tx).await?;
    tx.commit().await?;
    analyze_everything(store.owner_pool()).await?;
    Ok(())
}

/// The first month of the 18 the agency's history covers (`2025-06`).
fn history_start() -> String {
    let today = sa_today();
    let first = today.with_day(1).unwrap_or(today) - Months::new(18);
    reports::month_key(first)
}

/// Each report's executed plan: its execution time and the scans it chose.
async fn explain(store: &Store, tenant: &Tenant) -> anyhow::Result<()> {
    let period = Period::parse(&PeriodInput::default(), sa_today())?;
    let mut tx = store.tenancy().begin(tenant).await?;
    let all = PeriodInput {
        from: Some(history_start()),
        to: None,
    };
    let counted = reports::registrations(&mut tx, &all, sa_today()).await?;
    println!(
        "{} registrations from {} (18 months) in the agency",
        counted.total, counted.period.from
    );
    println!(
        "EXPLAIN ANALYZE of each report's statement, {} to {}:",
        period.from, period.to
    );
    for (report, lines) in comply360_money::bench::plans(&mut tx, &period).await? {
        println!("  {report}:");
        for line in lines.iter().filter(|l| {
            l.contains("Scan") || l.contains("Execution Time") || l.contains("Planning Time")
        }) {
            println!("    {}", line.trim_end());
        }
    }
    tx.commit().await?;
    Ok(())
}

async fn token(http: &reqwest::Client, base: &str) -> anyhow::Result<String> {
    let res = http
        .post(format!("{base}/api/v1/auth/login"))
        .header("x-tenant", SLUG)
        .json(&serde_json::json!({"email": "admin@bench.example", "password": PASSWORD}))
        .send()
        .await?;
    anyhow::ensure!(res.status() == 200, "sign-in answered {}", res.status());
    let body: serde_json::Value = res.json().await?;
    body["access_token"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| anyhow::anyhow!("no access token"))
}

/// `samples` sequential GETs of `url` after 10 to warm up; (p50, p95, max, bytes).
async fn time(
    http: &reqwest::Client,
    url: &str,
    token: &str,
    samples: usize,
) -> anyhow::Result<(f64, f64, f64, usize)> {
    let get = || async {
        let res = http
            .get(url)
            .header("x-tenant", SLUG)
            .bearer_auth(token)
            .send()
            .await?;
        anyhow::ensure!(res.status() == 200, "{url} answered {}", res.status());
        Ok(res.bytes().await?.len())
    };
    let mut bytes = 0;
    for _ in 0..10 {
        bytes = get().await?;
    }
    let mut times = Vec::with_capacity(samples);
    for _ in 0..samples {
        let t = Instant::now();
        get().await?;
        times.push(t.elapsed());
    }
    let (p50, p95, max) = percentiles(&mut times);
    Ok((p50, p95, max, bytes))
}

/// The portal's page (all four reports, charts and tables), as a signed-in browser gets it.
async fn time_page(base: &str, samples: usize) -> anyhow::Result<(f64, f64, f64, usize)> {
    let mut session = Session {
        http: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()?,
        base: base.to_owned(),
        host: format!("{SLUG}.localhost"),
        cookies: BTreeMap::new(),
    };
    session.sign_in("admin@bench.example").await?;
    let mut bytes = 0;
    for _ in 0..10 {
        let (status, b) = session.get("/reports").await?;
        anyhow::ensure!(status == 200, "/reports answered {status}");
        bytes = b;
    }
    let mut times: Vec<Duration> = Vec::with_capacity(samples);
    for _ in 0..samples {
        let t = Instant::now();
        session.get("/reports").await?;
        times.push(t.elapsed());
    }
    let (p50, p95, max) = percentiles(&mut times);
    Ok((p50, p95, max, bytes))
}

pub async fn bench(store: &Store, samples: usize) -> anyhow::Result<()> {
    let started = Instant::now();
    let subs = Subscriptions::new(RetryPolicy::DEFAULT).with(AuditTrail);
    let outbox = Outbox::new(Arc::new(subs), Transport::Postgres);
    let (tenant, identity) = agency(store, &outbox).await?;
    let agents = people(&identity, &tenant).await?;
    fill(store, &tenant, &agents).await?;
    println!(
        "an agency of {REGISTRATIONS} registrations over {DAYS} days, {AGENTS} agents, with timelines, prices and commissions, loaded in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    explain(store, &tenant).await?;

    // Sequential requests at a few ms each outrun the agency's API quota (100/s): the
    // limiter is not what is measured here.
    let settings = HttpSettings {
        api_quota: Quota::per_second(100_000, 100_000),
        ..HttpSettings::default()
    };
    let state = AppState::new(
        store.clone(),
        settings,
        outbox,
        identity,
        RateLimiter::in_process(),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let stop = CancellationToken::new();
    let server = {
        let stop = stop.clone();
        let app = comply360_web::app(state, Surface::Api, axum::Router::new());
        tokio::spawn(async move { serve_router(listener, app, stop.cancelled_owned()).await })
    };
    let http = reqwest::Client::new();
    let token = token(&http, &base).await?;
    let all = format!("?from={}", history_start());
    println!("{samples} sequential requests each after 10 to warm up, over loopback:");
    println!(
        "{:<28} {:>8} {:>8} {:>8} {:>9}",
        "report", "p50 ms", "p95 ms", "max ms", "bytes"
    );
    let mut worst = 0.0f64;
    for name in ["registrations", "turnaround", "commissions", "fees"] {
        for (label, path) in [
            (name.to_owned(), format!("/api/v1/reports/{name}")),
            (format!("{name}.csv"), format!("/api/v1/reports/{name}.csv")),
            (
                format!("{name}, 18 months"),
                format!("/api/v1/reports/{name}{all}"),
            ),
        ] {
            let (p50, p95, max, bytes) =
                time(&http, &format!("{base}{path}"), &token, samples).await?;
            worst = worst.max(p95);
            println!("{label:<28} {p50:>8.2} {p95:>8.2} {max:>8.2} {bytes:>9}");
        }
    }
    let (p50, p95, max, bytes) = time_page(&base, samples).await?;
    println!(
        "{:<28} {p50:>8.2} {p95:>8.2} {max:>8.2} {bytes:>9}",
        "portal page /reports (all 4)"
    );
    println!(
        "worst p95 of one report: {worst:.2} ms (target: under 50 ms) {}",
        if worst < 50.0 { "met" } else { "NOT met" }
    );
    stop.cancel();
    let _ = server.await;
    Ok(())
}
