//! Commission calculation end to end: rules and prices set over the API, registrations
//! approved over the API, the `commissions.calculate` job run, the result read back; and the
//! rule choice at effective-date boundaries, the rounding of half cents, overrides, and one
//! commission per registration and agent whatever the retries.

use crate::support::{Agency, Env, env};
use chrono::{Duration as Days, NaiveDate};
use comply360_domain::IsolationMode;
use comply360_jobs::NewEvent;
use comply360_money::commissions::calculate::{Calculated, calculate};
use comply360_money::settings::Trigger;
use comply360_practice::reminders::sa_today;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

async fn set_price(env: &Env, a: &Agency, cents: i64) {
    env.ok(
        a,
        &a.admin,
        Method::POST,
        "/api/v1/prices",
        Some(json!({"kind": "za_name_reservation", "amount_cents": cents})),
    )
    .await;
}

async fn rule(env: &Env, a: &Agency, body: Value) -> Value {
    env.ok(
        a,
        &a.admin,
        Method::POST,
        "/api/v1/commission-rules",
        Some(body),
    )
    .await
}

/// Runs the calculation itself for `registration` as if earned on `day`.
async fn calculate_on(env: &Env, a: &Agency, registration: &str, day: NaiveDate) -> Calculated {
    let tenant = env.app.store.tenancy().resolve(&a.slug).await.unwrap();
    let mut tx = env.app.store.tenancy().begin(&tenant).await.unwrap();
    let done = calculate(
        &mut tx,
        &env.app.state.outbox,
        registration.parse().unwrap(),
        day,
        Trigger::Approved,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    done
}

fn amount_of(commissions: &[Value], registration: &str) -> i64 {
    let c = commissions
        .iter()
        .find(|c| c["registration_id"] == registration)
        .unwrap_or_else(|| panic!("a commission for {registration}"));
    c["amount_cents"].as_i64().unwrap()
}

#[tokio::test]
async fn an_approval_earns_the_agent_the_rules_commission_with_its_working() {
    let env = env().await;
    let a = env.agency("calc-api", IsolationMode::Pooled).await;
    // R 1 000.04 at 12.50 % is 125.005 rand: half a cent, which half-even rounds to 125.00.
    set_price(&env, &a, 100_004).await;
    rule(&env, &a, json!({"basis": "percentage", "rate_bp": 1250})).await;
    // Sipho's override: a fixed R 250.00 on name reservations.
    rule(
        &env,
        &a,
        json!({"basis": "fixed", "amount_cents": 25_000, "agent_id": a.other_agent.id,
                          "kind": "za_name_reservation", "note": "senior agent"}),
    )
    .await;
    let client = env.client(&a, "Dlamini").await;
    let mine = env
        .approved_reservation(&a, &a.agent, &client, "Umoya Bakers (Pty) Ltd")
        .await;
    let his = env
        .approved_reservation(&a, &a.other_agent, &client, "Umoya Traders (Pty) Ltd")
        .await;
    // Not yet approved: earns nothing.
    let pending = env
        .submitted_reservation(&a, &a.agent, &client, "Umoya Farms (Pty) Ltd")
        .await;
    assert!(env.app.run_jobs(&a.slug).await > 0);

    let all = env.commissions(&a, &a.admin, "").await;
    assert_eq!(all.len(), 2, "{all:?}");
    assert_eq!(amount_of(&all, &mine), 12_500);
    assert_eq!(amount_of(&all, &his), 25_000);
    assert!(all.iter().all(|c| c["registration_id"] != pending.as_str()));
    let c = all
        .iter()
        .find(|c| c["registration_id"] == mine.as_str())
        .unwrap();
    assert_eq!(c["status"], "pending");
    assert_eq!(c["currency"], "ZAR");
    assert_eq!(c["fee_cents"], 100_004);
    assert_eq!(c["earned_on"], sa_today().to_string());
    assert_eq!(c["actions"], json!(["approve", "reject"]));
    assert_eq!(
        c["calculation"]["explanation"],
        "12.50 % of 1000.04 = 125.005, rounded half_even to 125.00"
    );
    assert_eq!(c["calculation"]["exact_cents"], "12500.5");
    assert_eq!(c["calculation"]["rule"]["rate_bp"], 1250);
    assert_eq!(c["calculation"]["trigger"], "approved");
    let h = all
        .iter()
        .find(|c| c["registration_id"] == his.as_str())
        .unwrap();
    assert_eq!(h["fee_cents"], Value::Null);
    assert_eq!(
        h["calculation"]["explanation"],
        "a fixed 250.00 per registration"
    );
    // The rule that produced a commission cannot be deleted, only ended.
    let rules = env
        .ok(&a, &a.admin, Method::GET, "/api/v1/commission-rules", None)
        .await;
    let used = rules
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["used"] == 1 && r["basis"] == "percentage")
        .unwrap();
    let (status, body) = env
        .call(
            &a,
            &a.admin,
            Method::DELETE,
            &format!("/api/v1/commission-rules/{}", used["id"].as_str().unwrap()),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["code"], "rule_in_use");
}

#[tokio::test]
async fn effective_dates_overrides_and_half_cents_decide_the_amount() {
    let env = env().await;
    let a = env.agency("calc-dates", IsolationMode::Schema).await;
    set_price(&env, &a, 100_004).await;
    let d0 = sa_today() - Days::days(60);
    let day = |n: i64| d0 + Days::days(n);
    // Days 0..=9: 12.50 % rounded half-up; from day 10: 12.50 % rounded half-even.
    rule(
        &env,
        &a,
        json!({"basis": "percentage", "rate_bp": 1250, "rounding": "half_up",
                          "effective_from": day(0), "effective_to": day(9)}),
    )
    .await;
    rule(
        &env,
        &a,
        json!({"basis": "percentage", "rate_bp": 1250, "effective_from": day(10)}),
    )
    .await;
    // Sipho's override for day 5 only.
    rule(
        &env,
        &a,
        json!({"basis": "fixed", "amount_cents": 25_000, "agent_id": a.other_agent.id,
                          "effective_from": day(5), "effective_to": day(5)}),
    )
    .await;
    // A rule overlapping another of the same scope is refused, naming the clash.
    let (status, body) = env
        .call(
            &a,
            &a.admin,
            Method::POST,
            "/api/v1/commission-rules",
            Some(json!({"basis": "fixed", "amount_cents": 100, "effective_from": day(9)})),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["code"], "rule_overlaps");
    let detail = body["detail"].as_str().unwrap();
    assert!(
        detail.contains(&format!("{} to {}", day(0), day(9))),
        "{detail}"
    );
    assert!(
        detail.contains(&format!("{} to further notice", day(10))),
        "{detail}"
    );

    let client = env.client(&a, "Nkosi").await;
    let mut expect = Vec::new();
    for (n, agent, amount) in [
        (-1, &a.agent, None), // before any rule
        (0, &a.agent, Some(12_501)),
        (9, &a.agent, Some(12_501)),  // the half-up rule's last day
        (10, &a.agent, Some(12_500)), // the half-even rule's first day
        (4, &a.other_agent, Some(12_501)),
        (5, &a.other_agent, Some(25_000)), // the override's only day
        (6, &a.other_agent, Some(12_501)),
    ] {
        let r = env
            .submitted_reservation(
                &a,
                agent,
                &client,
                &format!("Boundary {n} {} (Pty) Ltd", agent.id),
            )
            .await;
        let done = calculate_on(&env, &a, &r, day(n)).await;
        match amount {
            None => assert_eq!(
                done,
                Calculated::Nothing("no commission rule applies"),
                "day {n}"
            ),
            Some(_) => assert!(matches!(done, Calculated::Created(_)), "day {n}: {done:?}"),
        }
        expect.push((r, n, amount));
    }
    let all = env.commissions(&a, &a.admin, "").await;
    for (r, n, amount) in expect {
        if let Some(cents) = amount {
            assert_eq!(amount_of(&all, &r), cents, "day {n}");
            let c = all
                .iter()
                .find(|c| c["registration_id"] == r.as_str())
                .unwrap();
            assert_eq!(c["earned_on"], day(n).to_string());
        }
    }
}

#[tokio::test]
async fn a_registration_earns_one_commission_whatever_the_retries() {
    let env = env().await;
    let a = env.agency("calc-once", IsolationMode::Pooled).await;
    set_price(&env, &a, 150_000).await;
    rule(&env, &a, json!({"basis": "percentage", "rate_bp": 1000})).await;
    let client = env.client(&a, "Mokoena").await;
    let r = env
        .approved_reservation(&a, &a.agent, &client, "Once Only (Pty) Ltd")
        .await;
    env.app.run_jobs(&a.slug).await;
    assert_eq!(env.commissions(&a, &a.admin, "").await.len(), 1);

    // The same approval delivered again as another event (a replayed dead letter, a second
    // relay), and the calculation run again by hand: still one commission.
    let tenant = env.app.store.tenancy().resolve(&a.slug).await.unwrap();
    let mut tx = env.app.store.tenancy().begin(&tenant).await.unwrap();
    env.app
        .state
        .outbox
        .emit(
            &mut tx,
            NewEvent::new("registration.approved", "registration")
                .aggregate(r.parse::<Uuid>().unwrap())
                .payload(json!({"registration_id": r, "kind": "za_name_reservation", "status": "approved"})),
        )
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert!(env.app.run_jobs(&a.slug).await > 0);
    assert_eq!(
        calculate_on(&env, &a, &r, sa_today()).await,
        Calculated::AlreadyEarned
    );
    let all = env.commissions(&a, &a.admin, "").await;
    assert_eq!(all.len(), 1);
    assert_eq!(all[0]["amount_cents"], 15_000);
    // One commission.calculated event, for the one commission.
    let mut tx = env.app.store.tenancy().begin(&tenant).await.unwrap();
    let emitted: i64 = tx
        .query_scalar("SELECT count(*) FROM outbox_events WHERE tenant_id = $1 AND event_type = 'commission.calculated'")
        .bind(tenant.id().as_uuid())
        .fetch_one(tx.conn())
        .await
        .unwrap();
    tx.rollback().await.unwrap();
    assert_eq!(emitted, 1);
}

#[tokio::test]
async fn with_the_completed_trigger_the_completion_earns_it() {
    let env = env().await;
    let a = env.agency("calc-complete", IsolationMode::Database).await;
    rule(
        &env,
        &a,
        json!({"basis": "fixed", "amount_cents": 5_000, "currency": "ZAR"}),
    )
    .await;
    let (status, body) = env
        .call(
            &a,
            &a.admin,
            Method::PUT,
            "/api/v1/commission-settings",
            Some(json!({"trigger": "whenever"})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["errors"][0]["field"], "trigger");
    // An agent may not change it.
    let (status, _) = env
        .call(
            &a,
            &a.agent,
            Method::PUT,
            "/api/v1/commission-settings",
            Some(json!({"trigger": "completed"})),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    env.ok(
        &a,
        &a.admin,
        Method::PUT,
        "/api/v1/commission-settings",
        Some(json!({"trigger": "completed"})),
    )
    .await;

    let client = env.client(&a, "Zulu").await;
    let r = env
        .approved_reservation(&a, &a.agent, &client, "Later Pay (Pty) Ltd")
        .await;
    env.app.run_jobs(&a.slug).await;
    assert!(
        env.commissions(&a, &a.admin, "").await.is_empty(),
        "approval alone earns nothing now"
    );
    env.ok(
        &a,
        &a.admin,
        Method::POST,
        &format!("/api/v1/registrations/{r}/transitions"),
        Some(json!({"action": "complete"})),
    )
    .await;
    env.app.run_jobs(&a.slug).await;
    let all = env.commissions(&a, &a.admin, "").await;
    assert_eq!(all.len(), 1);
    assert_eq!(all[0]["amount_cents"], 5_000);
    assert_eq!(all[0]["calculation"]["trigger"], "completed");
}

#[tokio::test]
async fn a_percentage_without_a_price_is_recorded_as_zero_with_the_reason() {
    let env = env().await;
    let a = env.agency("calc-noprice", IsolationMode::Pooled).await;
    rule(&env, &a, json!({"basis": "percentage", "rate_bp": 1000})).await;
    let client = env.client(&a, "Botha").await;
    env.approved_reservation(&a, &a.agent, &client, "No Price (Pty) Ltd")
        .await;
    env.app.run_jobs(&a.slug).await;
    let all = env.commissions(&a, &a.admin, "").await;
    assert_eq!(all[0]["amount_cents"], 0);
    let why = all[0]["calculation"]["explanation"].as_str().unwrap();
    assert!(why.contains("no price for za_name_reservation"), "{why}");
}
