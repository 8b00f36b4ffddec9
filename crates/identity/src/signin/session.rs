//! A signed-in session afterwards: refresh-token rotation (a reused token revokes the
//! family) and signing out of one session or all.

use super::TokenPair;
use crate::audit::{self, ClientInfo, Entry};
use crate::realm::Realm;
use crate::service::{AuthError, Identity};
use crate::sessions::{self, Rotation};
use serde_json::json;
use uuid::Uuid;

impl Identity {
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
}
