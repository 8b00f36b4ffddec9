//! The tenant's branding as messages show it: display name, colour, logo, support address.
//!
//! Read from the tenant setting `branding` (seeded at provisioning with the display name and
//! colour). Values an agency typed in go into HTML attributes and a `style`, so each is
//! checked here: a colour that is not a hex colour or a logo that is not an http(s) URL is
//! dropped for the default rather than written into the page.

use comply360_store::repo::settings;
use comply360_store::{StoreError, TenantTx};
use serde::Serialize;
use serde_json::Value;

pub const DEFAULT_COLOR: &str = "#0b5fff";
const FALLBACK_NAME: &str = "Comply360";

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Branding {
    pub display_name: String,
    pub primary_color: String,
    pub logo_url: Option<String>,
    pub support_email: Option<String>,
}

impl Default for Branding {
    fn default() -> Self {
        Branding {
            display_name: FALLBACK_NAME.to_owned(),
            primary_color: DEFAULT_COLOR.to_owned(),
            logo_url: None,
            support_email: None,
        }
    }
}

impl Branding {
    /// From the `branding` setting's JSON; anything missing or unusable takes the default.
    pub fn from_setting(value: Option<&Value>) -> Branding {
        let text = |key: &str| {
            value
                .and_then(|v| v.get(key))
                .and_then(Value::as_str)
                .map(str::trim)
                .filter(|s| !s.is_empty())
        };
        Branding {
            display_name: text("display_name")
                .map(|s| s.chars().filter(|c| !c.is_control()).collect())
                .unwrap_or_else(|| FALLBACK_NAME.to_owned()),
            primary_color: text("primary_color")
                .filter(|c| is_hex_color(c))
                .unwrap_or(DEFAULT_COLOR)
                .to_owned(),
            logo_url: text("logo_url")
                .filter(|u| is_web_url(u))
                .map(str::to_owned),
            support_email: text("support_email")
                .filter(|e| e.parse::<lettre::Address>().is_ok())
                .map(str::to_owned),
        }
    }

    /// The tenant's branding, read in its transaction.
    pub async fn load(tx: &mut TenantTx) -> Result<Branding, StoreError> {
        let rows = settings::get_many(tx, &["branding"]).await?;
        Ok(Branding::from_setting(rows.first().map(|(_, v)| v)))
    }
}

/// `#rgb`, `#rrggbb` or `#rrggbbaa`: nothing that could close the `style` it goes into.
fn is_hex_color(s: &str) -> bool {
    s.strip_prefix('#').is_some_and(|hex| {
        matches!(hex.len(), 3 | 6 | 8) && hex.bytes().all(|b| b.is_ascii_hexdigit())
    })
}

fn is_web_url(s: &str) -> bool {
    (s.starts_with("https://") || s.starts_with("http://"))
        && !s.chars().any(|c| c.is_whitespace() || c.is_control())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn seeded_branding_is_read() {
        let b = Branding::from_setting(Some(
            &json!({"display_name": "Baobab Corporate", "primary_color": "#AA3300"}),
        ));
        assert_eq!(b.display_name, "Baobab Corporate");
        assert_eq!(b.primary_color, "#AA3300");
        assert_eq!(b.logo_url, None);
    }

    #[test]
    fn unsafe_values_fall_back() {
        let b = Branding::from_setting(Some(&json!({
            "display_name": "  ",
            "primary_color": "red;background:url(https://evil.example)",
            "logo_url": "javascript:alert(1)",
            "support_email": "not an address",
        })));
        assert_eq!(b, Branding::default());
        let b = Branding::from_setting(None);
        assert_eq!(b.display_name, "Comply360");
    }

    #[test]
    fn optional_fields_are_kept_when_valid() {
        let b = Branding::from_setting(Some(&json!({
            "display_name": "Cedar",
            "logo_url": "https://cdn.cedar.example/logo.png",
            "support_email": "help@cedar.example",
        })));
        assert_eq!(
            b.logo_url.as_deref(),
            Some("https://cdn.cedar.example/logo.png")
        );
        assert_eq!(b.support_email.as_deref(), Some("help@cedar.example"));
        assert_eq!(b.primary_color, DEFAULT_COLOR);
    }
}
