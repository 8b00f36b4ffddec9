//! The platform collecting its own invoices from agencies: a Stripe Checkout Session on the
//! platform's own account for an unpaid platform invoice, and the platform's webhook marking
//! it paid (which releases a held agency at once). The browser's return proves nothing; only
//! the signed webhook for the invoice's amount does.

use comply360_domain::TenantId;
use comply360_integrations::stripe::{
    self, CheckoutSessionRequest, EventObject, LineItem, StripeClient, StripeConfig,
};
use comply360_integrations::{CallError, Resilience};
use comply360_store::Store;
use comply360_store::billing::PlatformInvoice;
use std::collections::BTreeMap;
use url::Url;

/// The circuit name of the platform's own Stripe account.
pub const SYSTEM: &str = "platform-stripe";
/// Circuits are per agency; the platform's account is the platform's own "tenant".
const PLATFORM: TenantId = TenantId::from_uuid(uuid::Uuid::nil());

#[derive(Debug, thiserror::Error)]
pub enum PlatformBillingError {
    #[error("online payment of platform invoices is not set up on this server")]
    NotConfigured,
    #[error("no unpaid platform invoice {0} of this agency")]
    NotFound(String),
    #[error("Stripe cannot be reached just now; try again in a few minutes")]
    Unavailable,
    #[error("{0}")]
    Refused(String),
    #[error(transparent)]
    Store(#[from] comply360_store::StoreError),
}

#[derive(Clone)]
pub struct PlatformBilling {
    stripe: Option<StripeConfig>,
    resilience: Resilience,
    http: reqwest::Client,
    /// Days after the due date before an unpaid agency is held.
    pub grace_days: u64,
}

impl PlatformBilling {
    pub fn new(
        stripe: Option<StripeConfig>,
        resilience: Resilience,
        http: reqwest::Client,
        grace_days: u64,
    ) -> PlatformBilling {
        PlatformBilling {
            stripe,
            resilience,
            http,
            grace_days,
        }
    }

    pub fn online(&self) -> bool {
        self.stripe.is_some()
    }

    /// A Checkout Session for `tenant`'s unpaid invoice `number`; where the browser goes.
    pub async fn checkout(
        &self,
        store: &Store,
        tenant: TenantId,
        number: &str,
        success_url: &Url,
        cancel_url: &Url,
    ) -> Result<Url, PlatformBillingError> {
        let config = self
            .stripe
            .clone()
            .ok_or(PlatformBillingError::NotConfigured)?;
        let invoice = unpaid(store, tenant, number).await?;
        let api = StripeClient::new(config, self.http.clone());
        let request = CheckoutSessionRequest {
            client_reference_id: Some(invoice.id.to_string()),
            customer_email: None,
            line_items: vec![LineItem {
                name: format!(
                    "Comply360 {} plan, {}",
                    invoice.tier,
                    invoice.period.format("%B %Y")
                ),
                unit_amount_cents: invoice.total_cents,
                quantity: 1,
            }],
            currency: invoice.currency.to_lowercase(),
            success_url: success_url.to_string(),
            cancel_url: Some(cancel_url.to_string()),
            metadata: BTreeMap::from([("platform_invoice".to_owned(), invoice.number.clone())]),
        };
        let key = format!("platform-{}", invoice.id);
        let session = self
            .resilience
            .call(PLATFORM, SYSTEM, || {
                api.create_checkout_session(&request, &key)
            })
            .await
            .map_err(|e: CallError<stripe::StripeError>| {
                tracing::warn!(error = %e, "the platform's Stripe call failed");
                PlatformBillingError::Unavailable
            })?;
        session
            .url
            .as_deref()
            .and_then(|u| Url::parse(u).ok())
            .ok_or(PlatformBillingError::Unavailable)
    }

    /// The platform's Stripe webhook: verified on the raw body, then a paid session for an
    /// invoice's full amount marks it paid (idempotent: a paid invoice stays as it is).
    /// Returns the invoice it paid, if any.
    pub async fn receive(
        &self,
        store: &Store,
        body: &[u8],
        signature: Option<&str>,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<Option<PlatformInvoice>, PlatformBillingError> {
        let config = self
            .stripe
            .as_ref()
            .ok_or(PlatformBillingError::NotConfigured)?;
        let event = stripe::construct_event(
            body,
            signature.unwrap_or(""),
            config.webhook_secret.expose(),
            now.timestamp(),
            stripe::signature::DEFAULT_TOLERANCE_S,
        )
        .map_err(|e| PlatformBillingError::Refused(e.to_string()))?;
        let session = match event.object {
            EventObject::CheckoutSessionCompleted(s) if s.payment_status == "paid" => s,
            EventObject::CheckoutSessionAsyncPaymentSucceeded(s) => s,
            _ => return Ok(None),
        };
        let Some(id) = session
            .client_reference_id
            .as_deref()
            .and_then(|r| r.parse::<uuid::Uuid>().ok())
        else {
            return Ok(None);
        };
        let Some(invoice) = store.platform_invoice(id).await? else {
            return Err(PlatformBillingError::Refused(format!(
                "the session names no platform invoice ({id})"
            )));
        };
        if session.amount_total != Some(invoice.total_cents) {
            return Err(PlatformBillingError::Refused(format!(
                "the session was for {:?} cents, the invoice is {}",
                session.amount_total, invoice.total_cents
            )));
        }
        let reference = session.payment_intent.unwrap_or(session.id);
        let today = comply360_practice::reminders::sa_date(now);
        let paid = store
            .record_platform_payment(
                &invoice.number,
                &reference,
                "stripe",
                today,
                self.grace_days,
            )
            .await?;
        Ok(Some(paid))
    }
}

async fn unpaid(
    store: &Store,
    tenant: TenantId,
    number: &str,
) -> Result<PlatformInvoice, PlatformBillingError> {
    store
        .platform_invoices(Some(tenant))
        .await?
        .into_iter()
        .find(|i| i.number == number && i.status == "issued")
        .ok_or_else(|| PlatformBillingError::NotFound(number.to_owned()))
}
