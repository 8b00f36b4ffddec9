//! [`Payments`]: what talks to the providers for an agency. It starts checkouts (PayFast's
//! signed form, Stripe's Checkout Session) and receives their notifications: verified
//! against the agency's secret, stored once, acknowledged at once; the
//! `payments.notification` job applies them ([`crate::notifications::apply`]).
//!
//! Outside calls run outside any transaction, through the resilience wrapper, under a
//! circuit per agency and provider (systems `payfast` and `stripe`).

use crate::checkouts;
use crate::invoices::model::{Invoice, Provider};
use crate::invoices::{self, PayToken};
use crate::notifications::inbox::{self, Delivery, Incoming};
use crate::providers::{self, Endpoints};
use comply360_identity::sealed::Sealing;
use comply360_integrations::payfast::{self, CheckoutForm, CheckoutRequest, Itn};
use comply360_integrations::stripe::{self, CheckoutSessionRequest, LineItem, StripeClient};
use comply360_integrations::{CallError, Resilience, Retryable};
use comply360_jobs::Outbox;
use comply360_practice::{PracticeError, clients};
use comply360_store::{Tenancy, Tenant};
use std::collections::BTreeMap;
use std::net::IpAddr;
use std::sync::Arc;
use url::Url;
use uuid::Uuid;

/// The circuit names of the providers.
pub const PAYFAST: &str = "payfast";
pub const STRIPE: &str = "stripe";

/// Where the provider sends the client back to, and (PayFast) where it posts the ITN.
#[derive(Clone, Debug)]
pub struct CheckoutUrls {
    pub return_url: Url,
    pub cancel_url: Url,
    pub notify_url: Url,
}

/// How the client's browser goes on to pay.
#[derive(Clone, Debug)]
pub enum Started {
    /// Post this form (auto-submitted by the page) to PayFast.
    PayFast(CheckoutForm),
    /// Go to Stripe's hosted page.
    Stripe(Url),
}

/// Why a notification was not accepted, for the HTTP answer and the log. Nothing was stored.
#[derive(Debug, thiserror::Error)]
pub enum Refusal {
    #[error("the agency has no {0} account connected")]
    NotConnected(&'static str),
    #[error("{0}")]
    BadSignature(String),
    #[error("the notification came from {0}, which is not one of PayFast's hosts")]
    UnknownSource(IpAddr),
    #[error("the notification is malformed: {0}")]
    Malformed(String),
    #[error(transparent)]
    Practice(#[from] PracticeError),
}

#[derive(Clone)]
pub struct Payments {
    sealing: Arc<dyn Sealing>,
    endpoints: Endpoints,
    resilience: Resilience,
    http: reqwest::Client,
    /// Stripe's tolerance on a webhook's age, in seconds (FACTS.md §6: 300).
    pub stripe_tolerance_s: i64,
}

impl Payments {
    pub fn new(
        sealing: Arc<dyn Sealing>,
        endpoints: Endpoints,
        resilience: Resilience,
        http: reqwest::Client,
    ) -> Payments {
        Payments {
            sealing,
            endpoints,
            resilience,
            http,
            stripe_tolerance_s: stripe::signature::DEFAULT_TOLERANCE_S,
        }
    }

    pub fn sealing(&self) -> &dyn Sealing {
        self.sealing.as_ref()
    }

    pub fn endpoints(&self) -> &Endpoints {
        &self.endpoints
    }

    pub fn resilience(&self) -> &Resilience {
        &self.resilience
    }

    pub fn http(&self) -> &reqwest::Client {
        &self.http
    }

    /// Starts paying what is due on the invoice a pay link opens, with `provider`.
    pub async fn start_checkout(
        &self,
        tenancy: &Tenancy,
        tenant: &Tenant,
        token: &PayToken,
        provider: Provider,
        urls: &CheckoutUrls,
    ) -> Result<Started, PracticeError> {
        let mut tx = tenancy.begin(tenant).await?;
        let invoice = invoices::by_token(&mut tx, token).await?;
        if !invoice.status.payable() || invoice.due_cents <= 0 {
            return Err(PracticeError::Conflict {
                code: "not_payable",
                detail: format!(
                    "invoice {} is {}; there is nothing to pay",
                    invoice.number.as_deref().unwrap_or(""),
                    invoice.status
                ),
            });
        }
        let client = clients::get(&mut tx, invoice.client_id, true).await?;
        let checkout = checkouts::insert(
            &mut tx,
            invoice.id,
            provider,
            invoice.due_cents,
            &invoice.currency,
        )
        .await?;
        let started = match provider {
            Provider::Payfast => {
                let pf = providers::payfast(&mut tx, self.sealing(), &self.endpoints, &self.http)
                    .await?
                    .ok_or_else(|| not_connected("PayFast"))?;
                if invoice.currency != "ZAR" {
                    return Err(PracticeError::Conflict {
                        code: "currency_not_supported",
                        detail: format!(
                            "PayFast takes rand only; this invoice is in {}",
                            invoice.currency
                        ),
                    });
                }
                let form = CheckoutRequest {
                    m_payment_id: checkout.to_string(),
                    amount_cents: invoice.due_cents,
                    item_name: item_name(&invoice),
                    item_description: Some(format!(
                        "{} for {}",
                        item_name(&invoice),
                        client.display_name
                    )),
                    name_first: client.first_names.clone(),
                    name_last: client.surname.clone(),
                    email_address: client.email.clone(),
                    return_url: Some(urls.return_url.clone()),
                    cancel_url: Some(urls.cancel_url.clone()),
                    notify_url: Some(urls.notify_url.clone()),
                    custom_str: [Some(invoice.id.to_string()), None, None, None, None],
                }
                .form(pf.config())
                .map_err(|e| PracticeError::Conflict {
                    code: "provider_settings_invalid",
                    detail: format!("the PayFast checkout cannot be made: {e}"),
                })?;
                tx.commit().await?;
                Started::PayFast(form)
            }
            Provider::Stripe => {
                let client_api =
                    providers::stripe(&mut tx, self.sealing(), &self.endpoints, &self.http)
                        .await?
                        .ok_or_else(|| not_connected("Stripe"))?;
                // The checkout row commits first: whatever Stripe answers, its id is known.
                tx.commit().await?;
                let url = self
                    .stripe_session(
                        tenancy,
                        tenant,
                        &client_api,
                        SessionFor {
                            invoice: &invoice,
                            checkout,
                            email: client.email,
                            urls,
                        },
                    )
                    .await?;
                Started::Stripe(url)
            }
            Provider::Manual => {
                return Err(PracticeError::field(
                    "provider",
                    "pay online with payfast or stripe; staff record EFT and cash",
                ));
            }
        };
        Ok(started)
    }

    async fn stripe_session(
        &self,
        tenancy: &Tenancy,
        tenant: &Tenant,
        api: &StripeClient,
        session: SessionFor<'_>,
    ) -> Result<Url, PracticeError> {
        let SessionFor {
            invoice,
            checkout,
            email,
            urls,
        } = session;
        let request = CheckoutSessionRequest {
            client_reference_id: Some(checkout.to_string()),
            customer_email: email,
            line_items: vec![LineItem {
                name: item_name(invoice),
                unit_amount_cents: invoice.due_cents,
                quantity: 1,
            }],
            currency: invoice.currency.to_lowercase(),
            success_url: urls.return_url.to_string(),
            cancel_url: Some(urls.cancel_url.to_string()),
            metadata: BTreeMap::from([
                ("invoice_id".to_owned(), invoice.id.to_string()),
                (
                    "invoice_number".to_owned(),
                    invoice.number.clone().unwrap_or_default(),
                ),
            ]),
        };
        let key = format!("checkout-{checkout}");
        let session = self
            .resilience
            .call(tenant.id(), STRIPE, || {
                api.create_checkout_session(&request, &key)
            })
            .await
            .map_err(|e| unavailable("Stripe", &e))?;
        let url = session
            .url
            .as_deref()
            .and_then(|u| Url::parse(u).ok())
            .ok_or_else(|| PracticeError::Conflict {
                code: "provider_unavailable",
                detail: "Stripe answered without a payment page; try again".into(),
            })?;
        // The session id is kept for the refunds and reconciliation; the notification finds
        // the checkout by our own reference, so a failure here loses nothing.
        let attached = async {
            let mut tx = tenancy.begin(tenant).await?;
            checkouts::attach_session(&mut tx, checkout, &session.id).await?;
            tx.commit().await?;
            Ok::<(), PracticeError>(())
        };
        if let Err(e) = attached.await {
            tracing::warn!(%checkout, error = %e, "the Stripe session id was not recorded");
        }
        Ok(url)
    }

    /// Receives a Stripe webhook for `tenant`: verified on the raw body against the agency's
    /// signing secret (every `v1`, the tolerance), then stored once by event id.
    pub async fn receive_stripe(
        &self,
        tenancy: &Tenancy,
        tenant: &Tenant,
        outbox: &Outbox,
        body: &[u8],
        signature: Option<&str>,
        now_unix: i64,
    ) -> Result<Delivery, Refusal> {
        let mut tx = tenancy.begin(tenant).await.map_err(PracticeError::from)?;
        let api = providers::stripe(&mut tx, self.sealing(), &self.endpoints, &self.http)
            .await?
            .ok_or(Refusal::NotConnected("Stripe"))?;
        let header = signature.ok_or_else(|| {
            Refusal::BadSignature("the Stripe-Signature header is missing".into())
        })?;
        let event = stripe::construct_event(
            body,
            header,
            api.config().webhook_secret.expose(),
            now_unix,
            self.stripe_tolerance_s,
        )
        .map_err(|e| match e {
            stripe::StripeError::BadResponse(m) => Refusal::Malformed(m),
            other => Refusal::BadSignature(other.to_string()),
        })?;
        let delivery = inbox::store(
            &mut tx,
            outbox,
            &Incoming {
                provider: Provider::Stripe,
                delivery_key: &event.id,
                kind: &event.type_,
                body,
                peer: None,
            },
        )
        .await?;
        tx.commit().await.map_err(PracticeError::from)?;
        Ok(delivery)
    }

    /// Receives a PayFast ITN for `tenant`: from one of PayFast's hosts, signed with the
    /// agency's passphrase over the fields in the order received, then stored once by
    /// `pf_payment_id` and status. The amount, the merchant and PayFast's own confirmation
    /// are checked when it is applied.
    pub async fn receive_payfast(
        &self,
        tenancy: &Tenancy,
        tenant: &Tenant,
        outbox: &Outbox,
        body: &[u8],
        peer: IpAddr,
    ) -> Result<Delivery, Refusal> {
        if !payfast::source_allowed(peer, &self.endpoints.payfast_itn_hosts).await {
            return Err(Refusal::UnknownSource(peer));
        }
        let itn = Itn::parse(body).map_err(|e| Refusal::Malformed(e.to_string()))?;
        let mut tx = tenancy.begin(tenant).await.map_err(PracticeError::from)?;
        let pf = providers::payfast(&mut tx, self.sealing(), &self.endpoints, &self.http)
            .await?
            .ok_or(Refusal::NotConnected("PayFast"))?;
        itn.verify(pf.config().passphrase.as_ref().map(|p| p.expose()))
            .map_err(|e| Refusal::BadSignature(e.to_string()))?;
        let key = format!("{}:{}", itn.pf_payment_id, itn.payment_status);
        let peer = peer.to_string();
        let delivery = inbox::store(
            &mut tx,
            outbox,
            &Incoming {
                provider: Provider::Payfast,
                delivery_key: &key,
                kind: &itn.payment_status,
                body,
                peer: Some(&peer),
            },
        )
        .await?;
        tx.commit().await.map_err(PracticeError::from)?;
        Ok(delivery)
    }
}

/// The Checkout Session to create: for what, under which checkout, to whom.
struct SessionFor<'a> {
    invoice: &'a Invoice,
    checkout: Uuid,
    email: Option<String>,
    urls: &'a CheckoutUrls,
}

fn item_name(invoice: &Invoice) -> String {
    format!("Invoice {}", invoice.number.as_deref().unwrap_or(""))
}

fn not_connected(provider: &str) -> PracticeError {
    PracticeError::Conflict {
        code: "provider_not_connected",
        detail: format!(
            "the agency does not take payments with {provider}; choose another way to pay"
        ),
    }
}

pub(crate) fn unavailable<E: Retryable + std::fmt::Display>(
    provider: &str,
    e: &CallError<E>,
) -> PracticeError {
    tracing::warn!(provider, error = %e, "payment provider call failed");
    PracticeError::Conflict {
        code: "provider_unavailable",
        detail: format!("{provider} cannot be reached just now; try again in a few minutes"),
    }
}
