//! Fleet migrations: every namespace to the latest tenant version.
//!
//! The catalog is the ledger (`namespaces.schema_version`), so the work list is one indexed
//! query and a run with nothing to do costs one round trip. Namespaces migrate with bounded
//! concurrency (never more owner connections than `concurrency`); each in one transaction with
//! a lock timeout and retries; one namespace's failure is recorded and the rest go on; a
//! cancelled run stops starting new namespaces and the next run picks up where it stopped.

use crate::catalog::{self, NamespaceRecord};
use crate::migrations::MigrationSet;
use crate::namespace::migrate_schema;
use crate::{Store, StoreError};
use futures::StreamExt;
use serde::Serialize;
use sqlx::{Connection, PgPool};
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

#[derive(Clone, Debug)]
pub struct FleetOptions {
    pub concurrency: usize,
    /// Stop starting namespaces when cancelled (Ctrl-C); in-flight ones finish.
    pub cancel: CancellationToken,
}

impl Default for FleetOptions {
    fn default() -> Self {
        FleetOptions {
            concurrency: 4,
            cancel: CancellationToken::new(),
        }
    }
}

/// Progress, as it happens.
#[derive(Clone, Debug)]
pub enum FleetEvent {
    Planned {
        total: usize,
        target: i32,
    },
    Migrated {
        namespace: String,
        from: i32,
        to: i32,
    },
    Failed {
        namespace: String,
        error: String,
    },
}

#[derive(Clone, Debug, Serialize)]
pub struct FailedNamespace {
    pub namespace: String,
    pub tenants: Vec<String>,
    pub error: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct FleetReport {
    pub target_version: i32,
    pub planned: usize,
    pub migrated: usize,
    pub failed: Vec<FailedNamespace>,
    /// Namespaces not attempted because the run was cancelled.
    pub skipped: usize,
    pub interrupted: bool,
    pub elapsed_ms: u128,
}

impl FleetReport {
    pub fn is_success(&self) -> bool {
        self.failed.is_empty() && !self.interrupted
    }
}

impl Store {
    /// Migrates every namespace behind the latest tenant migration.
    pub async fn migrate_fleet(
        &self,
        opts: &FleetOptions,
        on_event: impl Fn(FleetEvent) + Send + Sync,
    ) -> Result<FleetReport, StoreError> {
        let started = Instant::now();
        let set = self.tenant_migrations();
        set.check_sequence()?;
        self.record_tenant_checksums(set).await?;
        let target = set.latest();
        let work = catalog::namespaces_below(self.owner_pool(), target).await?;
        on_event(FleetEvent::Planned {
            total: work.len(),
            target,
        });
        if work.is_empty() {
            return Ok(FleetReport {
                target_version: target,
                planned: 0,
                migrated: 0,
                failed: vec![],
                skipped: 0,
                interrupted: false,
                elapsed_ms: started.elapsed().as_millis(),
            });
        }
        let concurrency = opts.concurrency.max(1);
        // Namespaces in the app database share one owner pool sized to the concurrency.
        let app_pool = crate::connect::pool_options()
            .max_connections(u32::try_from(concurrency).unwrap_or(u32::MAX))
            .min_connections(0)
            .acquire_timeout(Duration::from_secs(60))
            .connect_lazy_with(
                self.settings()
                    .owner_options(&self.settings().primary, &self.settings().app_database),
            );
        let planned = work.len();
        let results: Vec<Option<Result<i32, (NamespaceRecord, String)>>> = futures::stream::iter(work)
            .map(|ns| {
                let app_pool = app_pool.clone();
                let on_event = &on_event;
                async move {
                    if opts.cancel.is_cancelled() {
                        return None;
                    }
                    let label = ns.label();
                    let from = ns.schema_version;
                    match self.migrate_one(&ns, &app_pool, set).await {
                        Ok(to) => {
                            on_event(FleetEvent::Migrated { namespace: label, from, to });
                            Some(Ok(to))
                        }
                        Err(err) => {
                            let error = err.to_string();
                            if let Err(e) = catalog::set_namespace_error(self.owner_pool(), ns.id, &error).await {
                                tracing::warn!(error = %e, "could not record a namespace's migration error");
                            }
                            on_event(FleetEvent::Failed { namespace: label, error: error.clone() });
                            Some(Err((ns, error)))
                        }
                    }
                }
            })
            .buffer_unordered(concurrency)
            .collect()
            .await;
        app_pool.close().await;

        let mut report = FleetReport {
            target_version: target,
            planned,
            migrated: 0,
            failed: vec![],
            skipped: 0,
            interrupted: opts.cancel.is_cancelled(),
            elapsed_ms: 0,
        };
        for r in results {
            match r {
                None => report.skipped += 1,
                Some(Ok(_)) => report.migrated += 1,
                Some(Err((ns, error))) => {
                    let tenants = self.tenants_in(&ns).await.unwrap_or_default();
                    report.failed.push(FailedNamespace {
                        namespace: ns.label(),
                        tenants,
                        error,
                    });
                }
            }
        }
        report.interrupted = report.skipped > 0;
        report.elapsed_ms = started.elapsed().as_millis();
        Ok(report)
    }

    async fn migrate_one(
        &self,
        ns: &NamespaceRecord,
        app_pool: &PgPool,
        set: &MigrationSet,
    ) -> Result<i32, StoreError> {
        let locks = self.settings().locks;
        let version = match &ns.database {
            None => {
                let mut conn = app_pool.acquire().await?;
                migrate_schema(&mut conn, &ns.schema, set, locks).await?
            }
            Some(db) => {
                // A template must have no other session while it is migrated or copied.
                let template_lock = if ns.kind == "template" {
                    Some(self.lock_template(ns).await?)
                } else {
                    None
                };
                let mut conn = self.owner_connection(ns.server_id, Some(db)).await?;
                let result = migrate_schema(&mut conn, &ns.schema, set, locks).await;
                conn.close().await?;
                drop(template_lock);
                result?
            }
        };
        catalog::set_namespace_version(self.owner_pool(), ns.id, version).await?;
        Ok(version)
    }

    async fn lock_template(&self, ns: &NamespaceRecord) -> Result<sqlx::PgConnection, StoreError> {
        let mut conn = self.owner_pool().acquire().await?.detach();
        sqlx::query("SELECT pg_advisory_lock(hashtext('c360-template:' || $1::text))")
            .bind(ns.server_id.as_uuid())
            .execute(&mut conn)
            .await?;
        // Detached from the pool: a pooled connection would carry the session lock back into
        // the pool; this one closes on drop, which releases the lock.
        Ok(conn)
    }

    /// Slugs of the tenants living in a namespace (for reports).
    pub async fn tenants_in(&self, ns: &NamespaceRecord) -> Result<Vec<String>, StoreError> {
        Ok(sqlx::query_scalar("SELECT t.slug FROM control.tenants t JOIN control.placements p ON p.tenant_id = t.id WHERE p.namespace_id = $1 ORDER BY t.slug LIMIT 20")
            .bind(ns.id.as_uuid())
            .fetch_all(self.owner_pool())
            .await?)
    }

    /// Records each tenant migration's checksum the first time the fleet sees it, and refuses
    /// to run when an already-applied file has changed.
    async fn record_tenant_checksums(&self, set: &MigrationSet) -> Result<(), StoreError> {
        let applied: Vec<(i32, String)> = sqlx::query_as(
            "SELECT version, checksum FROM control.tenant_migrations ORDER BY version",
        )
        .fetch_all(self.owner_pool())
        .await?;
        set.verify_applied(&applied)?;
        for m in set
            .migrations
            .iter()
            .filter(|m| !applied.iter().any(|(v, _)| *v == m.version))
        {
            sqlx::query(
                "INSERT INTO control.tenant_migrations (version, name, checksum) VALUES ($1, $2, $3)
                 ON CONFLICT (version) DO NOTHING",
            )
            .bind(m.version)
            .bind(&m.file)
            .bind(&m.checksum)
            .execute(self.owner_pool())
            .await?;
        }
        Ok(())
    }

    /// Checks every namespace against the tenancy contract (the schema lint), reading only
    /// `pg_catalog` of each namespace. Returns (namespace, violation) pairs.
    pub async fn verify_fleet(&self) -> Result<Vec<(String, String)>, StoreError> {
        let mut problems = Vec::new();
        let mut app_conn = self.owner_pool().acquire().await?;
        for ns in catalog::all_namespaces(self.owner_pool()).await? {
            let mut own_conn = match &ns.database {
                None => None,
                Some(db) => Some(self.owner_connection(ns.server_id, Some(db)).await?),
            };
            let conn: &mut sqlx::PgConnection = match own_conn.as_mut() {
                Some(c) => c,
                None => &mut app_conn,
            };
            if crate::lint::tenant_table_count(conn, &ns.schema).await? == 0 {
                problems.push((ns.label(), "namespace has no tenant tables".to_owned()));
            }
            for v in crate::lint::lint_namespace(conn, &ns.schema).await? {
                problems.push((ns.label(), v.to_string()));
            }
            if let Some(c) = own_conn {
                c.close().await?;
            }
        }
        Ok(problems)
    }
}
