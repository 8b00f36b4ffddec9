//! Stripe's webhook signature (FACTS.md section 6): `Stripe-Signature: t=<unix>,v1=<hex>`,
//! `v1 = hex(HMAC-SHA256(secret, "{t}.{raw body}"))` with the whole secret (`whsec_…`) as
//! the key. Every `v1` in the header is tried (Stripe sends one per secret while a secret
//! is being rolled), compared in constant time.

use super::error::StripeError;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

/// Stripe's default tolerance, seconds.
pub const DEFAULT_TOLERANCE_S: i64 = 300;

fn v1(secret: &str, t: i64, payload: &[u8]) -> String {
    // HMAC takes keys of any length; the error case cannot happen.
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.as_bytes()) else {
        return String::new();
    };
    mac.update(t.to_string().as_bytes());
    mac.update(b".");
    mac.update(payload);
    hex::encode(mac.finalize().into_bytes())
}

/// The `Stripe-Signature` header Stripe would send for `payload` at `t`.
pub fn sign(secret: &str, t: i64, payload: &[u8]) -> String {
    format!("t={t},v1={}", v1(secret, t, payload))
}

/// Checks a webhook: the header parses, some `v1` matches, and `|now − t| ≤ tolerance_s`
/// (stricter than the SDK, which accepts a future `t`; FACTS.md §6). `raw_payload` must be
/// the body's bytes as received, before any JSON parsing.
pub fn verify(
    header: &str,
    raw_payload: &[u8],
    secret: &str,
    now_unix: i64,
    tolerance_s: i64,
) -> Result<(), StripeError> {
    let mut timestamp = None;
    let mut signatures = Vec::new();
    for item in header.split(',') {
        let Some((key, value)) = item.split_once('=') else {
            continue;
        };
        match key {
            // The SDK takes the first `t`.
            "t" if timestamp.is_none() => {
                timestamp = Some(
                    value
                        .parse::<i64>()
                        .map_err(|_| StripeError::MalformedSignatureHeader)?,
                );
            }
            // Like the SDK's split("=", 2): `v1=a=b` reads as `a`.
            "v1" => signatures.push(value.split('=').next().unwrap_or(value)),
            _ => {}
        }
    }
    let t = timestamp.ok_or(StripeError::MalformedSignatureHeader)?;
    if signatures.is_empty() {
        return Err(StripeError::NoV1Signature);
    }
    let expected = v1(secret, t, raw_payload);
    let matched = signatures.iter().fold(subtle::Choice::from(0), |acc, s| {
        acc | expected.as_bytes().ct_eq(s.as_bytes())
    });
    if !bool::from(matched) {
        return Err(StripeError::SignatureMismatch);
    }
    if now_unix.abs_diff(t) > tolerance_s.unsigned_abs() {
        return Err(StripeError::OutsideTolerance {
            timestamp: t,
            now: now_unix,
            tolerance_s,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "whsec_test_secret";
    const T: i64 = 1_700_000_000;
    const A: &str = r#"{"id":"evt_test_webhook","object":"event"}"#;
    const A_HEADER: &str =
        "t=1700000000,v1=d95c6b7477fbd7e9f90b1b0ef5f9c7ac25abca5382460e0d988c2b2a5b71b990";
    const B: &str = "{\n  \"id\": \"evt_test_webhook\",\n  \"object\": \"event\",\n  \"data\": { \"object\": { \"id\": \"rdr_123\", \"object\": \"terminal.reader\" } }\n}";
    const B_HEADER: &str =
        "t=1700000000,v1=3bfab77baf5f7b6991a46c9b53b6547d7afc56148b10468fcad9f35c1992ffbd";
    const WRONG: &str = "43a40a40628c657ac9a626362dbf7ea309fa9fa580a4c52a6a54ca4194651241";

    #[test]
    fn vectors() {
        assert_eq!(B.len(), 125);
        assert_eq!(sign(SECRET, T, A.as_bytes()), A_HEADER);
        assert_eq!(sign(SECRET, T, B.as_bytes()), B_HEADER);
        assert_eq!(
            sign("whsec_wrong", T, A.as_bytes()),
            format!("t={T},v1={WRONG}")
        );
        verify(A_HEADER, A.as_bytes(), SECRET, T, 300).unwrap();
        verify(B_HEADER, B.as_bytes(), SECRET, T, 300).unwrap();
        assert_eq!(
            verify(&format!("t={T},v1={WRONG}"), A.as_bytes(), SECRET, T, 300),
            Err(StripeError::SignatureMismatch)
        );
        assert_eq!(
            verify(A_HEADER, B.as_bytes(), SECRET, T, 300),
            Err(StripeError::SignatureMismatch)
        );
    }

    #[test]
    fn tolerance_both_sides() {
        verify(A_HEADER, A.as_bytes(), SECRET, T + 300, 300).unwrap();
        verify(A_HEADER, A.as_bytes(), SECRET, T - 300, 300).unwrap();
        for now in [T + 301, T - 301] {
            assert!(matches!(
                verify(A_HEADER, A.as_bytes(), SECRET, now, 300),
                Err(StripeError::OutsideTolerance { .. })
            ));
        }
        verify(A_HEADER, A.as_bytes(), SECRET, T, 0).unwrap();
    }

    #[test]
    fn rotation_and_malformed_headers() {
        let good = A_HEADER.trim_start_matches("t=1700000000,");
        verify(
            &format!("t={T},v1={WRONG},{good}"),
            A.as_bytes(),
            SECRET,
            T,
            300,
        )
        .unwrap();
        verify(
            &format!("t={T},{good},v1={WRONG},v0=abc"),
            A.as_bytes(),
            SECRET,
            T,
            300,
        )
        .unwrap();
        assert_eq!(
            verify(&format!("t={T},v0={WRONG}"), A.as_bytes(), SECRET, T, 300),
            Err(StripeError::NoV1Signature)
        );
        for header in ["", "garbage", "v1=abc", "t=soon,v1=abc"] {
            assert_eq!(
                verify(header, A.as_bytes(), SECRET, T, 300),
                Err(StripeError::MalformedSignatureHeader),
                "{header}"
            );
        }
    }
}
