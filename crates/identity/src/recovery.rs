//! Passwords over an account's life: change (with the current one), forgotten (a single-use
//! reset link by email), and the first one, set by accepting an invitation.
//!
//! Reset and invitation tokens are 256-bit secrets stored as SHA-256, single use, with their
//! own expiry; a reset or change revokes the account's sessions.

use crate::accounts;
use crate::audit::{self, ClientInfo, Entry};
use crate::events;
use crate::password::check_policy;
use crate::realm::{Realm, RealmTx};
use crate::secret_token::{self, SecretToken};
use crate::service::{AuthError, Identity};
use crate::sessions;
use serde_json::json;
use std::time::Duration;
use uuid::Uuid;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    PasswordReset,
    Invitation,
}

impl Purpose {
    fn as_str(self) -> &'static str {
        match self {
            Purpose::PasswordReset => "password_reset",
            Purpose::Invitation => "invitation",
        }
    }

    fn label(self) -> &'static str {
        match self {
            Purpose::PasswordReset => "reset token",
            Purpose::Invitation => "invitation",
        }
    }
}

impl Identity {
    /// Checks the policy and hashes; the error names the field.
    pub async fn new_password_hash(
        &self,
        field: &'static str,
        password: &str,
        user_inputs: &[&str],
    ) -> Result<String, AuthError> {
        check_policy(password, user_inputs).map_err(|v| AuthError::Invalid {
            field,
            message: v.to_string(),
        })?;
        Ok(self.inner.hasher.hash(password).await?)
    }

    /// Changes the password; every other session of the account is revoked.
    pub async fn change_password(
        &self,
        realm: &Realm,
        user: Uuid,
        session: Uuid,
        current: &str,
        new: &str,
        client: &ClientInfo,
    ) -> Result<(), AuthError> {
        let account = self
            .check_password(realm, user, current)
            .await
            .map_err(|e| match e {
                AuthError::Invalid { .. } => {
                    AuthError::invalid("current_password", "is not your current password")
                }
                other => other,
            })?;
        if current == new {
            return Err(AuthError::invalid(
                "new_password",
                "must differ from the current password",
            ));
        }
        let hash = self
            .new_password_hash("new_password", new, &[&account.email])
            .await?;
        let mut tx = realm.begin(&self.inner.store).await?;
        accounts::set_password(&mut tx, user, &hash).await?;
        let revoked =
            sessions::revoke_all(&mut tx, user, Some(session), "password_changed").await?;
        audit::record(
            &mut tx,
            client,
            Entry::new("auth.password_changed")
                .actor(user)
                .on("user", user)
                .detail(json!({"sessions_revoked": revoked.len()})),
        )
        .await?;
        tx.commit().await?;
        self.ended(&revoked).await;
        Ok(())
    }

    /// Emails a reset link when `email` is an active account of the tenant. The answer is the
    /// same whether or not it is.
    pub async fn forgot_password(
        &self,
        realm: &Realm,
        email: &str,
        client: &ClientInfo,
    ) -> Result<(), AuthError> {
        let Realm::Tenant(tenant) = realm else {
            return Err(AuthError::Forbidden(
                "platform accounts reset passwords with `comply360 platform-user set-password`"
                    .into(),
            ));
        };
        let mut tx = realm.begin(&self.inner.store).await?;
        let Some(account) = accounts::by_email(&mut tx, email)
            .await?
            .filter(|a| a.is_active())
        else {
            audit::record(
                &mut tx,
                client,
                Entry::new("auth.password_reset_requested")
                    .detail(json!({"email": email, "sent": false})),
            )
            .await?;
            tx.commit().await?;
            return Ok(());
        };
        let ttl = self.inner.settings.reset_ttl;
        let token = issue(&mut tx, account.id, Purpose::PasswordReset, ttl).await?;
        let link = self
            .inner
            .settings
            .portal_link(tenant.slug(), &format!("/reset-password?token={}", token));
        let minutes = ttl.as_secs() / 60;
        let event = events::password_reset_requested(account.id, &account.email, &link, minutes);
        self.emit(&mut tx, event).await?;
        audit::record(
            &mut tx,
            client,
            Entry::new("auth.password_reset_requested")
                .on("user", account.id)
                .detail(json!({"sent": true})),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Sets a new password with a reset token; all sessions are revoked and a lockout ends.
    pub async fn reset_password(
        &self,
        realm: &Realm,
        token: &str,
        new: &str,
        client: &ClientInfo,
    ) -> Result<(), AuthError> {
        let mut tx = realm.begin(&self.inner.store).await?;
        let user = redeem(&mut tx, token, Purpose::PasswordReset).await?;
        let account = accounts::by_id(&mut tx, user)
            .await?
            .filter(|a| a.is_active())
            .ok_or(AuthError::InvalidToken(Purpose::PasswordReset.label()))?;
        // Hashing takes a while; the token row stays locked meanwhile so it is used once.
        let hash = self
            .new_password_hash("password", new, &[&account.email])
            .await?;
        accounts::set_password(&mut tx, user, &hash).await?;
        let revoked = sessions::revoke_all(&mut tx, user, None, "password_reset").await?;
        audit::record(
            &mut tx,
            client,
            Entry::new("auth.password_reset")
                .actor(user)
                .on("user", user)
                .detail(json!({"sessions_revoked": revoked.len()})),
        )
        .await?;
        tx.commit().await?;
        self.ended(&revoked).await;
        Ok(())
    }

    /// Sends an invitation to an invited user (a new token; older ones stop working).
    pub(crate) async fn send_invitation(
        &self,
        tx: &mut RealmTx,
        tenant_slug: &str,
        user: Uuid,
        email: &str,
        role: &str,
    ) -> Result<(), AuthError> {
        let ttl = self.inner.settings.invite_ttl;
        let token = issue(tx, user, Purpose::Invitation, ttl).await?;
        let link = self
            .inner
            .settings
            .portal_link(tenant_slug, &format!("/accept-invitation?token={token}"));
        let days = ttl.as_secs() / 86_400;
        self.emit(tx, events::invited(user, email, role, &link, days))
            .await
    }

    /// The invitee chooses a password; the account becomes active.
    pub async fn accept_invitation(
        &self,
        realm: &Realm,
        token: &str,
        password: &str,
        full_name: Option<&str>,
        client: &ClientInfo,
    ) -> Result<(), AuthError> {
        let mut tx = realm.begin(&self.inner.store).await?;
        let user = redeem(&mut tx, token, Purpose::Invitation).await?;
        let account = accounts::by_id(&mut tx, user)
            .await?
            .filter(|a| a.status == "invited")
            .ok_or(AuthError::InvalidToken(Purpose::Invitation.label()))?;
        let hash = self
            .new_password_hash("password", password, &[&account.email])
            .await?;
        accounts::set_password(&mut tx, user, &hash).await?;
        let t = tx.tenant_uuid();
        tx.query(
            "UPDATE {users} SET status = 'active', full_name = coalesce($3, full_name)
             WHERE tenant_id = $1 AND id = $2",
        )
        .bind(t)
        .bind(user)
        .bind(full_name.map(str::trim).filter(|n| !n.is_empty()))
        .execute(tx.conn())
        .await?;
        audit::record(
            &mut tx,
            client,
            Entry::new("user.invitation_accepted")
                .actor(user)
                .on("user", user),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

/// A new single-use token; earlier unused ones of the same purpose stop working.
async fn issue(
    tx: &mut RealmTx,
    user: Uuid,
    purpose: Purpose,
    ttl: Duration,
) -> Result<String, AuthError> {
    let t = tx.tenant_uuid();
    tx.query(
        "UPDATE user_tokens SET used_at = now()
         WHERE tenant_id = $1 AND user_id = $2 AND purpose = $3 AND used_at IS NULL",
    )
    .bind(t)
    .bind(user)
    .bind(purpose.as_str())
    .execute(tx.conn())
    .await?;
    let token = SecretToken::generate();
    tx.query(
        "INSERT INTO user_tokens (tenant_id, token_hash, purpose, user_id, expires_at)
         VALUES ($1, $2, $3, $4, now() + make_interval(secs => $5))",
    )
    .bind(t)
    .bind(&token.hash)
    .bind(purpose.as_str())
    .bind(user)
    .bind(ttl.as_secs_f64())
    .execute(tx.conn())
    .await?;
    Ok(token.plain)
}

/// Marks a live token used and returns its user; anything else is the same refusal.
async fn redeem(tx: &mut RealmTx, token: &str, purpose: Purpose) -> Result<Uuid, AuthError> {
    if tx.is_platform() || !secret_token::well_formed(token) {
        return Err(AuthError::InvalidToken(purpose.label()));
    }
    let t = tx.tenant_uuid();
    let user: Option<Uuid> = tx
        .query_scalar(
            "UPDATE user_tokens SET used_at = now()
             WHERE tenant_id = $1 AND token_hash = $2 AND purpose = $3
               AND used_at IS NULL AND expires_at > now()
             RETURNING user_id",
        )
        .bind(t)
        .bind(secret_token::hash(token))
        .bind(purpose.as_str())
        .fetch_optional(tx.conn())
        .await?;
    user.ok_or(AuthError::InvalidToken(purpose.label()))
}
