//! `comply360 registry-sim` serves the registry simulator: a reservation through its HTTP API
//! answers after the configured delay, and a seeded name is refused as taken.

use crate::support::BIN;
use serde_json::{Value, json};
use std::time::Duration;

#[tokio::test]
async fn the_registry_simulator_runs_as_its_own_subcommand() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let listen = format!("127.0.0.1:{port}");
    let mut child = tokio::process::Command::new(BIN)
        .args([
            "registry-sim",
            "--listen",
            &listen,
            "--answer-after",
            "300ms",
            "--seed",
            "Acme Holdings",
        ])
        .kill_on_drop(true)
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let http = reqwest::Client::new();
    let base = format!("http://{listen}");
    let mut up = false;
    for _ in 0..100 {
        if http
            .get(format!("{base}/healthz"))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            up = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(up, "the simulator did not start");
    let receipt: Value = http
        .post(format!("{base}/v1/name-reservations"))
        .json(&json!({"jurisdiction": "ZA", "names": ["Acme Holdings (Pty) Ltd", "Karoo Sun (Pty) Ltd"], "applicant_reference": "cli-test"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = receipt["filing_id"].as_str().unwrap();
    let first: Value = http
        .get(format!("{base}/v1/filings/{id}"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(first["status"], "pending");
    tokio::time::sleep(Duration::from_millis(400)).await;
    let answer: Value = http
        .get(format!("{base}/v1/filings/{id}"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(answer["status"], "name_reserved", "{answer}");
    assert_eq!(answer["name"], "Karoo Sun (Pty) Ltd");
    assert!(
        answer["refused"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("Acme Holdings"),
        "{answer}"
    );
    child.start_kill().unwrap();
    let _ = child.wait().await;
}
