//! Tokens this key ring has already verified, so a client sending the same access token on
//! every request pays for the Ed25519 signature check once, not per request (it was a twentieth
//! of a list request's time).
//!
//! Only a token whose signature and claims passed is kept, under its whole text, and each use
//! checks its expiry again. The cache belongs to one [`crate::jwt::KeyRing`]: when the keys
//! change (rotation, a retired key) the ring is rebuilt and starts with none. Revocation is not
//! the cache's concern: sessions are checked on every request after verification.

use crate::jwt::Claims;
use std::collections::HashMap;
use std::sync::Mutex;

/// At most this many tokens are kept; when full, the cache starts afresh (a bound, not a
/// policy: in the common case every active caller's token fits).
const CAPACITY: usize = 2048;

#[derive(Default)]
pub struct VerifiedTokens {
    tokens: Mutex<HashMap<Box<str>, Claims>>,
}

impl VerifiedTokens {
    /// The claims of `token` if it was verified before and has not expired at `now` (Unix
    /// seconds, with `leeway`).
    pub fn get(&self, token: &str, now: i64, leeway: i64) -> Option<Claims> {
        let tokens = self.tokens.lock().unwrap_or_else(|e| e.into_inner());
        tokens
            .get(token)
            .filter(|claims| claims.exp >= now - leeway)
            .cloned()
    }

    /// Keeps `claims` of a token that has just passed verification.
    pub fn insert(&self, token: &str, claims: &Claims) {
        let mut tokens = self.tokens.lock().unwrap_or_else(|e| e.into_inner());
        if tokens.len() >= CAPACITY {
            tokens.clear();
        }
        tokens.insert(token.into(), claims.clone());
    }
}
