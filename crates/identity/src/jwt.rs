//! Access tokens: short-lived JWTs signed with Ed25519 (EdDSA), with key rotation by `kid`.
//!
//! The newest key signs and every key in the ring verifies, so a new key can be added while
//! tokens signed by the old one are still alive, and the old one removed once they have expired.
//! The public halves are published as a JWKS for other services.
//!
//! Verification trusts nothing in the token before the signature checks out: the header's `alg`
//! must be `EdDSA` (which shuts out `none` and the "HS256 keyed with the public key" confusion
//! attack before any key is touched), the `kid` must name a key in the ring, and issuer, audience
//! and expiry are checked exactly. Refresh tokens are opaque and live elsewhere.

use std::collections::HashMap;
use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::jwk::{Jwk, JwkSet, PublicKeyUse};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::verified::VerifiedTokens;

/// Clock skew tolerated on `exp`, in seconds. Zero: tokens are issued and checked by the same
/// fleet, they live minutes, and a client that sees an expiry simply refreshes.
pub const LEEWAY_SECS: u64 = 0;

/// The fixed PKCS#8 v1 header of an Ed25519 private key (RFC 8410): SEQUENCE, version 0,
/// algorithm id-Ed25519 (1.3.101.112), OCTET STRING wrapping the 32-byte seed.
const ED25519_PKCS8_V1_PREFIX: [u8; 16] = [
    0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
];

/// A new Ed25519 private key as the 48-byte PKCS#8 v1 DER that `jsonwebtoken` accepts (the
/// 83-byte v2 encoding from ed25519-dalek's `to_pkcs8_der` is refused with `InvalidEddsaKey`).
/// Store it sealed.
pub fn generate_ed25519() -> Vec<u8> {
    let mut der = Vec::with_capacity(48);
    der.extend_from_slice(&ED25519_PKCS8_V1_PREFIX);
    let mut seed = [0u8; 32];
    rand::rng().fill_bytes(&mut seed);
    der.extend_from_slice(&seed);
    der
}

/// A new key id: the creation date and 48 random bits, URL-safe (`20260115-3fa9c2d1e0b4`). The
/// date helps an operator see at a glance which key is which.
pub fn new_kid() -> String {
    let mut suffix = [0u8; 6];
    rand::rng().fill_bytes(&mut suffix);
    format!("{}-{}", Utc::now().format("%Y%m%d"), hex::encode(suffix))
}

/// The claims of an access token.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Claims {
    /// The user.
    pub sub: Uuid,
    /// The tenant the token acts in; absent for platform (operator) users.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub tid: Option<Uuid>,
    /// The user's role in that tenant (or on the platform).
    pub role: String,
    /// The session, so that revoking a session can be checked cheaply.
    pub sid: Uuid,
    /// Issued at, Unix seconds.
    pub iat: i64,
    /// Expires at, Unix seconds.
    pub exp: i64,
    /// Token id.
    pub jti: Uuid,
    /// Issuer; must equal the ring's issuer.
    pub iss: String,
    /// Audience; must equal the ring's audience.
    pub aud: String,
    /// A restriction on what the token may do, such as `"mfa_setup"` for a user who must enrol
    /// MFA before anything else.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub rst: Option<String>,
}

/// One signing key as stored: its id, private key (48-byte PKCS#8 v1 DER) and creation time.
#[derive(Clone)]
pub struct KeyMaterial {
    /// Key id, published in the JWKS and in each token's header.
    pub kid: String,
    /// Ed25519 private key, PKCS#8 v1 DER (see [`generate_ed25519`]).
    pub private_der: Vec<u8>,
    /// The newest key signs.
    pub created_at: DateTime<Utc>,
}

impl fmt::Debug for KeyMaterial {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyMaterial")
            .field("kid", &self.kid)
            .field("private_der", &"…")
            .field("created_at", &self.created_at)
            .finish()
    }
}

/// Why a token was refused or a key ring could not be built. The messages say what failed
/// without echoing token contents, so they can be returned to clients; `Key` is a server
/// configuration problem.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    /// Not three base64url segments with a JSON header.
    #[error("the token is malformed")]
    Malformed,
    /// The header names an algorithm other than EdDSA.
    #[error("the token algorithm {0} is not allowed")]
    AlgorithmNotAllowed(String),
    /// The header has no `kid`, or one this service does not know.
    #[error("the token was signed with an unknown key")]
    UnknownKey,
    /// The signature does not match the header and claims.
    #[error("the token signature is invalid")]
    BadSignature,
    /// Past `exp`.
    #[error("the token has expired")]
    Expired,
    /// `aud` is not this service.
    #[error("the token is not meant for this service")]
    WrongAudience,
    /// `iss` is not the expected issuer.
    #[error("the token was issued by someone else")]
    WrongIssuer,
    /// Signed correctly but the claims are missing or of the wrong shape.
    #[error("the token is invalid: {0}")]
    Invalid(String),
    /// A key could not be loaded or used (server side).
    #[error("signing key problem: {0}")]
    Key(String),
}

/// The signing and verification keys of this service.
pub struct KeyRing {
    signing_kid: String,
    signing_key: EncodingKey,
    verifying: HashMap<String, DecodingKey>,
    jwks: JwkSet,
    validation: Validation,
    verified: VerifiedTokens,
}

impl fmt::Debug for KeyRing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut kids: Vec<&String> = self.verifying.keys().collect();
        kids.sort();
        f.debug_struct("KeyRing")
            .field("signing_kid", &self.signing_kid)
            .field("kids", &kids)
            .finish_non_exhaustive()
    }
}

/// The part of a JWT header looked at before any key is used.
#[derive(Deserialize)]
struct RawHeader {
    alg: String,
    #[serde(default)]
    kid: Option<String>,
    #[serde(default)]
    crit: Option<serde_json::Value>,
}

impl KeyRing {
    /// Builds the ring: the key with the latest `created_at` signs (ties broken by the larger
    /// kid, so the choice is stable), all keys verify. Keys, `DecodingKey`s and the
    /// `Validation` are prepared here so that `verify` does no set-up work.
    pub fn new(
        keys: Vec<KeyMaterial>,
        issuer: &str,
        audience: &str,
    ) -> Result<KeyRing, TokenError> {
        let newest = keys
            .iter()
            .max_by(|a, b| (a.created_at, &a.kid).cmp(&(b.created_at, &b.kid)))
            .ok_or_else(|| TokenError::Key("the key ring needs at least one key".to_owned()))?;
        let signing_kid = newest.kid.clone();
        let signing_key = EncodingKey::from_ed_der(&newest.private_der);

        let mut verifying = HashMap::with_capacity(keys.len());
        let mut jwks = JwkSet { keys: Vec::new() };
        for key in &keys {
            if key.kid.is_empty() {
                return Err(TokenError::Key("a key has an empty kid".to_owned()));
            }
            if verifying.contains_key(&key.kid) {
                return Err(TokenError::Key(format!("kid {} appears twice", key.kid)));
            }
            let not_ed25519 = || {
                TokenError::Key(format!(
                    "key {} is not a 48-byte PKCS#8 v1 Ed25519 private key",
                    key.kid
                ))
            };
            if key.private_der.len() != 48 || !key.private_der.starts_with(&ED25519_PKCS8_V1_PREFIX)
            {
                return Err(not_ed25519());
            }
            let encoding = EncodingKey::from_ed_der(&key.private_der);
            // Public parameters only: `from_encoding_key` derives `x` and never copies `d`.
            let mut jwk =
                Jwk::from_encoding_key(&encoding, Algorithm::EdDSA).map_err(|_| not_ed25519())?;
            jwk.common.key_id = Some(key.kid.clone());
            jwk.common.public_key_use = Some(PublicKeyUse::Signature);
            let decoding = DecodingKey::from_jwk(&jwk).map_err(|_| not_ed25519())?;
            verifying.insert(key.kid.clone(), decoding);
            jwks.keys.push(jwk);
        }

        let mut validation = Validation::new(Algorithm::EdDSA);
        validation.algorithms = vec![Algorithm::EdDSA];
        validation.leeway = LEEWAY_SECS;
        validation.validate_exp = true;
        validation.validate_aud = true;
        // `iat` is not a "spec claim" for the library; `Claims` makes it required instead.
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.set_issuer(&[issuer]);
        validation.set_audience(&[audience]);

        Ok(KeyRing {
            signing_kid,
            signing_key,
            verifying,
            jwks,
            validation,
            verified: VerifiedTokens::default(),
        })
    }

    /// Signs `claims` with the newest key (header `alg: EdDSA`, `typ: JWT`, `kid`).
    pub fn sign(&self, claims: &Claims) -> Result<String, TokenError> {
        let mut header = Header::new(Algorithm::EdDSA);
        header.kid = Some(self.signing_kid.clone());
        jsonwebtoken::encode(&header, claims, &self.signing_key)
            .map_err(|e| TokenError::Key(e.to_string()))
    }

    /// Verifies a token and returns its claims. See the module documentation for the checks.
    pub fn verify(&self, token: &str) -> Result<Claims, TokenError> {
        let now = Utc::now().timestamp();
        if let Some(claims) = self.verified.get(token, now, LEEWAY_SECS as i64) {
            return Ok(claims);
        }
        let claims = self.verify_signed(token)?;
        self.verified.insert(token, &claims);
        Ok(claims)
    }

    /// The checks themselves: header, key, signature, claims.
    fn verify_signed(&self, token: &str) -> Result<Claims, TokenError> {
        let header = parse_header(token)?;
        if header.alg != "EdDSA" {
            return Err(TokenError::AlgorithmNotAllowed(printable(&header.alg)));
        }
        // No extension is understood, so any critical one must be refused (RFC 7515 §4.1.11).
        if header.crit.is_some() {
            return Err(TokenError::Malformed);
        }
        let key = header
            .kid
            .as_deref()
            .and_then(|kid| self.verifying.get(kid))
            .ok_or(TokenError::UnknownKey)?;
        jsonwebtoken::decode::<Claims>(token, key, &self.validation)
            .map(|data| data.claims)
            .map_err(|e| map_error(e.kind()))
    }

    /// The public keys, for `/.well-known/jwks.json`.
    pub fn jwks(&self) -> &JwkSet {
        &self.jwks
    }

    /// The kid of the key that signs new tokens.
    pub fn signing_kid(&self) -> &str {
        &self.signing_kid
    }
}

fn parse_header(token: &str) -> Result<RawHeader, TokenError> {
    let mut segments = token.split('.');
    let (Some(header), Some(_payload), Some(_signature), None) = (
        segments.next(),
        segments.next(),
        segments.next(),
        segments.next(),
    ) else {
        return Err(TokenError::Malformed);
    };
    let json = URL_SAFE_NO_PAD
        .decode(header)
        .map_err(|_| TokenError::Malformed)?;
    serde_json::from_slice(&json).map_err(|_| TokenError::Malformed)
}

/// The algorithm name as it may be shown back to a client: short, and only characters that
/// cannot inject anything into a log line or a page.
fn printable(alg: &str) -> String {
    alg.chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '+'))
        .take(16)
        .collect()
}

fn map_error(kind: &ErrorKind) -> TokenError {
    match kind {
        ErrorKind::InvalidSignature => TokenError::BadSignature,
        ErrorKind::ExpiredSignature => TokenError::Expired,
        ErrorKind::InvalidAudience => TokenError::WrongAudience,
        ErrorKind::InvalidIssuer => TokenError::WrongIssuer,
        ErrorKind::InvalidAlgorithm => TokenError::AlgorithmNotAllowed("?".to_owned()),
        ErrorKind::MissingRequiredClaim(claim) => {
            TokenError::Invalid(format!("missing claim {}", printable(claim)))
        }
        ErrorKind::InvalidClaimFormat(claim) => {
            TokenError::Invalid(format!("claim {} has the wrong format", printable(claim)))
        }
        ErrorKind::Json(_) => TokenError::Invalid("the claims are missing or malformed".to_owned()),
        ErrorKind::InvalidToken | ErrorKind::Base64(_) | ErrorKind::Utf8(_) => {
            TokenError::Malformed
        }
        _ => TokenError::Invalid("the token was refused".to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use chrono::Duration;

    use super::*;

    const ISS: &str = "https://auth.comply360.test";
    const AUD: &str = "comply360-api";

    fn key(kid: &str, age_days: i64) -> KeyMaterial {
        KeyMaterial {
            kid: kid.to_owned(),
            private_der: generate_ed25519(),
            created_at: Utc::now() - Duration::days(age_days),
        }
    }

    fn claims() -> Claims {
        let now = Utc::now().timestamp();
        Claims {
            sub: Uuid::new_v4(),
            tid: Some(Uuid::new_v4()),
            role: "member".to_owned(),
            sid: Uuid::new_v4(),
            iat: now,
            exp: now + 900,
            jti: Uuid::new_v4(),
            iss: ISS.to_owned(),
            aud: AUD.to_owned(),
            rst: None,
        }
    }

    fn ring(keys: Vec<KeyMaterial>) -> KeyRing {
        KeyRing::new(keys, ISS, AUD).unwrap()
    }

    fn b64(json: &serde_json::Value) -> String {
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(json).unwrap())
    }

    fn segments(token: &str) -> Vec<String> {
        token.split('.').map(str::to_owned).collect()
    }

    #[test]
    fn generated_key_is_48_byte_pkcs8_v1() {
        let der = generate_ed25519();
        assert_eq!(der.len(), 48);
        assert_eq!(der[..16], ED25519_PKCS8_V1_PREFIX);
        assert_ne!(der, generate_ed25519());
    }

    #[test]
    fn new_kid_is_url_safe_and_unique() {
        let kid = new_kid();
        assert!(
            kid.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'),
            "{kid}"
        );
        assert!(
            kid.starts_with(&Utc::now().format("%Y").to_string()),
            "{kid}"
        );
        assert_ne!(kid, new_kid());
    }

    #[test]
    fn sign_verify_round_trip() {
        let ring = ring(vec![key("k1", 0)]);
        let mut c = claims();
        c.rst = Some("mfa_setup".to_owned());
        let token = ring.sign(&c).unwrap();
        let header = jsonwebtoken::decode_header(&token).unwrap();
        assert_eq!(header.alg, Algorithm::EdDSA);
        assert_eq!(header.typ.as_deref(), Some("JWT"));
        assert_eq!(header.kid.as_deref(), Some("k1"));
        assert_eq!(ring.verify(&token).unwrap(), c);
    }

    #[test]
    fn optional_claims_are_omitted_when_absent() {
        let ring = ring(vec![key("k1", 0)]);
        let mut c = claims();
        c.tid = None;
        c.rst = None;
        let token = ring.sign(&c).unwrap();
        let payload = URL_SAFE_NO_PAD.decode(&segments(&token)[1]).unwrap();
        let json: serde_json::Value = serde_json::from_slice(&payload).unwrap();
        assert!(
            json.get("tid").is_none() && json.get("rst").is_none(),
            "{json}"
        );
        assert_eq!(ring.verify(&token).unwrap(), c);
    }

    #[test]
    fn old_tokens_still_verify_after_rotation() {
        let old = key("2025-old", 30);
        let old_ring = ring(vec![old.clone()]);
        let old_token = old_ring.sign(&claims()).unwrap();

        // The new key comes first in the list on purpose: order must not matter.
        let rotated = ring(vec![key("2026-new", 0), old]);
        assert_eq!(rotated.signing_kid(), "2026-new");
        assert!(rotated.verify(&old_token).is_ok());

        let new_token = rotated.sign(&claims()).unwrap();
        let header = jsonwebtoken::decode_header(&new_token).unwrap();
        assert_eq!(header.kid.as_deref(), Some("2026-new"));
        assert!(rotated.verify(&new_token).is_ok());
        // A service that hasn't loaded the new key yet refuses it as unknown, not as forged.
        assert!(matches!(
            old_ring.verify(&new_token),
            Err(TokenError::UnknownKey)
        ));
    }

    #[test]
    fn alg_none_is_refused() {
        let ring = ring(vec![key("k1", 0)]);
        let header = b64(&serde_json::json!({"alg": "none", "typ": "JWT", "kid": "k1"}));
        let payload = b64(&serde_json::to_value(claims()).unwrap());
        let token = format!("{header}.{payload}.");
        match ring.verify(&token) {
            Err(TokenError::AlgorithmNotAllowed(alg)) => assert_eq!(alg, "none"),
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn hs256_keyed_with_the_public_key_is_refused() {
        let ring = ring(vec![key("k1", 0)]);
        let jwks = serde_json::to_value(ring.jwks()).unwrap();
        let x = jwks["keys"][0]["x"].as_str().unwrap();
        let public_key = URL_SAFE_NO_PAD.decode(x).unwrap();
        assert_eq!(public_key.len(), 32);

        for secret in [public_key.clone(), x.as_bytes().to_vec()] {
            let mut header = Header::new(Algorithm::HS256);
            header.kid = Some("k1".to_owned());
            let forged =
                jsonwebtoken::encode(&header, &claims(), &EncodingKey::from_secret(&secret))
                    .unwrap();
            match ring.verify(&forged) {
                Err(TokenError::AlgorithmNotAllowed(alg)) => assert_eq!(alg, "HS256"),
                other => panic!("unexpected {other:?}"),
            }
        }
    }

    #[test]
    fn other_asymmetric_algorithms_are_refused() {
        let ring = ring(vec![key("k1", 0)]);
        let token = ring.sign(&claims()).unwrap();
        let parts = segments(&token);
        for alg in ["RS256", "ES256", "PS256", "eddsa", "EdDSA "] {
            let header = b64(&serde_json::json!({"alg": alg, "typ": "JWT", "kid": "k1"}));
            let forged = format!("{header}.{}.{}", parts[1], parts[2]);
            assert!(
                matches!(
                    ring.verify(&forged),
                    Err(TokenError::AlgorithmNotAllowed(_))
                ),
                "{alg}"
            );
        }
    }

    #[test]
    fn tampered_payload_is_refused() {
        let ring = ring(vec![key("k1", 0)]);
        let token = ring.sign(&claims()).unwrap();
        let parts = segments(&token);
        let payload = String::from_utf8(URL_SAFE_NO_PAD.decode(&parts[1]).unwrap()).unwrap();
        assert!(payload.contains("\"role\":\"member\""));
        let forged_payload = payload.replace("\"role\":\"member\"", "\"role\":\"admin\"");
        let forged = format!(
            "{}.{}.{}",
            parts[0],
            URL_SAFE_NO_PAD.encode(forged_payload),
            parts[2]
        );
        assert!(matches!(
            ring.verify(&forged),
            Err(TokenError::BadSignature)
        ));
    }

    #[test]
    fn tampered_signature_is_refused() {
        let ring = ring(vec![key("k1", 0)]);
        let token = ring.sign(&claims()).unwrap();
        let parts = segments(&token);
        let mut sig = URL_SAFE_NO_PAD.decode(&parts[2]).unwrap();
        sig[0] ^= 1;
        let forged = format!("{}.{}.{}", parts[0], parts[1], URL_SAFE_NO_PAD.encode(sig));
        assert!(matches!(
            ring.verify(&forged),
            Err(TokenError::BadSignature)
        ));
    }

    #[test]
    fn expired_is_refused_without_leeway() {
        let ring = ring(vec![key("k1", 0)]);
        let mut c = claims();
        c.exp = Utc::now().timestamp() - 2;
        let token = ring.sign(&c).unwrap();
        assert!(matches!(ring.verify(&token), Err(TokenError::Expired)));
    }

    #[test]
    fn wrong_audience_is_refused() {
        let ring = ring(vec![key("k1", 0)]);
        let mut c = claims();
        c.aud = "another-service".to_owned();
        let token = ring.sign(&c).unwrap();
        assert!(matches!(
            ring.verify(&token),
            Err(TokenError::WrongAudience)
        ));
    }

    #[test]
    fn wrong_issuer_is_refused() {
        let ring = ring(vec![key("k1", 0)]);
        let mut c = claims();
        c.iss = format!("{ISS}.evil.example");
        let token = ring.sign(&c).unwrap();
        assert!(matches!(ring.verify(&token), Err(TokenError::WrongIssuer)));
    }

    #[test]
    fn unknown_kid_is_refused() {
        let ring = ring(vec![key("k1", 0)]);
        let stranger = KeyRing::new(vec![key("k2", 0)], ISS, AUD).unwrap();
        let token = stranger.sign(&claims()).unwrap();
        assert!(matches!(ring.verify(&token), Err(TokenError::UnknownKey)));
    }

    #[test]
    fn same_kid_with_another_key_is_a_bad_signature() {
        let ring = ring(vec![key("k1", 0)]);
        let impostor = KeyRing::new(vec![key("k1", 0)], ISS, AUD).unwrap();
        let token = impostor.sign(&claims()).unwrap();
        assert!(matches!(ring.verify(&token), Err(TokenError::BadSignature)));
    }

    #[test]
    fn missing_kid_is_refused() {
        let material = key("k1", 0);
        let ring = ring(vec![material.clone()]);
        let header = Header::new(Algorithm::EdDSA);
        let token = jsonwebtoken::encode(
            &header,
            &claims(),
            &EncodingKey::from_ed_der(&material.private_der),
        )
        .unwrap();
        assert!(matches!(ring.verify(&token), Err(TokenError::UnknownKey)));
    }

    #[test]
    fn missing_claims_are_refused() {
        let material = key("k1", 0);
        let ring = ring(vec![material.clone()]);
        let mut header = Header::new(Algorithm::EdDSA);
        header.kid = Some("k1".to_owned());
        let mut c = serde_json::to_value(claims()).unwrap();
        c.as_object_mut().unwrap().remove("iat");
        let token = jsonwebtoken::encode(
            &header,
            &c,
            &EncodingKey::from_ed_der(&material.private_der),
        )
        .unwrap();
        assert!(matches!(ring.verify(&token), Err(TokenError::Invalid(_))));
    }

    #[test]
    fn critical_header_extensions_are_refused() {
        let ring = ring(vec![key("k1", 0)]);
        let token = ring.sign(&claims()).unwrap();
        let parts = segments(&token);
        let header = b64(&serde_json::json!({"alg": "EdDSA", "kid": "k1", "crit": ["exp"]}));
        let forged = format!("{header}.{}.{}", parts[1], parts[2]);
        assert!(matches!(ring.verify(&forged), Err(TokenError::Malformed)));
    }

    #[test]
    fn garbage_is_malformed() {
        let ring = ring(vec![key("k1", 0)]);
        let token = ring.sign(&claims()).unwrap();
        for garbage in [
            String::new(),
            "garbage".to_owned(),
            "a.b".to_owned(),
            "a.b.c".to_owned(),
            "....".to_owned(),
            "é.é.é".to_owned(),
            format!("{token}.extra"),
            format!("{}.{}", b64(&serde_json::json!("not an object")), "x.y"),
            format!("{}.!!!.###", segments(&token)[0]),
        ] {
            let result = ring.verify(&garbage);
            assert!(
                matches!(result, Err(TokenError::Malformed)),
                "{garbage:?} gave {result:?}"
            );
        }
    }

    #[test]
    fn error_messages_do_not_echo_arbitrary_input() {
        let ring = ring(vec![key("k1", 0)]);
        let header = b64(&serde_json::json!({"alg": "<script>alert(1)</script>", "kid": "k1"}));
        let err = ring.verify(&format!("{header}.e30.")).unwrap_err();
        assert!(!err.to_string().contains('<'), "{err}");
    }

    #[test]
    fn jwks_is_public_only() {
        let ring = ring(vec![key("k1", 1), key("k2", 0)]);
        let json = serde_json::to_string(ring.jwks()).unwrap();
        assert!(json.contains(r#""kty":"OKP""#), "{json}");
        assert!(json.contains(r#""crv":"Ed25519""#), "{json}");
        assert!(json.contains(r#""alg":"EdDSA""#), "{json}");
        assert!(json.contains(r#""use":"sig""#), "{json}");
        assert!(
            json.contains(r#""kid":"k1""#) && json.contains(r#""kid":"k2""#),
            "{json}"
        );
        let value: serde_json::Value = serde_json::from_str(&json).unwrap();
        let keys = value["keys"].as_array().unwrap();
        assert_eq!(keys.len(), 2);
        for k in keys {
            assert!(k.get("d").is_none(), "{k}");
            assert_eq!(k["x"].as_str().unwrap().len(), 43);
        }
    }

    #[test]
    fn bad_key_rings_are_refused() {
        assert!(matches!(
            KeyRing::new(vec![], ISS, AUD),
            Err(TokenError::Key(_))
        ));
        assert!(matches!(
            KeyRing::new(vec![key("k1", 0), key("k1", 1)], ISS, AUD),
            Err(TokenError::Key(_))
        ));
        assert!(matches!(
            KeyRing::new(vec![key("", 0)], ISS, AUD),
            Err(TokenError::Key(_))
        ));
        // The 83-byte PKCS#8 v2 layout (seed plus public key) is what ed25519-dalek produces;
        // jsonwebtoken's JWK export refuses it, so the ring refuses it up front.
        let mut v2 = key("k1", 0);
        v2.private_der.extend_from_slice(&[0u8; 35]);
        assert!(matches!(
            KeyRing::new(vec![v2], ISS, AUD),
            Err(TokenError::Key(_))
        ));
        let mut wrong_prefix = key("k1", 0);
        wrong_prefix.private_der[9] = 0x2a;
        assert!(matches!(
            KeyRing::new(vec![wrong_prefix], ISS, AUD),
            Err(TokenError::Key(_))
        ));
    }

    #[test]
    fn debug_output_hides_private_keys() {
        let material = key("k1", 0);
        let debug = format!("{material:?} {:?}", ring(vec![material.clone()]));
        assert!(debug.contains("k1"));
        assert!(!debug.contains(&format!("{:?}", material.private_der)));
        assert!(!debug.contains(&hex::encode(&material.private_der[16..])));
    }
}
