//! The agency as it stood on the invoice when it was issued (`Invoice::issuer`, JSON), read
//! leniently: a missing or mistyped field prints nothing rather than failing the document.

use serde_json::Value;

use super::layout::Rgb;

/// A dark slate (`#1f3a5f`), for agencies that have not chosen a colour.
const DEFAULT_BRAND: Rgb = Rgb(31.0 / 255.0, 58.0 / 255.0, 95.0 / 255.0);

pub(super) struct Issuer {
    pub name: String,
    /// One line per entry.
    pub address: Vec<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    /// One line per entry; empty when the agency has given none.
    pub bank_details: Vec<String>,
    /// Set only for a VAT vendor: it makes the invoice a tax invoice.
    pub vat_number: Option<String>,
    pub terms_days: Option<i64>,
    /// Legible on white (see [`Rgb::readable_on_white`]).
    pub brand: Rgb,
}

impl Issuer {
    pub fn read(issuer: &Value) -> Issuer {
        let text = |key: &str| {
            issuer
                .get(key)
                .and_then(Value::as_str)
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
        };
        let lines = |key: &str| {
            text(key)
                .map(|block| {
                    block
                        .lines()
                        .map(str::trim)
                        .filter(|l| !l.is_empty())
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default()
        };
        Issuer {
            name: text("name").unwrap_or_default(),
            address: lines("address"),
            email: text("email"),
            phone: text("phone"),
            bank_details: lines("bank_details"),
            vat_number: text("vat_number"),
            terms_days: issuer.get("terms_days").and_then(Value::as_i64),
            brand: text("brand_colour")
                .and_then(|c| Rgb::parse_hex(&c))
                .unwrap_or(DEFAULT_BRAND)
                .readable_on_white(),
        }
    }
}
