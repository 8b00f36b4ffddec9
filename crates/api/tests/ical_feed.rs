//! The iCalendar feed read by an independent parser (Python `icalendar`, installed by
//! scripts/test; under `CI=true` a missing module fails the test, elsewhere it skips): every
//! event is an all-day event of exactly one day, on its obligation's due date. RFC 5545's
//! DTEND is exclusive, so a one-day event on 4 November ends on 5 November.

use crate::support;
use comply360_domain::IsolationMode;
use comply360_testkit::http::Http;
use comply360_testkit::{TestDb, ci, spawn_app};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::io::Write;
use std::process::{Command, Stdio};

/// Each VEVENT's UID, DTSTART and DTEND (both dates, decoded) and the span in days.
const PARSE: &str = r#"
import json, sys, datetime
import icalendar
cal = icalendar.Calendar.from_ical(sys.stdin.read())
out = []
for ev in cal.walk("VEVENT"):
    start, end = ev.decoded("dtstart"), ev.decoded("dtend")
    out.append({
        "uid": str(ev.get("uid")),
        "start": start.isoformat(),
        "end": end.isoformat(),
        "all_day": type(start) is datetime.date and type(end) is datetime.date,
        "days": (end - start).days,
    })
json.dump(out, sys.stdout)
"#;

fn parse(ics: &str) -> Option<Vec<Value>> {
    let mut child = match Command::new("python3")
        .arg("-c")
        .arg(PARSE)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
    {
        Ok(child) => child,
        Err(e) => {
            assert!(!ci(), "python3 is required under CI=true: {e}");
            return None;
        }
    };
    child
        .stdin
        .take()
        .unwrap()
        .write_all(ics.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("No module named") && !ci(),
            "the icalendar parser failed (under CI=true scripts/test installs it): {err}"
        );
        eprintln!("skipped: Python icalendar is not installed");
        return None;
    }
    Some(serde_json::from_slice(&out.stdout).unwrap())
}

#[tokio::test]
async fn the_feed_holds_one_day_all_day_events_on_the_due_dates() {
    let db = TestDb::new().await;
    db.tenant("feed", IsolationMode::Pooled).await;
    let app = spawn_app(db.store.clone()).await;
    let http = Http::new(&app);
    let agent = app.token_for("feed", "agent").await;
    let agent_id = support::claims_of(&agent)["sub"]
        .as_str()
        .unwrap()
        .to_owned();
    let send = |method: Method, path: String, body: Option<Value>| {
        let http = &http;
        let agent = &agent;
        async move {
            let res = http
                .send(method, Some("feed"), &path, Some(agent), body)
                .await;
            assert!(res.status().is_success(), "{path}: {}", res.status());
            res.json::<Value>().await.unwrap()
        }
    };
    let client = send(
        Method::POST,
        "/api/v1/clients".into(),
        Some(json!({"first_names": "Thabo", "surname": "Mokoena", "id_number": "8001015009087"})),
    )
    .await;
    // Annual returns, BO filings and a VAT registration, all the agent's.
    for (name, incorporated_on, supplies) in [
        ("Umoya Bakers (Pty) Ltd", "2024-06-14", None),
        (
            "Karoo Sun Traders (Pty) Ltd",
            "2025-03-28",
            Some(300_000_000_i64),
        ),
        ("Marula Freight (Pty) Ltd", "2023-11-03", None),
    ] {
        let mut body = json!({"client_id": client["id"], "company_type": "private_company",
            "agent_id": agent_id, "name": name, "incorporated_on": incorporated_on});
        if let Some(cents) = supplies {
            body["taxable_supplies_cents"] = cents.into();
        }
        send(Method::POST, "/api/v1/companies".into(), Some(body)).await;
    }
    let open = send(
        Method::GET,
        format!("/api/v1/obligations?agent={agent_id}&status=open&limit=100"),
        None,
    )
    .await;
    let due: BTreeMap<String, String> = open["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            (
                format!("{}@comply360", o["id"].as_str().unwrap()),
                o["due_on"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert!(due.len() >= 5, "{open}");

    let feed = send(Method::GET, "/api/v1/obligations/feed".into(), None).await;
    let res = reqwest::get(app.url(feed["path"].as_str().unwrap()))
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let ics = res.text().await.unwrap();
    // As RFC 5545 writes a date-valued DTEND.
    assert!(ics.contains("DTEND;VALUE=DATE:"), "{ics}");
    let Some(events) = parse(&ics) else {
        return;
    };
    assert_eq!(events.len(), due.len(), "one event per open obligation");
    for event in &events {
        let uid = event["uid"].as_str().unwrap();
        assert_eq!(event["all_day"], true, "{event}");
        assert_eq!(event["days"], 1, "exactly one day: {event}");
        assert_eq!(
            event["start"].as_str(),
            due.get(uid).map(String::as_str),
            "{event}"
        );
    }
}
