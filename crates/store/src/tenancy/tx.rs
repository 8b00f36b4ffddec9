//! [`TenantTx`], the only handle to tenant tables, and how [`Tenancy`] opens one: `BEGIN` and
//! the transaction-local context in one round trip.

use super::{Tenancy, Tenant};
use crate::catalog::TenantRecord;
use crate::{StoreError, quote_ident, quote_literal};
use comply360_domain::calendar::BusinessCalendar;
use comply360_domain::plans::Plan;
use comply360_domain::{TenantId, Tier};
use sqlx::postgres::{PgArguments, PgRow};
use sqlx::query::{Query, QueryAs, QueryScalar};
use sqlx::{FromRow, PgConnection, Postgres, Transaction};
use std::sync::Arc;

/// A transaction inside one tenant's namespace with its context set. Dropping it rolls back.
///
/// Build queries with [`TenantTx::query`] (and `query_as`, `query_scalar`) rather than
/// `sqlx::query`: behind PgBouncer in transaction mode they use unnamed statements, because a
/// named one would outlive the transaction on a server connection another client gets next.
pub struct TenantTx {
    tx: Transaction<'static, Postgres>,
    tenant_id: TenantId,
    persistent: bool,
    /// Where the job workers' wake-up goes once this transaction commits
    /// ([`TenantTx::wake_workers_on_commit`]).
    wakes: Arc<super::wakes::Wakes>,
    wake_requested: bool,
    /// The business days of this transaction: the Act's holidays and the platform's declared
    /// ones, as of its start.
    calendar: Arc<BusinessCalendar>,
    /// The agency's tier as of its start: what its plan allows
    /// (`comply360_domain::plans::Plan::of`).
    tier: Tier,
    /// Opened `READ ONLY` ([`Tenancy::begin_read`]): PostgreSQL refuses any write in it, and
    /// its end is a `ROLLBACK` sent with the pool's check of the returned connection.
    read_only: bool,
    /// Which namespace the agency's data is in (server, database, schema), as a tag: an
    /// agency moved to another namespace starts another line of data versions.
    place: u64,
}

/// The agency's data as one read-only transaction sees it, named: the agency, its namespace
/// and the count of committed transactions that changed its data
/// (`migrations/tenant/0017_data_version.sql`). Two transactions that read the same
/// `DataVersion` see the same data, so what one computed from it the other may reuse.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct DataVersion {
    pub tenant: TenantId,
    place: u64,
    counter: i64,
}

impl DataVersion {
    /// How many committed transactions have changed the agency's data in this namespace.
    pub fn counter(&self) -> i64 {
        self.counter
    }
}

/// What a transaction may do, and what its end waits for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    /// Writes whose commit waits for the WAL to reach disk.
    Flushed,
    /// Writes whose commit does not wait for the WAL flush.
    Relaxed,
    /// Reads only.
    ReadOnly,
}

/// The channel job workers LISTEN on in the app database; the payload is a tenant id.
pub const JOBS_CHANNEL: &str = "c360_jobs";

impl TenantTx {
    pub fn tenant_id(&self) -> TenantId {
        self.tenant_id
    }

    /// The agency's plan, whose limits its operations check.
    pub fn plan(&self) -> &'static Plan {
        Plan::of(self.tier)
    }

    /// The business calendar every deadline computed in this transaction counts in: the
    /// Public Holidays Act's days and the platform's declared holidays
    /// (`control.declared_holidays`). It travels with the transaction because the declared
    /// list is platform data that a database-mode tenant's own database does not hold, and
    /// so every operation that computes a deadline sees the same list without each caller
    /// having to pass it.
    pub fn calendar(&self) -> &BusinessCalendar {
        &self.calendar
    }

    /// Whether statements may be prepared by name (false behind PgBouncer).
    pub fn persistent(&self) -> bool {
        self.persistent
    }

    pub fn query<'q>(&self, sql: &'q str) -> Query<'q, Postgres, PgArguments> {
        sqlx::query(sql).persistent(self.persistent)
    }

    pub fn query_as<'q, O>(&self, sql: &'q str) -> QueryAs<'q, Postgres, O, PgArguments>
    where
        O: for<'r> FromRow<'r, PgRow>,
    {
        sqlx::query_as(sql).persistent(self.persistent)
    }

    pub fn query_scalar<'q, O>(&self, sql: &'q str) -> QueryScalar<'q, Postgres, O, PgArguments>
    where
        (O,): for<'r> FromRow<'r, PgRow>,
    {
        sqlx::query_scalar(sql).persistent(self.persistent)
    }

    /// The connection, for repository functions. Queries should still filter on
    /// `tenant_id = $1` so indexes are used; RLS is the guard, not the filter.
    pub fn conn(&mut self) -> &mut PgConnection {
        &mut self.tx
    }

    /// The agency's [`DataVersion`] as this transaction sees it. Only a read-only transaction
    /// ([`Tenancy::begin_read`]) can answer: it reads everything in one snapshot, so its
    /// version names exactly what its other reads see. In a writing transaction the version
    /// is refused, as it would not name what the transaction itself has changed.
    pub async fn data_version(&mut self) -> Result<DataVersion, StoreError> {
        if !self.read_only {
            return Err(StoreError::Invalid(
                "the data version is read in a read-only transaction (Tenancy::begin_read)".into(),
            ));
        }
        let counter: Option<i64> = self
            .query_scalar("SELECT version FROM data_version WHERE tenant_id = $1")
            .bind(self.tenant_id.as_uuid())
            .fetch_optional(&mut *self.tx)
            .await?;
        Ok(DataVersion {
            tenant: self.tenant_id,
            place: self.place,
            counter: counter.unwrap_or(0),
        })
    }

    /// Wakes the job workers once this transaction commits (and never if it rolls back).
    /// The wake-up is sent right after the commit, coalesced with other agencies' (see
    /// `wakes`: a `NOTIFY` inside the transaction would serialise every writer's commit). A
    /// lost wake-up only delays the work until the workers' next sweep.
    pub fn wake_workers_on_commit(&mut self) {
        self.wake_requested = true;
    }

    /// Commits, to completion even if the caller is dropped meanwhile (see [`crate::txn`]).
    ///
    /// A read-only transaction has nothing to commit: it is dropped, which queues its
    /// `ROLLBACK` on the connection, and the pool sends that with the test it runs on every
    /// returned connection, in one round trip instead of two.
    pub async fn commit(self) -> Result<(), StoreError> {
        if self.read_only {
            drop(self);
            return Ok(());
        }
        crate::txn::to_completion(async move {
            self.tx.commit().await?;
            if self.wake_requested {
                self.wakes.after_commit(self.tenant_id);
            }
            Ok(())
        })
        .await
    }

    /// Rolls back (dropping a `TenantTx` rolls back too, without waiting for the answer).
    pub async fn rollback(self) -> Result<(), StoreError> {
        crate::txn::rollback(self.tx).await
    }
}

impl Tenancy {
    /// Opens a transaction in the tenant's namespace. Suspended or unprovisioned tenants are
    /// refused.
    pub async fn begin(&self, tenant: &Tenant) -> Result<TenantTx, StoreError> {
        tenant.ensure_servable()?;
        self.begin_record_with(&tenant.record, Kind::Flushed).await
    }

    /// A transaction that only reads (`BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY`): for
    /// the routes that answer without changing anything, lists above all. A write in it fails
    /// ("cannot execute … in a read-only transaction") instead of passing unnoticed; every
    /// read in it shares one snapshot, so its [`data_version`](TenantTx::data_version) names
    /// what it reads; its [`commit`](TenantTx::commit) costs no round trip of its own.
    pub async fn begin_read(&self, tenant: &Tenant) -> Result<TenantTx, StoreError> {
        tenant.ensure_servable()?;
        self.begin_record_with(&tenant.record, Kind::ReadOnly).await
    }

    /// A transaction whose commit does not wait for the WAL flush (`synchronous_commit =
    /// off`, in the same round trip as BEGIN). Only for work that is safe to lose in a server
    /// crash because it is redone: the job queue's claims and completions, whose effects
    /// commit with them, so a lost completion is a job that runs again, inbox and all.
    /// Never for a user's change (nor the events it emits).
    pub async fn begin_relaxed(&self, tenant: &Tenant) -> Result<TenantTx, StoreError> {
        tenant.ensure_servable()?;
        self.begin_record_with(&tenant.record, Kind::Relaxed).await
    }

    /// For provisioning, which must write into a tenant that is not active yet.
    pub(crate) async fn begin_record(&self, record: &TenantRecord) -> Result<TenantTx, StoreError> {
        self.begin_record_with(record, Kind::Flushed).await
    }

    async fn begin_record_with(
        &self,
        record: &TenantRecord,
        kind: Kind,
    ) -> Result<TenantTx, StoreError> {
        let pool = self.pool_for(record).await?;
        let calendar = self.calendar().await?;
        let begin = format!(
            "BEGIN{}; SELECT set_config('search_path', {}, true), set_config('app.tenant_id', {}, true){}",
            if kind == Kind::ReadOnly {
                " ISOLATION LEVEL REPEATABLE READ READ ONLY"
            } else {
                ""
            },
            quote_literal(&quote_ident(&record.placement.schema)),
            quote_literal(&record.id.to_string()),
            match kind {
                Kind::Flushed | Kind::ReadOnly => "",
                Kind::Relaxed => ", set_config('synchronous_commit', 'off', true)",
            }
        );
        // Not `pool.begin_with`: a caller dropped while it waits for the answer would leave
        // the connection inside a transaction sqlx does not know of (see `crate::txn`).
        let tx = crate::txn::begin(&pool, Some(begin)).await?;
        Ok(TenantTx {
            tx,
            tenant_id: record.id,
            persistent: !self.inner.config.behind_pgbouncer,
            wakes: self.inner.wakes.clone(),
            wake_requested: false,
            calendar,
            tier: record.tier,
            read_only: kind == Kind::ReadOnly,
            place: place_tag(record),
        })
    }
}

/// A tag for the namespace holding a tenant's data, stable for the life of the process.
fn place_tag(record: &TenantRecord) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::hash::DefaultHasher::new();
    let p = &record.placement;
    (p.server_id, p.database.as_deref(), p.schema.as_str()).hash(&mut h);
    h.finish()
}
