use comply360_domain::{SlugError, tenancy::UnknownValue};

/// Everything the store can refuse or fail with. Messages are written for the person at the
/// terminal or the operator reading a log: they say what is wrong and what to do.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(transparent)]
    Embedded(#[from] crate::embedded::EmbeddedError),
    #[error("cannot reach PostgreSQL at {host}:{port}: {reason}")]
    Unreachable {
        host: String,
        port: u16,
        reason: String,
    },
    #[error("{0}")]
    Bootstrap(String),
    #[error(transparent)]
    InvalidSlug(#[from] SlugError),
    #[error(transparent)]
    UnknownValue(#[from] UnknownValue),
    #[error("{0}")]
    Invalid(String),
    #[error("no tenant with slug {0:?}; `comply360 tenant list` shows the tenants")]
    UnknownTenant(String),
    #[error("a tenant with slug {0:?} already exists; choose another slug")]
    SlugTaken(String),
    #[error("no server named {0:?} is registered; `comply360 server list` shows them")]
    UnknownServer(String),
    #[error("a server named {0:?} is already registered")]
    ServerExists(String),
    #[error("tenant {slug:?} is suspended")]
    Suspended { slug: String },
    #[error("tenant {slug:?} is held for an unpaid platform invoice since {since}")]
    BillingHold {
        slug: String,
        since: chrono::DateTime<chrono::Utc>,
    },
    #[error(
        "tenant {slug:?} is not provisioned (state {state}); run `comply360 tenant provision \
         --resume {slug}`"
    )]
    NotProvisioned { slug: String, state: String },
    #[error("provisioning tenant {slug:?} failed at step {step}: {reason}")]
    ProvisioningFailed {
        slug: String,
        step: String,
        reason: String,
    },
    #[error(
        "migration file {file} was changed after it was applied (applied checksum {applied}, \
         file now {current}); restore the file and put the change in a new migration"
    )]
    MigrationEdited {
        file: String,
        applied: String,
        current: String,
    },
    #[error(
        "the database has {kind} migration {version} applied, which this binary does not know; \
         run a newer comply360"
    )]
    MigrationUnknown { kind: String, version: i32 },
    #[error("{0}")]
    Migration(String),
    /// A migration gave up waiting for a lock; retried with backoff.
    #[error("{0}")]
    LockTimeout(String),
    #[error(
        "all {budget} database connections of the pool budget are in use; retry shortly or raise \
         COMPLY360_DB_POOL_BUDGET"
    )]
    PoolBudgetExhausted { budget: u32 },
    #[error("database error: {0}")]
    Db(#[from] sqlx::Error),
    /// The runtime shut down while a transaction step was running on its own task.
    #[error("the database work was interrupted because the process is shutting down; retry")]
    Interrupted,
}

impl StoreError {
    /// A lock wait ran past `lock_timeout` (SQLSTATE 55P03).
    pub fn is_lock_timeout(&self) -> bool {
        matches!(self, StoreError::LockTimeout(_)) || self.sqlstate().as_deref() == Some("55P03")
    }

    /// PostgreSQL cannot be reached or is going away (stopped, restarting, failing over, a
    /// pool that cannot connect in time): the request may succeed if retried in a moment, so
    /// it is answered 503 with `Retry-After`, never 500. SQLSTATE classes 08 (connection
    /// exception) and 57P01–57P03 (shutdown, cannot connect now); sqlx's I/O, TLS, pool
    /// timeout and closed-pool errors.
    pub fn is_unavailable(&self) -> bool {
        match self {
            StoreError::Unreachable { .. } | StoreError::Interrupted => true,
            StoreError::Db(
                sqlx::Error::Io(_)
                | sqlx::Error::Tls(_)
                | sqlx::Error::PoolTimedOut
                | sqlx::Error::PoolClosed
                | sqlx::Error::WorkerCrashed,
            ) => true,
            StoreError::Db(sqlx::Error::Protocol(_)) => true,
            _ => self.sqlstate().is_some_and(|code| {
                code.starts_with("08") || matches!(code.as_str(), "57P01" | "57P02" | "57P03")
            }),
        }
    }

    /// The SQLSTATE of a database error, if this is one.
    pub fn sqlstate(&self) -> Option<String> {
        match self {
            StoreError::Db(sqlx::Error::Database(db)) => db.code().map(|c| c.into_owned()),
            _ => None,
        }
    }
}
