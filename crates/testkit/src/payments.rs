//! An app that takes payments: PayFast's and Stripe's stand-ins on loopback, the payments
//! service pointed at them, the jobs that apply notifications and refunds, and links (pay
//! links, return and notify addresses) that lead back to this app.

use crate::{
    TestApp, app_state_for, default_subscriptions, spawn_app_on, test_identity_with,
    test_master_key,
};
use comply360_identity::IdentitySettings;
use comply360_integrations::payfast::{PayFastStandIn, PayFastStandInConfig, PayFastStandInHandle};
use comply360_integrations::stripe::{StripeStandIn, StripeStandInConfig, StripeStandInHandle};
use comply360_integrations::{CallPolicy, Resilience};
use comply360_jobs::{Outbox, Transport};
use comply360_payments::platform::PlatformBilling;
use comply360_payments::providers::Endpoints;
use comply360_payments::{ApplyNotification, ApplyWebhook, Payments, RefundPayment};
use comply360_store::Store;
use std::sync::Arc;
use std::time::Duration;

pub struct PaymentsApp {
    pub app: TestApp,
    pub payfast: PayFastStandInHandle,
    pub stripe: StripeStandInHandle,
    pub payments: Payments,
}

/// Quick retries and a circuit that opens after 3 failures for a second, so outage tests
/// run in seconds.
pub fn test_policy() -> CallPolicy {
    CallPolicy {
        timeout: Duration::from_secs(5),
        retries: 1,
        first_delay: Duration::from_millis(20),
        max_delay: Duration::from_millis(50),
        failure_threshold: 3,
        cool_down: Duration::from_secs(1),
    }
}

pub async fn payments_app(store: Store) -> PaymentsApp {
    let payfast = PayFastStandIn::start(PayFastStandInConfig::default())
        .await
        .expect("start the PayFast stand-in");
    let stripe = StripeStandIn::start(StripeStandInConfig::default())
        .await
        .expect("start the Stripe stand-in");
    let payments = Payments::new(
        Arc::new(test_master_key()),
        Endpoints::stand_ins(&payfast.base_url(), &stripe.base_url()),
        Resilience::new(test_policy()),
        reqwest::Client::new(),
    );
    let subs = default_subscriptions()
        .with(ApplyNotification::new(payments.clone()))
        .with(ApplyWebhook)
        .with(RefundPayment::new(payments.clone()));
    let outbox = Outbox::new(Arc::new(subs), Transport::Postgres);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind a loopback port");
    let addr = listener.local_addr().expect("local address");
    let identity = test_identity_with(
        &store,
        &outbox,
        IdentitySettings {
            portal_url: format!("http://{addr}"),
            ..IdentitySettings::default()
        },
    )
    .await;
    // The platform's own account is the same stand-in (its webhook URL is set per test).
    let platform = PlatformBilling::new(
        Some(stripe.stripe_config()),
        Resilience::new(test_policy()),
        reqwest::Client::new(),
        14,
    );
    let state = app_state_for(&store, outbox, identity)
        .await
        .with_payments(payments.clone())
        .with_platform_billing(platform);
    let app = spawn_app_on(listener, state).await;
    stripe.set_webhook_url(None);
    PaymentsApp {
        app,
        payfast,
        stripe,
        payments,
    }
}
