//! Clients paying their invoices online, end to end over loopback: PayFast's hosted checkout
//! and ITN, Stripe's Checkout Session and webhook, each applied once by the job, and the
//! registration's payment step recorded.

use crate::support::{Agency, Env, env};
use comply360_domain::IsolationMode;
use comply360_integrations::payfast::CheckoutForm;
use reqwest::Method;
use serde_json::Value;
use url::Url;

fn form_of(answer: &Value) -> CheckoutForm {
    CheckoutForm {
        action: Url::parse(answer["form_action"].as_str().unwrap()).unwrap(),
        fields: answer["form_fields"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                (
                    p[0].as_str().unwrap().to_owned(),
                    p[1].as_str().unwrap().to_owned(),
                )
            })
            .collect(),
    }
}

async fn registration_payment(env: &Env, a: &Agency, id: &str) -> Value {
    let r = env
        .ok(
            a,
            &a.agent,
            Method::GET,
            &format!("/api/v1/registrations/{id}"),
            None,
        )
        .await;
    r["steps"]["fees_payment"]["payment"].clone()
}

#[tokio::test]
async fn a_client_pays_with_payfast_once_and_the_registration_moves_on() {
    let env = env().await;
    let a = env.agency("karoo-pf", IsolationMode::Pooled).await;
    let inv = env.issued(&a, "Dlamini").await;
    // R125 CIPC fee (a disbursement, no VAT) + R1 000 service fee + 15% VAT on it.
    assert_eq!(inv.total_cents, 12_500 + 100_000 + 15_000);

    let answer = env.checkout(&a, &inv.token, "payfast").await;
    let form = form_of(&answer);
    assert_eq!(form.field("amount"), Some("1275.00"));
    let paid = env.pa.payfast.pay(&form).await.unwrap();
    // The browser comes back to the pay link; that alone records nothing.
    assert!(paid.return_url.unwrap().as_str().contains(&inv.token));
    let delivered = env.pa.payfast.itn_deliveries();
    assert_eq!(
        delivered.last().unwrap().status,
        Some(200),
        "ITN acknowledged at once"
    );
    assert_eq!(env.invoice(&a, &inv.id).await["status"], "issued");

    env.run_jobs(&a).await;
    let invoice = env.invoice(&a, &inv.id).await;
    assert_eq!(invoice["status"], "paid", "{invoice}");
    assert_eq!(invoice["paid_cents"], 127_500);
    assert_eq!(invoice["due_cents"], 0);
    let payments = invoice["payments"].as_array().unwrap();
    assert_eq!(payments.len(), 1);
    assert_eq!(payments[0]["provider"], "payfast");
    assert_eq!(payments[0]["reference"], paid.pf_payment_id.as_str());
    let fee = env.pa.payfast.payments()[0].fee_cents;
    assert!(fee < 0, "PayFast writes its fee negative");
    assert_eq!(
        payments[0]["fee_cents"], -fee,
        "PayFast's fee, from the ITN"
    );

    let step = registration_payment(&env, &a, &inv.registration).await;
    assert_eq!(step["amount_cents"], 127_500);
    assert_eq!(step["reference"], paid.pf_payment_id.as_str());
    assert_eq!(step["provider"], "payfast");

    // PayFast sends the same ITN again: acknowledged, counted, nothing more.
    assert_eq!(
        env.pa.payfast.resend_itn(&paid.pf_payment_id).await,
        Some(200)
    );
    env.run_jobs(&a).await;
    assert_eq!(env.count(&a, "payments", "true").await, 1);
    assert_eq!(
        env.count(
            &a,
            "payment_notifications",
            "deliveries = 2 AND state = 'applied'"
        )
        .await,
        1
    );
    assert_eq!(
        env.count(&a, "outbox_events", "event_type = 'payment.received'")
            .await,
        1
    );
    assert_eq!(env.invoice(&a, &inv.id).await["paid_cents"], 127_500);

    // The client was emailed the pay link, then one receipt.
    let to = "recipient = 'naledi.dlamini@example.co.za'";
    assert_eq!(
        env.count(
            &a,
            "notification_messages",
            &format!("{to} AND template = 'invoice_issued'")
        )
        .await,
        1
    );
    assert_eq!(
        env.count(
            &a,
            "notification_messages",
            &format!("{to} AND template = 'payment_received'")
        )
        .await,
        1
    );
}

#[tokio::test]
async fn a_client_pays_with_stripe_and_fulfilment_comes_from_the_webhook() {
    let env = env().await;
    let a = env.agency("karoo-st", IsolationMode::Schema).await;
    env.stripe_to(&a);
    let inv = env.issued(&a, "Mokoena").await;

    let answer = env.checkout(&a, &inv.token, "stripe").await;
    let redirect = answer["redirect_url"].as_str().unwrap();
    let session = redirect.rsplit('/').next().unwrap();
    let back = env.pa.stripe.complete(session).await.unwrap();
    assert!(back.as_str().contains(&inv.token));
    let events = env.pa.stripe.events();
    let completed = events
        .iter()
        .find(|e| e.type_ == "checkout.session.completed")
        .unwrap();
    assert_eq!(completed.status, Some(200));
    // Stored, not yet applied: the redirect and the webhook's receipt mark nothing paid.
    assert_eq!(env.invoice(&a, &inv.id).await["status"], "issued");

    env.run_jobs(&a).await;
    let invoice = env.invoice(&a, &inv.id).await;
    assert_eq!(invoice["status"], "paid", "{invoice}");
    let payment = &invoice["payments"][0];
    assert_eq!(payment["provider"], "stripe");
    assert!(payment["reference"].as_str().unwrap().starts_with("pi_"));
    let step = registration_payment(&env, &a, &inv.registration).await;
    assert_eq!(step["provider"], "stripe");

    // An agent may draw up and issue invoices, not void them.
    let (status, problem) = env
        .call(
            &a,
            &a.agent,
            Method::POST,
            &format!("/api/v1/invoices/{}/void", inv.id),
            Some(serde_json::json!({"reason": "wrong client"})),
        )
        .await;
    assert_eq!(status, 403, "{problem}");

    // A replay of the same event: 200, a duplicate, no second payment.
    let again = env.pa.stripe.resend(&completed.id).await.unwrap();
    assert_eq!(again.status, Some(200));
    env.run_jobs(&a).await;
    assert_eq!(env.count(&a, "payments", "true").await, 1);
    assert_eq!(
        env.count(&a, "outbox_events", "event_type = 'payment.received'")
            .await,
        1
    );
}
