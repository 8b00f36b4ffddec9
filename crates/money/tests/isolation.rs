//! Tenant isolation of the money tables and routes in every mode: agency A's transaction sees
//! none of B's prices, rules or commissions and cannot write rows carrying B's id; every money
//! route called with A's credentials and B's ids answers as if they did not exist; each
//! agency's reports hold its own figures only.

use crate::support::{Agency, Env, env};
use comply360_domain::IsolationMode;
use comply360_testkit::isolation;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

struct Seeded {
    price: String,
    rule: String,
    commission: String,
    agent: String,
}

async fn populate(env: &Env, a: &Agency) -> Seeded {
    let tomorrow = comply360_practice::reminders::sa_today()
        .succ_opt()
        .unwrap();
    env.ok(
        a,
        &a.admin,
        Method::POST,
        "/api/v1/prices",
        Some(json!({"kind": "za_name_reservation", "amount_cents": 100_000})),
    )
    .await;
    let price = env
        .ok(a, &a.admin, Method::POST, "/api/v1/prices",
            Some(json!({"kind": "za_name_reservation", "amount_cents": 120_000, "effective_from": tomorrow})))
        .await;
    env.ok(
        a,
        &a.admin,
        Method::POST,
        "/api/v1/commission-rules",
        Some(json!({"basis": "percentage", "rate_bp": 1000})),
    )
    .await;
    let rule = env
        .ok(
            a,
            &a.admin,
            Method::POST,
            "/api/v1/commission-rules",
            Some(json!({"basis": "fixed", "amount_cents": 500, "kind": "za_vat_registration"})),
        )
        .await;
    let client = env.client(a, "Isolated").await;
    env.approved_reservation(a, &a.agent, &client, "Walled Garden (Pty) Ltd")
        .await;
    env.app.run_jobs(&a.slug).await;
    let commission = env.commissions(a, &a.admin, "").await[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    Seeded {
        price: price["id"].as_str().unwrap().to_owned(),
        rule: rule["id"].as_str().unwrap().to_owned(),
        commission,
        agent: a.agent.id.clone(),
    }
}

async fn suite(env: &Env, mode: IsolationMode) {
    let a = env.agency(&format!("money-a-{mode}"), mode).await;
    let b = env.agency(&format!("money-b-{mode}"), mode).await;
    populate(env, &a).await;
    let theirs = populate(env, &b).await;
    // B approves one more, so that any of B's rows in A's reports would change A's figures.
    let second = env.client(&b, "Second").await;
    env.approved_reservation(&b, &b.agent, &second, "Second Garden (Pty) Ltd")
        .await;
    env.app.run_jobs(&b.slug).await;
    reports_show_only_their_own(env, &[(&a, 1), (&b, 2)], mode).await;

    let store = &env.app.store;
    let ta = store.tenancy().resolve(&a.slug).await.unwrap();
    let tb = store.tenancy().resolve(&b.slug).await.unwrap();
    isolation::sees_only_its_own(
        store,
        &ta,
        &["registration_prices", "commission_rules", "commissions"],
        mode,
    )
    .await;
    isolation::cannot_write_for(
        store,
        &ta,
        &tb,
        &theirs.agent,
        &[
            "INSERT INTO registration_prices (tenant_id, id, kind, amount_cents, currency, effective_from) VALUES ($1, gen_random_uuid(), 'za_pbc_' || $2, 1, 'ZAR', current_date)",
            "INSERT INTO commission_rules (tenant_id, id, basis, rate_bp, effective_from, note) VALUES ($1, gen_random_uuid(), 'percentage', 1, current_date, $2)",
            "UPDATE commissions SET tenant_id = $1 WHERE $2 <> ''",
            "UPDATE commission_rules SET tenant_id = $1 WHERE $2 <> ''",
        ],
        mode,
    )
    .await;

    // Every route, with A's administrator and B's ids: not found, and B's rows unchanged.
    for (method, path, body) in [
        (
            Method::GET,
            format!("/api/v1/commissions/{}", theirs.commission),
            None,
        ),
        (
            Method::POST,
            format!("/api/v1/commissions/{}/approve", theirs.commission),
            None,
        ),
        (
            Method::POST,
            format!("/api/v1/commissions/{}/reject", theirs.commission),
            Some(json!({"reason": "x"})),
        ),
        (
            Method::GET,
            format!("/api/v1/commissions/statements/{}/2026-11", theirs.agent),
            None,
        ),
        (
            Method::POST,
            format!("/api/v1/commission-rules/{}/end", theirs.rule),
            Some(json!({"last_day": "2030-01-01"})),
        ),
        (
            Method::DELETE,
            format!("/api/v1/commission-rules/{}", theirs.rule),
            None,
        ),
        (
            Method::DELETE,
            format!("/api/v1/prices/{}", theirs.price),
            None,
        ),
    ] {
        let (status, answer) = env.call(&a, &a.admin, method.clone(), &path, body).await;
        assert_eq!(
            status,
            StatusCode::NOT_FOUND,
            "{mode}: {method} {path}: {answer}"
        );
    }
    let (status, answer) = env
        .call(
            &a,
            &a.admin,
            Method::POST,
            "/api/v1/commissions/bulk",
            Some(json!({"action": "approve", "ids": [theirs.commission]})),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{mode}: {answer}");
    assert!(
        answer["detail"]
            .as_str()
            .unwrap()
            .contains("no commission with these ids"),
        "{answer}"
    );
    // Lists and exports show only A's.
    let listed: Vec<Value> = env
        .commissions(&a, &a.admin, &format!("&agent={}", theirs.agent))
        .await;
    assert!(listed.is_empty(), "{mode}: {listed:?}");
    let rules = env
        .ok(&a, &a.admin, Method::GET, "/api/v1/commission-rules", None)
        .await;
    assert!(
        rules
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["id"] != theirs.rule.as_str())
    );
    let prices = env
        .ok(&a, &a.admin, Method::GET, "/api/v1/prices", None)
        .await;
    assert!(
        prices
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["id"] != theirs.price.as_str())
    );
    // B's commission is still pending, B's rule and price still there.
    let b_side = env
        .ok(
            &b,
            &b.admin,
            Method::GET,
            &format!("/api/v1/commissions/{}", theirs.commission),
            None,
        )
        .await;
    assert_eq!(b_side["status"], "pending");
    assert_eq!(
        env.ok(&b, &b.admin, Method::GET, "/api/v1/prices", None)
            .await
            .as_array()
            .unwrap()
            .len(),
        2
    );
}

/// Each agency's reports count its own approvals (`n`) and name only its own agent, in JSON
/// and CSV.
async fn reports_show_only_their_own(env: &Env, agencies: &[(&Agency, i64)], mode: IsolationMode) {
    for (i, (agency, n)) in agencies.iter().enumerate() {
        let get = |name: &str| {
            let path = format!("/api/v1/reports/{name}");
            async move {
                env.ok(agency, &agency.admin, Method::GET, &path, None)
                    .await
            }
        };
        let counts = get("registrations").await;
        assert_eq!(counts["total"], *n, "{mode}: {counts}");
        let turnaround = get("turnaround").await;
        assert_eq!(
            turnaround["overall"]["approved"], *n,
            "{mode}: {turnaround}"
        );
        let fees = get("fees").await;
        assert_eq!(
            fees["totals"],
            json!([{"currency": "ZAR", "registrations": n, "fees_cents": n * 100_000}]),
            "{mode}"
        );
        let commissions = get("commissions").await;
        let rows = commissions["rows"].as_array().unwrap();
        assert_eq!(rows.len(), 1, "{mode}: {commissions}");
        assert_eq!(rows[0]["agent_id"], agency.agent.id.as_str());
        assert_eq!(rows[0]["commissions"], *n);
        // No other agency's agent in any CSV.
        for name in ["registrations", "turnaround", "commissions", "fees"] {
            let (status, csv) = env
                .call(
                    agency,
                    &agency.admin,
                    Method::GET,
                    &format!("/api/v1/reports/{name}.csv"),
                    None,
                )
                .await;
            assert_eq!(status, StatusCode::OK);
            let csv = csv.as_str().unwrap();
            for (j, (other, _)) in agencies.iter().enumerate() {
                if i != j {
                    assert!(!csv.contains(&other.agent.id), "{mode} {name}: {csv}");
                    assert!(!csv.contains(&other.slug), "{mode} {name}: {csv}");
                }
            }
        }
    }
}

#[tokio::test]
async fn money_isolation_pooled() {
    suite(&env().await, IsolationMode::Pooled).await;
}

#[tokio::test]
async fn money_isolation_schema() {
    suite(&env().await, IsolationMode::Schema).await;
}

#[tokio::test]
async fn money_isolation_database() {
    suite(&env().await, IsolationMode::Database).await;
}
