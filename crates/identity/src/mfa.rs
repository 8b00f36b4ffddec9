//! Enrolling, confirming and disabling TOTP MFA, and the recovery codes that come with it.
//!
//! Enrolment stores a new secret (sealed) as pending; only a first correct code turns MFA on
//! and issues ten single-use recovery codes, stored as keyed hashes. Disabling needs the
//! password.

use crate::accounts::{self, Account};
use crate::audit::{self, ClientInfo, Entry};
use crate::realm::{Realm, RealmTx};
use crate::service::{AuthError, Identity};
use crate::signin::TokenPair;
use crate::totp::{self, Totp};
use serde::Serialize;

use uuid::Uuid;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Enrolment {
    /// The secret in base32, for typing into an app by hand.
    pub secret: String,
    pub otpauth_uri: String,
    /// The URI as a QR code (an SVG document).
    pub qr_svg: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Confirmed {
    /// Shown once; each works once in place of a code.
    pub recovery_codes: Vec<String>,
    /// When the enrolment was made with a setup token: the session's tokens.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tokens: Option<TokenPair>,
}

impl Identity {
    pub async fn mfa_enrol(&self, realm: &Realm, user: Uuid) -> Result<Enrolment, AuthError> {
        let mut tx = realm.begin(&self.inner.store).await?;
        let account = active(&mut tx, user).await?;
        if account.mfa_enabled() {
            return Err(AuthError::Conflict(
                "MFA is already on for this account; disable it first to enrol a new device".into(),
            ));
        }
        let secret = totp::new_secret();
        let t = tx.tenant_uuid();
        let sealed = self
            .inner
            .master
            .seal(&secret, &accounts::totp_context(t, user));
        tx.query(
            "UPDATE {users} SET mfa_secret = $3, mfa_enabled_at = NULL, mfa_last_step = NULL
             WHERE tenant_id = $1 AND id = $2",
        )
        .bind(t)
        .bind(user)
        .bind(sealed)
        .execute(tx.conn())
        .await?;
        tx.commit().await?;
        let totp = Totp::new(&secret).map_err(|e| AuthError::Internal(e.to_string()))?;
        let uri = totp.otpauth_uri(&self.inner.settings.totp_issuer, &account.email);
        Ok(Enrolment {
            secret: <[u8; 20]>::try_from(secret.as_slice())
                .map(|raw| totp_rs::Secret::new_stack(raw).to_base32())
                .map_err(|_| AuthError::Internal("TOTP secrets are 20 bytes".into()))?,
            qr_svg: totp::qr_svg(&uri).map_err(|e| AuthError::Internal(e.to_string()))?,
            otpauth_uri: uri,
        })
    }

    /// Turns MFA on with a first code. `issue_session` when the caller holds only a setup
    /// token (sign-in required MFA): then the confirmation also signs in.
    pub async fn mfa_confirm(
        &self,
        realm: &Realm,
        user: Uuid,
        code: &str,
        issue_session: bool,
        client: &ClientInfo,
    ) -> Result<Confirmed, AuthError> {
        let mut tx = realm.begin(&self.inner.store).await?;
        let account = active(&mut tx, user).await?;
        if account.mfa_enabled() {
            return Err(AuthError::Conflict(
                "MFA is already on for this account".into(),
            ));
        }
        let t = tx.tenant_uuid();
        let Some(totp) = self.account_totp(t, &account)? else {
            return Err(AuthError::Conflict(
                "no MFA enrolment is pending; start with POST /api/v1/me/mfa/enrol".into(),
            ));
        };
        let code = code.trim();
        if !(code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit())) {
            return Err(AuthError::invalid(
                "code",
                "must be the 6-digit code from your authenticator app",
            ));
        }
        let Some(step) = totp.verify(code, crate::signin::unix_now(), None) else {
            return Err(AuthError::InvalidCode);
        };
        tx.query(
            "UPDATE {users} SET mfa_enabled_at = now(), mfa_last_step = $3 WHERE tenant_id = $1 AND id = $2",
        )
        .bind(t)
        .bind(user)
        .bind(i64::try_from(step).unwrap_or(i64::MAX))
        .execute(tx.conn())
        .await?;
        let codes = totp::new_recovery_codes();
        tx.query("DELETE FROM {recovery_codes} WHERE tenant_id = $1 AND user_id = $2")
            .bind(t)
            .bind(user)
            .execute(tx.conn())
            .await?;
        let hashes: Vec<Vec<u8>> = codes
            .iter()
            .map(|c| self.recovery_hash(c).to_vec())
            .collect();
        tx.query(
            "INSERT INTO {recovery_codes} (tenant_id, user_id, code_hash)
             SELECT $1, $2, h FROM unnest($3::bytea[]) AS h",
        )
        .bind(t)
        .bind(user)
        .bind(hashes)
        .execute(tx.conn())
        .await?;
        audit::record(
            &mut tx,
            client,
            Entry::new("auth.mfa_enabled").actor(user).on("user", user),
        )
        .await?;
        let tokens = if issue_session {
            Some(
                self.open_session(&mut tx, realm, user, &account.role, client)
                    .await?,
            )
        } else {
            None
        };
        tx.commit().await?;
        Ok(Confirmed {
            recovery_codes: codes,
            tokens,
        })
    }

    pub async fn mfa_disable(
        &self,
        realm: &Realm,
        user: Uuid,
        password: &str,
        client: &ClientInfo,
    ) -> Result<(), AuthError> {
        self.check_password(realm, user, password).await?;
        let mut tx = realm.begin(&self.inner.store).await?;
        let t = tx.tenant_uuid();
        tx.query(
            "UPDATE {users} SET mfa_secret = NULL, mfa_enabled_at = NULL, mfa_last_step = NULL
             WHERE tenant_id = $1 AND id = $2",
        )
        .bind(t)
        .bind(user)
        .execute(tx.conn())
        .await?;
        tx.query("DELETE FROM {recovery_codes} WHERE tenant_id = $1 AND user_id = $2")
            .bind(t)
            .bind(user)
            .execute(tx.conn())
            .await?;
        audit::record(
            &mut tx,
            client,
            Entry::new("auth.mfa_disabled").actor(user).on("user", user),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Refuses unless `password` is the account's (a re-authentication for sensitive changes).
    pub(crate) async fn check_password(
        &self,
        realm: &Realm,
        user: Uuid,
        password: &str,
    ) -> Result<Account, AuthError> {
        let mut tx = realm.begin(&self.inner.store).await?;
        let account = active(&mut tx, user).await?;
        tx.commit().await?;
        let Some(stored) = &account.password_hash else {
            return Err(AuthError::invalid("password", "is not correct"));
        };
        if !self.inner.hasher.verify(password, stored).await?.matches {
            return Err(AuthError::invalid("password", "is not correct"));
        }
        Ok(account)
    }
}

async fn active(tx: &mut RealmTx, user: Uuid) -> Result<Account, AuthError> {
    accounts::by_id(tx, user)
        .await?
        .filter(Account::is_active)
        .ok_or(AuthError::NotFound("account"))
}

/// The caller's own account, as `GET /api/v1/me` shows it.
#[derive(Debug, Serialize)]
pub struct Profile {
    pub id: Uuid,
    pub email: String,
    pub role: String,
    pub mfa_enabled: bool,
    pub mfa_pending: bool,
}

impl Identity {
    pub async fn profile(&self, realm: &Realm, user: Uuid) -> Result<Profile, AuthError> {
        let mut tx = realm.begin(&self.inner.store).await?;
        let account = active(&mut tx, user).await?;
        tx.commit().await?;
        Ok(Profile {
            id: account.id,
            email: account.email.clone(),
            role: account.role.clone(),
            mfa_enabled: account.mfa_enabled(),
            mfa_pending: !account.mfa_enabled() && account.mfa_secret.is_some(),
        })
    }
}
