//! The OpenAPI document (`/api/v1/openapi.json`): complete in both directions against the route
//! table, accepted by an independent validator (`openapi-spec-validator` from PyPI, installed
//! by the test command), and pinned by a snapshot so every change to the API's description
//! shows up in review.

use comply360_api::{Surface, routes};
use comply360_testkit::{TestDb, spawn_app};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::PathBuf;

/// The committed document. To accept a reviewed change:
/// `UPDATE_OPENAPI_SNAPSHOT=1 cargo test -p comply360-api openapi`.
fn snapshot_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("openapi.json")
}

async fn served_document() -> (Value, BTreeSet<(String, String)>) {
    let db = TestDb::new().await;
    let app = spawn_app(db.store.clone()).await;
    let doc: Value = reqwest::get(app.url("/api/v1/openapi.json"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let table: BTreeSet<(String, String)> = routes(&app.state, Surface::Api)
        .specs()
        .iter()
        .filter(|s| comply360_api::routes::documented(s.path))
        .map(|s| (s.method.as_str().to_ascii_lowercase(), s.path.to_owned()))
        .collect();
    (doc, table)
}

#[tokio::test]
async fn the_document_and_the_route_table_list_the_same_operations() {
    let (doc, table) = served_document().await;
    let mut documented = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            documented.insert((method.clone(), path.clone()));
        }
    }
    let missing: Vec<_> = table.difference(&documented).collect();
    let extra: Vec<_> = documented.difference(&table).collect();
    assert!(
        missing.is_empty(),
        "routes the document leaves out: {missing:?}"
    );
    assert!(extra.is_empty(), "operations no route serves: {extra:?}");
}

#[tokio::test]
async fn an_independent_validator_accepts_the_document() {
    let (doc, _) = served_document().await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("openapi.json");
    std::fs::write(&file, serde_json::to_vec_pretty(&doc).unwrap()).unwrap();
    let out = std::process::Command::new("python3")
        .args(["-m", "openapi_spec_validator"])
        .arg(&file)
        .output();
    let out = match out {
        Ok(out)
            if out.status.success()
                || !String::from_utf8_lossy(&out.stderr).contains("No module named") =>
        {
            out
        }
        _ => {
            assert!(
                !comply360_testkit::ci(),
                "openapi-spec-validator is required under CI=true (scripts/test installs it)"
            );
            eprintln!(
                "skipped: openapi-spec-validator is not installed (scripts/test installs it)"
            );
            return;
        }
    };
    assert!(
        out.status.success(),
        "openapi-spec-validator refused the document:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("OK"));
}

#[tokio::test]
async fn the_document_matches_its_reviewed_snapshot() {
    let (doc, _) = served_document().await;
    let text = format!("{}\n", serde_json::to_string_pretty(&doc).unwrap());
    let path = snapshot_path();
    if std::env::var("UPDATE_OPENAPI_SNAPSHOT").is_ok_and(|v| v == "1") {
        std::fs::write(&path, &text).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    if committed != text {
        let first = committed
            .lines()
            .zip(text.lines())
            .position(|(a, b)| a != b)
            .unwrap_or_else(|| committed.lines().count().min(text.lines().count()));
        panic!(
            "the OpenAPI document differs from {} from line {}:\n  committed: {}\n  served:    {}\n\
             review the change, then accept it with UPDATE_OPENAPI_SNAPSHOT=1 cargo test -p comply360-api openapi",
            path.display(),
            first + 1,
            committed.lines().nth(first).unwrap_or("(end)"),
            text.lines().nth(first).unwrap_or("(end)")
        );
    }
}
