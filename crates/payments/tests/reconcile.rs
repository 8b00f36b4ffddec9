//! `payments reconcile`'s core against the stand-ins: payments applied normally match; a
//! Stripe payment whose webhook never came is missing here, naming its invoice; a payment
//! whose recorded amount differs from the provider's is reported.

use crate::support::{Agency, Env, env};
use comply360_domain::IsolationMode;
use comply360_integrations::payfast::CheckoutForm;
use comply360_payments::invoices::model::Provider;
use comply360_payments::reconcile::{self, Report, Status};
use comply360_practice::reminders::sa_today;
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

async fn reconcile(env: &Env, a: &Agency) -> Report {
    let tenancy = env.db.store.tenancy();
    let tenant = tenancy.resolve(&a.slug).await.unwrap();
    reconcile::run(&env.pa.payments, tenancy, &tenant, sa_today())
        .await
        .unwrap()
}

/// Pays the invoice behind `token` at Stripe's stand-in; the session's id.

#[tokio::test]
async fn payments_applied_normally_match_and_an_altered_amount_is_reported() {
    let env = env().await;
    let a = env.agency("recon-ok", IsolationMode::Schema).await;
    env.stripe_to(&a);
    let by_card = env.issued(&a, "Mokoena").await;
    env.pay_with_stripe(&a, &by_card.token).await;
    let by_payfast = env.issued(&a, "Dlamini").await;
    let form = form_of(&env.checkout(&a, &by_payfast.token, "payfast").await);
    let paid = env.pa.payfast.pay(&form).await.unwrap();
    env.run_jobs(&a).await;
    assert_eq!(env.invoice(&a, &by_card.id).await["status"], "paid");
    assert_eq!(env.invoice(&a, &by_payfast.id).await["status"], "paid");

    let report = reconcile(&env, &a).await;
    assert!(report.all_matched(), "{report:#?}");
    assert_eq!(report.checked, vec![Provider::Payfast, Provider::Stripe]);
    assert_eq!(report.totals.matched, 2, "{report:#?}");
    let payfast = report
        .lines
        .iter()
        .find(|l| l.provider == Provider::Payfast)
        .unwrap();
    assert_eq!(payfast.reference, paid.pf_payment_id);
    assert_eq!(payfast.provider_cents, Some(by_payfast.total_cents));
    assert_eq!(payfast.invoice_id.unwrap().to_string(), by_payfast.id);
    assert_eq!(report.manual_payments, 0);

    // Someone edits the Stripe payment's amount in the database.
    let tenancy = env.db.store.tenancy();
    let tenant = tenancy.resolve(&a.slug).await.unwrap();
    let mut tx = tenancy.begin(&tenant).await.unwrap();
    tx.query("UPDATE payments SET amount_cents = amount_cents - 100 WHERE provider = 'stripe'")
        .execute(tx.conn())
        .await
        .unwrap();
    tx.commit().await.unwrap();

    let report = reconcile(&env, &a).await;
    assert!(!report.all_matched());
    assert_eq!(report.totals.matched, 1, "{report:#?}");
    assert_eq!(report.totals.amount_differs, 1, "{report:#?}");
    let differs = &report.lines[0];
    assert_eq!(differs.status, Status::AmountDiffers);
    assert_eq!(differs.provider, Provider::Stripe);
    assert_eq!(differs.provider_cents, Some(by_card.total_cents));
    assert_eq!(differs.our_cents, Some(by_card.total_cents - 100));
    assert!(differs.reference.starts_with("pi_"), "{differs:?}");
}

#[tokio::test]
async fn a_stripe_payment_whose_webhook_never_came_is_missing_here() {
    let env = env().await;
    let a = env.agency("recon-lost", IsolationMode::Pooled).await;
    // No webhook URL at the stand-in: Stripe takes the money and tells nobody.
    env.pa.stripe.set_webhook_url(None);
    let inv = env.issued(&a, "Nkosi").await;
    let session = env.pay_with_stripe(&a, &inv.token).await;
    env.run_jobs(&a).await;
    assert_eq!(env.invoice(&a, &inv.id).await["status"], "issued");
    assert_eq!(env.count(&a, "payments", "true").await, 0);

    let report = reconcile(&env, &a).await;
    assert!(!report.all_matched());
    assert_eq!(report.lines.len(), 1, "{report:#?}");
    let line = &report.lines[0];
    assert_eq!(line.status, Status::MissingHere);
    assert_eq!(line.provider, Provider::Stripe);
    assert_eq!(line.provider_cents, Some(inv.total_cents));
    assert_eq!(line.our_cents, None);
    assert_eq!(line.invoice_id.unwrap().to_string(), inv.id);
    let number = env.invoice(&a, &inv.id).await["number"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(line.invoice_number.as_deref(), Some(number.as_str()));
    assert!(line.detail.contains(&number), "{}", line.detail);
    let session_json = env
        .pa
        .stripe
        .sessions()
        .into_iter()
        .find(|s| s["id"] == session.as_str())
        .unwrap();
    assert_eq!(
        line.reference,
        session_json["payment_intent"].as_str().unwrap()
    );
    assert_eq!(report.totals.missing_here, 1);
}
