//! Signing in and out: password (with lockout), the second step with TOTP or a recovery code,
//! refresh-token rotation, logout.
//!
//! Timing does not tell whether an email exists: an unknown email still costs one password
//! verification against a dummy hash, and every refusal is the same
//! [`AuthError::InvalidCredentials`].

use crate::accounts::{self, Account};
use crate::audit::{self, ClientInfo, Entry};
use crate::events;
use crate::jwt::Claims;
use crate::realm::{Realm, RealmTx};
use crate::service::{AuthError, Identity};
use crate::sessions::{self, Rotation};
use crate::totp::Totp;
use serde::Serialize;
use serde_json::json;
use uuid::Uuid;

/// A restricted token may only finish a sign-in (`rst` claim).
pub const MFA_CHALLENGE: &str = "mfa_challenge";
/// A restricted token may only enrol MFA, when the tenant requires it and the user has none.
pub const MFA_SETUP: &str = "mfa_setup";

/// A signed-in session's tokens.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct TokenPair {
    pub access_token: String,
    pub token_type: &'static str,
    pub expires_in: u64,
    pub refresh_token: String,
    pub refresh_expires_in: u64,
}

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
            let pair = self
                .open_session(&mut tx, realm, account.id, &account.role, client)
                .await?;
            audit::record(
                &mut tx,
                client,
                Entry::new("auth.login_succeeded")
                    .actor(account.id)
                    .on("user", account.id)
                    .detail(json!({"mfa": false, "rehashed": upgraded.is_some()})),
            )
            .await?;
            SignIn::SignedIn(pair)
        };
        tx.commit().await?;
        Ok(outcome)
    }

    /// The second step: `code` is a TOTP code or a recovery code.
    pub async fn verify_mfa(
        &self,
        realm: &Realm,
        mfa_token: &str,
        code: &str,
        client: &ClientInfo,
    ) -> Result<TokenPair, AuthError> {
        let claims = self
            .inner
            .keys
            .verify(mfa_token)
            .await
            .map_err(|_| AuthError::InvalidToken("MFA token"))?;
        if claims.rst.as_deref() != Some(MFA_CHALLENGE) || claims.tid != realm.token_tenant() {
            return Err(AuthError::InvalidToken("MFA token"));
        }
        let mut tx = realm.begin(&self.inner.store).await?;
        let account = accounts::by_id(&mut tx, claims.sub)
            .await?
            .filter(|a| a.is_active() && a.mfa_enabled())
            .ok_or(AuthError::InvalidToken("MFA token"))?;
        if account.is_locked() {
            return Err(AuthError::InvalidCredentials);
        }
        let used = self.check_second_factor(&mut tx, &account, code).await?;
        let Some(used) = used else {
            tx.commit().await?;
            self.failed_attempt(realm, &account, client, "wrong_mfa_code")
                .await?;
            return Err(AuthError::InvalidCode);
        };
        accounts::record_success(&mut tx, account.id).await?;
        let pair = self
            .open_session(&mut tx, realm, account.id, &account.role, client)
            .await?;
        audit::record(
            &mut tx,
            client,
            Entry::new("auth.login_succeeded")
                .actor(account.id)
                .on("user", account.id)
                .detail(json!({"mfa": used})),
        )
        .await?;
        tx.commit().await?;
        Ok(pair)
    }

    /// Checks a TOTP code (refusing a replayed step) or consumes a recovery code; which one
    /// it was (`totp` / `recovery_code`), or None.
    pub(crate) async fn check_second_factor(
        &self,
        tx: &mut RealmTx,
        account: &Account,
        code: &str,
    ) -> Result<Option<&'static str>, AuthError> {
        let code = code.trim();
        let t = tx.tenant_uuid();
        if code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit()) {
            let Some(totp) = self.account_totp(t, account)? else {
                return Ok(None);
            };
            let last = account.mfa_last_step.and_then(|s| u64::try_from(s).ok());
            let Some(step) = totp.verify(code, unix_now(), last) else {
                return Ok(None);
            };
            let step = i64::try_from(step).unwrap_or(i64::MAX);
            // Conditional on the step, so two concurrent requests cannot both use one code.
            let claimed = tx
                .query(
                    "UPDATE {users} SET mfa_last_step = $3
                     WHERE tenant_id = $1 AND id = $2 AND (mfa_last_step IS NULL OR mfa_last_step < $3)",
                )
                .bind(t)
                .bind(account.id)
                .bind(step)
                .execute(tx.conn())
                .await?;
            return Ok((claimed.rows_affected() == 1).then_some("totp"));
        }
        let hash = self.recovery_hash(code);
        let used = tx
            .query(
                "UPDATE {recovery_codes} SET used_at = now()
                 WHERE tenant_id = $1 AND user_id = $2 AND code_hash = $3 AND used_at IS NULL",
            )
            .bind(t)
            .bind(account.id)
            .bind(hash.as_slice())
            .execute(tx.conn())
            .await?;
        Ok((used.rows_affected() == 1).then_some("recovery_code"))
    }

    pub(crate) fn recovery_hash(&self, code: &str) -> [u8; 32] {
        let normalized = crate::totp::normalize_recovery_code(code);
        self.inner
            .master
            .keyed_hash("recovery_code", normalized.as_bytes())
    }

    pub(crate) fn account_totp(
        &self,
        tenant: Uuid,
        account: &Account,
    ) -> Result<Option<Totp>, AuthError> {
        let Some(sealed) = &account.mfa_secret else {
            return Ok(None);
        };
        let secret = self
            .inner
            .master
            .open(sealed, &accounts::totp_context(tenant, account.id))
            .map_err(|e| AuthError::Internal(format!("TOTP secret does not open: {e}")))?;
        Totp::new(&secret)
            .map(Some)
            .map_err(|e| AuthError::Internal(e.to_string()))
    }

    /// Rotates a refresh token: new access and refresh tokens for the same session.
    pub async fn refresh(
        &self,
        realm: &Realm,
        refresh_token: &str,
        client: &ClientInfo,
    ) -> Result<TokenPair, AuthError> {
        if !crate::secret_token::well_formed(refresh_token) {
            return Err(AuthError::InvalidToken("refresh token"));
        }
        let settings = &self.inner.settings;
        let mut tx = realm.begin(&self.inner.store).await?;
        match sessions::rotate(&mut tx, refresh_token, settings.refresh_ttl).await? {
            Rotation::Invalid => Err(AuthError::InvalidToken("refresh token")),
            Rotation::Reused { session, user } => {
                audit::record(
                    &mut tx,
                    client,
                    Entry::new("auth.refresh_token_reused")
                        .on("user", user)
                        .detail(json!({"session": session, "revoked": true})),
                )
                .await?;
                tx.commit().await?;
                self.ended(&[session]).await;
                Err(AuthError::RefreshReused)
            }
            Rotation::Rotated(r) => {
                let access_token = self.access_token(realm, r.user, &r.role, r.session)?;
                tx.commit().await?;
                Ok(self.pair(access_token, r.refresh_token))
            }
        }
    }

    /// Revokes the session of the token presented.
    pub async fn logout(
        &self,
        realm: &Realm,
        user: Uuid,
        session: Uuid,
        client: &ClientInfo,
    ) -> Result<(), AuthError> {
        let mut tx = realm.begin(&self.inner.store).await?;
        let ended = sessions::revoke(&mut tx, session, "logout").await?;
        audit::record(
            &mut tx,
            client,
            Entry::new("auth.logout")
                .actor(user)
                .detail(json!({"session": session})),
        )
        .await?;
        tx.commit().await?;
        if ended {
            self.ended(&[session]).await;
        }
        Ok(())
    }

    /// Revokes every session of the user ("sign out everywhere"); how many were live.
    pub async fn logout_all(
        &self,
        realm: &Realm,
        user: Uuid,
        client: &ClientInfo,
    ) -> Result<u64, AuthError> {
        let mut tx = realm.begin(&self.inner.store).await?;
        let ended = sessions::revoke_all(&mut tx, user, None, "logout_all").await?;
        audit::record(
            &mut tx,
            client,
            Entry::new("auth.logout_all")
                .actor(user)
                .detail(json!({"sessions": ended.len()})),
        )
        .await?;
        tx.commit().await?;
        self.ended(&ended).await;
        Ok(ended.len() as u64)
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

    pub(crate) async fn open_session(
        &self,
        tx: &mut RealmTx,
        realm: &Realm,
        user: Uuid,
        role: &str,
        client: &ClientInfo,
    ) -> Result<TokenPair, AuthError> {
        let (session, refresh) =
            sessions::open(tx, user, client, self.inner.settings.refresh_ttl).await?;
        let access = self.access_token(realm, user, role, session)?;
        Ok(self.pair(access, refresh))
    }

    fn pair(&self, access_token: String, refresh_token: String) -> TokenPair {
        let s = &self.inner.settings;
        TokenPair {
            access_token,
            token_type: "Bearer",
            expires_in: s.access_ttl.as_secs(),
            refresh_token,
            refresh_expires_in: s.refresh_ttl.as_secs(),
        }
    }

    fn claims(
        &self,
        realm: &Realm,
        user: Uuid,
        role: &str,
        session: Uuid,
        ttl: std::time::Duration,
    ) -> Claims {
        let s = &self.inner.settings;
        let now = chrono::Utc::now().timestamp();
        Claims {
            sub: user,
            tid: realm.token_tenant(),
            role: role.to_owned(),
            sid: session,
            iat: now,
            exp: now + i64::try_from(ttl.as_secs()).unwrap_or(i64::MAX / 2),
            jti: Uuid::now_v7(),
            iss: s.issuer.clone(),
            aud: s.audience.clone(),
            rst: None,
        }
    }

    pub(crate) fn access_token(
        &self,
        realm: &Realm,
        user: Uuid,
        role: &str,
        session: Uuid,
    ) -> Result<String, AuthError> {
        let claims = self.claims(realm, user, role, session, self.inner.settings.access_ttl);
        self.inner
            .keys
            .sign(&claims)
            .map_err(|e| AuthError::Internal(e.to_string()))
    }

    fn restricted_token(
        &self,
        realm: &Realm,
        account: &Account,
        restriction: &str,
        ttl: std::time::Duration,
    ) -> Result<String, AuthError> {
        let mut claims = self.claims(realm, account.id, &account.role, Uuid::nil(), ttl);
        claims.rst = Some(restriction.to_owned());
        self.inner
            .keys
            .sign(&claims)
            .map_err(|e| AuthError::Internal(e.to_string()))
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

pub(crate) fn unix_now() -> u64 {
    u64::try_from(chrono::Utc::now().timestamp()).unwrap_or(0)
}
