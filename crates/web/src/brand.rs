//! The agency's colour as a stylesheet (`/assets/brand.css`): the pages' CSP allows no inline
//! style, so the one per-agency value is a file of its own, revalidated by its ETag.

use crate::place::Place;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use comply360_api::AppState;
use comply360_domain::TenantId;
use comply360_store::Tenant;
use comply360_store::repo::settings;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::{LazyLock, Mutex};
use std::time::{Duration, Instant};

/// How long a replica shows an agency's name before reading it again (the replica that saved
/// a change forgets at once; others within this).
const NAME_TTL: Duration = Duration::from_secs(30);

/// Each agency's chosen name (None: its registered name) and when it was read.
type Names = HashMap<TenantId, (Instant, Option<String>)>;

static NAMES: LazyLock<Mutex<Names>> = LazyLock::new(|| Mutex::new(HashMap::new()));

/// The name the agency chose for its pages and emails (`branding.display_name`), or None for
/// the name it was registered with. Read at most every [`NAME_TTL`] per agency and replica: a
/// page should not cost a second transaction for its header.
pub async fn display_name(state: &AppState, tenant: &Tenant) -> Option<String> {
    let id = tenant.id();
    if let Ok(names) = NAMES.lock()
        && let Some((at, name)) = names.get(&id)
        && at.elapsed() < NAME_TTL
    {
        return name.clone();
    }
    let read = async {
        let mut tx = state.store.tenancy().begin(tenant).await?;
        let branding = settings::get(&mut tx, "branding").await?;
        tx.commit().await?;
        Ok::<_, comply360_store::StoreError>(branding)
    };
    let name = match read.await {
        Ok(b) => b.and_then(|b| {
            b.get("display_name")?
                .as_str()
                .map(str::trim)
                .filter(|n| !n.is_empty())
                .map(str::to_owned)
        }),
        Err(e) => {
            tracing::warn!(error = %e, "branding not read; the registered name is shown");
            None
        }
    };
    if let Ok(mut names) = NAMES.lock() {
        names.insert(id, (Instant::now(), name.clone()));
    }
    name
}

/// Forgets the agency's name here, after its branding changed.
pub fn forget(tenant: TenantId) {
    if let Ok(mut names) = NAMES.lock() {
        names.remove(&tenant);
    }
}

/// `#rgb` or `#rrggbb` as (r, g, b); anything else is not a colour we put in a stylesheet.
fn parse_hex(text: &str) -> Option<(u8, u8, u8)> {
    let hex = text.strip_prefix('#')?;
    let digit = |i: usize, len: usize| u8::from_str_radix(hex.get(i..i + len)?, 16).ok();
    match hex.len() {
        3 => Some((digit(0, 1)? * 17, digit(1, 1)? * 17, digit(2, 1)? * 17)),
        6 => Some((digit(0, 2)?, digit(2, 2)?, digit(4, 2)?)),
        _ => None,
    }
}

/// WCAG relative luminance.
fn luminance((r, g, b): (u8, u8, u8)) -> f64 {
    let channel = |c: u8| {
        let c = f64::from(c) / 255.0;
        if c <= 0.04045 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)
}

/// The stylesheet for `colour`: the brand colour and the text colour that reads on it (white
/// or near-black, whichever contrasts more).
pub fn stylesheet(colour: Option<&str>) -> String {
    let Some(rgb) = colour.and_then(parse_hex) else {
        return ":root{}\n".to_owned();
    };
    let l = luminance(rgb);
    let on_white = 1.05 / (l + 0.05);
    let on_black = (l + 0.05) / (luminance((0x17, 0x20, 0x2e)) + 0.05);
    let ink = if on_white >= on_black {
        "#ffffff"
    } else {
        "#17202e"
    };
    let (r, g, b) = rgb;
    format!(":root{{--brand:#{r:02x}{g:02x}{b:02x};--brand-ink:{ink};}}\n")
}

/// The agency's brand colour as it set it (`branding.primary_color`), if any.
pub async fn colour_of(state: &AppState, tenant: &Tenant) -> Option<String> {
    let read = async {
        let mut tx = state.store.tenancy().begin(tenant).await?;
        let branding = settings::get(&mut tx, "branding").await?;
        tx.commit().await?;
        Ok::<_, comply360_store::StoreError>(branding)
    };
    match read.await {
        Ok(b) => b.and_then(|b| b.get("primary_color")?.as_str().map(str::to_owned)),
        Err(e) => {
            tracing::warn!(error = %e, "branding not read; default colours");
            None
        }
    }
}

pub async fn serve(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let colour = match Place::of(&state, &headers).await {
        Ok(Place::Agency(tenant)) => colour_of(&state, &tenant).await,
        _ => None,
    };
    stylesheet_response(colour.as_deref(), &headers)
}

/// The stylesheet for `colour` as a response, revalidated by its ETag.
pub fn stylesheet_response(colour: Option<&str>, headers: &HeaderMap) -> Response {
    let css = stylesheet(colour);
    let etag = format!(
        "\"{}\"",
        Sha256::digest(css.as_bytes())[..8]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    );
    if headers
        .get(header::IF_NONE_MATCH)
        .is_some_and(|v| v.as_bytes() == etag.as_bytes())
    {
        return StatusCode::NOT_MODIFIED.into_response();
    }
    let mut res = css.into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/css; charset=utf-8"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    if let Ok(v) = HeaderValue::from_str(&etag) {
        h.insert(header::ETAG, v);
    }
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_hex_colours_reach_the_stylesheet_with_readable_text() {
        assert_eq!(
            stylesheet(Some("#0b5fff")),
            ":root{--brand:#0b5fff;--brand-ink:#ffffff;}\n"
        );
        assert_eq!(
            stylesheet(Some("#fc0")),
            ":root{--brand:#ffcc00;--brand-ink:#17202e;}\n"
        );
        for bad in ["red;}body{display:none", "#12345", "0b5fff", "#ggg"] {
            assert_eq!(stylesheet(Some(bad)), ":root{}\n", "{bad}");
        }
    }
}
