//! Notifications that must not move money: forged signatures, a wrong amount, an unlisted
//! source, a replay, an old webhook, and two deliveries of one event at once. Each is refused
//! (nothing stored) or stored and applied once; nothing is double-counted.

use crate::support::{Agency, Env, env};
use comply360_domain::IsolationMode;
use comply360_integrations::stripe::signature::sign;
use comply360_payments::Refusal;
use reqwest::Method;
use url::Url;

fn notify_url(env: &Env, a: &Agency, provider: &str) -> Url {
    Url::parse(
        &env.pa
            .app
            .url(&format!("/api/v1/webhooks/{provider}/{}", a.slug)),
    )
    .unwrap()
}

/// An ITN as PayFast would post it for `checkout`, for `amount` (e.g. "1275.00").
fn itn(checkout: &str, pf_payment_id: &str, amount: &str) -> Vec<(String, String)> {
    [
        ("m_payment_id", checkout),
        ("pf_payment_id", pf_payment_id),
        ("payment_status", "COMPLETE"),
        ("item_name", "Invoice"),
        ("item_description", ""),
        ("amount_gross", amount),
        ("amount_fee", "-2.30"),
        ("amount_net", amount),
        ("custom_str1", ""),
        ("name_first", "Naledi"),
        ("name_last", "Dlamini"),
        ("email_address", "naledi@example.co.za"),
        ("merchant_id", "10000100"),
    ]
    .iter()
    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
    .collect()
}

async fn payfast_checkout(env: &Env, a: &Agency, token: &str) -> String {
    let answer = env.checkout(a, token, "payfast").await;
    answer["form_fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p[0] == "m_payment_id")
        .unwrap()[1]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn payfast_forgeries_wrong_amounts_and_strangers_move_no_money() {
    let env = env().await;
    let a = env.agency("umoya-pf", IsolationMode::Pooled).await;
    let inv = env.issued(&a, "Nkosi").await;
    let checkout = payfast_checkout(&env, &a, &inv.token).await;
    let url = notify_url(&env, &a, "payfast");

    // A forged signature: refused at the door, nothing stored.
    let mut forged = env
        .pa
        .payfast
        .signed_itn_for("10000100", &itn(&checkout, "9001", "1275.00"));
    forged.last_mut().unwrap().1 = "0".repeat(32);
    assert_eq!(env.pa.payfast.post_itn(&url, &forged).await, Some(400));
    assert_eq!(env.count(&a, "payment_notifications", "true").await, 0);

    // Signed with the passphrase but for the wrong amount: stored, then refused.
    let cheap = env
        .pa
        .payfast
        .signed_itn_for("10000100", &itn(&checkout, "9002", "12.75"));
    assert_eq!(env.pa.payfast.post_itn(&url, &cheap).await, Some(200));
    // Signed, right amount, but PayFast never sent it: its server says INVALID.
    let unsent = env
        .pa
        .payfast
        .signed_itn_for("10000100", &itn(&checkout, "9003", "1275.00"));
    assert_eq!(env.pa.payfast.post_itn(&url, &unsent).await, Some(200));
    // Another agency's checkout id (not a checkout of this one).
    let stranger = env.pa.payfast.signed_itn_for(
        "10000100",
        &itn("0193a3c2-6b7e-7c4e-9a51-3f1d2e4b5a60", "9004", "1275.00"),
    );
    assert_eq!(env.pa.payfast.post_itn(&url, &stranger).await, Some(200));
    env.run_jobs(&a).await;
    assert_eq!(env.count(&a, "payments", "true").await, 0);
    assert_eq!(
        env.count(&a, "payment_notifications", "state = 'refused'")
            .await,
        3
    );
    assert_eq!(
        env.count(
            &a,
            "payment_notifications",
            "delivery_key = '9002:COMPLETE' AND outcome LIKE '%amount%'"
        )
        .await,
        1
    );
    assert_eq!(
        env.count(
            &a,
            "payment_notifications",
            "delivery_key = '9003:COMPLETE' AND outcome LIKE '%INVALID%'"
        )
        .await,
        1
    );
    assert_eq!(env.invoice(&a, &inv.id).await["status"], "issued");

    // From an address none of PayFast's hosts resolve to: refused before anything is read.
    let tenant = env.db.store.tenancy().resolve(&a.slug).await.unwrap();
    let body = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(
            env.pa
                .payfast
                .signed_itn_for("10000100", &itn(&checkout, "9005", "1275.00")),
        )
        .finish();
    let refused = env
        .pa
        .payments
        .receive_payfast(
            env.db.store.tenancy(),
            &tenant,
            &env.pa.app.state.outbox,
            body.as_bytes(),
            "203.0.113.9".parse().unwrap(),
        )
        .await;
    assert!(
        matches!(refused, Err(Refusal::UnknownSource(_))),
        "{refused:?}"
    );
    assert_eq!(
        env.count(&a, "payment_notifications", "delivery_key LIKE '9005%'")
            .await,
        0
    );
}

#[tokio::test]
async fn stripe_forgeries_old_webhooks_replays_and_races_count_once() {
    let env = env().await;
    let a = env.agency("umoya-st", IsolationMode::Database).await;
    env.stripe_to(&a);
    let inv = env.issued(&a, "Zulu").await;
    let session = env.stripe_session(&a, &inv.token).await;
    // Paid, but the webhook endpoint is unset for now: the event is made, not delivered.
    env.pa.stripe.set_webhook_url(None);
    env.pa.stripe.complete(&session).await.unwrap();
    let event = env
        .pa
        .stripe
        .events()
        .into_iter()
        .find(|e| e.type_ == "checkout.session.completed")
        .unwrap();
    let url = notify_url(&env, &a, "stripe");
    let secret = env.pa.stripe.stripe_config().webhook_secret;

    // Signed with another secret: 400, nothing stored.
    let now = chrono::Utc::now().timestamp();
    let forged = sign("whsec_wrong", now, event.body.as_bytes());
    assert_eq!(
        env.pa.stripe.post_raw(&url, &event.body, &forged).await,
        Some(400)
    );
    // Signed right, but the body changed.
    let good = sign(secret.expose(), now, event.body.as_bytes());
    let tampered = event.body.replace("\"paid\"", "\"unpaid\"");
    assert_eq!(
        env.pa.stripe.post_raw(&url, &tampered, &good).await,
        Some(400)
    );
    // Older than the 300 s tolerance.
    let old = sign(secret.expose(), now - 301, event.body.as_bytes());
    assert_eq!(
        env.pa.stripe.post_raw(&url, &event.body, &old).await,
        Some(400)
    );
    assert_eq!(env.count(&a, "payment_notifications", "true").await, 0);

    // Two deliveries of the one event at the same moment: both acknowledged, one stored.
    let (first, second) = tokio::join!(
        env.pa.stripe.post_raw(&url, &event.body, &good),
        env.pa.stripe.post_raw(&url, &event.body, &good),
    );
    assert_eq!((first, second), (Some(200), Some(200)));
    assert_eq!(
        env.count(&a, "payment_notifications", "deliveries = 2")
            .await,
        1
    );
    // A replay later (a fresh signature, the same event id).
    let later = sign(secret.expose(), now + 5, event.body.as_bytes());
    assert_eq!(
        env.pa.stripe.post_raw(&url, &event.body, &later).await,
        Some(200)
    );
    env.run_jobs(&a).await;
    env.run_jobs(&a).await;
    assert_eq!(env.count(&a, "payments", "true").await, 1);
    assert_eq!(
        env.count(&a, "outbox_events", "event_type = 'payment.received'")
            .await,
        1
    );
    let invoice = env.invoice(&a, &inv.id).await;
    assert_eq!(invoice["paid_cents"], inv.total_cents);
    assert_eq!(invoice["status"], "paid");

    // The API says what a duplicate was.
    let (status, body) = env
        .call(
            &a,
            &a.admin,
            Method::GET,
            &format!("/api/v1/invoices/{}", inv.id),
            None,
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(body["payments"].as_array().unwrap().len(), 1);
}
