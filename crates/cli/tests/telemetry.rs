//! What an operator sees of a running `serve` (one `serve --demo` for all of it, so the suite
//! starts one cluster here, not three): `/metrics` on its own listener (never on an
//! agency's host, and only for the token's bearer when one is set) with every metric family
//! after demo traffic, and the `tenant` label bounded to the busiest agencies; its JSON log
//! lines carry each request's ids, and nothing personal or secret; and its traces, exported
//! over OTLP to a receiver here, follow a request into the job its event started.

use crate::support::{DEMO_PASSWORD, Serve, serve_demo, sign_in};
use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const TOKEN: &str = "scrape-token-7f3a9c";

/// Every family the issue names: a scrape must hold each.
const FAMILIES: [&str; 14] = [
    "http_requests_total",
    "http_request_duration_seconds",
    "http_requests_in_flight",
    "db_pool_connections",
    "db_query_duration_seconds",
    "jobs_total",
    "jobs_queue_depth",
    "jobs_dead_letters",
    "integration_circuit_state",
    "cache_hits_total",
    "cache_misses_total",
    "tenants",
    "documents_ocr_pages_total",
    "payments_total",
];

/// An agent's sign-in, their registrations and the portal's sign-in page, at `agency`.
async fn traffic(http: &reqwest::Client, port: u16, agency: &str) {
    let api = format!("http://127.0.0.1:{port}/api/v1");
    let token = sign_in(http, port, agency, &format!("thandi@{agency}.example")).await;
    let res = http
        .get(format!("{api}/registrations?status=draft"))
        .header("x-tenant", agency)
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "registrations at {agency}");
    let res = http
        .get(format!("http://127.0.0.1:{port}/login"))
        .header("host", format!("{agency}.localhost:{port}"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "the portal's sign-in page at {agency}");
}

/// The label values of `label` on the lines of `family`.
fn label_values(text: &str, family: &str, label: &str) -> BTreeSet<String> {
    let needle = format!("{label}=\"");
    text.lines()
        .filter(|l| l.starts_with(&format!("{family}{{")))
        .filter_map(|l| {
            let start = l.find(&needle)? + needle.len();
            let end = start + l[start..].find('"')?;
            Some(l[start..end].to_owned())
        })
        .collect()
}

/// `/metrics`: apart from the app, guarded, every family, the tenant label bounded.
async fn metrics_are_apart_guarded_complete_and_bounded(serve: &Serve, http: &reqwest::Client) {
    // Two agencies first (they take the two labels), then the third.
    for agency in ["acacia", "baobab", "acacia", "baobab", "cedar", "cedar"] {
        traffic(http, serve.port, agency).await;
    }

    // Never on the agency-facing listener, whichever host is asked.
    for host in ["localhost", "acacia.localhost"] {
        let res = http
            .get(format!("http://127.0.0.1:{}/metrics", serve.port))
            .header("host", host)
            .send()
            .await
            .unwrap();
        assert_eq!(
            res.status(),
            404,
            "/metrics at {host} on the app's listener"
        );
    }

    let metrics = format!("http://127.0.0.1:{}/metrics", serve.metrics_port);
    let res = http.get(&metrics).send().await.unwrap();
    assert_eq!(res.status(), 401, "a scrape without the token");
    let res = http
        .get(&metrics)
        .bearer_auth("not-the-token")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401, "a scrape with a wrong token");
    let res = http.get(&metrics).bearer_auth(TOKEN).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let text = res.text().await.unwrap();

    for family in FAMILIES {
        assert!(
            text.lines().any(|l| l.starts_with(&format!("{family}{{"))
                || l.starts_with(&format!("{family} "))
                || l.starts_with(&format!("{family}_bucket{{"))),
            "no {family} series in:\n{text}"
        );
    }

    // The busiest two agencies by name, the third as `other`; never a raw path as a route.
    let tenants = label_values(&text, "http_requests_total", "tenant");
    let named: BTreeSet<&str> = tenants
        .iter()
        .map(String::as_str)
        .filter(|t| !matches!(*t, "other" | "none"))
        .collect();
    assert_eq!(
        named,
        BTreeSet::from(["acacia", "baobab"]),
        "labels: {tenants:?}"
    );
    assert!(tenants.contains("other"), "labels: {tenants:?}");
    let routes = label_values(&text, "http_requests_total", "route");
    assert!(routes.contains("/api/v1/registrations"), "{routes:?}");
    assert!(
        routes
            .iter()
            .all(|r| !r.contains("acacia") && !r.contains('?')),
        "{routes:?}"
    );

    // Pools by server, database and state; agencies by mode and status; statements by kind.
    for label in ["server", "database", "state"] {
        assert!(
            !label_values(&text, "db_pool_connections", label).is_empty(),
            "db_pool_connections without {label}"
        );
    }
    assert_eq!(
        label_values(&text, "db_pool_connections", "state"),
        BTreeSet::from(["idle".to_owned(), "in_use".to_owned()])
    );
    assert_eq!(
        label_values(&text, "tenants", "mode"),
        BTreeSet::from([
            "database".to_owned(),
            "pooled".to_owned(),
            "schema".to_owned()
        ])
    );
    assert!(
        label_values(&text, "db_query_duration_seconds_count", "statement").contains("select"),
        "statement times by kind"
    );
    let hits: f64 = text
        .lines()
        .find(|l| l.starts_with("cache_hits_total{cache=\"placement\"}"))
        .and_then(|l| l.rsplit(' ').next()?.parse().ok())
        .unwrap();
    assert!(hits > 0.0, "the placement cache answered the requests");
}

/// The JSON log lines in `log` whose fields match `pred`.
fn log_lines(log: &std::path::Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(log)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not a JSON line ({e}): {l}")))
        .collect()
}

/// A request whose path carries an email, an SA ID number, a password and a token: its
/// access line would show them all. The token.
async fn a_request_carrying_secrets(serve: &Serve, http: &reqwest::Client) -> &'static str {
    let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ0aGFuZGkifQ.c2lnbmF0dXJlLWJ5dGVz";
    let probe =
        format!("/api/v1/probe/thandi@acacia.example/8001015009087/password=Hunter2-Secret/{jwt}");
    let res = http
        .get(format!("http://127.0.0.1:{}{probe}", serve.port))
        .header("x-tenant", "acacia")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    jwt
}

/// The JSON log lines: a request's ids on its lines, nothing personal or secret anywhere.
fn json_logs_carry_the_requests_ids_and_mask_what_is_personal_or_secret(
    log: &std::path::Path,
    jwt: &str,
) {
    let lines = log_lines(log);
    let access: Vec<&serde_json::Value> = lines
        .iter()
        .filter(|l| l["target"] == "comply360::access")
        .collect();
    let listed = access
        .iter()
        .find(|l| l["fields"]["path"] == "/api/v1/registrations")
        .unwrap_or_else(|| panic!("no access line for the registrations: {access:?}"));
    let span = &listed["span"];
    assert!(
        span["request_id"].as_str().is_some_and(|id| id.len() >= 32),
        "request_id: {listed}"
    );
    assert_eq!(span["tenant"], "acacia", "{listed}");
    assert!(
        span["user"].as_str().is_some_and(|u| !u.is_empty()),
        "user: {listed}"
    );

    let probed = access
        .iter()
        .find(|l| {
            l["fields"]["path"]
                .as_str()
                .is_some_and(|p| p.starts_with("/api/v1/probe/"))
        })
        .unwrap_or_else(|| panic!("no access line for the probe: {access:?}"));
    let path = probed["fields"]["path"].as_str().unwrap();
    // (A secret-named value runs to the next space or quote, so the token after it goes too.)
    assert_eq!(
        path, "/api/v1/probe/[email]/[number]/password=[redacted]",
        "{probed}"
    );
    let everything = std::fs::read_to_string(log).unwrap();
    for secret in [
        "thandi@acacia.example",
        "8001015009087",
        "Hunter2-Secret",
        jwt,
        DEMO_PASSWORD,
    ] {
        assert!(!everything.contains(secret), "{secret} in the log");
    }
}

/// A span as an OTLP receiver sees it.
#[derive(Clone, Debug)]
struct Received {
    name: String,
    trace: String,
    id: String,
    parent: String,
    /// Its string attributes, e.g. a request's `method` and `path`.
    attributes: std::collections::BTreeMap<String, String>,
}

/// An OTLP/HTTP receiver: `POST /v1/traces` with an `ExportTraceServiceRequest` in protobuf,
/// as the OpenTelemetry Collector takes it.
async fn otlp_receiver() -> (u16, Arc<Mutex<Vec<Received>>>) {
    use opentelemetry_proto::tonic::collector::trace::v1::{
        ExportTraceServiceRequest, ExportTraceServiceResponse,
    };
    use prost::Message;
    let spans: Arc<Mutex<Vec<Received>>> = Arc::default();
    let app = axum::Router::new()
        .route(
            "/v1/traces",
            axum::routing::post(
                |axum::extract::State(spans): axum::extract::State<Arc<Mutex<Vec<Received>>>>,
                 body: axum::body::Bytes| async move {
                    let Ok(request) = ExportTraceServiceRequest::decode(body) else {
                        return (axum::http::StatusCode::BAD_REQUEST, Vec::new());
                    };
                    let mut spans = spans.lock().unwrap();
                    for resource in request.resource_spans {
                        for scope in resource.scope_spans {
                            for span in scope.spans {
                                let attributes = span
                                    .attributes
                                    .iter()
                                    .filter_map(|kv| {
                                        use opentelemetry_proto::tonic::common::v1::any_value::Value;
                                        match kv.value.as_ref()?.value.as_ref()? {
                                            Value::StringValue(v) => Some((kv.key.clone(), v.clone())),
                                            _ => None,
                                        }
                                    })
                                    .collect();
                                spans.push(Received {
                                    attributes,
                                    name: span.name,
                                    trace: hex(&span.trace_id),
                                    id: hex(&span.span_id),
                                    parent: hex(&span.parent_span_id),
                                });
                            }
                        }
                    }
                    (
                        axum::http::StatusCode::OK,
                        ExportTraceServiceResponse::default().encode_to_vec(),
                    )
                },
            ),
        )
        .with_state(spans.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move { axum::serve(listener, app).await.ok() });
    (port, spans)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The registration request's trace, received over OTLP, reaches the job it caused.
async fn a_registration_requests_trace_reaches_the_job_it_caused(
    serve: &Serve,
    http: &reqwest::Client,
    spans: &Mutex<Vec<Received>>,
) {
    let api = format!("http://127.0.0.1:{}/api/v1", serve.port);
    let token = sign_in(http, serve.port, "acacia", "thandi@acacia.example").await;
    let clients: serde_json::Value = http
        .get(format!("{api}/clients"))
        .header("x-tenant", "acacia")
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let client = clients["items"][0]["id"].as_str().unwrap().to_owned();
    let res = http
        .post(format!("{api}/registrations"))
        .header("x-tenant", "acacia")
        .bearer_auth(&token)
        .json(&serde_json::json!({"client_id": client, "kind": "za_private_company"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);

    // The request's span, and in its trace a job (the registration.created event's), itself
    // with statements under it.
    let deadline = Instant::now() + Duration::from_secs(30);
    let (request, job) = loop {
        let seen = spans.lock().unwrap().clone();
        let traced_job = seen.iter().find_map(|job| {
            let request = seen.iter().find(|r| {
                r.name == "request"
                    && r.attributes.get("method").is_some_and(|m| m == "POST")
                    && r.attributes
                        .get("path")
                        .is_some_and(|p| p == "/api/v1/registrations")
                    && job.name == "job"
                    && r.trace == job.trace
            })?;
            // Statements under the job, within the request's trace.
            seen.iter()
                .any(|s| s.name.starts_with("db ") && s.parent == job.id)
                .then(|| (request.clone(), job.clone()))
        });
        if let Some(found) = traced_job {
            break found;
        }
        if Instant::now() >= deadline {
            let requests: Vec<_> = seen.iter().filter(|s| s.name == "request").collect();
            let jobs: Vec<_> = seen.iter().filter(|s| s.name == "job").collect();
            panic!(
                "no request trace reaching a job among {} spans:\nrequests {requests:#?}\njobs {jobs:#?}",
                seen.len()
            );
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_ne!(
        job.parent, "",
        "the job's span names a span of the request as its parent"
    );
    assert_eq!(job.trace, request.trace);
    // The request's own statements are spans of its trace too.
    let seen = spans.lock().unwrap().clone();
    assert!(
        seen.iter()
            .any(|s| s.trace == request.trace && s.name == "db insert"),
        "the registration's insert is in the request's trace"
    );
}

#[tokio::test]
async fn a_serve_under_demo_traffic_is_measured_logged_and_traced() {
    let (receiver, spans) = otlp_receiver().await;
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("serve.log");
    let serve = serve_demo(
        &dir.path().join("data"),
        &["--log-format", "json"],
        &[
            (
                "OTEL_EXPORTER_OTLP_ENDPOINT",
                format!("http://127.0.0.1:{receiver}"),
            ),
            ("OTEL_BSP_SCHEDULE_DELAY", "100".into()),
            ("COMPLY360_METRICS_TOKEN", TOKEN.into()),
            // The demo has three agencies: one more than the labels.
            ("COMPLY360_METRICS_TENANT_LABELS", "2".into()),
        ],
        std::fs::File::create(&log).unwrap().into(),
    )
    .await;
    let http = reqwest::Client::new();
    metrics_are_apart_guarded_complete_and_bounded(&serve, &http).await;
    let jwt = a_request_carrying_secrets(&serve, &http).await;
    a_registration_requests_trace_reaches_the_job_it_caused(&serve, &http, &spans).await;
    drop(serve); // SIGTERM: the last lines are written
    json_logs_carry_the_requests_ids_and_mask_what_is_personal_or_secret(&log, jwt);
}
