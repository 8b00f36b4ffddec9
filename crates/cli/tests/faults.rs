//! Faults `serve` survives. PostgreSQL stopped and started again under load: while it is down
//! every request is answered at once with a 503 problem carrying `Retry-After` (none waits
//! past the request timeout), the app recovers by itself when it is back, and every client a
//! 201 promised is in the database afterwards. SIGTERM with a request in flight: the request
//! is finished, then the process exits cleanly.

use crate::support::{serve_demo, sign_in};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// `pg_ctl` of the newest PostgreSQL installed.
fn pg_ctl() -> PathBuf {
    let mut found: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .map(|dirs| {
            dirs.filter_map(Result::ok)
                .map(|d| d.path().join("bin/pg_ctl"))
                .filter(|p| p.is_file())
                .collect()
        })
        .unwrap_or_default();
    found.sort();
    found.pop().unwrap_or_else(|| PathBuf::from("pg_ctl"))
}

/// Runs `pg_ctl args` on the embedded cluster in `data`, as the cluster's owner.
fn pg_ctl_on(data: &Path, args: &[&str]) {
    let pg = data.join("pg");
    let mut cmd = if nix::unistd::Uid::effective().is_root() {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(pg_ctl());
        c
    } else {
        Command::new(pg_ctl())
    };
    let out = cmd
        .arg("-D")
        .arg(&pg)
        .args(args)
        .output()
        .expect("pg_ctl runs");
    assert!(
        out.status.success(),
        "pg_ctl {args:?}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// What one request of the load got.
#[derive(Debug)]
struct Answer {
    status: u16,
    took: Duration,
    retry_after: Option<String>,
    code: Option<String>,
    client: Option<String>,
}

async fn create_client(http: &reqwest::Client, api: &str, token: &str, n: usize) -> Answer {
    let started = Instant::now();
    let res = http
        .post(format!("{api}/clients"))
        .header("x-tenant", "acacia")
        .bearer_auth(token)
        .json(&serde_json::json!({"kind": "person", "first_names": "Load", "surname": format!("Test {n}")}))
        .send()
        .await
        .expect("every request is answered");
    let status = res.status().as_u16();
    let retry_after = res
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let body: serde_json::Value = res.json().await.unwrap_or_default();
    Answer {
        status,
        took: started.elapsed(),
        retry_after,
        code: body["code"].as_str().map(str::to_owned),
        client: (status == 201).then(|| body["id"].as_str().unwrap_or_default().to_owned()),
    }
}

#[tokio::test]
async fn postgresql_stopped_and_restarted_under_load_loses_nothing_and_hangs_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let serve = serve_demo(
        &data,
        &[],
        &[
            ("COMPLY360_REQUEST_TIMEOUT_SECS", "10".into()),
            ("COMPLY360_RATE_LIMIT_API", "100000/s burst 100000".into()),
        ],
        Stdio::null(),
    )
    .await;
    let port = serve.port;
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap();
    let api = format!("http://127.0.0.1:{port}/api/v1");
    let token = sign_in(&http, port, "acacia", "admin@acacia.example").await;

    // Four clients of the API creating clients, one request after another, throughout.
    let running = Arc::new(AtomicBool::new(true));
    let load: Vec<_> = (0..4)
        .map(|worker| {
            let (http, api, token, running) =
                (http.clone(), api.clone(), token.clone(), running.clone());
            tokio::spawn(async move {
                let mut answers = Vec::new();
                let mut n = worker * 1_000_000;
                while running.load(Ordering::Acquire) {
                    answers.push((Instant::now(), create_client(&http, &api, &token, n).await));
                    n += 1;
                }
                answers
            })
        })
        .collect();

    tokio::time::sleep(Duration::from_secs(1)).await;
    pg_ctl_on(&data, &["stop", "-m", "fast", "-w"]);
    let down_at = Instant::now();
    tokio::time::sleep(Duration::from_secs(3)).await;
    // `restart` on a stopped server starts it with the options it last ran with
    // (postmaster.opts): the same port and socket directory.
    let up_at = Instant::now();
    pg_ctl_on(
        &data,
        &["restart", "-m", "fast", "-w", "-l"]
            .into_iter()
            .chain([data.join("pg").join("restart.log").to_str().unwrap()])
            .collect::<Vec<_>>(),
    );
    tokio::time::sleep(Duration::from_secs(3)).await;
    running.store(false, Ordering::Release);
    let mut answers = Vec::new();
    for worker in load {
        answers.extend(worker.await.unwrap());
    }

    let unexpected: Vec<&Answer> = answers
        .iter()
        .map(|(_, a)| a)
        .filter(|a| !matches!(a.status, 201 | 503))
        .collect();
    assert!(
        unexpected.is_empty(),
        "neither 201 nor 503: {unexpected:#?}"
    );
    let slowest = answers.iter().map(|(_, a)| a.took).max().unwrap();
    assert!(
        slowest < Duration::from_secs(11),
        "a request waited {slowest:?}, past the 10 s request timeout"
    );
    let refused: Vec<&Answer> = answers
        .iter()
        .map(|(_, a)| a)
        .filter(|a| a.status == 503)
        .collect();
    assert!(!refused.is_empty(), "no request met the database down");
    for a in &refused {
        assert_eq!(a.code.as_deref(), Some("database_unavailable"), "{a:?}");
        assert_eq!(a.retry_after.as_deref(), Some("5"), "{a:?}");
    }
    let before = answers
        .iter()
        .filter(|(at, a)| *at < down_at && a.status == 201)
        .count();
    let after = answers
        .iter()
        .filter(|(at, a)| *at > up_at + Duration::from_secs(1) && a.status == 201)
        .count();
    assert!(before > 0, "requests succeeded before the stop");
    assert!(
        after > 0,
        "requests succeed again once PostgreSQL is back, without a restart of the app"
    );

    // Every 201 is a client in the database.
    let promised: Vec<&str> = answers
        .iter()
        .filter_map(|(_, a)| a.client.as_deref())
        .collect();
    for id in &promised {
        // 200 or 404 is the verdict; a 408 or 503 (a loaded machine, a pool still finding
        // its dead connections) says nothing about the client, so it is asked again.
        let deadline = Instant::now() + Duration::from_secs(30);
        let status = loop {
            let status = http
                .get(format!("{api}/clients/{id}"))
                .header("x-tenant", "acacia")
                .bearer_auth(&token)
                .send()
                .await
                .unwrap()
                .status();
            if matches!(status.as_u16(), 200 | 404) || Instant::now() > deadline {
                break status;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        };
        assert_eq!(status, 200, "client {id} was answered 201 but is not there");
    }
    eprintln!(
        "{} requests: {} created ({before} before the stop, {after} after the restart), {} refused with 503 while down; slowest {slowest:?}",
        answers.len(),
        promised.len(),
        refused.len()
    );
    drop(serve);
}

#[tokio::test]
async fn sigterm_lets_a_request_in_flight_finish_then_exits_cleanly() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let dir = tempfile::tempdir().unwrap();
    let mut serve = serve_demo(&dir.path().join("data"), &[], &[], Stdio::null()).await;
    let port = serve.port;
    let token = sign_in(
        &reqwest::Client::new(),
        port,
        "acacia",
        "admin@acacia.example",
    )
    .await;

    // A request whose body is half sent when the signal comes: in flight.
    let body = r#"{"kind": "person", "first_names": "Draining", "surname": "Request"}"#;
    let (first, rest) = body.split_at(body.len() / 2);
    let mut conn = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .unwrap();
    let head = format!(
        "POST /api/v1/clients HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nX-Tenant: acacia\r\n\
         Authorization: Bearer {token}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{first}",
        body.len()
    );
    conn.write_all(head.as_bytes()).await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(serve.child.id() as i32),
        nix::sys::signal::Signal::SIGTERM,
    )
    .unwrap();
    tokio::time::sleep(Duration::from_millis(700)).await;
    conn.write_all(rest.as_bytes()).await.unwrap();
    let mut answer = String::new();
    tokio::time::timeout(Duration::from_secs(20), conn.read_to_string(&mut answer))
        .await
        .expect("the answer comes while the server drains")
        .unwrap();
    assert!(
        answer.starts_with("HTTP/1.1 201"),
        "the request in flight was finished: {answer}"
    );

    // Then the process stops by itself, successfully.
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(status) = serve.child.try_wait().unwrap() {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "serve did not exit after draining"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(status.success(), "serve exited with {status}");
}
