//! PayFast and Stripe clients against their stand-ins over real HTTP on loopback: a tiny
//! axum receiver in the test plays our webhook endpoint.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use comply360_integrations::Retryable;
use comply360_integrations::payfast::{
    self, CheckoutRequest, PayFastClient, PayFastError, PayFastStandIn, PayFastStandInConfig,
};
use comply360_integrations::stripe::{
    CheckoutSessionRequest, EventObject, LineItem, StripeClient, StripeError, StripeStandIn,
    StripeStandInConfig, construct_event,
};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use url::Url;

/// What the receiver got: peer, headers, body.
type Received = Arc<Mutex<Vec<(SocketAddr, HeaderMap, Bytes)>>>;

async fn receiver() -> (Url, Received) {
    let received: Received = Arc::default();
    async fn hook(
        State(r): State<Received>,
        ConnectInfo(peer): ConnectInfo<SocketAddr>,
        headers: HeaderMap,
        body: Bytes,
    ) -> StatusCode {
        r.lock().unwrap().push((peer, headers, body));
        StatusCode::OK
    }
    let app = Router::new()
        .route("/hook", post(hook))
        .with_state(received.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
    });
    (
        Url::parse(&format!("http://{addr}/hook")).unwrap(),
        received,
    )
}

fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap()
}

fn checkout(notify: &Url) -> CheckoutRequest {
    CheckoutRequest {
        m_payment_id: "INV-0001".into(),
        amount_cents: 123_400,
        item_name: "Order #123 ~ annual return".into(),
        name_first: Some("Thandi".into()),
        name_last: Some("Nkosi".into()),
        email_address: Some("thandi@example.co.za".into()),
        return_url: Some(Url::parse("https://agency.example/paid").unwrap()),
        cancel_url: Some(Url::parse("https://agency.example/cancelled").unwrap()),
        notify_url: Some(notify.clone()),
        custom_str: [Some("tenant-7".into()), None, None, None, None],
        ..CheckoutRequest::default()
    }
}

#[tokio::test]
async fn payfast_checkout_paid_itn_verified_and_validated() {
    let sim = PayFastStandIn::start(PayFastStandInConfig::default())
        .await
        .unwrap();
    let (notify, received) = receiver().await;
    let config = sim.payfast_config(None).unwrap();
    let form = checkout(&notify).form(&config).unwrap();

    // The payment page, as a browser sees it.
    let page = http()
        .post(form.action.clone())
        .form(&form.fields)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(
        html.contains("Pay R 1 234.00 to Comply360 Test Agency"),
        "{html}"
    );
    assert!(html.contains("lang=\"en\"") && html.contains("<label") && html.contains("<title>"));
    assert!(html.contains("https://agency.example/cancelled"));

    let paid = sim.pay(&form).await.unwrap();
    assert_eq!(
        paid.return_url.unwrap().as_str(),
        "https://agency.example/paid"
    );
    let got = received.lock().unwrap().clone();
    assert_eq!(got.len(), 1);
    let (peer, _, body) = &got[0];
    let itn = payfast::Itn::parse(body).unwrap();
    itn.verify(config.passphrase.as_ref().map(|p| p.expose()))
        .unwrap();
    assert_eq!(itn.pf_payment_id, paid.pf_payment_id);
    assert_eq!(itn.custom_str1.as_deref(), Some("tenant-7"));
    payfast::check_amount(123_400, &itn).unwrap();
    payfast::check_merchant(&config.merchant_id, &itn).unwrap();
    assert!(payfast::source_allowed(peer.ip(), &["localhost".to_owned()]).await);
    let client = PayFastClient::new(config.clone(), http());
    assert!(client.validate_pairs(&itn.pairs).await.unwrap());
    let names: Vec<&str> = itn.pairs.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        &names[..3],
        ["m_payment_id", "pf_payment_id", "payment_status"]
    );
    assert_eq!(names.last(), Some(&"signature"));

    // A forged ITN (signed with the right passphrase, but never sent by PayFast).
    let mut forged = itn.pairs.clone();
    forged.retain(|(k, _)| k != "signature");
    for (k, v) in &mut forged {
        if k == "amount_gross" {
            *v = "1.00".into();
        }
    }
    let forged = sim.signed_itn_for(&config.merchant_id, &forged);
    assert_eq!(sim.post_itn(&notify, &forged).await, Some(200));
    assert!(!client.validate_pairs(&forged).await.unwrap());

    // Refunds: up to what was paid, then refused; the history shows the payment.
    let answer = client
        .refund(&paid.pf_payment_id, 100_000, "returned")
        .await
        .unwrap();
    assert_eq!(answer.status, "success");
    let over = client
        .refund(&paid.pf_payment_id, 23_401, "again")
        .await
        .unwrap_err();
    assert!(
        matches!(over, PayFastError::HttpStatus { status: 400, .. }),
        "{over}"
    );
    assert!(!over.is_retryable());
    let today = chrono::Utc::now().date_naive();
    let rows = client.transactions(today, today).await.unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].pf_payment_id(), Some(paid.pf_payment_id.as_str()));
    assert_eq!(rows[0].gross_cents(), Ok(123_400));

    // A wrong passphrase is refused by the API; an injected 503 is retryable.
    let mut wrong = config.clone();
    wrong.passphrase = Some("not-it".into());
    let refused = PayFastClient::new(wrong, http())
        .transactions(today, today)
        .await
        .unwrap_err();
    assert!(
        matches!(refused, PayFastError::HttpStatus { status: 401, .. }),
        "{refused}"
    );
    sim.fail_next(1);
    assert!(
        client
            .validate_pairs(&itn.pairs)
            .await
            .unwrap_err()
            .is_retryable()
    );
    assert_eq!(sim.resend_itn(&paid.pf_payment_id).await, Some(200));
    assert_eq!(received.lock().unwrap().len(), 3);
}

#[tokio::test]
async fn payfast_refuses_a_tampered_form_and_retries_an_unanswered_itn() {
    let sim = PayFastStandIn::start(PayFastStandInConfig::default())
        .await
        .unwrap();
    let config = sim.payfast_config(None).unwrap();
    let mut form = checkout(&Url::parse("http://127.0.0.1:9/nothing").unwrap())
        .form(&config)
        .unwrap();
    for (k, v) in &mut form.fields {
        if k == "amount" {
            *v = "1.00".into();
        }
    }
    let refused = sim.pay(&form).await.unwrap_err();
    assert!(
        matches!(&refused, PayFastError::HttpStatus { status: 400, body } if body.contains("signature does not match")),
        "{refused}"
    );
    let form = checkout(&Url::parse("http://127.0.0.1:9/nothing").unwrap())
        .form(&config)
        .unwrap();
    sim.pay(&form).await.unwrap();
    let deliveries = sim.itn_deliveries();
    assert_eq!(deliveries.len(), 3, "three attempts when nobody answers");
    assert!(deliveries.iter().all(|d| d.status.is_none()));
}

#[tokio::test]
async fn stripe_session_paid_webhook_verified_refund_limited_list_paginated() {
    let (hook, received) = receiver().await;
    let sim = StripeStandIn::start(StripeStandInConfig {
        webhook_url: Some(hook.clone()),
        ..StripeStandInConfig::default()
    })
    .await
    .unwrap();
    let config = sim.stripe_config();
    let stripe = StripeClient::new(config.clone(), http());
    let request = CheckoutSessionRequest {
        client_reference_id: Some("INV-0001".into()),
        customer_email: Some("thandi@example.co.za".into()),
        line_items: vec![
            LineItem {
                name: "Annual return".into(),
                unit_amount_cents: 10_000,
                quantity: 2,
            },
            LineItem {
                name: "Filing fee".into(),
                unit_amount_cents: 550,
                quantity: 1,
            },
        ],
        currency: "zar".into(),
        success_url: "https://agency.example/paid?session={CHECKOUT_SESSION_ID}".into(),
        cancel_url: Some("https://agency.example/cancelled".into()),
        metadata: BTreeMap::from([("tenant".to_owned(), "7".to_owned())]),
    };
    let session = stripe
        .create_checkout_session(&request, "idem-1")
        .await
        .unwrap();
    assert_eq!(session.amount_total, Some(20_550));
    assert_eq!(session.payment_status, "unpaid");
    let again = stripe
        .create_checkout_session(&request, "idem-1")
        .await
        .unwrap();
    assert_eq!(again.id, session.id, "same idempotency key, same answer");

    // The hosted page, then pay through it as a browser.
    let page = http()
        .get(session.url.clone().unwrap())
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("Pay ZAR 205.50")
            && page.contains("Annual return")
            && page.contains("<button")
    );
    let no_redirects = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let paid = no_redirects
        .post(session.url.clone().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(paid.status(), 303);
    assert_eq!(
        paid.headers()["location"].to_str().unwrap(),
        format!("https://agency.example/paid?session={}", session.id)
    );

    let (_, headers, body) = received.lock().unwrap()[0].clone();
    let header = headers["stripe-signature"].to_str().unwrap();
    let now = chrono::Utc::now().timestamp();
    let event = construct_event(&body, header, config.webhook_secret.expose(), now, 300).unwrap();
    let EventObject::CheckoutSessionCompleted(done) = event.object else {
        panic!()
    };
    assert_eq!(done.payment_status, "paid");
    assert_eq!(done.client_reference_id.as_deref(), Some("INV-0001"));
    let pi = done.payment_intent.unwrap();
    assert_eq!(sim.events()[0].status, Some(200));

    // A replay signed ten minutes ago fails the tolerance; a fresh resend passes.
    let old = sim
        .send_event_signed_at(&event.id, now - 600)
        .await
        .unwrap();
    assert!(matches!(
        construct_event(
            old.body.as_bytes(),
            &old.header,
            config.webhook_secret.expose(),
            now,
            300
        ),
        Err(StripeError::OutsideTolerance { .. })
    ));
    let fresh = sim.resend(&event.id).await.unwrap();
    assert_eq!(fresh.body, old.body);
    construct_event(
        fresh.body.as_bytes(),
        &fresh.header,
        config.webhook_secret.expose(),
        now,
        300,
    )
    .unwrap();

    // Refunds up to the total.
    let refund = stripe
        .create_refund(&pi, Some(20_000), &BTreeMap::new(), "r-1")
        .await
        .unwrap();
    assert_eq!(
        (refund.status.as_str(), refund.amount),
        ("succeeded", 20_000)
    );
    let over = stripe
        .create_refund(&pi, Some(551), &BTreeMap::new(), "r-2")
        .await
        .unwrap_err();
    assert!(
        matches!(&over, StripeError::Api { status: 400, param: Some(p), .. } if p == "amount"),
        "{over}"
    );
    assert!(!over.is_retryable());
    assert!(sim.events().iter().any(|e| e.type_ == "charge.refunded"));

    // Listing, three per page.
    for i in 0..6 {
        stripe
            .create_checkout_session(&request, &format!("more-{i}"))
            .await
            .unwrap();
    }
    let first = stripe
        .list_checkout_sessions(Some(0), None, Some(3))
        .await
        .unwrap();
    assert_eq!(first.data.len(), 3);
    assert!(first.has_more);
    let all = stripe.all_checkout_sessions(Some(0)).await.unwrap();
    assert_eq!(all.len(), 7);
    assert_eq!(all.last().unwrap().id, session.id, "newest first");

    // Refusals in Stripe's error JSON.
    let mut bad = config.clone();
    bad.secret_key = "sk_test_wrong".into();
    let err = StripeClient::new(bad, http())
        .retrieve_checkout_session(&session.id)
        .await
        .unwrap_err();
    assert!(matches!(err, StripeError::Api { status: 401, .. }), "{err}");
    let mut no_items = request.clone();
    no_items.line_items.clear();
    let err = stripe
        .create_checkout_session(&no_items, "idem-x")
        .await
        .unwrap_err();
    assert!(
        matches!(&err, StripeError::Api { status: 400, param: Some(p), .. } if p == "line_items"),
        "{err}"
    );
}
