//! `comply360 bench --suite portal`: each main page of the portal, served whole over HTTP on
//! loopback (guard, session, the practice's reads, template, gzip) from an agency holding
//! 1,000 clients and 5,000 registrations (and 100 companies with their obligations), signed
//! in as its administrator: time to the last byte (p50/p95 of sequential requests) and the
//! bytes transferred (gzip), with what a first visit adds for the stylesheet and scripts.

use comply360_api::{AppState, HttpSettings, Surface, serve_router};
use comply360_domain::{IsolationMode, Slug, Tier};
use comply360_identity::ratelimit::RateLimiter;
use comply360_identity::sealed::MasterKey;
use comply360_identity::{Identity, IdentitySettings};
use comply360_jobs::handlers::AuditTrail;
use comply360_jobs::{Outbox, RetryPolicy, Subscriptions, Transport};
use comply360_practice::clients::{self, ClientFilter};
use comply360_practice::companies::{self, CompanyInput};
use comply360_practice::registrations::{self, RegistrationFilter};
use comply360_practice::reminders::sa_today;
use comply360_store::Store;
use comply360_store::provision::{NewTenant, ProvisionOptions};
use comply360_store::repo::bench;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

pub(super) const PASSWORD: &str = "Bench-Marula-Kestrel-1987";
const SLUG: &str = "bench-portal";

/// A browser's session: its cookies, sent back on every request.
pub(super) struct Session {
    pub(super) http: reqwest::Client,
    pub(super) base: String,
    /// The agency's host name (`<slug>.localhost`).
    pub(super) host: String,
    pub(super) cookies: BTreeMap<String, String>,
}

impl Session {
    fn keep(&mut self, res: &reqwest::Response) {
        for v in res.headers().get_all("set-cookie") {
            if let Some((k, v)) = v
                .to_str()
                .ok()
                .and_then(|c| c.split(';').next()?.split_once('='))
            {
                self.cookies.insert(k.to_owned(), v.to_owned());
            }
        }
    }

    fn cookie(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// GET `path`; the status and the bytes as transferred (gzip).
    pub(super) async fn get(&mut self, path: &str) -> anyhow::Result<(u16, usize)> {
        let res = self
            .http
            .get(format!("{}{path}", self.base))
            .header("host", &self.host)
            .header("accept", "text/html")
            .header("accept-encoding", "gzip")
            .header("cookie", self.cookie())
            .send()
            .await?;
        self.keep(&res);
        let status = res.status().as_u16();
        let bytes = res.bytes().await?.len();
        Ok((status, bytes))
    }

    pub(super) async fn sign_in(&mut self, email: &str) -> anyhow::Result<()> {
        self.get("/login").await?;
        let csrf = self.cookies.get("c360_csrf").cloned().unwrap_or_default();
        let res = self
            .http
            .post(format!("{}/login", self.base))
            .header("host", &self.host)
            .header("cookie", self.cookie())
            .form(&[
                ("csrf", csrf.as_str()),
                ("email", email),
                ("password", PASSWORD),
            ])
            .send()
            .await?;
        anyhow::ensure!(res.status() == 303, "sign-in answered {}", res.status());
        self.keep(&res);
        Ok(())
    }
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

pub async fn bench(store: &Store, samples: usize) -> anyhow::Result<()> {
    let started = Instant::now();
    let record = store
        .create_tenant(
            NewTenant {
                slug: Slug::parse(SLUG)?,
                name: "Bench Portal".into(),
                mode: IsolationMode::Pooled,
                tier: Tier::Starter,
                server: None,
                admin_email: None,
            },
            ProvisionOptions::default(),
        )
        .await?;
    let tenant = store.tenancy().resolve(&record.slug).await?;
    let subs = Subscriptions::new(RetryPolicy::DEFAULT).with(AuditTrail);
    let outbox = Outbox::new(Arc::new(subs), Transport::Postgres);
    let identity = Identity::start(
        store.clone(),
        outbox.clone(),
        IdentitySettings::default(),
        MasterKey::generate(),
    )
    .await?;
    let admin = identity
        .create_user(
            &tenant,
            "admin@bench.example",
            "tenant_admin",
            "Bench Admin",
            PASSWORD,
        )
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut tx = store.tenancy().begin(&tenant).await?;
    bench::fill_registrations(&mut tx, SLUG, 5000).await?;
    let some = clients::list(
        &mut tx,
        &ClientFilter {
            limit: Some(100),
            ..ClientFilter::default()
        },
    )
    .await?;
    let today = sa_today();
    for (i, c) in some.items.iter().enumerate() {
        let days = 365 * 2 + (i as u64 * 7) % 300;
        companies::create(
            &mut tx,
            admin.id,
            &CompanyInput {
                client_id: Some(c.id),
                company_type: Some("private_company".into()),
                name: Some(format!("Bench Company {i} (Pty) Ltd")),
                incorporated_on: Some(today - chrono::Days::new(days)),
                agent_id: Some(admin.id),
                ..CompanyInput::default()
            },
            today,
        )
        .await?;
    }
    let client = some
        .items
        .first()
        .map(|c| c.id)
        .ok_or_else(|| anyhow::anyhow!("no client"))?;
    let registration = registrations::list(
        &mut tx,
        &RegistrationFilter {
            limit: Some(1),
            ..RegistrationFilter::default()
        },
    )
    .await?
    .items
    .first()
    .map(|r| r.id)
    .ok_or_else(|| anyhow::anyhow!("no registration"))?;
    tx.commit().await?;
    bench::analyze_everything(store.owner_pool()).await?;
    println!(
        "an agency of 1,000 clients, 5,000 registrations and 100 companies, loaded in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    let state = AppState::new(
        store.clone(),
        HttpSettings::default(),
        outbox,
        identity,
        RateLimiter::in_process(),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let stop = CancellationToken::new();
    let server = {
        let stop = stop.clone();
        let app = comply360_web::app(state, Surface::Api, axum::Router::new());
        tokio::spawn(async move { serve_router(listener, app, stop.cancelled_owned()).await })
    };
    let mut session = Session {
        http: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()?,
        base: format!("http://{addr}"),
        host: format!("{SLUG}.localhost"),
        cookies: BTreeMap::new(),
    };
    session.sign_in("admin@bench.example").await?;

    let pages = [
        ("dashboard", "/".to_owned()),
        ("clients", "/clients".to_owned()),
        ("clients search", "/clients?q=client%2042".to_owned()),
        ("client", format!("/clients/{client}")),
        ("companies", "/companies".to_owned()),
        ("registrations", "/registrations".to_owned()),
        ("registration", format!("/registrations/{registration}")),
        (
            "wizard step",
            format!("/registrations/{registration}/steps/directors"),
        ),
        ("calendar", "/calendar?who=all".to_owned()),
        ("calendar month", "/calendar?view=month&who=all".to_owned()),
        ("search", "/search?q=client%2042".to_owned()),
    ];
    println!("{samples} sequential requests per page after 10 to warm up; bytes as sent (gzip):");
    println!(
        "{:<16} {:>8} {:>8} {:>8} {:>9}",
        "page", "p50 ms", "p95 ms", "max ms", "bytes"
    );
    let mut worst = 0.0f64;
    for (name, path) in &pages {
        let mut bytes = 0;
        for _ in 0..10 {
            let (status, b) = session.get(path).await?;
            anyhow::ensure!(status == 200, "{path} answered {status}");
            bytes = b;
        }
        let mut times = Vec::with_capacity(samples);
        for _ in 0..samples {
            let t = Instant::now();
            session.get(path).await?;
            times.push(t.elapsed());
        }
        times.sort();
        let p95 = percentile(&times, 0.95);
        worst = worst.max(p95);
        super::bench_report::record(
            &format!("page.{name}"),
            serde_json::json!({
                "p50_ms": super::bench_report::round2(percentile(&times, 0.5)),
                "p95_ms": super::bench_report::round2(p95),
                "max_ms": super::bench_report::round2(percentile(&times, 1.0)),
                "bytes": bytes,
            }),
        );
        println!(
            "{name:<16} {:>8.2} {:>8.2} {:>8.2} {bytes:>9}",
            percentile(&times, 0.5),
            p95,
            percentile(&times, 1.0)
        );
    }
    let mut first_visit = 0;
    for asset in [
        "/assets/brand.css",
        &comply360_web::assets::url("app.css"),
        &comply360_web::assets::url("app.js"),
        &comply360_web::assets::url("htmx.min.js"),
    ] {
        first_visit += session.get(asset).await?.1;
    }
    println!(
        "a first visit also loads the stylesheet and scripts once: {first_visit} bytes (cached a year after that)"
    );
    println!("worst p95: {worst:.2} ms");
    super::bench_report::record("first_visit_asset_bytes", first_visit);
    super::bench_report::record("worst_p95_ms", super::bench_report::round2(worst));
    stop.cancel();
    let _ = server.await;
    Ok(())
}
