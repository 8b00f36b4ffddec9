//! The administrators' reports over HTTP, against numbers worked out here: registrations with
//! known timelines (written straight into the test database, since the API stamps the time of
//! each step itself) counted per South African month, type and status; turnaround medians and
//! 90th percentiles checked against Python's `statistics` (`quantiles(method="inclusive")`,
//! the same linear interpolation as PostgreSQL's `percentile_cont` and numpy's default); fees
//! at the price of the submission day with the unpriced counted apart; commission totals from
//! the real workflow; every CSV equal to its JSON; 422 for a bad period and 403 for an agent.

use crate::support::{Agency, Env, env};
use chrono::{DateTime, Datelike, Months, Utc};
use comply360_domain::IsolationMode;
use comply360_practice::reminders::sa_today;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::io::Write;
use std::process::{Command, Stdio};
use uuid::Uuid;

const PERIOD: &str = "?from=2025-01&to=2025-03";

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text).unwrap().to_utc()
}

/// A registration as the test writes it: its type, when it was created, its status now, its
/// timeline's status changes (from, to, when) and `submitted_at` as the app keeps it (the
/// last entry into `submitted`), unless given.
struct Filing {
    kind: &'static str,
    created: &'static str,
    status: &'static str,
    steps: Vec<(&'static str, &'static str, &'static str)>,
    submitted_at: Option<&'static str>,
}

fn draft(kind: &'static str, created: &'static str) -> Filing {
    Filing {
        kind,
        created,
        status: "draft",
        steps: Vec::new(),
        submitted_at: None,
    }
}

/// Submitted at `submitted` (from a draft) and approved at `approved`.
fn approved(
    kind: &'static str,
    created: &'static str,
    submitted: &'static str,
    approved: &'static str,
) -> Filing {
    Filing {
        kind,
        created,
        status: "approved",
        steps: vec![
            ("draft", "submitted", submitted),
            ("submitted", "approved", approved),
        ],
        submitted_at: None,
    }
}

impl Filing {
    fn submitted_at(&self) -> Option<DateTime<Utc>> {
        self.submitted_at.map(at).or_else(|| {
            self.steps
                .iter()
                .filter(|(_, to, _)| *to == "submitted")
                .map(|(_, _, when)| at(when))
                .max()
        })
    }
}

/// The scenario of the registrations, turnaround and fees tests (period: January to March
/// 2025, South African months). The comments give what each is expected to count as.
fn scenario() -> Vec<Filing> {
    let pc = "za_private_company";
    let nr = "za_name_reservation";
    vec![
        // Jan: name reservations in draft; the third created at 00:00 SAST on 1 January.
        draft(nr, "2025-01-10T08:00:00Z"),
        draft(nr, "2025-01-12T08:00:00Z"),
        draft(nr, "2024-12-31T22:00:00Z"),
        // Outside the period by two minutes either side (SAST): 31 Dec 23:59, 1 Apr 00:00.
        draft(nr, "2024-12-31T21:59:00Z"),
        draft(nr, "2025-03-31T22:00:00Z"),
        // Created 00:30 SAST on 1 February: February's; submitted, waiting.
        Filing {
            kind: nr,
            created: "2025-01-31T22:30:00Z",
            status: "submitted",
            steps: vec![("draft", "submitted", "2025-02-02T08:00:00Z")],
            submitted_at: None,
        },
        // Created 23:30 SAST on 31 January: January's. 10 days; fee on 10 Feb: R1,000.
        approved(
            pc,
            "2025-01-31T21:30:00Z",
            "2025-02-10T06:00:00Z",
            "2025-02-20T06:00:00Z",
        ),
        // Rejected in March.
        Filing {
            kind: pc,
            created: "2025-03-15T08:00:00Z",
            status: "rejected",
            steps: vec![
                ("draft", "submitted", "2025-03-16T08:00:00Z"),
                ("submitted", "rejected", "2025-03-18T08:00:00Z"),
            ],
            submitted_at: None,
        },
        // Submitted 23:30 SAST on 14 Feb (R1,000), approved 2 March: 15.5 days.
        approved(
            pc,
            "2025-02-01T08:00:00Z",
            "2025-02-14T21:30:00Z",
            "2025-03-02T09:30:00Z",
        ),
        // Submitted 00:30 SAST on 15 Feb, the new price's first day (R1,200): 14.5 days;
        // completed since.
        Filing {
            kind: pc,
            created: "2025-02-01T09:00:00Z",
            status: "completed",
            steps: vec![
                ("draft", "submitted", "2025-02-14T22:30:00Z"),
                ("submitted", "approved", "2025-03-01T10:30:00Z"),
                ("approved", "completed", "2025-03-05T10:30:00Z"),
            ],
            submitted_at: None,
        },
        // The registry asked for information; the resubmission continues the filing: 5 days
        // from the first submission. Priced on the resubmission's day (its submitted_at).
        Filing {
            kind: pc,
            created: "2025-02-03T08:00:00Z",
            status: "approved",
            steps: vec![
                ("draft", "submitted", "2025-02-04T08:00:00Z"),
                ("submitted", "info_requested", "2025-02-05T08:00:00Z"),
                ("info_requested", "submitted", "2025-02-07T08:00:00Z"),
                ("submitted", "approved", "2025-02-09T08:00:00Z"),
            ],
            submitted_at: None,
        },
        // Rejected, redone from a draft and approved: 2.5 days from the second submission.
        Filing {
            kind: pc,
            created: "2025-02-03T09:00:00Z",
            status: "approved",
            steps: vec![
                ("draft", "submitted", "2025-02-04T09:00:00Z"),
                ("submitted", "rejected", "2025-02-06T09:00:00Z"),
                ("rejected", "draft", "2025-02-07T09:00:00Z"),
                ("draft", "submitted", "2025-02-08T09:00:00Z"),
                ("submitted", "approved", "2025-02-10T21:00:00Z"),
            ],
            submitted_at: None,
        },
        // Approved 23:00 SAST on 31 December: before the period.
        approved(
            pc,
            "2024-11-01T08:00:00Z",
            "2024-11-02T08:00:00Z",
            "2024-12-31T21:00:00Z",
        ),
        // Approved 00:00 SAST on 1 January: January's (created in December). 1 day.
        approved(
            pc,
            "2024-12-01T08:00:00Z",
            "2024-12-30T22:00:00Z",
            "2024-12-31T22:00:00Z",
        ),
        // Approved 00:00 SAST on 1 April: after the period (created in March).
        approved(
            pc,
            "2025-03-20T08:00:00Z",
            "2025-03-21T08:00:00Z",
            "2025-03-31T22:00:00Z",
        ),
        // No submission in its timeline (as before the timeline existed): submitted_at
        // counts. 3.5 days.
        Filing {
            kind: pc,
            created: "2025-01-05T08:00:00Z",
            status: "approved",
            steps: vec![("submitted", "approved", "2025-01-09T20:00:00Z")],
            submitted_at: Some("2025-01-06T08:00:00Z"),
        },
        // 1 day; 30 days.
        approved(
            pc,
            "2025-01-20T08:00:00Z",
            "2025-01-20T10:00:00Z",
            "2025-01-21T10:00:00Z",
        ),
        approved(
            pc,
            "2025-01-22T08:00:00Z",
            "2025-01-22T08:00:00Z",
            "2025-02-21T08:00:00Z",
        ),
        // Name reservations (no price): 1.29 days, 0.5 days, 3 days.
        approved(
            nr,
            "2025-02-10T08:00:00Z",
            "2025-02-10T08:00:00Z",
            "2025-02-11T15:00:00Z",
        ),
        approved(
            nr,
            "2025-02-12T08:00:00Z",
            "2025-02-12T08:00:00Z",
            "2025-02-12T20:00:00Z",
        ),
        approved(
            nr,
            "2025-03-01T08:00:00Z",
            "2025-03-01T08:00:00Z",
            "2025-03-04T08:00:00Z",
        ),
        // A VAT registration, priced in dollars: 7 days.
        approved(
            "za_vat_registration",
            "2025-03-02T08:00:00Z",
            "2025-03-02T08:00:00Z",
            "2025-03-09T08:00:00Z",
        ),
    ]
}

/// Writes the scenario's registrations, their timelines and the prices into `a`'s database:
/// private companies R1,000 from 2024, R1,200 from 15 February 2025; VAT registrations $50
/// from June 2024; name reservations none.
async fn seed(env: &Env, a: &Agency, filings: &[Filing]) {
    let client: Uuid = env.client(a, "Reported").await.parse().unwrap();
    let tenant = env.app.store.tenancy().resolve(&a.slug).await.unwrap();
    let t = tenant.id().as_uuid();
    let mut tx = env.app.store.tenancy().begin(&tenant).await.unwrap();
    for (kind, cents, currency, from) in [
        ("za_private_company", 100_000, "ZAR", "2024-01-01"),
        ("za_private_company", 120_000, "ZAR", "2025-02-15"),
        ("za_vat_registration", 5_000, "USD", "2024-06-01"),
    ] {
        tx.query(
            "INSERT INTO registration_prices (tenant_id, id, kind, amount_cents, currency, effective_from) \
             VALUES ($1, gen_random_uuid(), $2, $3, $4, $5::date)",
        )
        .bind(t)
        .bind(kind)
        .bind(cents as i64)
        .bind(currency)
        .bind(from)
        .execute(tx.conn())
        .await
        .unwrap();
    }
    for f in filings {
        let id = Uuid::now_v7();
        tx.query(
            "INSERT INTO registrations (tenant_id, id, client_id, jurisdiction, kind, status, created_at, submitted_at) \
             VALUES ($1, $2, $3, 'ZA', $4, $5, $6, $7)",
        )
        .bind(t)
        .bind(id)
        .bind(client)
        .bind(f.kind)
        .bind(f.status)
        .bind(at(f.created))
        .bind(f.submitted_at())
        .execute(tx.conn())
        .await
        .unwrap();
        let created = (None, "draft", f.created);
        let steps = f
            .steps
            .iter()
            .map(|(from, to, when)| (Some(*from), *to, *when));
        for (from, to, when) in std::iter::once(created).chain(steps) {
            tx.query(
                "INSERT INTO registration_timeline (tenant_id, id, registration_id, at, action, from_status, to_status) \
                 VALUES ($1, gen_random_uuid(), $2, $3, 'test', $4, $5)",
            )
            .bind(t)
            .bind(id)
            .bind(at(when))
            .bind(from)
            .bind(to)
            .execute(tx.conn())
            .await
            .unwrap();
        }
    }
    tx.commit().await.unwrap();
}

async fn seeded(slug: &str) -> (Env, Agency) {
    let env = env().await;
    let a = env.agency(slug, IsolationMode::Pooled).await;
    seed(&env, &a, &scenario()).await;
    (env, a)
}

async fn report(env: &Env, a: &Agency, name: &str, query: &str) -> Value {
    env.ok(
        a,
        &a.admin,
        Method::GET,
        &format!("/api/v1/reports/{name}{query}"),
        None,
    )
    .await
}

/// The CSV version's lines as maps of column to value.
async fn csv_rows(env: &Env, a: &Agency, name: &str, query: &str) -> Vec<BTreeMap<String, String>> {
    let res = env
        .http
        .get(env.app.url(&format!("/api/v1/reports/{name}.csv{query}")))
        .header("x-tenant", &a.slug)
        .bearer_auth(&a.admin.token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["content-type"], "text/csv; charset=utf-8");
    assert_eq!(
        res.headers()["content-disposition"],
        format!("attachment; filename=\"{name}.csv\"").as_str()
    );
    let text = res.text().await.unwrap();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    reader
        .records()
        .map(|r| {
            header
                .iter()
                .cloned()
                .zip(r.unwrap().iter().map(str::to_owned))
                .collect()
        })
        .collect()
}

fn cents(text: &str) -> i64 {
    let (rands, cents) = text.split_once('.').unwrap();
    rands.parse::<i64>().unwrap() * 100 + cents.parse::<i64>().unwrap()
}

#[tokio::test]
async fn registrations_are_counted_per_south_african_month_type_and_status() {
    let (env, a) = seeded("report-counts").await;
    let r = report(&env, &a, "registrations", PERIOD).await;
    assert_eq!(
        r["period"],
        json!({"from": "2025-01-01", "to": "2025-03-31"})
    );
    assert_eq!(r["months"], json!(["2025-01", "2025-02", "2025-03"]));
    let counted: Vec<(String, String, String, i64)> = r["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| {
            (
                row["month"].as_str().unwrap().to_owned(),
                row["kind"].as_str().unwrap().to_owned(),
                row["status"].as_str().unwrap().to_owned(),
                row["count"].as_i64().unwrap(),
            )
        })
        .collect();
    let expected = [
        ("2025-01", "za_name_reservation", "draft", 3),
        ("2025-01", "za_private_company", "approved", 4),
        ("2025-02", "za_name_reservation", "approved", 2),
        ("2025-02", "za_name_reservation", "submitted", 1),
        ("2025-02", "za_private_company", "approved", 3),
        ("2025-02", "za_private_company", "completed", 1),
        ("2025-03", "za_name_reservation", "approved", 1),
        ("2025-03", "za_private_company", "approved", 1),
        ("2025-03", "za_private_company", "rejected", 1),
        ("2025-03", "za_vat_registration", "approved", 1),
    ]
    .map(|(m, k, s, n)| (m.to_owned(), k.to_owned(), s.to_owned(), n));
    assert_eq!(counted, expected);
    assert_eq!(r["total"], 18);

    // The CSV: the same rows.
    let lines = csv_rows(&env, &a, "registrations", PERIOD).await;
    let from_csv: Vec<(String, String, String, i64)> = lines
        .iter()
        .map(|l| {
            (
                l["month"].clone(),
                l["registration_kind"].clone(),
                l["status"].clone(),
                l["count"].parse().unwrap(),
            )
        })
        .collect();
    assert_eq!(from_csv, counted);

    // One month alone; a period with nothing in it has every month and no rows.
    let feb = report(&env, &a, "registrations", "?from=2025-02&to=2025-02").await;
    assert_eq!(feb["total"], 7);
    let empty = report(&env, &a, "registrations", "?from=2023-01&to=2023-06").await;
    assert_eq!(empty["months"].as_array().unwrap().len(), 6);
    assert_eq!(empty["rows"], json!([]));
    assert_eq!(empty["total"], 0);
    assert_eq!(
        csv_rows(&env, &a, "registrations", "?from=2023-01&to=2023-06")
            .await
            .len(),
        0
    );
}

const ORACLE: &str = r#"
import json, statistics, sys
out = {}
for kind, days in json.load(sys.stdin).items():
    out[kind] = {
        "approved": len(days),
        "median": statistics.median(days),
        # The 9th of the deciles, interpolated between the closest ranks (numpy's linear).
        "p90": statistics.quantiles(days, n=10, method="inclusive")[8] if len(days) > 1 else days[0],
    }
json.dump(out, sys.stdout)
"#;

/// Python's median and 90th percentile of each list of days.
fn python(days: &BTreeMap<String, Vec<f64>>) -> Value {
    let mut child = Command::new("python3")
        .args(["-c", ORACLE])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python3 runs (the tests need it)");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(&serde_json::to_vec(days).unwrap())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "the statistics oracle failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The days each scenario filing approved in the period waited, by the report's definition
/// worked out here: from the last submission from a draft (else `submitted_at`) to approval.
fn waits(filings: &[Filing], period: (&str, &str)) -> BTreeMap<String, Vec<f64>> {
    let (starts, ends) = (at(period.0), at(period.1));
    let mut by_kind: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    for f in filings {
        let Some((_, _, approved)) = f.steps.iter().find(|(_, to, _)| *to == "approved") else {
            continue;
        };
        let approved = at(approved);
        if approved < starts || approved >= ends {
            continue;
        }
        let submitted = f
            .steps
            .iter()
            .filter(|(from, to, _)| *to == "submitted" && ["draft", "ready"].contains(from))
            .map(|(_, _, when)| at(when))
            .max()
            .or_else(|| f.submitted_at.map(at))
            .unwrap();
        let days = (approved - submitted).num_seconds() as f64 / 86_400.0;
        by_kind.entry(f.kind.to_owned()).or_default().push(days);
        by_kind.entry("all".to_owned()).or_default().push(days);
    }
    by_kind
}

#[tokio::test]
async fn turnaround_is_the_median_and_90th_percentile_of_days_per_type() {
    let (env, a) = seeded("report-turnaround").await;
    let r = report(&env, &a, "turnaround", PERIOD).await;
    let days = waits(
        &scenario(),
        ("2024-12-31T22:00:00Z", "2025-03-31T22:00:00Z"),
    );
    // The waits worked out by hand, as a check on the check.
    assert_eq!(
        days["za_private_company"],
        [10.0, 15.5, 14.5, 5.0, 2.5, 1.0, 3.5, 1.0, 30.0]
    );
    let oracle = python(&days);
    let close = |got: &Value, want: &Value, what: &str| {
        let (got, want) = (got.as_f64().unwrap(), want.as_f64().unwrap());
        // One decimal: within half a tenth of the exact value, and written with one decimal.
        assert!((got - want).abs() <= 0.05 + 1e-9, "{what}: {got} vs {want}");
        assert_eq!((got * 10.0).round() / 10.0, got, "{what}: {got}");
    };
    let rows = r["rows"].as_array().unwrap();
    assert_eq!(
        rows.iter()
            .map(|row| row["kind"].as_str().unwrap())
            .collect::<Vec<_>>(),
        [
            "za_name_reservation",
            "za_private_company",
            "za_vat_registration"
        ]
    );
    for row in rows.iter().chain([&r["overall"]]) {
        let kind = row["kind"].as_str().unwrap_or("all");
        let want = &oracle[kind];
        assert_eq!(row["approved"], want["approved"], "{kind}");
        close(
            &row["median_days"],
            &want["median"],
            &format!("{kind} median"),
        );
        close(&row["p90_days"], &want["p90"], &format!("{kind} p90"));
    }
    // And the figures themselves (sorted waits 1, 1, 2.5, 3.5, 5, 10, 14.5, 15.5, 30: the
    // 90th percentile lies 0.2 of the way from 15.5 to 30).
    let pc = &rows[1];
    assert_eq!(
        (pc["median_days"].as_f64(), pc["p90_days"].as_f64()),
        (Some(5.0), Some(18.4))
    );
    assert_eq!(r["overall"]["approved"], 13);

    // CSV: the same figures, `all` last.
    let lines = csv_rows(&env, &a, "turnaround", PERIOD).await;
    assert_eq!(lines.len(), 4);
    for (line, row) in lines.iter().zip(rows.iter().chain([&r["overall"]])) {
        assert_eq!(
            line["registration_kind"],
            row["kind"].as_str().unwrap_or("all")
        );
        assert_eq!(line["approved"], row["approved"].to_string());
        assert_eq!(
            line["median_days"].parse::<f64>().unwrap(),
            row["median_days"].as_f64().unwrap()
        );
        assert_eq!(
            line["p90_days"].parse::<f64>().unwrap(),
            row["p90_days"].as_f64().unwrap()
        );
    }

    // Nothing approved: no rows and no overall figure.
    let none = report(&env, &a, "turnaround", "?from=2023-01&to=2023-02").await;
    assert_eq!(none["rows"], json!([]));
    assert_eq!(none["overall"], Value::Null);
}

#[tokio::test]
async fn fees_are_the_price_on_the_submission_day_with_the_unpriced_apart() {
    let (env, a) = seeded("report-fees").await;
    let r = report(&env, &a, "fees", PERIOD).await;
    let rows: Vec<(String, String, Option<String>, i64, i64)> = r["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| {
            (
                row["month"].as_str().unwrap().to_owned(),
                row["kind"].as_str().unwrap().to_owned(),
                row["currency"].as_str().map(str::to_owned),
                row["registrations"].as_i64().unwrap(),
                row["fees_cents"].as_i64().unwrap(),
            )
        })
        .collect();
    let expected = [
        // 1 Jan (00:00 SAST), 9 Jan, 21 Jan: R1,000 each.
        ("2025-01", "za_private_company", Some("ZAR"), 3, 300_000),
        ("2025-02", "za_name_reservation", None, 2, 0),
        // Submitted 10 Feb, 7 Feb (the resubmission), 8 Feb and 22 Jan: R1,000 each.
        ("2025-02", "za_private_company", Some("ZAR"), 4, 400_000),
        ("2025-03", "za_name_reservation", None, 1, 0),
        // Submitted 23:30 on 14 Feb (R1,000) and 00:30 on 15 Feb (R1,200), SAST.
        ("2025-03", "za_private_company", Some("ZAR"), 2, 220_000),
        ("2025-03", "za_vat_registration", Some("USD"), 1, 5_000),
    ]
    .map(|(m, k, c, n, f)| (m.to_owned(), k.to_owned(), c.map(str::to_owned), n, f));
    assert_eq!(rows, expected);
    assert_eq!(
        r["totals"],
        json!([
            {"currency": "USD", "registrations": 1, "fees_cents": 5_000},
            {"currency": "ZAR", "registrations": 9, "fees_cents": 920_000},
        ])
    );
    assert_eq!(r["unpriced"], 3);

    // CSV: the same lines; the unpriced say so, with no currency or amount.
    let lines = csv_rows(&env, &a, "fees", PERIOD).await;
    let from_csv: Vec<(String, String, Option<String>, i64, i64)> = lines
        .iter()
        .map(|l| {
            let priced = l["price"] == "set";
            if !priced {
                assert_eq!(l["price"], "no price set");
                assert_eq!((l["currency"].as_str(), l["fees"].as_str()), ("", ""));
            }
            (
                l["month"].clone(),
                l["registration_kind"].clone(),
                priced.then(|| l["currency"].clone()),
                l["registrations"].parse().unwrap(),
                if priced { cents(&l["fees"]) } else { 0 },
            )
        })
        .collect();
    assert_eq!(from_csv, rows);
}

#[tokio::test]
async fn commission_totals_per_agent_and_month_by_status_and_currency() {
    let env = env().await;
    let a = env
        .agency("report-commissions", IsolationMode::Pooled)
        .await;
    env.ok(
        &a,
        &a.admin,
        Method::POST,
        "/api/v1/prices",
        Some(json!({"kind": "za_name_reservation", "amount_cents": 150_000})),
    )
    .await;
    env.ok(
        &a,
        &a.admin,
        Method::POST,
        "/api/v1/commission-rules",
        Some(json!({"basis": "percentage", "rate_bp": 1000})),
    )
    .await;
    let client = env.client(&a, "Commissioned").await;
    for i in 0..4 {
        env.approved_reservation(&a, &a.agent, &client, &format!("Report {i} (Pty) Ltd"))
            .await;
    }
    env.approved_reservation(&a, &a.other_agent, &client, "Other Report (Pty) Ltd")
        .await;
    env.app.run_jobs(&a.slug).await;
    let list = env.commissions(&a, &a.admin, "").await;
    assert_eq!(list.len(), 5);
    // Thandi's four, then Sipho's.
    let of = |agent: &str| -> Vec<&str> {
        list.iter()
            .filter(|c| c["agent_id"] == agent)
            .map(|c| c["id"].as_str().unwrap())
            .collect()
    };
    let ids: Vec<&str> = [of(&a.agent.id), of(&a.other_agent.id)].concat();
    assert_eq!(ids.len(), 5);
    let act = |id: &str, action: &str, body: Value| {
        let path = format!("/api/v1/commissions/{id}/{action}");
        let env = &env;
        let a = &a;
        async move { env.ok(a, &a.admin, Method::POST, &path, Some(body)).await }
    };
    // Thandi's: approved; paid; rejected; pending. Sipho's: pending, in dollars.
    act(ids[0], "approve", json!({})).await;
    act(ids[1], "approve", json!({})).await;
    act(ids[1], "pay", json!({"payment_reference": "EFT 7"})).await;
    act(ids[2], "reject", json!({"reason": "duplicate"})).await;
    // The first two were earned last month (the job stamps today: moved here), and Sipho's
    // is in dollars.
    let today = sa_today();
    let last_month = (today.with_day(1).unwrap() - Months::new(1))
        .with_day(15)
        .unwrap();
    let tenant = env.app.store.tenancy().resolve(&a.slug).await.unwrap();
    let mut tx = env.app.store.tenancy().begin(&tenant).await.unwrap();
    tx.query("UPDATE commissions SET earned_on = $2 WHERE tenant_id = $1 AND id = ANY($3)")
        .bind(tenant.id().as_uuid())
        .bind(last_month)
        .bind(vec![
            ids[0].parse::<Uuid>().unwrap(),
            ids[1].parse().unwrap(),
        ])
        .execute(tx.conn())
        .await
        .unwrap();
    tx.query("UPDATE commissions SET currency = 'USD' WHERE tenant_id = $1 AND id = $2")
        .bind(tenant.id().as_uuid())
        .bind(ids[4].parse::<Uuid>().unwrap())
        .execute(tx.conn())
        .await
        .unwrap();
    tx.commit().await.unwrap();

    // The default period: the last 12 whole months and this one.
    let r = report(&env, &a, "commissions", "").await;
    let this = comply360_money::reports::month_key(today);
    let last = comply360_money::reports::month_key(last_month);
    assert_eq!(r["months"].as_array().unwrap().len(), 13);
    assert_eq!(r["months"][12], this.as_str());
    let (thandi, sipho) = (a.agent.id.as_str(), a.other_agent.id.as_str());
    let rows: Vec<(&str, &str, &str, i64, [i64; 4])> = r["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| {
            (
                row["agent_id"].as_str().unwrap(),
                row["month"].as_str().unwrap(),
                row["currency"].as_str().unwrap(),
                row["commissions"].as_i64().unwrap(),
                ["pending", "approved", "paid", "rejected"]
                    .map(|s| row[format!("{s}_cents")].as_i64().unwrap()),
            )
        })
        .collect();
    // Ordered by the agent's email: sipho@ before thandi@.
    assert_eq!(
        rows,
        [
            (sipho, this.as_str(), "USD", 1, [15_000, 0, 0, 0]),
            (thandi, last.as_str(), "ZAR", 2, [0, 15_000, 15_000, 0]),
            (thandi, this.as_str(), "ZAR", 2, [15_000, 0, 0, 15_000]),
        ]
    );
    assert_eq!(
        r["rows"][0]["agent_email"],
        format!("sipho@{}.example", a.slug)
    );
    // Per agent over the period, the largest first.
    let agents: Vec<(&str, &str, i64, i64)> = r["agents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            (
                x["agent_id"].as_str().unwrap(),
                x["currency"].as_str().unwrap(),
                x["commissions"].as_i64().unwrap(),
                x["pending_cents"].as_i64().unwrap() + x["paid_cents"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        agents,
        [(thandi, "ZAR", 4, 30_000), (sipho, "USD", 1, 15_000)]
    );

    // CSV: the same lines, amounts in rands.
    let lines = csv_rows(&env, &a, "commissions", "").await;
    let from_csv: Vec<(&str, &str, &str, i64, [i64; 4])> = lines
        .iter()
        .map(|l| {
            (
                l["agent_id"].as_str(),
                l["month"].as_str(),
                l["currency"].as_str(),
                l["commissions"].parse().unwrap(),
                ["pending", "approved", "paid", "rejected"].map(|s| cents(&l[s])),
            )
        })
        .collect();
    assert_eq!(from_csv, rows);
    assert_eq!(lines[0]["agent_email"], format!("sipho@{}.example", a.slug));

    // The same approvals went through the real workflow: today's turnaround (seconds, so 0
    // days) and fees (R1,500 each, on today's price).
    let t = report(&env, &a, "turnaround", "").await;
    assert_eq!(t["overall"]["approved"], 5);
    assert_eq!(t["overall"]["median_days"], 0.0);
    let f = report(&env, &a, "fees", "").await;
    assert_eq!(
        f["totals"],
        json!([{"currency": "ZAR", "registrations": 5, "fees_cents": 750_000}])
    );
    assert_eq!(f["rows"][0]["month"], this.as_str());
}

#[tokio::test]
async fn a_bad_period_is_refused_beside_its_fields_and_agents_may_not_read_reports() {
    let env = env().await;
    let a = env.agency("report-refusals", IsolationMode::Pooled).await;
    for (query, field, says) in [
        (
            "?from=2025-13",
            "from",
            "is not a day (2026-03-15) or a month (2026-03)",
        ),
        ("?to=yesterday", "to", "is not a day"),
        ("?from=2022-01&to=2025-01", "to", "at most 36"),
        ("?from=2025-03-10&to=2025-03-09", "to", "on or after"),
    ] {
        for name in ["registrations", "turnaround", "commissions", "fees"] {
            for suffix in ["", ".csv"] {
                let path = format!("/api/v1/reports/{name}{suffix}{query}");
                let (status, body) = env.call(&a, &a.admin, Method::GET, &path, None).await;
                assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{path}: {body}");
                assert_eq!(body["code"], "validation_failed");
                assert_eq!(body["errors"][0]["field"], field, "{path}: {body}");
                assert!(
                    body["errors"][0]["message"]
                        .as_str()
                        .unwrap()
                        .contains(says),
                    "{path}: {body}"
                );
            }
        }
    }
    // An unknown parameter is not a period.
    let (status, _) = env
        .call(
            &a,
            &a.admin,
            Method::GET,
            "/api/v1/reports/fees?month=2025-01",
            None,
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    // Agents hold no reports:read.
    for name in ["registrations", "turnaround", "commissions", "fees"] {
        for suffix in ["", ".csv"] {
            let path = format!("/api/v1/reports/{name}{suffix}");
            let (status, body) = env.call(&a, &a.agent, Method::GET, &path, None).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{path}: {body}");
        }
    }
}
