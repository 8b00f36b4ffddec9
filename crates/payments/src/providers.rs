//! The agency's payment providers: its PayFast merchant (id, key, passphrase, sandbox or
//! live) and its Stripe account (secret key, webhook signing secret). The secrets are sealed
//! under the master key, bound to the agency (like the Odoo key), and never shown again;
//! stored as the `payments.providers` setting.
//!
//! Where the providers are is the platform's configuration ([`Endpoints`]): the real hosts in
//! production, the stand-ins in tests and demos.

use crate::invoices::model::Provider;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, Utc};
use comply360_domain::Secret;
use comply360_identity::sealed::Sealing;
use comply360_integrations::payfast::{PayFastClient, PayFastConfig};
use comply360_integrations::stripe::{StripeClient, StripeConfig};
use comply360_practice::error::Problems;
use comply360_practice::{PracticeError, history};
use comply360_store::TenantTx;
use comply360_store::repo::settings;
use serde::{Deserialize, Serialize};
use serde_json::json;
use url::Url;
use uuid::Uuid;

const KEY: &str = "payments.providers";

/// Where the providers are, and who may post PayFast notifications.
#[derive(Clone, Debug)]
pub struct Endpoints {
    /// PayFast's live site (`https://www.payfast.co.za/`): eng/process and eng/query/validate.
    pub payfast_live: Url,
    /// PayFast's sandbox (`https://sandbox.payfast.co.za/`).
    pub payfast_sandbox: Url,
    /// PayFast's REST API (`https://api.payfast.co.za/`): refunds, transaction history.
    pub payfast_api: Url,
    /// Stripe's API (`https://api.stripe.com/`).
    pub stripe_api: Url,
    /// Hosts whose addresses may post an ITN (FACTS.md §7: www, sandbox, w1w, w2w).
    pub payfast_itn_hosts: Vec<String>,
}

impl Endpoints {
    /// The real providers.
    pub fn production() -> Result<Endpoints, url::ParseError> {
        use comply360_integrations::{payfast, stripe};
        Ok(Endpoints {
            payfast_live: Url::parse(payfast::LIVE_PROCESS_BASE)?,
            payfast_sandbox: Url::parse(payfast::SANDBOX_PROCESS_BASE)?,
            payfast_api: Url::parse(payfast::API_BASE)?,
            stripe_api: Url::parse(stripe::API_BASE)?,
            payfast_itn_hosts: payfast::ITN_HOSTS.iter().map(|h| (*h).to_owned()).collect(),
        })
    }

    /// Every provider at one base URL each (the stand-ins'); ITNs from this machine.
    pub fn stand_ins(payfast: &Url, stripe: &Url) -> Endpoints {
        Endpoints {
            payfast_live: payfast.clone(),
            payfast_sandbox: payfast.clone(),
            payfast_api: payfast.clone(),
            stripe_api: stripe.clone(),
            payfast_itn_hosts: vec!["localhost".into()],
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
struct StoredPayfast {
    merchant_id: String,
    merchant_key: String,
    passphrase_sealed: Option<String>,
    sandbox: bool,
    set_at: DateTime<Utc>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
struct StoredStripe {
    secret_key_sealed: String,
    webhook_secret_sealed: String,
    /// The secret key's last four characters, to tell keys apart.
    key_hint: String,
    test_mode: bool,
    set_at: DateTime<Utc>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
struct Stored {
    payfast: Option<StoredPayfast>,
    stripe: Option<StoredStripe>,
}

/// What an administrator sees: no secret, only whether it is set.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct ProvidersView {
    pub payfast: Option<PayfastView>,
    pub stripe: Option<StripeView>,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct PayfastView {
    pub merchant_id: String,
    pub merchant_key: String,
    /// Whether a passphrase is set (it is never shown).
    pub passphrase_set: bool,
    /// Payments go to PayFast's sandbox: no real money moves.
    pub sandbox: bool,
    pub set_at: DateTime<Utc>,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct StripeView {
    /// `sk_test_…1234`: the mode and the key's last four characters.
    pub secret_key: String,
    /// Always "(set)".
    pub webhook_secret: &'static str,
    /// A test-mode key (`sk_test_…`): no real money moves.
    pub test_mode: bool,
    pub set_at: DateTime<Utc>,
}

#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PayfastInput {
    /// From the PayFast dashboard (Settings › Integration).
    #[schema(value_type = String, required)]
    pub merchant_id: Option<String>,
    #[schema(value_type = String, required)]
    pub merchant_key: Option<String>,
    /// The passphrase set in PayFast (letters, digits, - _ /). Leave out to keep the stored
    /// one; an empty string removes it.
    pub passphrase: Option<String>,
    /// Use PayFast's sandbox (the default: true until you go live).
    pub sandbox: Option<bool>,
}

#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StripeInput {
    /// `sk_live_…`, `sk_test_…` or a restricted `rk_…` key. Leave out to keep the stored one.
    pub secret_key: Option<String>,
    /// The webhook endpoint's signing secret, `whsec_…`. Leave out to keep the stored one.
    pub webhook_secret: Option<String>,
}

fn context(agency: Uuid, what: &str) -> Vec<u8> {
    format!("payments:{what}:{agency}").into_bytes()
}

async fn stored(tx: &mut TenantTx) -> Result<Stored, PracticeError> {
    Ok(settings::get(tx, KEY)
        .await?
        .and_then(|v| serde_json::from_value(v).ok())
        .unwrap_or_default())
}

fn view(s: &Stored) -> ProvidersView {
    ProvidersView {
        payfast: s.payfast.as_ref().map(|p| PayfastView {
            merchant_id: p.merchant_id.clone(),
            merchant_key: p.merchant_key.clone(),
            passphrase_set: p.passphrase_sealed.is_some(),
            sandbox: p.sandbox,
            set_at: p.set_at,
        }),
        stripe: s.stripe.as_ref().map(|p| StripeView {
            secret_key: format!(
                "{}…{}",
                if p.test_mode { "sk_test_" } else { "sk_live_" },
                p.key_hint
            ),
            webhook_secret: "(set)",
            test_mode: p.test_mode,
            set_at: p.set_at,
        }),
    }
}

pub async fn get(tx: &mut TenantTx) -> Result<ProvidersView, PracticeError> {
    Ok(view(&stored(tx).await?))
}

/// Which providers the agency can take payments with.
pub async fn enabled(tx: &mut TenantTx) -> Result<Vec<Provider>, PracticeError> {
    let s = stored(tx).await?;
    let mut out = Vec::new();
    if s.payfast.is_some() {
        out.push(Provider::Payfast);
    }
    if s.stripe.is_some() {
        out.push(Provider::Stripe);
    }
    Ok(out)
}

fn seal(sealing: &dyn Sealing, agency: Uuid, what: &str, secret: &str) -> String {
    STANDARD.encode(sealing.seal(secret.as_bytes(), &context(agency, what)))
}

fn open(
    sealing: &dyn Sealing,
    agency: Uuid,
    what: &str,
    sealed: &str,
) -> Result<Secret, PracticeError> {
    let broken = || PracticeError::Conflict {
        code: "provider_settings_unreadable",
        detail: format!(
            "the stored payment provider {} cannot be read; enter the provider settings again",
            what.replace('_', " ")
        ),
    };
    let bytes = STANDARD.decode(sealed).map_err(|_| broken())?;
    let plain = sealing
        .open(&bytes, &context(agency, what))
        .ok_or_else(broken)?;
    String::from_utf8(plain)
        .map(Secret::new)
        .map_err(|_| broken())
}

fn merchant_field(field: &str, value: Option<&String>, problems: &mut Problems) -> String {
    let v = value.map(|v| v.trim()).unwrap_or("");
    if v.is_empty() || v.len() > 40 || !v.chars().all(|c| c.is_ascii_alphanumeric()) {
        problems.add(
            field,
            "is required: letters and digits as the PayFast dashboard shows it (Settings › Integration)",
        );
    }
    v.to_owned()
}

/// Sets the agency's PayFast merchant.
pub async fn put_payfast(
    tx: &mut TenantTx,
    sealing: &dyn Sealing,
    actor: Uuid,
    input: &PayfastInput,
) -> Result<ProvidersView, PracticeError> {
    let mut s = stored(tx).await?;
    let agency = tx.tenant_id().as_uuid();
    let mut problems = Problems::default();
    let merchant_id = merchant_field("merchant_id", input.merchant_id.as_ref(), &mut problems);
    let merchant_key = merchant_field("merchant_key", input.merchant_key.as_ref(), &mut problems);
    let passphrase_sealed = match input.passphrase.as_deref().map(str::trim) {
        None => s.payfast.as_ref().and_then(|p| p.passphrase_sealed.clone()),
        Some("") => None,
        Some(p) => {
            if let Err(e) = comply360_integrations::payfast::signature::validate_passphrase(p) {
                problems.add("passphrase", e.to_string());
            }
            Some(seal(sealing, agency, "payfast_passphrase", p))
        }
    };
    problems.finish("the PayFast settings have invalid fields")?;
    let sandbox = input.sandbox.unwrap_or(true);
    s.payfast = Some(StoredPayfast {
        merchant_id: merchant_id.clone(),
        merchant_key,
        passphrase_sealed,
        sandbox,
        set_at: Utc::now(),
    });
    settings::put(tx, KEY, &json!(s)).await?;
    history::record(
        tx,
        actor,
        "payments.provider_set",
        "settings",
        agency,
        json!({"provider": "payfast", "merchant_id": merchant_id, "sandbox": sandbox}),
    )
    .await?;
    Ok(view(&s))
}

/// Sets the agency's Stripe account.
pub async fn put_stripe(
    tx: &mut TenantTx,
    sealing: &dyn Sealing,
    actor: Uuid,
    input: &StripeInput,
) -> Result<ProvidersView, PracticeError> {
    let mut s = stored(tx).await?;
    let agency = tx.tenant_id().as_uuid();
    let mut problems = Problems::default();
    let current = s.stripe.clone();
    let key = input.secret_key.as_deref().map(str::trim);
    let hook = input.webhook_secret.as_deref().map(str::trim);
    if let Some(k) = key
        && !(k.starts_with("sk_") || k.starts_with("rk_"))
    {
        problems.add(
            "secret_key",
            "is a Stripe secret key: it starts sk_live_, sk_test_ or rk_ (Developers › API keys)",
        );
    }
    if key.is_none() && current.is_none() {
        problems.add("secret_key", "is required to connect Stripe");
    }
    if let Some(h) = hook
        && !h.starts_with("whsec_")
    {
        problems.add(
            "webhook_secret",
            "is the webhook endpoint's signing secret: it starts whsec_ (Developers › Webhooks)",
        );
    }
    if hook.is_none() && current.is_none() {
        problems.add(
            "webhook_secret",
            "is required: without it no payment notification can be trusted",
        );
    }
    problems.finish("the Stripe settings have invalid fields")?;
    let (secret_key_sealed, key_hint, test_mode) = match (key, &current) {
        (Some(k), _) => (
            seal(sealing, agency, "stripe_secret_key", k),
            k.chars()
                .rev()
                .take(4)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect(),
            k.contains("_test_"),
        ),
        (None, Some(c)) => (c.secret_key_sealed.clone(), c.key_hint.clone(), c.test_mode),
        (None, None) => return Err(PracticeError::field("secret_key", "is required")),
    };
    let webhook_secret_sealed = match (hook, &current) {
        (Some(h), _) => seal(sealing, agency, "stripe_webhook_secret", h),
        (None, Some(c)) => c.webhook_secret_sealed.clone(),
        (None, None) => return Err(PracticeError::field("webhook_secret", "is required")),
    };
    s.stripe = Some(StoredStripe {
        secret_key_sealed,
        webhook_secret_sealed,
        key_hint,
        test_mode,
        set_at: Utc::now(),
    });
    settings::put(tx, KEY, &json!(s)).await?;
    history::record(
        tx,
        actor,
        "payments.provider_set",
        "settings",
        agency,
        json!({"provider": "stripe", "test_mode": test_mode}),
    )
    .await?;
    Ok(view(&s))
}

/// Disconnects a provider (its open checkouts can no longer be paid).
pub async fn remove(
    tx: &mut TenantTx,
    actor: Uuid,
    provider: Provider,
) -> Result<ProvidersView, PracticeError> {
    let mut s = stored(tx).await?;
    let removed = match provider {
        Provider::Payfast => s.payfast.take().is_some(),
        Provider::Stripe => s.stripe.take().is_some(),
        Provider::Manual => false,
    };
    if !removed {
        return Err(PracticeError::NotFound("payment provider"));
    }
    settings::put(tx, KEY, &json!(s)).await?;
    let agency = tx.tenant_id().as_uuid();
    history::record(
        tx,
        actor,
        "payments.provider_removed",
        "settings",
        agency,
        json!({"provider": provider}),
    )
    .await?;
    Ok(view(&s))
}

/// The agency's PayFast, ready to call.
pub async fn payfast(
    tx: &mut TenantTx,
    sealing: &dyn Sealing,
    endpoints: &Endpoints,
    http: &reqwest::Client,
) -> Result<Option<PayFastClient>, PracticeError> {
    let Some(p) = stored(tx).await?.payfast else {
        return Ok(None);
    };
    let agency = tx.tenant_id().as_uuid();
    let passphrase = p
        .passphrase_sealed
        .as_deref()
        .map(|s| open(sealing, agency, "payfast_passphrase", s))
        .transpose()?;
    let base = if p.sandbox {
        &endpoints.payfast_sandbox
    } else {
        &endpoints.payfast_live
    };
    let config = PayFastConfig {
        merchant_id: p.merchant_id,
        merchant_key: p.merchant_key,
        passphrase,
        sandbox: p.sandbox,
        process_base: base.clone(),
        validate_base: base.clone(),
        api_base: endpoints.payfast_api.clone(),
    };
    Ok(Some(PayFastClient::new(config, http.clone())))
}

/// The agency's Stripe, ready to call.
pub async fn stripe(
    tx: &mut TenantTx,
    sealing: &dyn Sealing,
    endpoints: &Endpoints,
    http: &reqwest::Client,
) -> Result<Option<StripeClient>, PracticeError> {
    let Some(p) = stored(tx).await?.stripe else {
        return Ok(None);
    };
    let agency = tx.tenant_id().as_uuid();
    let config = StripeConfig {
        secret_key: open(sealing, agency, "stripe_secret_key", &p.secret_key_sealed)?,
        webhook_secret: open(
            sealing,
            agency,
            "stripe_webhook_secret",
            &p.webhook_secret_sealed,
        )?,
        api_base: endpoints.stripe_api.clone(),
    };
    Ok(Some(StripeClient::new(config, http.clone())))
}
