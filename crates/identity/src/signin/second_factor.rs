//! The second step of a sign-in: a TOTP code (a replayed step refused) or a recovery code
//! (used once), and the account's TOTP secret opened from its sealed form.

use super::{MFA_CHALLENGE, TokenPair, unix_now};
use crate::accounts::{self, Account};
use crate::audit::ClientInfo;
use crate::realm::{Realm, RealmTx};
use crate::service::{AuthError, Identity};
use crate::totp::Totp;
use serde_json::json;
use uuid::Uuid;

impl Identity {
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
            .complete_sign_in(&mut tx, realm, &account, client, json!({"mfa": used}))
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
}
