//! `comply360 bench --suite auth`: what identity costs.
//!
//! 1. Sign-in over real HTTP on loopback (the whole router: JSON, tenant resolution, rate
//!    limit, the account lookup, Argon2id with the default OWASP parameters, the session and
//!    refresh token written, the access token signed), one client at a time and two at once.
//! 2. What the gateway adds to every authenticated request: verifying the access token
//!    (EdDSA, claims), checking its session has not ended, and the RBAC decision, for a
//!    built-in and a custom role.

use comply360_api::{AppState, HttpSettings, Surface, router_for, serve_router};
use comply360_domain::{IsolationMode, Slug, Tier};
use comply360_identity::principal::{Principal, UserPrincipal};
use comply360_identity::ratelimit::{Quota, RateLimiter};
use comply360_identity::sealed::MasterKey;
use comply360_identity::{Identity, IdentitySettings};
use comply360_jobs::handlers::AuditTrail;
use comply360_jobs::{Outbox, RetryPolicy, Subscriptions, Transport};
use comply360_store::Store;
use comply360_store::provision::{NewTenant, ProvisionOptions};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

const PASSWORD: &str = "Bench-Marula-Kestrel-1987";

pub async fn bench(store: &Store, logins: usize, checks: usize) -> anyhow::Result<()> {
    let tenant = store
        .create_tenant(
            NewTenant {
                slug: Slug::parse("bench-auth")?,
                name: "Bench Auth".into(),
                mode: IsolationMode::Pooled,
                tier: Tier::Starter,
                server: None,
                admin_email: None,
            },
            ProvisionOptions::default(),
        )
        .await?;
    let tenant = store.tenancy().resolve(&tenant.slug).await?;
    let subs = Subscriptions::new(RetryPolicy::DEFAULT).with(AuditTrail);
    let outbox = Outbox::new(Arc::new(subs), Transport::Postgres);
    let identity = Identity::start(
        store.clone(),
        outbox.clone(),
        IdentitySettings::default(),
        MasterKey::generate(),
    )
    .await?;
    // Sign-in limits out of the way: this measures the work, not the limiter's refusals.
    let http = HttpSettings {
        signin_quota: Quota::per_second(100_000, 100_000),
        ..HttpSettings::default()
    };
    let users = 20;
    for i in 0..users {
        identity
            .create_user(
                &tenant,
                &format!("agent{i}@bench.example"),
                "agent",
                "",
                PASSWORD,
            )
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
    }
    identity
        .put_role(
            &tenant,
            uuid::Uuid::nil(),
            "reviewer",
            "Reviewer",
            &["registrations:read".into(), "clients:read".into()],
            &Default::default(),
        )
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;

    let state = AppState::new(
        store.clone(),
        http,
        outbox,
        identity.clone(),
        RateLimiter::in_process(),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let stop = CancellationToken::new();
    let server = {
        let stop = stop.clone();
        let router = router_for(state, Surface::Api, axum::Router::new());
        tokio::spawn(async move { serve_router(listener, router, stop.cancelled_owned()).await })
    };
    let client = reqwest::Client::new();
    let url = format!("http://{addr}/api/v1/auth/login");

    println!("sign-in over HTTP (Argon2id m=19456 KiB, t=2, p=1; {users} accounts):");
    println!(
        "{:<12} {:>6} {:>9} {:>9} {:>9} {:>10}",
        "clients", "n", "p50 ms", "p95 ms", "max ms", "logins/s"
    );
    let mut token = String::new();
    for parallel in [1usize, 2] {
        let started = Instant::now();
        let mut tasks = Vec::new();
        for c in 0..parallel {
            let client = client.clone();
            let url = url.clone();
            let n = logins / parallel;
            tasks.push(tokio::spawn(async move {
                let mut times = Vec::with_capacity(n);
                let mut last = String::new();
                for i in 0..n {
                    let email = format!("agent{}@bench.example", (c + i * parallel) % 20);
                    let t = Instant::now();
                    let res = client
                        .post(&url)
                        .header("x-tenant", "bench-auth")
                        .json(&serde_json::json!({"email": email, "password": PASSWORD}))
                        .send()
                        .await?;
                    anyhow::ensure!(res.status() == 200, "sign-in answered {}", res.status());
                    let body: serde_json::Value = res.json().await?;
                    times.push(t.elapsed());
                    last = body["access_token"].as_str().unwrap_or_default().to_owned();
                }
                Ok::<_, anyhow::Error>((times, last))
            }));
        }
        let mut times = Vec::new();
        for task in tasks {
            let (t, last) = task.await??;
            times.extend(t);
            token = last;
        }
        let wall = started.elapsed();
        let n = times.len();
        let (p50, p95, _, max) = percentiles(&mut times);
        println!(
            "{:<12} {:>6} {:>9.1} {:>9.1} {:>9.1} {:>10.1}",
            parallel,
            n,
            ms(p50),
            ms(p95),
            ms(max),
            n as f64 / wall.as_secs_f64()
        );
    }
    stop.cancel();
    let _ = server.await;

    println!("\nper authenticated request, in process ({checks} each):");
    println!(
        "{:<34} {:>9} {:>9} {:>9} {:>9}",
        "", "p50 µs", "p95 µs", "p99 µs", "max µs"
    );
    let claims = identity.keys().verify(&token).await?;
    let agent = Principal::User(UserPrincipal::from_claims(claims.clone()));
    let reviewer = Principal::User(UserPrincipal {
        role: "reviewer".into(),
        ..UserPrincipal::from_claims(claims)
    });
    let tenant_ref = Some(&tenant);
    for (label, principal, permission) in [
        (
            "verify + session + RBAC (built-in)",
            &agent,
            "registrations:draft",
        ),
        (
            "verify + session + RBAC (custom)",
            &reviewer,
            "registrations:read",
        ),
    ] {
        let mut times = Vec::with_capacity(checks);
        for _ in 0..checks {
            let t = Instant::now();
            let verified = identity.keys().verify(&token).await?;
            let ended = identity.session_ended(verified.sid);
            let allowed = identity.authorize(principal, tenant_ref, permission).await;
            times.push(t.elapsed());
            anyhow::ensure!(allowed && !ended, "the check must pass");
        }
        let (p50, p95, p99, max) = percentiles(&mut times);
        println!(
            "{:<34} {:>9.1} {:>9.1} {:>9.1} {:>9.1}",
            label,
            us(p50),
            us(p95),
            us(p99),
            us(max)
        );
    }
    for (label, only_verify) in [("verify only", true), ("RBAC only (built-in role)", false)] {
        let mut times = Vec::with_capacity(checks);
        for _ in 0..checks {
            let t = Instant::now();
            if only_verify {
                identity.keys().verify(&token).await?;
            } else {
                identity
                    .authorize(&agent, tenant_ref, "registrations:draft")
                    .await;
            }
            times.push(t.elapsed());
        }
        let (p50, p95, p99, max) = percentiles(&mut times);
        println!(
            "{:<34} {:>9.1} {:>9.1} {:>9.1} {:>9.1}",
            label,
            us(p50),
            us(p95),
            us(p99),
            us(max)
        );
    }
    Ok(())
}

fn percentiles(times: &mut [Duration]) -> (Duration, Duration, Duration, Duration) {
    times.sort();
    let at = |q: f64| {
        let i = ((times.len() as f64 - 1.0) * q).round() as usize;
        times.get(i).copied().unwrap_or_default()
    };
    (at(0.50), at(0.95), at(0.99), at(1.0))
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn us(d: Duration) -> f64 {
    d.as_secs_f64() * 1_000_000.0
}
