//! Settings › Branding: the name shown to clients in emails, the agency's colour (every page
//! through `/assets/brand.css`, which browsers revalidate, so the next page has it; and every
//! email) and the addresses emails carry (logo, support). Stored in the tenant setting
//! `branding`, the one `comply360_notify::Branding` and [`crate::brand`] read; keys this page
//! does not know are kept.
//!
//! A logo file uploaded here waits for the documents issue: an upload needs multipart parsing
//! and the checks documents will bring (size, type, virus scan; an SVG is active content), and
//! an email's logo must be a public address, which document storage will give. Until then an
//! agency gives its logo's https address for emails; the portal's header keeps the initial
//! in the agency's colour (its CSP loads no image from another host).

use super::{Refusal, page, with_status};
use crate::chrome::Chrome;
use crate::errors::PageError;
use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use comply360_api::AppState;
use comply360_store::repo::settings;
use minijinja::context;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

const KEY: &str = "branding";
const DEFAULT_COLOUR: &str = "#0b5fff";

#[derive(Default, Deserialize, Serialize)]
pub struct BrandingForm {
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    primary_color: String,
    #[serde(default)]
    logo_url: String,
    #[serde(default)]
    support_email: String,
}

impl BrandingForm {
    fn from_setting(value: Option<&Value>, fallback_name: &str) -> BrandingForm {
        let text = |k: &str| {
            value
                .and_then(|v| v.get(k))
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned()
        };
        let name = text("display_name");
        let colour = text("primary_color");
        BrandingForm {
            display_name: if name.is_empty() {
                fallback_name.to_owned()
            } else {
                name
            },
            primary_color: if colour.is_empty() {
                DEFAULT_COLOUR.to_owned()
            } else {
                colour
            },
            logo_url: text("logo_url"),
            support_email: text("support_email"),
        }
    }

    /// The checked values; field messages for what is wrong (the same rules the stylesheet
    /// and the emails apply when reading, so nothing accepted here is dropped there).
    fn check(&self) -> Result<Map<String, Value>, BTreeMap<String, String>> {
        let mut errors = BTreeMap::new();
        let mut out = Map::new();
        let name = self.display_name.trim();
        if name.is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
            errors.insert("display_name".into(), "must be 1–100 characters".into());
        }
        out.insert("display_name".into(), name.into());
        let colour = self.primary_color.trim().to_ascii_lowercase();
        if !is_hex_colour(&colour) {
            errors.insert(
                "primary_color".into(),
                "must be a colour in hex such as #0b5fff".into(),
            );
        }
        out.insert("primary_color".into(), colour.into());
        let logo = self.logo_url.trim();
        if !logo.is_empty() {
            let web = url::Url::parse(logo).is_ok_and(|u| u.scheme() == "https")
                && logo.len() <= 500
                && !logo.chars().any(char::is_whitespace);
            if !web {
                errors.insert(
                    "logo_url".into(),
                    "must be an https address such as https://youragency.co.za/logo.png".into(),
                );
            }
        }
        out.insert("logo_url".into(), logo.into());
        let support = self.support_email.trim();
        // identity's check of an email, so its message too.
        if !support.is_empty()
            && let Err(e) = comply360_identity::admin::validate_email(support)
            && let Some(field) = comply360_api::problem::from_auth(&e).errors.first()
        {
            errors.insert("support_email".into(), field.message.clone());
        }
        out.insert("support_email".into(), support.into());
        if errors.is_empty() {
            Ok(out)
        } else {
            Err(errors)
        }
    }
}

/// `#rgb` or `#rrggbb`: what the stylesheet ([`crate::brand`]) and the emails accept.
fn is_hex_colour(s: &str) -> bool {
    s.strip_prefix('#')
        .is_some_and(|hex| matches!(hex.len(), 3 | 6) && hex.bytes().all(|b| b.is_ascii_hexdigit()))
}

fn render(chrome: Chrome, form: &BrandingForm, refusal: Option<Refusal>) -> Response {
    let status = refusal.as_ref().map_or(StatusCode::OK, |r| r.status);
    let (errors, summary) =
        refusal.map_or((BTreeMap::new(), None), |r| (r.errors, Some(r.summary)));
    let ctx = context! {
        form => minijinja::Value::from(minijinja::value::Serde(form)),
        errors, summary,
    };
    with_status(
        page(
            chrome,
            "settings/branding.html",
            "branding",
            "Branding",
            ctx,
        ),
        status,
    )
}

pub async fn show(State(state): State<AppState>, chrome: Chrome) -> Result<Response, PageError> {
    let tenant = chrome.tenant()?.clone();
    let mut tx = state.store.tenancy().begin(&tenant).await?;
    let stored = settings::get(&mut tx, KEY).await?;
    tx.commit().await?;
    let form = BrandingForm::from_setting(stored.as_ref(), tenant.name());
    Ok(render(chrome, &form, None))
}

pub async fn save(
    State(state): State<AppState>,
    chrome: Chrome,
    Form(form): Form<BrandingForm>,
) -> Result<Response, PageError> {
    let tenant = chrome.tenant()?.clone();
    let checked = match form.check() {
        Ok(v) => v,
        Err(errors) => {
            let refusal = Refusal {
                errors,
                summary: "the branding has invalid fields".into(),
                status: StatusCode::UNPROCESSABLE_ENTITY,
            };
            return Ok(render(chrome, &form, Some(refusal)));
        }
    };
    let mut tx = state.store.tenancy().begin(&tenant).await?;
    // Keys of the setting this page does not edit stay as they are.
    let mut value = match settings::get(&mut tx, KEY).await? {
        Some(Value::Object(m)) => m,
        _ => Map::new(),
    };
    for (k, v) in checked {
        if v.as_str().is_some_and(str::is_empty) {
            value.remove(&k);
        } else {
            value.insert(k, v);
        }
    }
    settings::put(&mut tx, KEY, &Value::Object(value)).await?;
    crate::brand::forget(tx.tenant_id());
    tx.commit().await?;
    Ok(chrome.done(
        "/settings/branding",
        "Branding saved. Pages and emails use it from now on.",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_hex_colours_and_https_logos_are_accepted() {
        let ok = BrandingForm {
            display_name: "Karoo CS".into(),
            primary_color: "#0B7A3E".into(),
            logo_url: "https://karoo.example/logo.png".into(),
            support_email: String::new(),
        };
        let v = ok.check().unwrap();
        assert_eq!(v["primary_color"], "#0b7a3e");
        let bad = BrandingForm {
            display_name: " ".into(),
            primary_color: "red;}body{display:none".into(),
            logo_url: "javascript:alert(1)".into(),
            support_email: "help@".into(),
        };
        let errors = bad.check().unwrap_err();
        assert_eq!(
            errors.keys().map(String::as_str).collect::<Vec<_>>(),
            ["display_name", "logo_url", "primary_color", "support_email"]
        );
    }
}
