//! `comply360 bench --suite api-read | api-write | memory`: the API under load from `wrk` over
//! loopback, served by a `comply360 serve --role api` child on the bench's cluster (see
//! [`super::bench_load`]).
//!
//! * `api-read`: 100 pooled agencies of 1,000 registrations each (100,000 in the shared
//!   table), every agent signed in; `GET /api/v1/registrations?status=<s>&limit=50` rotating
//!   over the agencies and the eight statuses, at 32 and then 64 connections.
//! * `api-write`: `POST /api/v1/registrations` (a name reservation's draft with its steps),
//!   each a registration, its timeline entry, the audit row and the outbox event in one
//!   transaction.
//! * `memory`: the server's resident memory idle (after start-up and the sign-ins) and its
//!   peak under the `api-read` load.

use super::bench_load::{Agency, Bench, Load, Server, Target, round1};
use comply360_domain::IsolationMode;
use comply360_practice::workflow::Status;
use serde_json::{Value, json};

/// The shape of each scenario.
pub struct Shape {
    pub agencies: usize,
    pub per_agency: i64,
    pub seconds: u64,
}

/// Every agency's agent, listing registrations by each status in turn.
pub fn read_targets(agencies: &[Agency], port: u16, fields: Option<&str>) -> Vec<Target> {
    Status::ALL
        .iter()
        .flat_map(|status| {
            let path = format!("/api/v1/registrations?status={}&limit=50", status.as_str());
            list_targets(agencies, port, &path, fields)
        })
        .collect()
}

/// `path` (a list) for every agency's agent, narrowed to `fields` if given.
pub fn list_targets(
    agencies: &[Agency],
    port: u16,
    path: &str,
    fields: Option<&str>,
) -> Vec<Target> {
    let path = match fields {
        Some(f) => format!("{path}&fields={f}"),
        None => path.to_owned(),
    };
    agencies
        .iter()
        .map(|a| Target {
            host: a.host(port),
            authorization: format!("Bearer {}", a.token),
            path: path.clone(),
            value: String::new(),
        })
        .collect()
}

/// The shape's pooled agencies, `bench-r-<i>`, that every HTTP scenario reads.
pub async fn pooled_agencies(bench: &Bench, shape: &Shape) -> anyhow::Result<Vec<Agency>> {
    bench
        .agencies(
            "bench-r",
            shape.agencies,
            IsolationMode::Pooled,
            shape.per_agency,
        )
        .await
}

async fn prepared(shape: &Shape) -> anyhow::Result<(Bench, Vec<Agency>)> {
    let bench = Bench::open().await?;
    let started = std::time::Instant::now();
    let agencies = pooled_agencies(&bench, shape).await?;
    bench.analyze(&[]).await?;
    eprintln!(
        "loaded {} pooled agencies of {} registrations each in {:.1} s",
        shape.agencies,
        shape.per_agency,
        started.elapsed().as_secs_f64()
    );
    Ok((bench, agencies))
}

/// Checks one request of the load answers what it should before timing many.
async fn check_once(server: &Server, t: &Target, rows: usize) -> anyhow::Result<()> {
    let res = reqwest::Client::new()
        .get(format!("http://127.0.0.1:{}{}", server.port, t.path))
        .header("host", &t.host)
        .header("authorization", &t.authorization)
        .send()
        .await?;
    let status = res.status();
    let body: Value = res.json().await.unwrap_or(Value::Null);
    anyhow::ensure!(status == 200, "{} answered {status}: {body}", t.path);
    let items = body["items"].as_array().map_or(0, Vec::len);
    anyhow::ensure!(items == rows, "{} gave {items} rows, not {rows}", t.path);
    Ok(())
}

pub async fn api_read(shape: Shape) -> anyhow::Result<Value> {
    let (bench, mut agencies) = prepared(&shape).await?;
    let server = Server::start(bench.dir.path()).await?;
    server.sign_in(&mut agencies).await?;
    let targets = read_targets(&agencies, server.port, None);
    check_once(
        &server,
        &targets[0],
        (shape.per_agency as usize / 8).min(50),
    )
    .await?;
    let mut runs = Vec::new();
    for connections in [32, 64] {
        let r = Load {
            port: server.port,
            connections,
            seconds: shape.seconds,
            targets: &targets,
            post_body: None,
        }
        .run(|| {})
        .await?;
        eprintln!("api-read, {connections} connections: {}", r.summary());
        let mut j = r.to_json();
        j["connections"] = json!(connections);
        runs.push(j);
    }
    server.stop().await?;
    bench.close().await?;
    Ok(json!({
        "scenario": "api-read",
        "request": "GET /api/v1/registrations?status=<each of 8>&limit=50",
        "agencies": shape.agencies,
        "registrations": shape.agencies as i64 * shape.per_agency,
        "seconds": shape.seconds,
        "runs": runs,
        "targets": {"requests_per_second_at_32": 5000, "p99_ms_at_32": 25, "errors": 0},
    }))
}

pub async fn memory(shape: Shape) -> anyhow::Result<Value> {
    let (bench, mut agencies) = prepared(&shape).await?;
    let server = Server::start(bench.dir.path()).await?;
    server.sign_in(&mut agencies).await?;
    // Idle: started, migrated, every agent signed in, then left alone for a moment.
    tokio::time::sleep(std::time::Duration::from_secs(3)).await;
    let idle = server.rss_mib();
    let (idle_anon, idle_file) = server.rss_split_mib();
    let targets = read_targets(&agencies, server.port, None);
    let mut peak_sampled = 0f64;
    let r = Load {
        port: server.port,
        connections: 32,
        seconds: shape.seconds,
        targets: &targets,
        post_body: None,
    }
    .run(|| peak_sampled = peak_sampled.max(server.rss_mib()))
    .await?;
    let peak = server.peak_rss_mib().max(peak_sampled);
    tokio::time::sleep(std::time::Duration::from_secs(3)).await;
    let after = server.rss_mib();
    eprintln!(
        "memory: idle {idle:.1} MiB ({idle_anon:.1} anonymous, {idle_file:.1} file), peak under api-read (32 connections, {:.0} req/s) {peak:.1} MiB, 3 s after {after:.1} MiB",
        r.per_second()
    );
    server.stop().await?;
    bench.close().await?;
    Ok(json!({
        "scenario": "memory",
        "idle_rss_mib": round1(idle),
        "idle_anonymous_mib": round1(idle_anon),
        "idle_file_mib": round1(idle_file),
        "peak_rss_under_load_mib": round1(peak),
        "rss_after_load_mib": round1(after),
        "load": r.to_json(),
        "targets": {"idle_rss_mib": 60, "peak_rss_under_load_mib": 250},
    }))
}

pub async fn api_write(shape: Shape) -> anyhow::Result<Value> {
    let (bench, mut agencies) = prepared(&shape).await?;
    let server = Server::start(bench.dir.path()).await?;
    server.sign_in(&mut agencies).await?;
    let targets: Vec<Target> = agencies
        .iter()
        .map(|a| Target {
            host: a.host(server.port),
            authorization: format!("Bearer {}", a.token),
            path: "/api/v1/registrations".into(),
            value: a.client.to_string(),
        })
        .collect();
    let body = r#"{"client_id":"{{value}}","kind":"za_name_reservation","steps":{"names":{"company_kind":"private","e_filed":true,"names":["Karoo Sun {{n}} Traders (Pty) Ltd","Karoo Sun {{n}} Trading (Pty) Ltd","Umoya {{n}} Holdings (Pty) Ltd"]}}}"#;
    // One by hand first: a load of refusals would measure nothing.
    let first = body
        .replace("{{value}}", &targets[0].value)
        .replace("{{n}}", "check");
    let res = reqwest::Client::new()
        .post(format!(
            "http://127.0.0.1:{}{}",
            server.port, targets[0].path
        ))
        .header("host", &targets[0].host)
        .header("authorization", &targets[0].authorization)
        .header("content-type", "application/json")
        .body(first)
        .send()
        .await?;
    let status = res.status();
    anyhow::ensure!(
        status == 201,
        "creating a registration answered {status}: {}",
        res.text().await.unwrap_or_default()
    );
    let before = bench.outbox_events(&agencies).await?;
    let r = Load {
        port: server.port,
        connections: 32,
        seconds: shape.seconds,
        targets: &targets,
        post_body: Some(body),
    }
    .run(|| {})
    .await?;
    let events = bench.outbox_events(&agencies).await? - before;
    eprintln!(
        "api-write, 32 connections: {}; {events} events in the outboxes",
        r.summary()
    );
    let created = r.requests - r.error_count();
    anyhow::ensure!(
        events as u64 >= created,
        "{created} registrations answered created but only {events} events were written"
    );
    server.stop().await?;
    bench.close().await?;
    Ok(json!({
        "scenario": "api-write",
        "request": "POST /api/v1/registrations (a name reservation draft with its steps)",
        "agencies": shape.agencies,
        "seconds": shape.seconds,
        "run": r.to_json(),
        "outbox_events_written": events,
        "targets": {"requests_per_second": 1500},
    }))
}
