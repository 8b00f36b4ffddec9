//! Small pieces of CIPC's HTTP dialect shared by the client and the stand-in.

use super::error::CipcError;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use url::Url;

/// API Management's subscription header.
pub const SUBSCRIPTION_KEY_HEADER: &str = "Ocp-Apim-Subscription-Key";

/// Longest piece of an unrecognised error body quoted in an error.
const MAX_QUOTED_BODY: usize = 300;

/// Everything but unreserved characters is encoded, so `/` becomes `%2F`.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// The URL of `template` (see [`CipcConfig`](super::CipcConfig)) under `base`.
pub fn endpoint(base: &Url, template: &str, enterprise_number: &str) -> Result<Url, CipcError> {
    let encoded = utf8_percent_encode(enterprise_number, SEGMENT).to_string();
    let expanded = template
        .replace("{enterprise_number_raw}", enterprise_number)
        .replace("{enterprise_number}", &encoded);
    if !expanded.starts_with('/') || expanded.contains(['{', '}']) {
        return Err(CipcError::Config {
            detail: format!(
                "the path template {template:?} must start with / and may only use {{enterprise_number}} or {{enterprise_number_raw}}"
            ),
        });
    }
    let (path, query) = match expanded.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (expanded.as_str(), None),
    };
    let mut url = base.clone();
    if url.cannot_be_a_base() {
        return Err(CipcError::Config {
            detail: format!("the base URL {base} cannot have a path; use https://host/"),
        });
    }
    let joined = format!("{}{path}", base.path().trim_end_matches('/'));
    url.set_path(&joined);
    url.set_query(query);
    Ok(url)
}

/// The explanation in an error body: OAuth's `error_description`/`error`, API Management's
/// `message`, a problem's `detail`, else the start of the text.
pub fn body_detail(body: &str) -> String {
    if let Ok(serde_json::Value::Object(map)) = serde_json::from_str(body) {
        for key in ["error_description", "message", "detail", "error", "title"] {
            if let Some(text) = map.get(key).and_then(|v| v.as_str()) {
                return text.to_owned();
            }
        }
    }
    match body.trim() {
        "" => "no explanation given".to_owned(),
        text => text.chars().take(MAX_QUOTED_BODY).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_expand_under_the_base_path() {
        let base = Url::parse("https://gw.example/cipc/").unwrap();
        let url = endpoint(
            &base,
            "/boreg/register/{enterprise_number}",
            "K2015/255566/07",
        )
        .unwrap();
        assert_eq!(
            url.as_str(),
            "https://gw.example/cipc/boreg/register/K2015%2F255566%2F07"
        );
        let url = endpoint(&base, "/x/{enterprise_number_raw}", "2015/255566/07").unwrap();
        assert_eq!(url.as_str(), "https://gw.example/cipc/x/2015/255566/07");
        let url = endpoint(
            &base,
            "/profile?number={enterprise_number}",
            "K2015/255566/07",
        )
        .unwrap();
        assert_eq!(
            url.as_str(),
            "https://gw.example/cipc/profile?number=K2015%2F255566%2F07"
        );
        assert!(endpoint(&base, "/x/{number}", "1").is_err());
        assert!(endpoint(&base, "x", "1").is_err());
    }

    #[test]
    fn error_bodies_give_their_explanation() {
        assert_eq!(
            body_detail(r#"{"error":"invalid_grant","error_description":"bad password"}"#),
            "bad password"
        );
        assert_eq!(
            body_detail(r#"{"statusCode":401,"message":"Access denied"}"#),
            "Access denied"
        );
        assert_eq!(body_detail("  "), "no explanation given");
    }
}
