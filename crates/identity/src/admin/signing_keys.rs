//! The token signing keys as the platform console shows them, and their rotation. The same
//! key functions as `comply360 keys list|rotate` ([`crate::signing`]), with this process's
//! grace (the ring's) and its ring reloaded at once after a rotation.

use crate::service::Identity;
use crate::signing::{self, KeyError, KeyInfo};
use comply360_store::catalog;

impl Identity {
    /// Every stored key: which one signs, which still verify.
    pub async fn signing_keys(&self) -> Result<Vec<KeyInfo>, KeyError> {
        let settings = &self.inner.settings;
        let grace = settings.access_ttl + settings.mfa_challenge_ttl;
        signing::list(self.inner.store.owner_pool(), grace).await
    }

    /// Adds a new signing key (it signs from now on; the others verify for the grace), records
    /// `actor` in the platform audit log and reloads this process's ring. The new key's id.
    pub async fn rotate_signing_key(&self, actor: &str) -> Result<String, KeyError> {
        let owner = self.inner.store.owner_pool();
        let kid = signing::add_key(owner, &self.inner.master).await?;
        catalog::audit(
            owner,
            actor,
            "signing_key.rotated",
            None,
            serde_json::json!({"kid": kid}),
        )
        .await?;
        self.inner.keys.reload().await?;
        Ok(kid)
    }
}
