//! Signing in and out: password (with lockout), the second step with TOTP or a recovery code,
//! refresh-token rotation, logout.
//!
//! Timing does not tell whether an email exists: an unknown email still costs one password
//! verification against a dummy hash, and every refusal is the same
//! [`AuthError::InvalidCredentials`].
//!
//! The parts: this module signs in with a password (lockout, rehash, the MFA step or the
//! MFA-required setup); `second_factor` checks a TOTP or recovery code; `session` rotates
//! refresh tokens and signs out; `tokens` issues the session's tokens.

mod second_factor;
mod session;
mod tokens;

pub use tokens::TokenPair;
pub(crate) use tokens::unix_now;

use crate::accounts::{self, Account};
use crate::audit::{self, ClientInfo, Entry};
use crate::events;
use crate::realm::{Realm, RealmTx};
use crate::service::{AuthError, Identity};
use serde::Serialize;
use serde_json::json;

/// A restricted token may only finish a sign-in (`rst` claim).
pub const MFA_CHALLENGE: &str = "mfa_challenge";
/// A restricted token may only enrol MFA, when the tenant requires it and the user has none.
pub const MFA_SETUP: &str = "mfa_setup";

/// How a sign-in ends.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum SignIn {
    /// Signed in.
    SignedIn(TokenPair),
    /// The password was right; now a TOTP code or a recovery code (`POST /auth/mfa/verify`).
    MfaRequired { mfa_token: String, expires_in: u64 },
    /// The tenant requires MFA and the account has none: this token may only enrol it; the
    /// confirmation returns the session's tokens.
    MfaSetupRequired {
        setup_token: String,
        expires_in: u64,
    },
}

impl Identity {
    /// Signs in with email and password.
    pub async fn login(
        &self,
        realm: &Realm,
        email: &str,
        password: &str,
        client: &ClientInfo,
    ) -> Result<SignIn, AuthError> {
        let inner = &self.inner;
        let mut tx = realm.begin(&inner.store).await?;
        let account = accounts::by_email(&mut tx, email).await?;
        tx.commit().await?;

        let Some(account) = account else {
            inner.hasher.verify_dummy(password).await;
            self.audit(
                realm,
                client,
                Entry::new("auth.login_failed")
                    .detail(json!({"email": email, "reason": "unknown_email"})),
            )
            .await?;
            return Err(AuthError::InvalidCredentials);
        };
        let Some(stored) = account
            .password_hash
            .clone()
            .filter(|_| account.is_active())
        else {
            inner.hasher.verify_dummy(password).await;
            self.audit(
                realm,
                client,
                Entry::new("auth.login_failed")
                    .on("user", account.id)
                    .detail(json!({"reason": format!("account_{}", account.status)})),
            )
            .await?;
            return Err(AuthError::InvalidCredentials);
        };
        let verified = inner.hasher.verify(password, &stored).await?;
        if account.is_locked() {
            self.audit(
                realm,
                client,
                Entry::new("auth.login_failed")
                    .on("user", account.id)
                    .detail(json!({"reason": "locked"})),
            )
            .await?;
            return Err(AuthError::InvalidCredentials);
        }
        if !verified.matches {
            self.failed_attempt(realm, &account, client, "wrong_password")
                .await?;
            return Err(AuthError::InvalidCredentials);
        }
        let upgraded = if verified.needs_rehash {
            Some(inner.hasher.hash(password).await?)
        } else {
            None
        };

        let mut tx = realm.begin(&inner.store).await?;
        if let Some(new) = &upgraded {
            accounts::upgrade_hash(&mut tx, account.id, &stored, new).await?;
        }
        // The failure count restarts only once the sign-in is complete: a right password
        // followed by wrong codes must still lead to the lockout.
        if !account.mfa_enabled() {
            accounts::record_success(&mut tx, account.id).await?;
        }
        let outcome = if account.mfa_enabled() {
            audit::record(
                &mut tx,
                client,
                Entry::new("auth.password_accepted").on("user", account.id),
            )
            .await?;
            let ttl = inner.settings.mfa_challenge_ttl;
            SignIn::MfaRequired {
                mfa_token: self.restricted_token(realm, &account, MFA_CHALLENGE, ttl)?,
                expires_in: ttl.as_secs(),
            }
        } else if mfa_required(&mut tx, &account.role).await? {
            audit::record(
                &mut tx,
                client,
                Entry::new("auth.mfa_setup_required").on("user", account.id),
            )
            .await?;
            let ttl = inner.settings.access_ttl;
            SignIn::MfaSetupRequired {
                setup_token: self.restricted_token(realm, &account, MFA_SETUP, ttl)?,
                expires_in: ttl.as_secs(),
            }
        } else {
            let detail = json!({"mfa": false, "rehashed": upgraded.is_some()});
            let pair = self
                .complete_sign_in(&mut tx, realm, &account, client, detail)
                .await?;
            SignIn::SignedIn(pair)
        };
        tx.commit().await?;
        Ok(outcome)
    }

    /// A failed password or code: counts toward the lockout; the attempt that locks sends the
    /// account-locked notice (tenant users).
    async fn failed_attempt(
        &self,
        realm: &Realm,
        account: &Account,
        client: &ClientInfo,
        reason: &str,
    ) -> Result<(), AuthError> {
        let settings = &self.inner.settings;
        let mut tx = realm.begin(&self.inner.store).await?;
        let locked = accounts::record_failure(
            &mut tx,
            account.id,
            settings.lockout_threshold,
            settings.lockout_duration,
        )
        .await?;
        audit::record(
            &mut tx,
            client,
            Entry::new("auth.login_failed")
                .on("user", account.id)
                .detail(json!({"reason": reason})),
        )
        .await?;
        if locked {
            audit::record(
                &mut tx,
                client,
                Entry::new("auth.account_locked").on("user", account.id).detail(
                    json!({"minutes": settings.lockout_duration.as_secs() / 60, "after": settings.lockout_threshold}),
                ),
            )
            .await?;
            // The notice is the notifications module's (an address that cannot be mailed
            // gets none); the lockout stands either way.
            let minutes = settings.lockout_duration.as_secs().div_ceil(60);
            self.emit(&mut tx, events::locked(account.id, &account.email, minutes))
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }
    /// Writes one audit entry in its own transaction.
    pub(crate) async fn audit(
        &self,
        realm: &Realm,
        client: &ClientInfo,
        entry: Entry,
    ) -> Result<(), AuthError> {
        let mut tx = realm.begin(&self.inner.store).await?;
        audit::record(&mut tx, client, entry).await?;
        tx.commit().await?;
        Ok(())
    }
}

/// Whether the tenant's policy (`security.mfa_required`: `none`, `admins` or `all`) requires
/// MFA of this role. The platform has no such setting.
async fn mfa_required(tx: &mut RealmTx, role: &str) -> Result<bool, AuthError> {
    let Some(ttx) = tx.tenant_tx() else {
        return Ok(false);
    };
    let t = ttx.tenant_id().as_uuid();
    let policy: Option<serde_json::Value> = ttx
        .query_scalar(
            "SELECT value FROM settings WHERE tenant_id = $1 AND key = 'security.mfa_required'",
        )
        .bind(t)
        .fetch_optional(ttx.conn())
        .await?;
    Ok(match policy.as_ref().and_then(|v| v.as_str()) {
        Some("all") => true,
        Some("admins") => role == "tenant_admin",
        _ => false,
    })
}
