//! The agency as its invoices show it: legal name, address, contact, bank details for EFT,
//! whether it is a VAT vendor and its VAT number, payment terms, and the numbering prefixes.
//! Stored as the `payments.billing` setting; copied onto each invoice when it is issued, so
//! a later change does not rewrite an issued invoice.

use comply360_domain::identifiers::VatNumber;
use comply360_practice::error::Problems;
use comply360_practice::{PracticeError, history};
use comply360_store::TenantTx;
use comply360_store::repo::settings;
use serde::{Deserialize, Serialize};
use serde_json::json;
use uuid::Uuid;

const KEY: &str = "payments.billing";

/// Days a client has to pay, when the agency has not said.
pub const DEFAULT_TERMS_DAYS: u16 = 7;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct BillingSettings {
    /// The name invoices are issued in (the agency's name when not set).
    pub legal_name: Option<String>,
    /// Postal or street address, as it should be printed (lines separated by newlines).
    pub address: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    /// Bank details for clients who pay by EFT, printed on the invoice.
    pub bank_details: Option<String>,
    /// A VAT vendor charges VAT on its service fees and prints its VAT number.
    pub vat_vendor: bool,
    /// SARS VAT number: 10 digits starting with 4.
    pub vat_number: Option<String>,
    /// Days between issue and due date.
    pub terms_days: u16,
    /// Invoice numbers are this prefix and a six-digit sequence: INV-000001.
    pub invoice_prefix: String,
    pub credit_note_prefix: String,
}

impl Default for BillingSettings {
    fn default() -> Self {
        BillingSettings {
            legal_name: None,
            address: None,
            email: None,
            phone: None,
            bank_details: None,
            vat_vendor: false,
            vat_number: None,
            terms_days: DEFAULT_TERMS_DAYS,
            invoice_prefix: "INV-".into(),
            credit_note_prefix: "CN-".into(),
        }
    }
}

#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BillingInput {
    pub legal_name: Option<String>,
    pub address: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub bank_details: Option<String>,
    pub vat_vendor: Option<bool>,
    pub vat_number: Option<String>,
    pub terms_days: Option<u16>,
    pub invoice_prefix: Option<String>,
    pub credit_note_prefix: Option<String>,
}

pub async fn get(tx: &mut TenantTx) -> Result<BillingSettings, PracticeError> {
    Ok(settings::get(tx, KEY)
        .await?
        .and_then(|v| serde_json::from_value(v).ok())
        .unwrap_or_default())
}

/// The agency's brand colour (`#rrggbb`, the portal's `branding.primary_color`), printed on
/// its invoices; None when unset or not a colour.
pub async fn brand_colour(tx: &mut TenantTx) -> Result<Option<String>, PracticeError> {
    let colour = settings::get(tx, "branding")
        .await?
        .and_then(|b| b.get("primary_color")?.as_str().map(str::to_owned))
        .filter(|c| {
            c.len() == 7 && c.starts_with('#') && c[1..].chars().all(|d| d.is_ascii_hexdigit())
        });
    Ok(colour)
}

fn optional_text(
    field: &str,
    value: Option<&String>,
    max: usize,
    problems: &mut Problems,
) -> Option<String> {
    let v = value?.trim();
    if v.is_empty() {
        return None;
    }
    if v.chars().count() > max {
        problems.add(field, format!("must be at most {max} characters"));
    }
    Some(v.to_owned())
}

fn prefix(field: &str, value: Option<&String>, default: &str, problems: &mut Problems) -> String {
    let Some(v) = value.map(|v| v.trim()) else {
        return default.to_owned();
    };
    let ok = (1..=12).contains(&v.len())
        && v.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '/' | '_'));
    if !ok {
        problems.add(
            field,
            "use 1 to 12 letters, digits, '-', '/' or '_' (e.g. INV-)",
        );
    }
    v.to_owned()
}

/// Replaces the billing settings; a VAT vendor must give a valid VAT number.
pub async fn put(
    tx: &mut TenantTx,
    actor: Uuid,
    input: &BillingInput,
) -> Result<BillingSettings, PracticeError> {
    let mut problems = Problems::default();
    let vat_vendor = input.vat_vendor.unwrap_or(false);
    let vat_number = match optional_text("vat_number", input.vat_number.as_ref(), 20, &mut problems)
    {
        Some(n) => match VatNumber::parse(&n) {
            Ok(v) => Some(v.as_str().to_owned()),
            Err(e) => {
                problems.add("vat_number", e.to_string());
                None
            }
        },
        None if vat_vendor => {
            problems.add(
                "vat_number",
                "a VAT vendor's invoices must show its VAT number (10 digits starting with 4)",
            );
            None
        }
        None => None,
    };
    let email = optional_text("email", input.email.as_ref(), 200, &mut problems);
    if let Some(e) = &email
        && comply360_domain::EmailAddress::parse(e).is_err()
    {
        problems.add("email", "is not an email address (name@example.co.za)");
    }
    let terms_days = input.terms_days.unwrap_or(DEFAULT_TERMS_DAYS);
    if terms_days > 120 {
        problems.add("terms_days", "must be between 0 and 120 days");
    }
    let after = BillingSettings {
        legal_name: optional_text("legal_name", input.legal_name.as_ref(), 200, &mut problems),
        address: optional_text("address", input.address.as_ref(), 500, &mut problems),
        email,
        phone: optional_text("phone", input.phone.as_ref(), 40, &mut problems),
        bank_details: optional_text(
            "bank_details",
            input.bank_details.as_ref(),
            500,
            &mut problems,
        ),
        vat_vendor,
        vat_number,
        terms_days,
        invoice_prefix: prefix(
            "invoice_prefix",
            input.invoice_prefix.as_ref(),
            "INV-",
            &mut problems,
        ),
        credit_note_prefix: prefix(
            "credit_note_prefix",
            input.credit_note_prefix.as_ref(),
            "CN-",
            &mut problems,
        ),
    };
    problems.finish("the billing settings have invalid fields")?;
    let before = get(tx).await?;
    settings::put(tx, KEY, &json!(after)).await?;
    let agency = tx.tenant_id().as_uuid();
    history::record(
        tx,
        actor,
        "billing.settings_changed",
        "settings",
        agency,
        history::diff(&json!(before), &json!(after)),
    )
    .await?;
    Ok(after)
}
