//! One merchant account at PayFast, and where PayFast (or the stand-in) is.

use super::error::PayFastError;
use super::signature::validate_passphrase;
use comply360_domain::Secret;
use url::Url;

/// The live hosts (FACTS.md section 7).
pub const LIVE_PROCESS_BASE: &str = "https://www.payfast.co.za/";
pub const SANDBOX_PROCESS_BASE: &str = "https://sandbox.payfast.co.za/";
/// The REST API; the sandbox is the same host with `?testing=true`.
pub const API_BASE: &str = "https://api.payfast.co.za/";
/// The hosts an ITN may come from (FACTS.md section 7, step 3).
pub const ITN_HOSTS: [&str; 4] = [
    "www.payfast.co.za",
    "sandbox.payfast.co.za",
    "w1w.payfast.co.za",
    "w2w.payfast.co.za",
];

/// A merchant account. `Debug` shows no passphrase ([`Secret`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PayFastConfig {
    pub merchant_id: String,
    pub merchant_key: String,
    /// Set in the PayFast account (Settings → Developer settings); signs every form, ITN and
    /// API call. Required for subscriptions.
    pub passphrase: Option<Secret>,
    /// Sends `testing=true` to the REST API.
    pub sandbox: bool,
    /// Where `eng/process` is (the browser posts the checkout form there).
    pub process_base: Url,
    /// Where `eng/query/validate` is.
    pub validate_base: Url,
    /// The REST API (`refunds/…`, `transactions/history`).
    pub api_base: Url,
}

fn parse(url: &str) -> Result<Url, PayFastError> {
    Url::parse(url).map_err(|e| PayFastError::InvalidRequest(format!("{url}: {e}")))
}

impl PayFastConfig {
    fn new(
        merchant_id: &str,
        merchant_key: &str,
        passphrase: Option<Secret>,
        sandbox: bool,
        process_base: Url,
        api_base: Url,
    ) -> Result<PayFastConfig, PayFastError> {
        if let Some(p) = &passphrase {
            validate_passphrase(p.expose())?;
        }
        Ok(PayFastConfig {
            merchant_id: merchant_id.to_owned(),
            merchant_key: merchant_key.to_owned(),
            passphrase,
            sandbox,
            validate_base: process_base.clone(),
            process_base,
            api_base,
        })
    }

    /// `www.payfast.co.za` and `api.payfast.co.za`.
    pub fn live(
        merchant_id: &str,
        merchant_key: &str,
        passphrase: Option<Secret>,
    ) -> Result<PayFastConfig, PayFastError> {
        PayFastConfig::new(
            merchant_id,
            merchant_key,
            passphrase,
            false,
            parse(LIVE_PROCESS_BASE)?,
            parse(API_BASE)?,
        )
    }

    /// `sandbox.payfast.co.za`, and the API with `testing=true`.
    pub fn sandbox(
        merchant_id: &str,
        merchant_key: &str,
        passphrase: Option<Secret>,
    ) -> Result<PayFastConfig, PayFastError> {
        PayFastConfig::new(
            merchant_id,
            merchant_key,
            passphrase,
            true,
            parse(SANDBOX_PROCESS_BASE)?,
            parse(API_BASE)?,
        )
    }

    /// Everything at one base URL (the stand-in's).
    pub fn custom(
        base: Url,
        merchant_id: &str,
        merchant_key: &str,
        passphrase: Option<Secret>,
    ) -> Result<PayFastConfig, PayFastError> {
        PayFastConfig::new(
            merchant_id,
            merchant_key,
            passphrase,
            false,
            base.clone(),
            base,
        )
    }

    pub(crate) fn passphrase(&self) -> Option<&str> {
        self.passphrase.as_ref().map(Secret::expose)
    }

    /// `…/eng/process`, the checkout form's action.
    pub fn process_url(&self) -> Result<Url, PayFastError> {
        join(&self.process_base, "eng/process")
    }

    /// `…/eng/query/validate`.
    pub fn validate_url(&self) -> Result<Url, PayFastError> {
        join(&self.validate_base, "eng/query/validate")
    }
}

pub(crate) fn join(base: &Url, path: &str) -> Result<Url, PayFastError> {
    base.join(path)
        .map_err(|e| PayFastError::InvalidRequest(format!("{base} + {path}: {e}")))
}
