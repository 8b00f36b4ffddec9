//! `comply360 bench --suite payments`: how many provider notifications the app takes per
//! second, end to end: Stripe `checkout.session.completed` webhooks posted over loopback HTTP
//! (a quarter of them deliveries again of an event already sent, some at the same moment),
//! each verified on its raw body, stored once and acknowledged, then applied by the
//! `payments.webhook` jobs of the worker a deployment runs (the payment, the invoice paid, the
//! registration's payment step, `payment.received`). Zero double effects is checked, not
//! assumed.

use comply360_api::{AppState, HttpSettings, Surface, serve_router};
use comply360_domain::{IsolationMode, Slug, Tier};
use comply360_identity::ratelimit::{Quota, RateLimiter};
use comply360_identity::sealed::MasterKey;
use comply360_identity::{Identity, IdentitySettings};
use comply360_integrations::stripe::signature::sign;
use comply360_integrations::{CallPolicy, Resilience};
use comply360_jobs::run_jobs::postgres_worker;
use comply360_jobs::{Outbox, RetryPolicy, Runner, Subscriptions, Transport, WorkerConfig};
use comply360_payments::providers::{self, Endpoints, StripeInput};
use comply360_payments::{ApplyWebhook, Payments};
use comply360_store::provision::{NewTenant, ProvisionOptions};
use comply360_store::{Store, Tenant};
use futures::StreamExt;
use serde_json::json;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;
use url::Url;
use uuid::Uuid;

const SLUG: &str = "bench-payments";
const WEBHOOK_SECRET: &str = "whsec_bench_secret";
const TOTAL_CENTS: i64 = 127_500;

pub async fn bench(store: &Store, events: usize, in_flight: usize) -> anyhow::Result<()> {
    let master = MasterKey::generate();
    let payments = Payments::new(
        Arc::new(master.clone()),
        // No outside call is made for Stripe notifications; the endpoints are never reached.
        Endpoints::stand_ins(
            &Url::parse("http://127.0.0.1:9/")?,
            &Url::parse("http://127.0.0.1:9/")?,
        ),
        Resilience::new(CallPolicy::default()),
        reqwest::Client::new(),
    );
    let subs = Subscriptions::new(RetryPolicy::DEFAULT).with(ApplyWebhook);
    let outbox = Outbox::new(Arc::new(subs), Transport::Postgres);
    let tenant = agency(store).await?;
    let identity = Identity::start(
        store.clone(),
        outbox.clone(),
        IdentitySettings::default(),
        master.clone(),
    )
    .await?;

    let mut tx = store.tenancy().begin(&tenant).await?;
    providers::put_stripe(
        &mut tx,
        &master,
        Uuid::nil(),
        &StripeInput {
            secret_key: Some("sk_test_bench".into()),
            webhook_secret: Some(WEBHOOK_SECRET.into()),
        },
    )
    .await
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    let checkouts =
        comply360_payments::bench::fill_payable(&mut tx, "b", events as i64, TOTAL_CENTS).await?;
    tx.commit().await?;

    // Every event once, and a quarter of them again: repeats right after the first delivery
    // (so some arrive together) and replays later.
    let now = chrono::Utc::now().timestamp();
    let bodies: Vec<String> = checkouts
        .iter()
        .enumerate()
        .map(|(i, checkout)| {
            json!({
                "id": format!("evt_bench_{i}"), "object": "event",
                "type": "checkout.session.completed", "created": now, "livemode": false,
                "data": {"object": {
                    "id": format!("cs_bench_{i}"), "object": "checkout.session",
                    "client_reference_id": checkout.to_string(), "payment_status": "paid",
                    "status": "complete", "amount_total": TOTAL_CENTS, "currency": "zar",
                    "payment_intent": format!("pi_bench_{i}"), "metadata": {}
                }}
            })
            .to_string()
        })
        .collect();
    let mut deliveries: Vec<usize> = Vec::with_capacity(events + events / 4);
    for i in 0..events {
        deliveries.push(i);
        if i % 8 == 0 {
            deliveries.push(i); // at once
        }
        if i % 8 == 4 {
            deliveries.push(i / 2); // a replay of an earlier one
        }
    }
    let duplicates = deliveries.len() - events;

    let state = AppState::new(
        store.clone(),
        HttpSettings {
            api_quota: Quota::per_second(1_000_000, 1_000_000),
            ..HttpSettings::default()
        },
        outbox.clone(),
        identity,
        RateLimiter::in_process(),
    )
    .with_payments(payments);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!(
        "http://{}/api/v1/webhooks/stripe/{SLUG}",
        listener.local_addr()?
    );
    let stop = CancellationToken::new();
    let server = {
        let stop = stop.clone();
        let app = comply360_web::app(state, Surface::Api, axum::Router::new());
        tokio::spawn(async move { serve_router(listener, app, stop.cancelled_owned()).await })
    };

    // The worker a deployment runs (claims in batches, Stripe's notifications applied a batch
    // per transaction, relaxed commits), woken by NOTIFY, applying what arrives while it
    // arrives.
    let config = WorkerConfig::default();
    let concurrency = config.concurrency;
    let runner = Runner::new(store.tenancy().clone(), outbox.clone(), config.job_timeout);
    let worker = postgres_worker(runner, store.listen_options(), config).spawn(stop.child_token());

    let http = reqwest::Client::new();
    let started = Instant::now();
    let answers: Vec<anyhow::Result<bool>> = futures::stream::iter(deliveries.iter().copied())
        .map(|i| {
            let (http, url, body) = (http.clone(), url.clone(), bodies[i].clone());
            async move {
                let header = sign(
                    WEBHOOK_SECRET,
                    chrono::Utc::now().timestamp(),
                    body.as_bytes(),
                );
                let res = http
                    .post(&url)
                    .header("stripe-signature", header)
                    .header("content-type", "application/json")
                    .body(body)
                    .send()
                    .await?;
                anyhow::ensure!(res.status() == 200, "a delivery got {}", res.status());
                let answer: serde_json::Value = res.json().await?;
                Ok(answer["duplicate"].as_bool().unwrap_or(false))
            }
        })
        .buffer_unordered(in_flight)
        .collect()
        .await;
    let received = started.elapsed();
    // Every notification stored is applied when none is left `received`.
    loop {
        let mut tx = store.tenancy().begin(&tenant).await?;
        let (stored, waiting) = comply360_payments::bench::notifications(&mut tx).await?;
        tx.rollback().await?;
        if stored as usize >= events && waiting == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let took = started.elapsed();
    stop.cancel();
    worker.join().await;
    server.await??;

    let mut told_duplicate = 0;
    for a in answers {
        if a? {
            told_duplicate += 1;
        }
    }
    let mut tx = store.tenancy().begin(&tenant).await?;
    let (payments_made, events_emitted) = comply360_payments::bench::effects(&mut tx).await?;
    tx.rollback().await?;
    anyhow::ensure!(
        payments_made as usize == events && events_emitted as usize == events,
        "{payments_made} payments and {events_emitted} payment.received events for {events} paid checkouts"
    );
    anyhow::ensure!(
        told_duplicate == duplicates,
        "{told_duplicate} deliveries were answered as duplicates; {duplicates} were"
    );
    let total = deliveries.len() as f64;
    println!(
        "webhooks: {} deliveries ({events} events, {duplicates} duplicates) with {in_flight} in flight: received in {:.2} s = {:.0}/s; applied by the worker ({concurrency} at once), done in {:.2} s = {:.0} deliveries/s end to end; {payments_made} payments, {events_emitted} payment.received, 0 double effects",
        deliveries.len(),
        received.as_secs_f64(),
        total / received.as_secs_f64(),
        took.as_secs_f64(),
        total / took.as_secs_f64(),
    );
    use super::bench_report::{record, round2};
    record("deliveries", deliveries.len());
    record("duplicates", duplicates);
    record(
        "received_per_second",
        round2(total / received.as_secs_f64()),
    );
    record(
        "applied_per_second_end_to_end",
        round2(total / took.as_secs_f64()),
    );
    record("double_effects", 0);
    Ok(())
}

async fn agency(store: &Store) -> anyhow::Result<Arc<Tenant>> {
    let record = store
        .create_tenant(
            NewTenant {
                slug: Slug::parse(SLUG)?,
                name: "Bench Payments".into(),
                mode: IsolationMode::Pooled,
                tier: Tier::Starter,
                server: None,
                admin_email: None,
            },
            ProvisionOptions::default(),
        )
        .await?;
    Ok(store.tenancy().resolve(&record.slug).await?)
}
