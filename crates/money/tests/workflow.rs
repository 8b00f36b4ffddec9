//! The commission workflow over HTTP: approve, reject with a reason, pay with a reference and
//! date, one at a time and in bulk (all or nothing); wrong transitions refused with a problem
//! and nothing changed; agents read only their own and approve nothing; statements and the
//! CSV export.

use crate::support::{Agency, Env, env};
use comply360_domain::IsolationMode;
use comply360_practice::reminders::sa_today;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// An agency with a 10 % rule, a R 1 500 price, and `n` pending commissions for the first
/// agent and one for the second (ids, oldest first, and the second agent's last).
async fn with_commissions(
    env: &Env,
    slug: &str,
    mode: IsolationMode,
    n: usize,
) -> (Agency, Vec<String>) {
    let a = env.agency(slug, mode).await;
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
    let client = env.client(&a, "Mahlangu").await;
    for i in 0..n {
        env.approved_reservation(&a, &a.agent, &client, &format!("Workflow {i} (Pty) Ltd"))
            .await;
    }
    env.approved_reservation(&a, &a.other_agent, &client, "Other Agent (Pty) Ltd")
        .await;
    env.app.run_jobs(&a.slug).await;
    let ids = env
        .commissions(&a, &a.admin, "")
        .await
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .collect();
    (a, ids)
}

fn statuses(list: &[Value]) -> Vec<String> {
    list.iter()
        .map(|c| c["status"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn administrators_approve_reject_and_pay_and_wrong_steps_change_nothing() {
    let env = env().await;
    let (a, ids) = with_commissions(&env, "flow-admin", IsolationMode::Pooled, 3).await;
    assert_eq!(ids.len(), 4);
    let path = |id: &str, action: &str| format!("/api/v1/commissions/{id}/{action}");

    // Paying a pending commission is refused with the way forward; nothing changes.
    let (status, body) = env
        .call(
            &a,
            &a.admin,
            Method::POST,
            &path(&ids[0], "pay"),
            Some(json!({"payment_reference": "EFT 1"})),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["code"], "transition_not_allowed");
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .contains("cannot pay a pending commission; from pending: approve, reject"),
        "{body}"
    );

    // Approve one (a bare POST), then bulk-approve it with the others: all or nothing.
    let one = env
        .ok(&a, &a.admin, Method::POST, &path(&ids[0], "approve"), None)
        .await;
    assert_eq!(one["status"], "approved");
    assert_eq!(one["version"], 2);
    let before = env.commissions(&a, &a.admin, "").await;
    let (status, body) = env
        .call(
            &a,
            &a.admin,
            Method::POST,
            "/api/v1/commissions/bulk",
            Some(json!({"action": "approve", "ids": [ids[0], ids[1], ids[2]]})),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    let detail = body["detail"].as_str().unwrap();
    assert!(
        detail.starts_with("nothing was changed: 1 of 3 commissions cannot be approved"),
        "{detail}"
    );
    assert!(detail.contains(&ids[0]), "{detail}");
    let after = env.commissions(&a, &a.admin, "").await;
    assert_eq!(statuses(&before), statuses(&after));
    assert_eq!(
        before
            .iter()
            .map(|c| c["version"].clone())
            .collect::<Vec<_>>(),
        after
            .iter()
            .map(|c| c["version"].clone())
            .collect::<Vec<_>>()
    );

    let approved = env
        .ok(
            &a,
            &a.admin,
            Method::POST,
            "/api/v1/commissions/bulk",
            Some(json!({"action": "approve", "ids": [ids[1], ids[2]]})),
        )
        .await;
    assert_eq!(
        statuses(approved.as_array().unwrap()),
        ["approved", "approved"]
    );

    // Rejecting needs a reason; paying needs a reference and no future date.
    let (status, body) = env
        .call(
            &a,
            &a.admin,
            Method::POST,
            &path(&ids[3], "reject"),
            Some(json!({"reason": "  "})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["errors"][0]["field"], "reason");
    let tomorrow = sa_today().succ_opt().unwrap();
    let (status, body) = env
        .call(
            &a,
            &a.admin,
            Method::POST,
            "/api/v1/commissions/bulk",
            Some(json!({"action": "pay", "ids": [ids[0]], "paid_on": tomorrow})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let fields: Vec<&str> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["payment_reference", "paid_on"]);

    let rejected = env
        .ok(
            &a,
            &a.admin,
            Method::POST,
            &path(&ids[3], "reject"),
            Some(json!({"reason": "client refunded"})),
        )
        .await;
    assert_eq!(rejected["status"], "rejected");
    assert_eq!(rejected["reason"], "client refunded");
    assert_eq!(rejected["actions"], json!([]));
    let paid = env
        .ok(&a, &a.admin, Method::POST, "/api/v1/commissions/bulk",
            Some(json!({"action": "pay", "ids": [ids[0], ids[1]], "payment_reference": "EFT 2026-11-0042", "paid_on": sa_today()})))
        .await;
    for c in paid.as_array().unwrap() {
        assert_eq!(c["status"], "paid");
        assert_eq!(c["payment_reference"], "EFT 2026-11-0042");
        assert_eq!(c["paid_on"], sa_today().to_string());
    }
    // Final states stay final.
    for (id, action) in [(&ids[0], "reject"), (&ids[3], "approve")] {
        let (status, body) = env
            .call(
                &a,
                &a.admin,
                Method::POST,
                &path(id, action),
                Some(json!({"reason": "again"})),
            )
            .await;
        assert_eq!(status, StatusCode::CONFLICT, "{body}");
        assert!(
            body["detail"]
                .as_str()
                .unwrap()
                .contains("nothing (it is final)"),
            "{body}"
        );
    }
    // A stale version is refused.
    let (status, body) = env
        .call(
            &a,
            &a.admin,
            Method::POST,
            &path(&ids[2], "reject"),
            Some(json!({"reason": "x", "expected_version": 1})),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(body["code"], "stale_version");
    // An unknown action or id.
    let (status, _) = env
        .call(&a, &a.admin, Method::POST, &path(&ids[2], "cancel"), None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, body) = env
        .call(
            &a,
            &a.admin,
            Method::POST,
            "/api/v1/commissions/bulk",
            Some(json!({"action": "approve", "ids": [uuid::Uuid::now_v7()]})),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert_eq!(body["code"], "commission_not_found");
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .contains("no commission with these ids"),
        "{body}"
    );

    // Each step is emitted, and the audit trail records every event with its actor.
    env.app.run_jobs(&a.slug).await;
    let tenant = env.app.store.tenancy().resolve(&a.slug).await.unwrap();
    let mut tx = env.app.store.tenancy().begin(&tenant).await.unwrap();
    let counts: Vec<(String, i64)> = tx
        .query_as("SELECT event_type, count(*) FROM outbox_events WHERE tenant_id = $1 AND event_type LIKE 'commission.%' GROUP BY 1 ORDER BY 1")
        .bind(tenant.id().as_uuid())
        .fetch_all(tx.conn())
        .await
        .unwrap();
    let audited: Vec<(String, i64)> = tx
        .query_as("SELECT action, count(*) FROM audit_log WHERE tenant_id = $1 AND entity = 'commission' AND actor_id IS NOT DISTINCT FROM (CASE WHEN action = 'commission.calculated' THEN NULL ELSE $2::uuid END) GROUP BY 1 ORDER BY 1")
        .bind(tenant.id().as_uuid())
        .bind(a.admin.id.parse::<uuid::Uuid>().unwrap())
        .fetch_all(tx.conn())
        .await
        .unwrap();
    tx.rollback().await.unwrap();
    let expected = |prefix: &str| {
        [
            ("approved", 3),
            ("calculated", 4),
            ("paid", 2),
            ("rejected", 1),
        ]
        .map(|(s, n)| (format!("commission.{s}"), n))
        .into_iter()
        .filter(|(s, _)| s.starts_with(prefix))
        .collect::<Vec<_>>()
    };
    assert_eq!(counts, expected("commission."));
    assert_eq!(audited, expected("commission."));
}

#[tokio::test]
async fn agents_see_only_their_own_and_approve_nothing() {
    let env = env().await;
    let (a, ids) = with_commissions(&env, "flow-agent", IsolationMode::Schema, 2).await;
    let theirs = ids.last().unwrap();
    let mine = env.commissions(&a, &a.agent, "").await;
    assert_eq!(mine.len(), 2);
    assert!(mine.iter().all(|c| c["agent_id"] == a.agent.id.as_str()));
    // Asking for another agent's still shows one's own.
    let asked = env
        .commissions(&a, &a.agent, &format!("&agent={}", a.other_agent.id))
        .await;
    assert_eq!(asked.len(), 2);
    assert!(asked.iter().all(|c| c["agent_id"] == a.agent.id.as_str()));
    let (status, body) = env
        .call(
            &a,
            &a.agent,
            Method::GET,
            &format!("/api/v1/commissions/{theirs}"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert_eq!(body["code"], "commission_not_found");
    for (method, path, body) in [
        (
            Method::POST,
            format!("/api/v1/commissions/{}/approve", ids[0]),
            None,
        ),
        (
            Method::POST,
            "/api/v1/commissions/bulk".to_owned(),
            Some(json!({"action": "approve", "ids": [ids[0]]})),
        ),
        (
            Method::POST,
            "/api/v1/commission-rules".to_owned(),
            Some(json!({"basis": "fixed", "amount_cents": 1})),
        ),
        (
            Method::POST,
            "/api/v1/prices".to_owned(),
            Some(json!({"kind": "za_name_reservation", "amount_cents": 1})),
        ),
    ] {
        let (status, answer) = env.call(&a, &a.agent, method, &path, body).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}: {answer}");
    }
    assert_eq!(
        statuses(&env.commissions(&a, &a.admin, "").await),
        ["pending"; 3]
    );

    // Statements: one's own, not another's; the administrator's of anyone.
    let month = sa_today().format("%Y-%m").to_string();
    let own = env
        .ok(
            &a,
            &a.agent,
            Method::GET,
            &format!("/api/v1/commissions/statements/{}/{month}", a.agent.id),
            None,
        )
        .await;
    assert_eq!(own["earned"].as_array().unwrap().len(), 2);
    assert_eq!(own["totals"][0]["pending_cents"], 30_000);
    assert_eq!(own["totals"][0]["earned_cents"], 30_000);
    let (status, _) = env
        .call(
            &a,
            &a.agent,
            Method::GET,
            &format!(
                "/api/v1/commissions/statements/{}/{month}",
                a.other_agent.id
            ),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, body) = env
        .call(
            &a,
            &a.agent,
            Method::GET,
            &format!("/api/v1/commissions/statements/{}/2026-13", a.agent.id),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["errors"][0]["field"], "month");
    env.ok(
        &a,
        &a.admin,
        Method::POST,
        "/api/v1/commissions/bulk",
        Some(json!({"action": "approve", "ids": [ids[0], theirs]})),
    )
    .await;
    env.ok(
        &a,
        &a.admin,
        Method::POST,
        &format!("/api/v1/commissions/{}/pay", ids[0]),
        Some(json!({"payment_reference": "=HYPERLINK(\"x\")"})),
    )
    .await;
    let s = env
        .ok(
            &a,
            &a.admin,
            Method::GET,
            &format!("/api/v1/commissions/statements/{}/{month}", a.agent.id),
            None,
        )
        .await;
    assert_eq!(s["totals"][0]["paid_cents"], 15_000);
    assert_eq!(s["totals"][0]["pending_cents"], 15_000);
    assert_eq!(s["totals"][0]["paid_in_month_cents"], 15_000);
    assert_eq!(s["paid"].as_array().unwrap().len(), 1);

    // The CSV export: the agent's own rows only; the administrator's filtered by status; a
    // formula-looking reference is defused.
    let csv_of = |who: &crate::support::User, query: &str| {
        let req = env
            .http
            .get(env.app.url(&format!("/api/v1/commissions/export{query}")))
            .header("x-tenant", &a.slug)
            .bearer_auth(&who.token);
        async move {
            let res = req.send().await.unwrap();
            assert_eq!(res.status(), StatusCode::OK);
            assert!(
                res.headers()["content-type"]
                    .to_str()
                    .unwrap()
                    .starts_with("text/csv")
            );
            let text = res.text().await.unwrap();
            let mut reader = csv::Reader::from_reader(text.as_bytes());
            let header = reader.headers().unwrap().clone();
            let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
            (header, rows)
        }
    };
    let (header, rows) = csv_of(&a.agent, "").await;
    assert_eq!(&header[0], "commission_id");
    assert_eq!(rows.len(), 2);
    assert!(
        rows.iter()
            .all(|r| r[2] == *format!("thandi@{}.example", a.slug))
    );
    let (_, rows) = csv_of(&a.admin, "?status=approved").await;
    assert_eq!(rows.len(), 1);
    assert_eq!(&rows[0][7], "150.00");
    let (_, rows) = csv_of(&a.admin, "?status=paid").await;
    assert_eq!(&rows[0][14], "'=HYPERLINK(\"x\")");
}
