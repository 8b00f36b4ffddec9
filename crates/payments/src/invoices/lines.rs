//! A registration's invoice lines: the registry's fee the wizard computes (CIPC's, from the
//! date-effective schedule), the agency's price for the registration type, and any lines
//! staff add, with VAT where the agency is a VAT vendor.
//!
//! The registry's fee is a disbursement: the agency pays it to CIPC on the client's behalf and
//! passes it on at cost, so it carries no VAT. The agency's own fees carry VAT at the rate in
//! force on the invoice's date when the agency is a vendor.

use super::model::{LineInput, LineKind};
use crate::billing::BillingSettings;
use chrono::NaiveDate;
use comply360_domain::rules::vat_on;
use comply360_domain::{Currency, Jurisdiction, Rules};
use comply360_practice::PracticeError;
use comply360_practice::error::Problems;
use comply360_practice::registrations::{self, Registration};
use comply360_store::TenantTx;

/// A line before it is stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewLine {
    pub kind: LineKind,
    pub description: String,
    pub quantity: i32,
    pub unit_cents: i64,
    pub vat_rate_bp: i32,
}

impl NewLine {
    pub fn amount_cents(&self) -> i64 {
        self.unit_cents.saturating_mul(i64::from(self.quantity))
    }

    pub fn vat_cents(&self) -> i64 {
        vat_on(self.amount_cents(), self.vat_rate_bp.unsigned_abs())
    }
}

/// The lines and the currency they are in.
pub struct Lines {
    pub currency: Currency,
    pub lines: Vec<NewLine>,
}

/// The VAT rate (basis points) on the agency's own fees on `day`: 0 unless a vendor.
fn service_vat_bp(billing: &BillingSettings, day: NaiveDate) -> Result<i32, PracticeError> {
    if !billing.vat_vendor {
        return Ok(0);
    }
    let rules = Rules::defaults().map_err(|e| PracticeError::Conflict {
        code: "rules_unavailable",
        detail: format!("the VAT rules cannot be read: {e}"),
    })?;
    let rate = rules
        .vat_rate(Jurisdiction::SouthAfrica, day)
        .map_err(|e| PracticeError::Conflict {
            code: "no_vat_rate",
            detail: e.to_string(),
        })?;
    i32::try_from(rate.bp).map_err(|_| PracticeError::field("vat_rate", "is out of range"))
}

/// Computes a registration's lines on `day`.
pub async fn for_registration(
    tx: &mut TenantTx,
    registration: &Registration,
    billing: &BillingSettings,
    extra: &[LineInput],
    day: NaiveDate,
) -> Result<Lines, PracticeError> {
    let ty = registration.registration_type()?;
    let vat_bp = service_vat_bp(billing, day)?;
    let mut lines = Vec::new();
    let mut currency: Option<Currency> = None;
    let validation = registrations::check(tx, registration.id, day).await?;
    if let Some(fee) = validation.fee_cents.filter(|f| *f > 0) {
        currency = Some(Currency::Zar); // the registry fees FACTS.md lists are CIPC's, in rand
        lines.push(NewLine {
            kind: LineKind::RegistryFee,
            description: format!("{} fee: {} (disbursement)", ty.registry, ty.title),
            quantity: 1,
            unit_cents: fee,
            vat_rate_bp: 0,
        });
    }
    if let Some((price, price_currency)) =
        comply360_money::prices::fee_on(tx, registration.kind, day).await?
    {
        if let Some(c) = currency
            && c != price_currency
        {
            return Err(PracticeError::Conflict {
                code: "mixed_currencies",
                detail: format!(
                    "the registry's fee is in {} but the agency's price for {} is in {}; one invoice has one currency, so set the price in {} (Settings › Commissions › Prices)",
                    c.code(),
                    ty.title,
                    price_currency.code(),
                    c.code()
                ),
            });
        }
        currency = Some(price_currency);
        lines.push(NewLine {
            kind: LineKind::ServiceFee,
            description: format!("Service fee: {}", ty.title),
            quantity: 1,
            unit_cents: price.0,
            vat_rate_bp: vat_bp,
        });
    }
    let mut problems = Problems::default();
    for (i, line) in extra.iter().enumerate() {
        let description = line.description.as_deref().map(str::trim).unwrap_or("");
        if description.is_empty() || description.chars().count() > 200 {
            problems.add(
                &format!("extra_lines[{i}].description"),
                "describe the line in 1 to 200 characters",
            );
        }
        let quantity = line.quantity.unwrap_or(1);
        if !(1..=10_000).contains(&quantity) {
            problems.add(
                &format!("extra_lines[{i}].quantity"),
                "must be between 1 and 10000",
            );
        }
        let unit = match line.unit_cents {
            Some(u) if (0..=10_000_000_000).contains(&u) => u,
            Some(_) => {
                problems.add(
                    &format!("extra_lines[{i}].unit_cents"),
                    "must be between 0 and 10000000000 cents",
                );
                0
            }
            None => {
                problems.add(
                    &format!("extra_lines[{i}].unit_cents"),
                    "the price per unit, in cents, is required",
                );
                0
            }
        };
        lines.push(NewLine {
            kind: LineKind::Other,
            description: description.to_owned(),
            quantity,
            unit_cents: unit,
            vat_rate_bp: vat_bp,
        });
    }
    problems.finish("the invoice lines have invalid fields")?;
    if lines.is_empty() {
        return Err(PracticeError::Conflict {
            code: "nothing_to_invoice",
            detail: format!(
                "a {} has no registry fee and the agency has no price for it on {day}; set a price (Settings › Commissions › Prices) or add a line",
                ty.title
            ),
        });
    }
    Ok(Lines {
        currency: currency.unwrap_or(Currency::Zar),
        lines,
    })
}
