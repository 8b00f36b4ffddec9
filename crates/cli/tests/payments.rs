//! `comply360 payments reconcile`: against Stripe's stand-in with the agency's stored (sealed)
//! keys, nothing to compare is exit 0 and money Stripe took for no checkout of ours is
//! `missing_here` and exit 1 (as a table and as JSON); a bad `--since` or provider URL is one
//! line.

use crate::support::{comply360, on_data_dir};
use comply360_domain::IsolationMode;
use comply360_integrations::stripe::{
    CheckoutSessionRequest, LineItem, StripeClient, StripeStandIn, StripeStandInConfig,
};
use comply360_payments::providers::{self, StripeInput};
use comply360_practice::reminders::sa_today;
use comply360_testkit::{TestDb, test_master_key};
use std::process::{Output, Stdio};

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn assert_one_line(out: &Output, code: i32, needle: &str) {
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(code), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(err.contains(needle), "{needle:?} not in {err:?}");
}

#[test]
fn a_bad_since_or_provider_url_is_one_line() {
    let root = tempfile::Builder::new()
        .prefix("c360pay-")
        .tempdir_in("/tmp")
        .unwrap();
    let dir = root.path().join("never-created");
    let run = |args: &[&str], env: &[(&str, &str)]| {
        let mut cmd = on_data_dir(&dir, args);
        for (k, v) in env {
            cmd.env(k, v);
        }
        cmd.stdin(Stdio::null()).output().unwrap()
    };
    let reconcile = ["payments", "reconcile", "--tenant", "karoo", "--since"];

    let out = run(&[&reconcile[..], &["2026-13-40"]].concat(), &[]);
    assert_one_line(&out, 2, "--since <DATE>");
    let tomorrow = sa_today().succ_opt().unwrap().to_string();
    let out = run(&[&reconcile[..], &[tomorrow.as_str()]].concat(), &[]);
    assert_one_line(&out, 1, "is in the future");

    let today = sa_today().to_string();
    for (var, value) in [
        ("COMPLY360_STRIPE_API_URL", "api.stripe.com"),
        ("COMPLY360_PAYFAST_URL", "ftp://127.0.0.1:8791/"),
        ("COMPLY360_PAYFAST_ITN_HOSTS", " , "),
    ] {
        let out = run(
            &[&reconcile[..], &[today.as_str()]].concat(),
            &[(var, value)],
        );
        assert_one_line(&out, 1, var);
        assert!(text(&out.stderr).contains("e.g. "), "{}", text(&out.stderr));
    }
    assert!(
        !dir.exists(),
        "a bad setting must not create the data directory"
    );
}

// Two threads: the stand-in serves on this runtime while the test waits on the command.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reconcile_reports_money_the_provider_took_that_is_not_recorded_here() {
    let db = TestDb::new().await;
    db.tenant("pay-cli", IsolationMode::Pooled).await;
    let stripe = StripeStandIn::start(StripeStandInConfig::default())
        .await
        .unwrap();
    let config = stripe.stripe_config();
    let tenant = db.store.tenancy().resolve("pay-cli").await.unwrap();
    let mut tx = db.store.tenancy().begin(&tenant).await.unwrap();
    let input = StripeInput {
        secret_key: Some(config.secret_key.expose().to_owned()),
        webhook_secret: Some(config.webhook_secret.expose().to_owned()),
    };
    providers::put_stripe(&mut tx, &test_master_key(), uuid::Uuid::nil(), &input)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let today = sa_today().to_string();
    let reconcile = |json: bool| {
        let mut cmd = comply360(&db);
        cmd.args([
            "payments",
            "reconcile",
            "--tenant",
            "pay-cli",
            "--since",
            &today,
        ])
        .env("COMPLY360_MASTER_KEY", test_master_key().to_base64())
        .env("COMPLY360_STRIPE_API_URL", stripe.base_url().as_str());
        if json {
            cmd.arg("--json");
        }
        cmd.output().unwrap()
    };

    let out = reconcile(false);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("Nothing was paid"), "{stdout}");
    assert!(stdout.contains("PayFast is not connected"), "{stdout}");
    assert!(
        stdout.contains("Manual payments (EFT, cash) are not reconciled"),
        "{stdout}"
    );

    // Someone pays a session made outside Comply360 (no checkout of ours).
    let api = StripeClient::new(config.clone(), reqwest::Client::new());
    let session = api
        .create_checkout_session(
            &CheckoutSessionRequest {
                client_reference_id: Some(uuid::Uuid::now_v7().to_string()),
                customer_email: None,
                line_items: vec![LineItem {
                    name: "Consultation".into(),
                    unit_amount_cents: 45_000,
                    quantity: 1,
                }],
                currency: "zar".into(),
                success_url: "http://127.0.0.1/done".into(),
                cancel_url: None,
                metadata: Default::default(),
            },
            "outside-1",
        )
        .await
        .unwrap();
    stripe.complete(&session.id).await.unwrap();

    let out = reconcile(false);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}{}", text(&out.stderr));
    assert!(stdout.contains("missing_here"), "{stdout}");
    assert!(stdout.contains("R 450.00"), "{stdout}");
    assert!(
        stdout.contains("names no checkout of this agency"),
        "{stdout}"
    );
    assert!(
        stdout.contains("0 matched, 0 amount differs, 1 missing here, 0 missing at provider"),
        "{stdout}"
    );

    let out = reconcile(true);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["lines"][0]["status"], "missing_here");
    assert_eq!(report["lines"][0]["provider"], "stripe");
    assert_eq!(report["lines"][0]["provider_cents"], 45_000);
    assert_eq!(report["totals"]["missing_here"], 1);
    assert_eq!(report["checked"], serde_json::json!(["stripe"]));
}
