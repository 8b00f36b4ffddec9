//! Opaque bearer secrets: refresh tokens, password-reset and invitation tokens, API key
//! secrets. 256 random bits, shown once as base64url; stored only as their SHA-256, which is
//! enough for values with that much entropy (a slow hash protects guessable passwords, not
//! random keys) and lets the lookup be a primary-key probe.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use sha2::{Digest, Sha256};

/// A fresh secret: what the holder gets, and what is stored.
pub struct SecretToken {
    pub plain: String,
    pub hash: Vec<u8>,
}

impl SecretToken {
    pub fn generate() -> SecretToken {
        let mut bytes = [0u8; 32];
        rand::rng().fill_bytes(&mut bytes);
        let plain = URL_SAFE_NO_PAD.encode(bytes);
        let hash = hash(&plain);
        SecretToken { plain, hash }
    }
}

/// The stored form of a presented secret.
pub fn hash(plain: &str) -> Vec<u8> {
    Sha256::digest(plain.trim().as_bytes()).to_vec()
}

/// Whether `plain` has the shape of a token this module makes (so malformed input is refused
/// before touching the database).
pub fn well_formed(plain: &str) -> bool {
    let plain = plain.trim();
    plain.len() == 43
        && plain
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_unique_well_formed_and_stored_hashed() {
        let a = SecretToken::generate();
        let b = SecretToken::generate();
        assert_ne!(a.plain, b.plain);
        assert!(well_formed(&a.plain));
        assert_eq!(a.hash, hash(&a.plain));
        assert_ne!(a.hash, a.plain.as_bytes());
        assert!(!well_formed("' OR 1=1 --"));
        assert!(!well_formed(""));
    }
}
