//! PgBouncer restarted under load: the requests it cuts are answered 503 with `Retry-After`
//! (never a 500, none hangs), the app reconnects by itself, and every 201 is in the database.

use comply360_api::HttpSettings;
use comply360_domain::IsolationMode;
use comply360_identity::ratelimit::Quota;
use comply360_testkit::pgbouncer::PgBouncer;
use comply360_testkit::{TestDb, app_state, default_outbox, spawn_app_with, test_cluster};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pgbouncer_restarted_under_load_loses_nothing_it_promised() {
    let mut bouncer = PgBouncer::start(test_cluster().await, 6).await;
    let address = bouncer.address();
    let db = TestDb::with(move |s| s.app_proxy = Some(address)).await;
    db.tenant("bounced", IsolationMode::Pooled).await;
    let mut state = app_state(&db.store, default_outbox()).await;
    state.settings = Arc::new(HttpSettings {
        api_quota: Quota::per_second(100_000, 100_000),
        request_timeout: Duration::from_secs(10),
        ..HttpSettings::default()
    });
    let app = Arc::new(spawn_app_with(state).await);
    let token = app.token_for("bounced", "tenant_admin").await;
    let http = reqwest::Client::new();

    let running = Arc::new(AtomicBool::new(true));
    let load: Vec<_> = (0..3)
        .map(|worker| {
            let (app, http, token, running) =
                (app.clone(), http.clone(), token.clone(), running.clone());
            tokio::spawn(async move {
                let mut answers = Vec::new();
                let mut n = 0;
                while running.load(Ordering::Acquire) {
                    let started = Instant::now();
                    let res = http
                        .post(app.url("/api/v1/clients"))
                        .header("x-tenant", "bounced")
                        .bearer_auth(&token)
                        .json(&serde_json::json!({"kind": "person", "first_names": "Bounce", "surname": format!("{worker}-{n}")}))
                        .send()
                        .await
                        .expect("every request is answered");
                    let status = res.status().as_u16();
                    let retry_after = res.headers().contains_key("retry-after");
                    let body: serde_json::Value = res.json().await.unwrap_or_default();
                    answers.push((Instant::now(), status, started.elapsed(), retry_after, body));
                    n += 1;
                }
                answers
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(500)).await;
    bouncer.restart(Duration::from_secs(1)).await;
    let up_at = Instant::now();
    tokio::time::sleep(Duration::from_secs(2)).await;
    running.store(false, Ordering::Release);
    let mut answers = Vec::new();
    for worker in load {
        answers.extend(worker.await.unwrap());
    }

    for (_, status, took, retry_after, body) in &answers {
        assert!(matches!(status, 201 | 503), "{status}: {body}");
        assert!(*took < Duration::from_secs(11), "a request took {took:?}");
        if *status == 503 {
            assert!(retry_after, "a 503 without Retry-After: {body}");
        }
    }
    assert!(
        answers
            .iter()
            .any(|(at, status, ..)| *at > up_at && *status == 201),
        "requests succeed again after the restart"
    );
    let created: Vec<&str> = answers
        .iter()
        .filter(|(_, status, ..)| *status == 201)
        .filter_map(|(.., body)| body["id"].as_str())
        .collect();
    for id in &created {
        let res = http
            .get(app.url(&format!("/api/v1/clients/{id}")))
            .header("x-tenant", "bounced")
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(
            res.status(),
            200,
            "client {id} was answered 201 but is not there"
        );
    }
    eprintln!(
        "{} requests, {} created, {} answered 503 across the restart",
        answers.len(),
        created.len(),
        answers.iter().filter(|(_, s, ..)| *s == 503).count()
    );
}
