//! PayFast's three MD5 signatures (FACTS.md section 7): the checkout form's (documented field
//! order, empty fields left out), the ITN's (received order, empty fields kept) and the REST
//! API's (alphabetical, with the headers). All three encode values as PHP's `urlencode` does,
//! because PayFast computes them in PHP: upper-case hex, space as `+`, and only
//! `A-Z a-z 0-9 - _ .` left as they are (PHP encodes `~`, where RFC 3986 would not).

use super::error::PayFastError;
use md5::{Digest, Md5};
use subtle::ConstantTimeEq;

/// The checkout fields in the order PayFast signs them [P: SDK `Auth.php`; payfast.co.za
/// confirm-page docs]. A form's fields are signed in this order whatever order they come in.
pub const CHECKOUT_FIELD_ORDER: [&str; 36] = [
    "merchant_id",
    "merchant_key",
    "return_url",
    "cancel_url",
    "notify_url",
    "notify_method",
    "name_first",
    "name_last",
    "email_address",
    "cell_number",
    "m_payment_id",
    "amount",
    "item_name",
    "item_description",
    "custom_int1",
    "custom_int2",
    "custom_int3",
    "custom_int4",
    "custom_int5",
    "custom_str1",
    "custom_str2",
    "custom_str3",
    "custom_str4",
    "custom_str5",
    "email_confirmation",
    "confirmation_address",
    "currency",
    "payment_method",
    "subscription_type",
    "billing_date",
    "recurring_amount",
    "frequency",
    "cycles",
    "subscription_notify_email",
    "subscription_notify_webhook",
    "subscription_notify_buyer",
];

/// PHP's `urlencode`: bytes of the UTF-8 text, `A-Za-z0-9-_.` kept, space as `+`, the rest as
/// `%XX` in upper case.
pub fn php_urlencode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => {
                out.push(char::from(byte))
            }
            b' ' => out.push('+'),
            _ => {
                const HEX: &[u8; 16] = b"0123456789ABCDEF";
                out.push('%');
                out.push(char::from(HEX[usize::from(byte >> 4)]));
                out.push(char::from(HEX[usize::from(byte & 0x0f)]));
            }
        }
    }
    out
}

/// Refuses a passphrase PayFast would not accept (letters, digits, `-_/` only; FACTS.md §7).
pub fn validate_passphrase(passphrase: &str) -> Result<(), PayFastError> {
    if passphrase
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'/'))
    {
        Ok(())
    } else {
        Err(PayFastError::InvalidPassphrase)
    }
}

fn md5_hex(text: &str) -> String {
    hex::encode(Md5::digest(text.as_bytes()))
}

fn with_passphrase(mut text: String, passphrase: Option<&str>) -> String {
    if let Some(p) = passphrase {
        if !text.is_empty() {
            text.push('&');
        }
        text.push_str("passphrase=");
        text.push_str(&php_urlencode(p));
    }
    text
}

/// The string a checkout form's signature is the MD5 of (without the passphrase when `None`).
/// Fields whose trimmed value is empty are left out, as is a `signature` field; the rest are
/// taken in [`CHECKOUT_FIELD_ORDER`], trimmed. A field name not in that list is an error.
pub fn checkout_param_string(
    fields: &[(String, String)],
    passphrase: Option<&str>,
) -> Result<String, PayFastError> {
    if let Some(p) = passphrase {
        validate_passphrase(p)?;
    }
    let mut ranked = Vec::with_capacity(fields.len());
    for (key, value) in fields {
        if key == "signature" {
            continue;
        }
        let rank = CHECKOUT_FIELD_ORDER
            .iter()
            .position(|k| k == key)
            .ok_or_else(|| PayFastError::UnknownField(key.clone()))?;
        let value = value.trim();
        if !value.is_empty() {
            ranked.push((rank, key.as_str(), value));
        }
    }
    ranked.sort_by_key(|(rank, _, _)| *rank);
    let text = ranked
        .iter()
        .map(|(_, k, v)| format!("{k}={}", php_urlencode(v)))
        .collect::<Vec<_>>()
        .join("&");
    Ok(with_passphrase(text, passphrase))
}

/// The checkout form's `signature` (MD5, lower-case hex) over [`checkout_param_string`].
pub fn checkout_signature(
    fields: &[(String, String)],
    passphrase: Option<&str>,
) -> Result<String, PayFastError> {
    checkout_param_string(fields, passphrase).map(|s| md5_hex(&s))
}

/// The ITN's parameter string as received: every pair up to (not including) `signature`, in
/// the order posted, empty values kept, values not trimmed. This (without the passphrase) is
/// also what [`PayFastClient::validate`](super::PayFastClient::validate) posts back.
pub fn itn_param_string(pairs: &[(String, String)]) -> String {
    pairs
        .iter()
        .take_while(|(k, _)| k != "signature")
        .map(|(k, v)| format!("{k}={}", php_urlencode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// The signature an ITN with `pairs` (in received order) should carry.
pub fn itn_signature(pairs: &[(String, String)], passphrase: Option<&str>) -> String {
    md5_hex(&with_passphrase(itn_param_string(pairs), passphrase))
}

/// Checks an ITN's `signature` field against its other fields, in constant time.
pub fn verify_itn(
    pairs: &[(String, String)],
    passphrase: Option<&str>,
) -> Result<(), PayFastError> {
    let given = pairs
        .iter()
        .find(|(k, _)| k == "signature")
        .map(|(_, v)| v.trim().to_ascii_lowercase())
        .ok_or(PayFastError::MissingSignature)?;
    let expected = itn_signature(pairs, passphrase);
    if bool::from(expected.as_bytes().ct_eq(given.as_bytes())) {
        Ok(())
    } else {
        Err(PayFastError::SignatureMismatch)
    }
}

/// The REST API's `signature` header [P: SDK `Auth::generateApiSignature`]: the headers
/// `merchant-id`, `version` and `timestamp` together with the query and body fields and
/// `passphrase`, sorted by key (byte order, as PHP's `ksort` on these ASCII keys), as
/// `key=urlencode(value)` joined by `&`, MD5. A `signature` entry is ignored.
pub fn api_signature(params: &[(String, String)], passphrase: Option<&str>) -> String {
    let mut all: Vec<(&str, &str)> = params
        .iter()
        .filter(|(k, _)| k != "signature" && k != "passphrase")
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    if let Some(p) = passphrase {
        all.push(("passphrase", p));
    }
    all.sort_by(|a, b| a.0.cmp(b.0));
    let text = all
        .iter()
        .map(|(k, v)| format!("{k}={}", php_urlencode(v)))
        .collect::<Vec<_>>()
        .join("&");
    md5_hex(&text)
}

/// Compares two hex signatures in constant time (case-insensitively).
pub fn signatures_equal(a: &str, b: &str) -> bool {
    bool::from(
        a.to_ascii_lowercase()
            .as_bytes()
            .ct_eq(b.to_ascii_lowercase().as_bytes()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    /// The SDK's `tests/unit/AuthTest.php`, given here deliberately out of order.
    fn sdk_fields() -> Vec<(String, String)> {
        pairs(&[
            ("cycles", "0"),
            ("amount", "5.00"),
            ("merchant_key", "4hjoenwbwnuso"),
            ("merchant_id", "10028084"),
            ("return_url", "https://test.com/billing/success"),
            ("cancel_url", "https://test.com/billing/cancel"),
            ("notify_url", "https://test.com/payfast/webhook"),
            ("name_first", "Test"),
            ("name_last", "Test"),
            ("email_address", "test@test.com"),
            ("m_payment_id", "5"),
            ("item_name", "Test"),
            ("item_description", ""),
            ("custom_int1", "1"),
            ("custom_int2", "1"),
            ("custom_str1", "U29tZSBUZXN0IFN0cmluZw"),
            ("custom_str2", "QW5vdGhlciBUZXN0IFN0cmluZw"),
            ("email_confirmation", "1"),
            ("confirmation_address", "test@test.test"),
            ("subscription_type", "1"),
            ("billing_date", "2023-01-01"),
            ("recurring_amount", "5"),
            ("frequency", "3"),
        ])
    }

    fn own_fields() -> Vec<(String, String)> {
        pairs(&[
            ("item_name", "Order#123"),
            ("merchant_id", "10000100"),
            ("merchant_key", "46f0cd694581a"),
            ("return_url", "https://example.co.za/return"),
            ("notify_url", "https://example.co.za/itn"),
            ("m_payment_id", "INV-0001"),
            ("amount", " 100.00 "),
        ])
    }

    fn itn_pairs() -> Vec<(String, String)> {
        pairs(&[
            ("m_payment_id", "INV-0001"),
            ("pf_payment_id", "1089250"),
            ("payment_status", "COMPLETE"),
            ("item_name", "Order#123"),
            ("item_description", ""),
            ("amount_gross", "100.00"),
            ("amount_fee", "-2.30"),
            ("amount_net", "97.70"),
            ("custom_str1", ""),
            ("name_first", "Thandi"),
            ("name_last", "Nkosi"),
            ("email_address", "thandi@example.co.za"),
            ("merchant_id", "10000100"),
        ])
    }

    #[test]
    fn official_sdk_vector_in_documented_order() {
        let fields = sdk_fields();
        let s = checkout_param_string(&fields, Some("payfastsandbox")).unwrap();
        assert!(s.starts_with("merchant_id=10028084&merchant_key=4hjoenwbwnuso&return_url=https%3A%2F%2Ftest.com%2Fbilling%2Fsuccess&"), "{s}");
        assert!(
            s.ends_with("&frequency=3&cycles=0&passphrase=payfastsandbox"),
            "{s}"
        );
        assert_eq!(
            checkout_signature(&fields, Some("payfastsandbox")).unwrap(),
            "3441682c5d8a65486f5b7cc8ce41d146"
        );
    }

    #[test]
    fn own_vector() {
        assert_eq!(
            checkout_signature(&own_fields(), Some("jt7NOE43FZPn")).unwrap(),
            "7991d2e996b6df7d3d5013590681fe2a"
        );
    }

    #[test]
    fn checkout_refusals() {
        let mut tampered = own_fields();
        tampered[6].1 = "1.00".to_owned();
        assert_ne!(
            checkout_signature(&tampered, Some("jt7NOE43FZPn")).unwrap(),
            "7991d2e996b6df7d3d5013590681fe2a"
        );
        assert_ne!(
            checkout_signature(&own_fields(), Some("wrong")).unwrap(),
            "7991d2e996b6df7d3d5013590681fe2a"
        );
        let mut unknown = own_fields();
        unknown.push(("colour".to_owned(), "red".to_owned()));
        assert_eq!(
            checkout_signature(&unknown, None),
            Err(PayFastError::UnknownField("colour".to_owned()))
        );
        assert_eq!(
            checkout_signature(&own_fields(), Some("pass word")),
            Err(PayFastError::InvalidPassphrase)
        );
        assert!(validate_passphrase("a-Z_0/9").is_ok());
        assert!(validate_passphrase("tilde~").is_err());
    }

    #[test]
    fn itn_vector_and_refusals() {
        let mut itn = itn_pairs();
        assert_eq!(
            itn_signature(&itn, Some("jt7NOE43FZPn")),
            "2fb4c3e940ef600d5210401e853fcc7c"
        );
        itn.push((
            "signature".to_owned(),
            "2fb4c3e940ef600d5210401e853fcc7c".to_owned(),
        ));
        assert_eq!(verify_itn(&itn, Some("jt7NOE43FZPn")), Ok(()));
        assert_eq!(
            verify_itn(&itn, Some("jt7NOE43FZPx")),
            Err(PayFastError::SignatureMismatch)
        );
        let mut tampered = itn.clone();
        tampered[5].1 = "1000.00".to_owned();
        assert_eq!(
            verify_itn(&tampered, Some("jt7NOE43FZPn")),
            Err(PayFastError::SignatureMismatch)
        );
        let mut reordered = itn.clone();
        reordered.swap(0, 1);
        assert_eq!(
            verify_itn(&reordered, Some("jt7NOE43FZPn")),
            Err(PayFastError::SignatureMismatch)
        );
        let mut dropped_empty = itn.clone();
        dropped_empty.remove(4);
        assert_eq!(
            verify_itn(&dropped_empty, Some("jt7NOE43FZPn")),
            Err(PayFastError::SignatureMismatch)
        );
        assert_eq!(
            verify_itn(&itn_pairs(), Some("jt7NOE43FZPn")),
            Err(PayFastError::MissingSignature)
        );
    }

    #[test]
    fn php_urlencode_semantics() {
        assert_eq!(
            php_urlencode("a b~c/d&e=f.g-h_i"),
            "a+b%7Ec%2Fd%26e%3Df.g-h_i"
        );
        assert_eq!(php_urlencode("é"), "%C3%A9");
    }

    #[test]
    fn api_signature_sorts_keys() {
        let a = api_signature(
            &pairs(&[
                ("version", "v1"),
                ("merchant-id", "10000100"),
                ("amount", "100"),
            ]),
            Some("jt7NOE43FZPn"),
        );
        let b = api_signature(
            &pairs(&[
                ("amount", "100"),
                ("merchant-id", "10000100"),
                ("version", "v1"),
            ]),
            Some("jt7NOE43FZPn"),
        );
        assert_eq!(a, b);
        assert_eq!(
            a,
            md5_hex("amount=100&merchant-id=10000100&passphrase=jt7NOE43FZPn&version=v1")
        );
    }
}
