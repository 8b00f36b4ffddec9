//! Time-based one-time passwords (RFC 6238) for MFA, their enrolment QR code, and recovery codes.
//!
//! The product standard is what every authenticator app supports: HMAC-SHA1, 6 digits, 30 s
//! steps, and one step of clock skew either way. RFC 6238 §5.2 requires that a code be accepted
//! only once, which the library leaves to the caller; [`Totp::verify`] therefore takes the last
//! step the user signed in with and only accepts a later one. Store the returned step.
//!
//! Recovery codes are shown once and then stored only as keyed hashes
//! (`sealed::MasterKey::keyed_hash`); they use Crockford's base32 alphabet so that 0/O and 1/I/L
//! cannot be confused, and [`normalize_recovery_code`] maps what users type back onto it.

use std::collections::HashSet;
use std::fmt::Write as _;

use qrcode::QrCode;
use qrcode::render::svg;
use rand::{Rng, RngCore};
use subtle::ConstantTimeEq;
use totp_rs::{Builder, Secret};

/// Bytes in a new TOTP secret: 160 bits, the size RFC 4226 recommends for HMAC-SHA1.
pub const SECRET_LEN: usize = 20;
/// Steps of clock skew accepted either side of the current one.
const SKEW_STEPS: u64 = 1;
/// Seconds per step.
const STEP_SECS: u64 = 30;

/// Recovery codes issued at once.
pub const RECOVERY_CODE_COUNT: usize = 10;
/// Characters in a recovery code, without the dash (10 × 5 bits = 50 bits).
pub const RECOVERY_CODE_LEN: usize = 10;
/// Crockford's base32 alphabet, lowercase: 32 symbols (so 5 unbiased bits each) without
/// i, l, o and u.
const RECOVERY_ALPHABET: &[u8; 32] = b"0123456789abcdefghjkmnpqrstvwxyz";

/// Why a TOTP could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum TotpError {
    /// The secret, digits or algorithm are outside RFC 6238 (for example a secret under 128 bits).
    #[error("invalid TOTP settings: {0}")]
    InvalidSettings(String),
    /// The text is too long to fit in a QR code.
    #[error("cannot render QR code: {0}")]
    Qr(String),
}

/// HMAC algorithm of a TOTP. Authenticator apps reliably support only SHA-1; the others exist
/// for the RFC test vectors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TotpAlgorithm {
    /// HMAC-SHA1, the product standard.
    Sha1,
    /// HMAC-SHA256.
    Sha256,
    /// HMAC-SHA512.
    Sha512,
}

impl TotpAlgorithm {
    fn to_lib(self) -> totp_rs::Algorithm {
        match self {
            Self::Sha1 => totp_rs::Algorithm::SHA1,
            Self::Sha256 => totp_rs::Algorithm::SHA256,
            Self::Sha512 => totp_rs::Algorithm::SHA512,
        }
    }

    fn uri_name(self) -> &'static str {
        match self {
            Self::Sha1 => "SHA1",
            Self::Sha256 => "SHA256",
            Self::Sha512 => "SHA512",
        }
    }
}

/// A fresh random TOTP secret of [`SECRET_LEN`] bytes. Store it sealed, never in plain text.
pub fn new_secret() -> Vec<u8> {
    let mut secret = vec![0u8; SECRET_LEN];
    rand::rng().fill_bytes(&mut secret);
    secret
}

/// One user's TOTP generator and checker. `Debug` does not show the secret.
#[derive(Debug, Clone)]
pub struct Totp {
    inner: totp_rs::Totp,
    algorithm: TotpAlgorithm,
}

impl Totp {
    /// The product standard: SHA-1, 6 digits, 30 s steps, ±1 step of skew.
    pub fn new(secret: &[u8]) -> Result<Self, TotpError> {
        Self::with_settings(secret, TotpAlgorithm::Sha1, 6)
    }

    /// Any RFC 6238 algorithm and 6 to 8 digits, still with 30 s steps and ±1 step of skew.
    pub fn with_settings(
        secret: &[u8],
        algorithm: TotpAlgorithm,
        digits: u8,
    ) -> Result<Self, TotpError> {
        let inner = Builder::new()
            .with_algorithm(algorithm.to_lib())
            .with_digits(digits)
            .with_step_duration(STEP_SECS)
            .with_secret(Secret::from(secret))
            .build()
            .map_err(|e| TotpError::InvalidSettings(e.to_string()))?;
        Ok(Self { inner, algorithm })
    }

    /// The code for the step that contains `unix` (seconds since the epoch).
    pub fn code_at(&self, unix: u64) -> String {
        self.inner.generate(unix).to_string()
    }

    /// Checks `code` (spaces allowed, as apps show "123 456") at time `unix`.
    ///
    /// Returns the matching time step if the code belongs to the current step or one step
    /// either side *and* that step is later than `last_used_step`, the step of the user's
    /// previous successful code. Pass the returned step as `last_used_step` next time: a code
    /// (or an older one) cannot be replayed. Every candidate step is compared in constant time.
    pub fn verify(&self, code: &str, unix: u64, last_used_step: Option<u64>) -> Option<u64> {
        let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
        if code.len() != usize::from(self.inner.digits())
            || !code.bytes().all(|b| b.is_ascii_digit())
        {
            return None;
        }
        let current = unix / STEP_SECS;
        let mut matched = None;
        for step in current.saturating_sub(SKEW_STEPS)..=current.saturating_add(SKEW_STEPS) {
            let expected = self.code_at(step.saturating_mul(STEP_SECS));
            let equal: bool = expected.as_bytes().ct_eq(code.as_bytes()).into();
            let fresh = last_used_step.is_none_or(|last| step > last);
            if equal && fresh && matched.is_none() {
                matched = Some(step);
            }
        }
        matched
    }

    /// The `otpauth://` URI that authenticator apps read from the enrolment QR code.
    ///
    /// Issuer and account are percent-encoded (a `:` in either becomes `%3A`, so it cannot be
    /// mistaken for the label separator); the issuer is repeated as a parameter, as Google's Key
    /// URI format recommends.
    pub fn otpauth_uri(&self, issuer: &str, account: &str) -> String {
        let issuer = percent_encode(issuer);
        format!(
            "otpauth://totp/{issuer}:{account}?secret={secret}&issuer={issuer}&algorithm={alg}\
             &digits={digits}&period={STEP_SECS}",
            account = percent_encode(account),
            secret = self.inner.secret().to_base32(),
            alg = self.algorithm.uri_name(),
            digits = self.inner.digits(),
        )
    }
}

/// Renders `uri` as an SVG QR code (an XML document starting with `<?xml`), sized for a phone to
/// scan from a screen. Fails only when the text is too long for a QR code (about 2.9 kB).
pub fn qr_svg(uri: &str) -> Result<String, TotpError> {
    let code = QrCode::new(uri.as_bytes()).map_err(|e| TotpError::Qr(e.to_string()))?;
    Ok(code
        .render::<svg::Color<'_>>()
        .min_dimensions(240, 240)
        .quiet_zone(true)
        .build())
}

/// Percent-encodes everything except RFC 3986 unreserved characters.
fn percent_encode(input: &str) -> String {
    let mut out = String::with_capacity(input.len());
    for byte in input.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            // Writing to a String cannot fail.
            let _ = write!(out, "%{byte:02X}");
        }
    }
    out
}

/// Ten fresh recovery codes, each `xxxxx-xxxxx` with 50 random bits, all different.
pub fn new_recovery_codes() -> Vec<String> {
    let mut rng = rand::rng();
    let mut seen = HashSet::with_capacity(RECOVERY_CODE_COUNT);
    let mut codes = Vec::with_capacity(RECOVERY_CODE_COUNT);
    while codes.len() < RECOVERY_CODE_COUNT {
        let raw: String = (0..RECOVERY_CODE_LEN)
            .map(|_| char::from(RECOVERY_ALPHABET[rng.random_range(0..RECOVERY_ALPHABET.len())]))
            .collect();
        if seen.insert(raw.clone()) {
            let (left, right) = raw.split_at(RECOVERY_CODE_LEN / 2);
            codes.push(format!("{left}-{right}"));
        }
    }
    codes
}

/// Maps what a user typed onto the canonical form that was hashed: lowercase, without spaces
/// or dashes, and with the look-alikes Crockford's alphabet leaves out read as their digits
/// (`o` → `0`, `i`/`l` → `1`). Apply it both when storing and when checking a code.
pub fn normalize_recovery_code(input: &str) -> String {
    input
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .flat_map(char::to_lowercase)
        .map(|c| match c {
            'o' => '0',
            'i' | 'l' => '1',
            other => other,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHA1_SECRET: &[u8] = b"12345678901234567890";
    const SHA256_SECRET: &[u8] = b"12345678901234567890123456789012";
    const SHA512_SECRET: &[u8] =
        b"1234567890123456789012345678901234567890123456789012345678901234";

    /// RFC 6238 Appendix B: (time, SHA1, SHA256, SHA512), 8 digits.
    const RFC_VECTORS: &[(u64, &str, &str, &str)] = &[
        (59, "94287082", "46119246", "90693936"),
        (1_111_111_109, "07081804", "68084774", "25091201"),
        (1_111_111_111, "14050471", "67062674", "99943326"),
        (1_234_567_890, "89005924", "91819424", "93441116"),
        (2_000_000_000, "69279037", "90698825", "38618901"),
        (20_000_000_000, "65353130", "77737706", "47863826"),
    ];

    #[test]
    fn rfc6238_appendix_b_vectors() {
        let sha1 = Totp::with_settings(SHA1_SECRET, TotpAlgorithm::Sha1, 8).unwrap();
        let sha256 = Totp::with_settings(SHA256_SECRET, TotpAlgorithm::Sha256, 8).unwrap();
        let sha512 = Totp::with_settings(SHA512_SECRET, TotpAlgorithm::Sha512, 8).unwrap();
        for &(time, c1, c256, c512) in RFC_VECTORS {
            assert_eq!(sha1.code_at(time), c1, "SHA1 at {time}");
            assert_eq!(sha256.code_at(time), c256, "SHA256 at {time}");
            assert_eq!(sha512.code_at(time), c512, "SHA512 at {time}");
            // And the checker accepts what the RFC says, at the step the RFC's time is in.
            assert_eq!(sha1.verify(c1, time, None), Some(time / 30));
            assert_eq!(sha512.verify(c512, time, None), Some(time / 30));
        }
    }

    #[test]
    fn standard_totp_has_six_digits() {
        let totp = Totp::new(SHA1_SECRET).unwrap();
        // RFC value 94287082 truncated to 6 digits (the modulus changes, the HOTP value doesn't).
        assert_eq!(totp.code_at(59), "287082");
    }

    #[test]
    fn short_secret_and_bad_digits_are_refused() {
        assert!(Totp::new(&[7u8; 10]).is_err());
        assert!(Totp::with_settings(SHA1_SECRET, TotpAlgorithm::Sha1, 9).is_err());
        assert!(Totp::with_settings(SHA1_SECRET, TotpAlgorithm::Sha1, 5).is_err());
    }

    #[test]
    fn new_secret_is_random_20_bytes() {
        let a = new_secret();
        assert_eq!(a.len(), 20);
        assert_ne!(a, new_secret());
        assert!(Totp::new(&a).is_ok());
    }

    #[test]
    fn replay_of_the_same_step_is_refused() {
        let totp = Totp::new(&new_secret()).unwrap();
        let now = 1_700_000_015;
        let code = totp.code_at(now);
        let step = totp.verify(&code, now, None).unwrap();
        assert_eq!(step, now / 30);
        assert_eq!(totp.verify(&code, now, Some(step)), None);
        // A few seconds later, same step: still refused.
        assert_eq!(totp.verify(&code, now + 5, Some(step)), None);
        // The next step's code is accepted.
        let next = totp.code_at(now + 30);
        assert_eq!(totp.verify(&next, now + 30, Some(step)), Some(step + 1));
    }

    #[test]
    fn an_older_step_than_the_last_used_is_refused() {
        let totp = Totp::new(&new_secret()).unwrap();
        let now = 1_700_000_015;
        let previous = totp.code_at(now - 30);
        assert_eq!(totp.verify(&previous, now, None), Some(now / 30 - 1));
        assert_eq!(totp.verify(&previous, now, Some(now / 30)), None);
    }

    #[test]
    fn skew_of_one_step_accepted_two_refused() {
        let totp = Totp::new(&new_secret()).unwrap();
        let now = 1_700_000_015;
        let step = now / 30;
        assert_eq!(
            totp.verify(&totp.code_at(now - 30), now, None),
            Some(step - 1)
        );
        assert_eq!(
            totp.verify(&totp.code_at(now + 30), now, None),
            Some(step + 1)
        );
        assert_eq!(totp.verify(&totp.code_at(now - 60), now, None), None);
        assert_eq!(totp.verify(&totp.code_at(now + 60), now, None), None);
    }

    #[test]
    fn spaces_are_ignored_and_junk_refused() {
        let totp = Totp::new(SHA1_SECRET).unwrap();
        assert_eq!(totp.verify(" 287 082 ", 59, None), Some(1));
        assert_eq!(totp.verify("287082", 59, None), Some(1));
        assert_eq!(totp.verify("287083", 59, None), None);
        assert_eq!(totp.verify("28708", 59, None), None);
        assert_eq!(totp.verify("2870822", 59, None), None);
        assert_eq!(totp.verify("+87082", 59, None), None);
        assert_eq!(totp.verify("", 59, None), None);
        assert_eq!(totp.verify("٢٨٧٠٨٢", 59, None), None);
    }

    #[test]
    fn time_near_the_epoch_does_not_underflow() {
        let totp = Totp::new(SHA1_SECRET).unwrap();
        let code = totp.code_at(0);
        assert_eq!(totp.verify(&code, 0, None), Some(0));
    }

    #[test]
    fn otpauth_uri_has_issuer_account_and_base32_secret() {
        let totp = Totp::new(SHA1_SECRET).unwrap();
        let uri = totp.otpauth_uri("Comply360", "thandi@example.co.za");
        // base32("12345678901234567890") per RFC 4648.
        let secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
        assert_eq!(
            uri,
            format!(
                "otpauth://totp/Comply360:thandi%40example.co.za?secret={secret}\
                 &issuer=Comply360&algorithm=SHA1&digits=6&period=30"
            )
        );
        let odd = totp.otpauth_uri("Acme: Legal & Co", "a b");
        assert!(
            odd.starts_with("otpauth://totp/Acme%3A%20Legal%20%26%20Co:a%20b?"),
            "{odd}"
        );
        assert!(odd.contains("&issuer=Acme%3A%20Legal%20%26%20Co&"), "{odd}");
    }

    #[test]
    fn qr_svg_is_an_svg_document() {
        let totp = Totp::new(&new_secret()).unwrap();
        let svg = qr_svg(&totp.otpauth_uri("Comply360", "user@example.com")).unwrap();
        assert!(
            svg.starts_with("<?xml") || svg.starts_with("<svg"),
            "{}",
            &svg[..40]
        );
        assert!(svg.contains("<svg"));
        assert!(svg.trim_end().ends_with("</svg>"));
        assert!(qr_svg(&"x".repeat(5000)).is_err());
    }

    #[test]
    fn recovery_codes_are_unique_and_well_formed() {
        let codes = new_recovery_codes();
        assert_eq!(codes.len(), RECOVERY_CODE_COUNT);
        let unique: HashSet<&String> = codes.iter().collect();
        assert_eq!(unique.len(), codes.len());
        for code in &codes {
            assert_eq!(code.len(), 11, "{code}");
            assert_eq!(&code[5..6], "-", "{code}");
            let raw = code.replace('-', "");
            assert!(
                raw.bytes().all(|b| RECOVERY_ALPHABET.contains(&b)),
                "{code}"
            );
            assert_eq!(normalize_recovery_code(code), raw);
        }
        // At least 50 bits each: 10 symbols from an alphabet of 32.
        assert!(RECOVERY_CODE_LEN as f64 * (RECOVERY_ALPHABET.len() as f64).log2() >= 50.0);
        let alphabet: HashSet<&u8> = RECOVERY_ALPHABET.iter().collect();
        assert_eq!(alphabet.len(), 32);
        // Two batches do not repeat each other.
        let other = new_recovery_codes();
        assert!(codes.iter().all(|c| !other.contains(c)));
    }

    #[test]
    fn recovery_code_typing_variations_normalize_the_same() {
        let canonical = "k3f9a-01xyz";
        let expected = "k3f9a01xyz";
        for typed in [
            canonical,
            "K3F9A-01XYZ",
            "k3f9a 01xyz",
            " k3f9a01xyz ",
            "K3F9A-OIXYZ",
            "k3f9a-0lxyz",
            "k3f9a--01 xyz",
        ] {
            assert_eq!(normalize_recovery_code(typed), expected, "{typed:?}");
        }
        assert_ne!(normalize_recovery_code("k3f9a-01xyy"), expected);
    }
}
