//! Invoices and money by hand: numbers without gaps under concurrent issues, voids that keep
//! their number, EFT payments within what is due, refunds with credit notes (by hand at once,
//! through Stripe by the job), and `Idempotency-Key` on the payment-creating POSTs.

use crate::support::env;
use comply360_domain::IsolationMode;
use reqwest::{Method, StatusCode};
use serde_json::json;

#[tokio::test]
async fn concurrent_issues_take_consecutive_numbers_and_a_void_keeps_its_own() {
    let env = env().await;
    let a = env.agency("numbers", IsolationMode::Pooled).await;
    let mut drafts = Vec::new();
    for i in 0..6 {
        let r = env.registration(&a, &format!("Nr{i}")).await;
        let d = env
            .ok(
                &a,
                &a.agent,
                Method::POST,
                "/api/v1/invoices",
                Some(json!({"registration_id": r})),
            )
            .await;
        drafts.push(d["id"].as_str().unwrap().to_owned());
    }
    // One draft is deleted: it never had a number.
    env.ok(
        &a,
        &a.agent,
        Method::DELETE,
        &format!("/api/v1/invoices/{}", drafts[5]),
        None,
    )
    .await;
    let paths: Vec<String> = drafts[..5]
        .iter()
        .map(|id| format!("/api/v1/invoices/{id}/issue"))
        .collect();
    let issues = paths
        .iter()
        .map(|p| env.call(&a, &a.agent, Method::POST, p, None));
    let answers = futures::future::join_all(issues).await;
    let mut numbers: Vec<String> = answers
        .iter()
        .map(|(status, body)| {
            assert_eq!(*status, StatusCode::OK, "{body}");
            body["invoice"]["number"].as_str().unwrap().to_owned()
        })
        .collect();
    numbers.sort();
    assert_eq!(
        numbers,
        [
            "INV-000001",
            "INV-000002",
            "INV-000003",
            "INV-000004",
            "INV-000005"
        ]
    );
    // Issuing twice is refused and takes no number.
    let (status, problem) = env
        .call(
            &a,
            &a.agent,
            Method::POST,
            &format!("/api/v1/invoices/{}/issue", drafts[0]),
            None,
        )
        .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::CONFLICT, Some("transition_not_allowed"))
    );
    // A void keeps its number; the registration may be invoiced again, with the next one.
    let voided = env
        .ok(
            &a,
            &a.admin,
            Method::POST,
            &format!("/api/v1/invoices/{}/void", drafts[0]),
            Some(json!({"reason": "issued to the wrong client"})),
        )
        .await;
    assert_eq!(voided["status"], "void");
    let registration = voided["registration_id"].as_str().unwrap();
    let redo = env
        .ok(
            &a,
            &a.agent,
            Method::POST,
            "/api/v1/invoices",
            Some(json!({"registration_id": registration})),
        )
        .await;
    let redo = env
        .ok(
            &a,
            &a.agent,
            Method::POST,
            &format!("/api/v1/invoices/{}/issue", redo["id"].as_str().unwrap()),
            None,
        )
        .await;
    assert_eq!(redo["invoice"]["number"], "INV-000006");
    // The old pay link of the void invoice opens nothing.
    assert_eq!(
        env.count(&a, "invoices", "status = 'void' AND pay_token_hash IS NULL")
            .await,
        1
    );
}

#[tokio::test]
async fn eft_payments_refunds_and_idempotency_keys() {
    let env = env().await;
    let a = env.agency("by-hand", IsolationMode::Schema).await;
    let inv = env.issued(&a, "Hand").await;
    let path = format!("/api/v1/invoices/{}/payments", inv.id);

    // More than is due, a future date, no reference: every field's problem at once.
    let (status, problem) = env
        .call(
            &a,
            &a.admin,
            Method::POST,
            &path,
            Some(json!({
            "method": "cheque", "amount_cents": inv.total_cents + 1,
            "received_on": "2999-01-01"})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let fields: Vec<&str> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        ["method", "amount_cents", "reference", "received_on"],
        "{problem}"
    );
    // An agent cannot record money.
    let (status, _) = env
        .call(
            &a,
            &a.agent,
            Method::POST,
            &path,
            Some(json!({"method": "eft", "amount_cents": 1, "reference": "x"})),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // The same Idempotency-Key twice: one payment, the same answer.
    let part = json!({"method": "eft", "amount_cents": 50_000, "reference": "FNB 2026-12-05 HAND"});
    let mut answers = Vec::new();
    for _ in 0..2 {
        let res = env
            .http
            .post(env.pa.app.url(&path))
            .header("x-tenant", &a.slug)
            .header("idempotency-key", "pay-once-42")
            .bearer_auth(&a.admin)
            .json(&part)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::CREATED);
        answers.push(res.json::<serde_json::Value>().await.unwrap());
    }
    assert_eq!(answers[0], answers[1]);
    let invoice = env.invoice(&a, &inv.id).await;
    assert_eq!(invoice["status"], "partially_paid");
    assert_eq!(invoice["paid_cents"], 50_000);
    assert_eq!(invoice["payments"].as_array().unwrap().len(), 1);

    // The rest by cash: paid.
    let rest = inv.total_cents - 50_000;
    env.ok(
        &a,
        &a.admin,
        Method::POST,
        &path,
        Some(json!({"method": "cash", "amount_cents": rest, "reference": "receipt book 0042"})),
    )
    .await;
    let invoice = env.invoice(&a, &inv.id).await;
    assert_eq!(invoice["status"], "paid");
    assert_eq!(invoice["due_cents"], 0);
    // Paid in full: no more by hand.
    let (status, problem) = env
        .call(
            &a,
            &a.admin,
            Method::POST,
            &path,
            Some(json!({"method": "cash", "amount_cents": 1, "reference": "x"})),
        )
        .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::CONFLICT, Some("not_payable"))
    );

    // A refund by hand is made at once; more than is left is refused; the credit note
    // carries the invoice's share of VAT.
    let eft = &invoice["payments"][0];
    let refunds = format!("/api/v1/invoices/{}/refunds", inv.id);
    let note = env
        .ok(&a, &a.admin, Method::POST, &refunds,
            Some(json!({"payment_id": eft["id"], "amount_cents": 11_500, "reason": "the courier was not needed"})))
        .await;
    assert_eq!(note["number"], "CN-000001");
    assert_eq!(note["refund_status"], "refunded");
    // 11 500 × 15 000 / 127 500 = 1 352.94… → 1 353.
    assert_eq!(note["vat_cents"], 1_353);
    let (status, problem) = env
        .call(
            &a,
            &a.admin,
            Method::POST,
            &refunds,
            Some(json!({"payment_id": eft["id"], "amount_cents": 50_000, "reason": "again"})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert!(
        problem["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("38500"),
        "{problem}"
    );
    let invoice = env.invoice(&a, &inv.id).await;
    assert_eq!(invoice["credited_cents"], 11_500);
    assert_eq!(invoice["payments"][0]["refunded_cents"], 11_500);
    // Money on it: it cannot be voided.
    let (status, problem) = env
        .call(
            &a,
            &a.admin,
            Method::POST,
            &format!("/api/v1/invoices/{}/void", inv.id),
            Some(json!({"reason": "x"})),
        )
        .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::CONFLICT, Some("invoice_has_payments"))
    );
}

#[tokio::test]
async fn a_stripe_refund_goes_through_the_provider_once() {
    let env = env().await;
    let a = env.agency("refunds", IsolationMode::Pooled).await;
    env.stripe_to(&a);
    let inv = env.issued(&a, "Refund").await;
    env.pay_with_stripe(&a, &inv.token).await;
    env.run_jobs(&a).await;
    let payment = env.invoice(&a, &inv.id).await["payments"][0].clone();
    let refunds = format!("/api/v1/invoices/{}/refunds", inv.id);
    let note = env
        .ok(&a, &a.admin, Method::POST, &refunds,
            Some(json!({"payment_id": payment["id"], "amount_cents": 100_000, "reason": "the name was refused"})))
        .await;
    assert_eq!(note["refund_status"], "pending");
    // While pending, the same money cannot be refunded twice.
    let (status, _) = env
        .call(
            &a,
            &a.admin,
            Method::POST,
            &refunds,
            Some(json!({"payment_id": payment["id"], "amount_cents": 30_000, "reason": "again"})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    env.run_jobs(&a).await;
    env.run_jobs(&a).await;
    let invoice = env.invoice(&a, &inv.id).await;
    let credit = &invoice["credit_notes"][0];
    assert_eq!(credit["refund_status"], "refunded", "{invoice}");
    assert!(
        credit["provider_refund"]
            .as_str()
            .unwrap()
            .starts_with("re_")
    );
    assert_eq!(invoice["credited_cents"], 100_000);
    assert_eq!(invoice["payments"][0]["refunded_cents"], 100_000);
    assert_eq!(
        env.count(&a, "outbox_events", "event_type = 'payment.refunded'")
            .await,
        1
    );
    // Stripe holds exactly one refund of that amount: its charge.refunded event says so.
    let refunded: Vec<_> = env
        .pa
        .stripe
        .events()
        .into_iter()
        .filter(|e| e.type_ == "charge.refunded")
        .collect();
    assert_eq!(refunded.len(), 1);
    assert!(
        refunded[0].body.contains("\"amount_refunded\":100000"),
        "{}",
        refunded[0].body
    );
}
