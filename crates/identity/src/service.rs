//! [`Identity`]: the one handle the HTTP layer and the CLI use for identity and access. It owns
//! the password hasher, the signing keys, the RBAC enforcer and the master key; the flows
//! themselves live in their own modules (`signin`, `mfa`, `recovery`, `admin`, `api_keys`).

use crate::password::{PasswordError, PasswordHasher, PolicyViolation};
use crate::rbac::{Rbac, RbacError};
use crate::revocation::Revocations;
use crate::sealed::MasterKey;
use crate::settings::IdentitySettings;
use crate::signing::{self, KeyError, KeyStore};
use comply360_jobs::Outbox;
use comply360_store::{Store, StoreError};
use std::sync::Arc;

/// What can go wrong in an identity flow. Messages are safe to show: they never say whether
/// an account exists.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error(
        "the email or password is wrong, or the account is locked after repeated failures; try again later or reset your password"
    )]
    InvalidCredentials,
    #[error("the code is wrong, expired or already used")]
    InvalidCode,
    #[error("the {0} is invalid, expired or already used")]
    InvalidToken(&'static str),
    #[error(
        "this refresh token was already used, so the session it belongs to has been revoked; sign in again"
    )]
    RefreshReused,
    #[error("{0}")]
    WeakPassword(PolicyViolation),
    #[error("{message}")]
    Invalid {
        field: &'static str,
        message: String,
    },
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    Forbidden(String),
    /// The agency's plan does not allow it (a full allowance of users, no API keys).
    #[error(transparent)]
    PlanLimit(#[from] comply360_domain::plans::PlanLimitReached),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("internal error: {0}")]
    Internal(String),
}

impl AuthError {
    pub fn invalid(field: &'static str, message: impl Into<String>) -> AuthError {
        AuthError::Invalid {
            field,
            message: message.into(),
        }
    }
}

impl From<sqlx::Error> for AuthError {
    fn from(err: sqlx::Error) -> Self {
        AuthError::Store(err.into())
    }
}

impl From<PasswordError> for AuthError {
    fn from(err: PasswordError) -> Self {
        AuthError::Internal(err.to_string())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Keys(#[from] KeyError),
    #[error(transparent)]
    Rbac(#[from] RbacError),
    #[error("password hashing: {0}")]
    Hash(#[from] PasswordError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Identity and access for one process.
#[derive(Clone)]
pub struct Identity {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) store: Store,
    pub(crate) settings: IdentitySettings,
    pub(crate) hasher: PasswordHasher,
    pub(crate) keys: Arc<KeyStore>,
    pub(crate) master: MasterKey,
    pub(crate) rbac: Rbac,
    pub(crate) outbox: Outbox,
    pub(crate) revocations: Arc<Revocations>,
}

impl Identity {
    /// Makes sure a signing key exists, loads the keys, the access policies and the ended
    /// sessions, and (in long-running processes) keeps keys and ended sessions fresh.
    pub async fn start(
        store: Store,
        outbox: Outbox,
        settings: IdentitySettings,
        master: MasterKey,
    ) -> Result<Identity, StartError> {
        signing::ensure_key(store.owner_pool(), &master).await?;
        let keys = Arc::new(
            KeyStore::load(
                &store,
                master.clone(),
                &settings.issuer,
                &settings.audience,
                settings.access_ttl + settings.mfa_challenge_ttl,
            )
            .await?,
        );
        // Long-running processes keep keys and ended sessions fresh in the background;
        // one-shot commands (maintenance off) need neither.
        let background = store.settings().maintenance;
        if background {
            keys.spawn_reloader();
        }
        let rbac = Rbac::load(&store).await?;
        let hasher = PasswordHasher::new(settings.hash)?;
        let revocations = Arc::new(Revocations::new(&store, settings.access_ttl));
        revocations.load().await?;
        if background {
            revocations.spawn_listener(&store);
        }
        Ok(Identity {
            inner: Arc::new(Inner {
                store,
                settings,
                hasher,
                keys,
                master,
                rbac,
                outbox,
                revocations,
            }),
        })
    }

    pub fn settings(&self) -> &IdentitySettings {
        &self.inner.settings
    }

    pub fn keys(&self) -> &KeyStore {
        &self.inner.keys
    }

    pub fn rbac(&self) -> &Rbac {
        &self.inner.rbac
    }

    pub fn store(&self) -> &Store {
        &self.inner.store
    }

    pub fn hasher(&self) -> &PasswordHasher {
        &self.inner.hasher
    }

    /// Whether the session a token belongs to has ended (logout, password change, …).
    pub fn session_ended(&self, session: uuid::Uuid) -> bool {
        self.inner.revocations.is_revoked(session)
    }

    /// Announces ended sessions to every replica. Their sessions are already revoked in the
    /// database (refresh fails); a failed announcement only lets their access tokens live out
    /// their lifetime, so it is logged, not returned.
    pub(crate) async fn ended(&self, sessions: &[uuid::Uuid]) {
        if let Err(err) = self.inner.revocations.announce(sessions).await {
            tracing::warn!(error = %err, "ended sessions not announced; their access tokens expire by themselves");
        }
    }
}
