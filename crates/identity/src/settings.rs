//! The knobs of identity and access, with their defaults (README lists each setting).

use crate::password::HashParams;
use std::time::Duration;

#[derive(Clone, Debug)]
pub struct IdentitySettings {
    /// `iss` of every access token.
    pub issuer: String,
    /// `aud` of every access token.
    pub audience: String,
    pub access_ttl: Duration,
    pub refresh_ttl: Duration,
    /// How long the second step of a sign-in with MFA may wait.
    pub mfa_challenge_ttl: Duration,
    pub reset_ttl: Duration,
    pub invite_ttl: Duration,
    /// Consecutive failed sign-ins that lock an account.
    pub lockout_threshold: u32,
    pub lockout_duration: Duration,
    pub hash: HashParams,
    /// Where a tenant's portal is, `{tenant}` standing for its slug; links in emails use it.
    pub portal_url: String,
    /// The TOTP issuer shown in authenticator apps.
    pub totp_issuer: String,
}

impl Default for IdentitySettings {
    fn default() -> Self {
        IdentitySettings {
            issuer: "comply360".into(),
            audience: "comply360-api".into(),
            access_ttl: Duration::from_secs(15 * 60),
            refresh_ttl: Duration::from_secs(7 * 24 * 3600),
            mfa_challenge_ttl: Duration::from_secs(5 * 60),
            reset_ttl: Duration::from_secs(30 * 60),
            invite_ttl: Duration::from_secs(7 * 24 * 3600),
            lockout_threshold: 5,
            lockout_duration: Duration::from_secs(15 * 60),
            hash: HashParams::default(),
            portal_url: "http://{tenant}.localhost:8080".into(),
            totp_issuer: "Comply360".into(),
        }
    }
}

impl IdentitySettings {
    pub fn portal_link(&self, tenant_slug: &str, path_and_query: &str) -> String {
        format!(
            "{}{}",
            self.portal_url
                .replace("{tenant}", tenant_slug)
                .trim_end_matches('/'),
            path_and_query
        )
    }
}
