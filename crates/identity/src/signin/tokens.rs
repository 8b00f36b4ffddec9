//! The tokens a sign-in issues: the session's access and refresh pair, and the restricted
//! tokens that may only finish a sign-in or enrol MFA.

use crate::accounts::Account;
use crate::audit::{self, ClientInfo, Entry};
use crate::jwt::Claims;
use crate::realm::{Realm, RealmTx};
use crate::service::{AuthError, Identity};
use crate::sessions;
use serde::Serialize;
use uuid::Uuid;

/// A signed-in session's tokens.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct TokenPair {
    pub access_token: String,
    pub token_type: &'static str,
    pub expires_in: u64,
    pub refresh_token: String,
    pub refresh_expires_in: u64,
}

impl Identity {
    /// The end of every successful sign-in (password alone, or the second factor): the
    /// session opens and the audit trail records `auth.login_succeeded` with `detail`, in `tx`.
    pub(crate) async fn complete_sign_in(
        &self,
        tx: &mut RealmTx,
        realm: &Realm,
        account: &Account,
        client: &ClientInfo,
        detail: serde_json::Value,
    ) -> Result<TokenPair, AuthError> {
        let pair = self
            .open_session(tx, realm, account.id, &account.role, client)
            .await?;
        audit::record(
            tx,
            client,
            Entry::new("auth.login_succeeded")
                .actor(account.id)
                .on("user", account.id)
                .detail(detail),
        )
        .await?;
        Ok(pair)
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

    pub(super) fn pair(&self, access_token: String, refresh_token: String) -> TokenPair {
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

    pub(super) fn restricted_token(
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
}

pub(crate) fn unix_now() -> u64 {
    u64::try_from(chrono::Utc::now().timestamp()).unwrap_or(0)
}
