//! Resolving tenants by slug or id through a cache of the catalog, kept honest by a NOTIFY
//! listener on `c360_catalog` (which also closes idle pools). The business calendar with the
//! platform's declared holidays is cached the same way: every tenant transaction carries it,
//! so reading the list per transaction would cost a round trip each.

use super::{Tenancy, Tenant};
use crate::StoreError;
use crate::catalog;
use comply360_domain::TenantId;
use comply360_domain::calendar::BusinessCalendar;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The catalog channel's payload when the declared holidays change
/// (`migrations/control/0004_declared_holidays.sql`).
const DECLARED_HOLIDAYS: &str = "declared_holidays";

/// `cache_hits_total{cache="placement"}`: a tenant's placement found in the cache.
fn placement_hit() {
    metrics::counter!("cache_hits_total", "cache" => "placement").increment(1);
}

/// `cache_misses_total{cache="placement"}`: read from the catalog (absent or expired).
fn placement_miss() {
    metrics::counter!("cache_misses_total", "cache" => "placement").increment(1);
}

pub(super) struct Cached {
    tenant: Arc<Tenant>,
    at: Instant,
}

impl Tenancy {
    /// Resolves a slug through the cache; misses and expired entries read the catalog.
    pub async fn resolve(&self, slug: &str) -> Result<Arc<Tenant>, StoreError> {
        if let Some(hit) = self.cached(slug) {
            placement_hit();
            return Ok(hit);
        }
        placement_miss();
        let record = catalog::require_tenant(&self.inner.catalog, slug).await?;
        let tenant = Arc::new(Tenant { record });
        self.lock_cache().insert(
            slug.to_owned(),
            Cached {
                tenant: tenant.clone(),
                at: Instant::now(),
            },
        );
        Ok(tenant)
    }

    /// Resolves a tenant by id (job workers hear ids, not slugs), through the same cache.
    pub async fn resolve_id(&self, id: TenantId) -> Result<Arc<Tenant>, StoreError> {
        let hit = {
            let cache = self.lock_cache();
            cache
                .values()
                .find(|c| c.tenant.id() == id && c.at.elapsed() < self.inner.config.cache_ttl)
                .map(|c| c.tenant.clone())
        };
        if let Some(hit) = hit {
            placement_hit();
            return Ok(hit);
        }
        placement_miss();
        let record = catalog::tenant_by_id(&self.inner.catalog, id)
            .await?
            .ok_or_else(|| StoreError::UnknownTenant(id.to_string()))?;
        let tenant = Arc::new(Tenant { record });
        self.lock_cache().insert(
            tenant.slug().to_owned(),
            Cached {
                tenant: tenant.clone(),
                at: Instant::now(),
            },
        );
        Ok(tenant)
    }

    /// Every tenant that may be served now (active and fully provisioned), fresh from the
    /// catalog: what the job workers sweep.
    pub async fn servable_tenants(&self) -> Result<Vec<Arc<Tenant>>, StoreError> {
        let records = catalog::list_tenants(&self.inner.catalog).await?;
        Ok(records
            .into_iter()
            .map(|record| Arc::new(Tenant { record }))
            .filter(|t| t.ensure_servable().is_ok())
            .collect())
    }

    fn cached(&self, slug: &str) -> Option<Arc<Tenant>> {
        let cache = self.lock_cache();
        cache
            .get(slug)
            .filter(|c| c.at.elapsed() < self.inner.config.cache_ttl)
            .map(|c| c.tenant.clone())
    }

    fn lock_cache(&self) -> std::sync::MutexGuard<'_, HashMap<String, Cached>> {
        self.inner
            .cache
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Drops a tenant from the cache (called on NOTIFY, and by writers in this process).
    pub fn invalidate(&self, id: TenantId) {
        self.lock_cache().retain(|_, c| c.tenant.id() != id);
    }

    pub fn invalidate_all(&self) {
        self.lock_cache().clear();
        self.invalidate_calendar();
    }

    /// The business calendar with the platform's declared holidays: cached for the cache's
    /// TTL, dropped when the list changes (NOTIFY `declared_holidays`, or
    /// [`Tenancy::invalidate_calendar`] by the writer in this process).
    pub async fn calendar(&self) -> Result<Arc<BusinessCalendar>, StoreError> {
        if let Some(hit) = self
            .lock_calendar()
            .as_ref()
            .filter(|(_, at)| at.elapsed() < self.inner.config.cache_ttl)
            .map(|(cal, _)| cal.clone())
        {
            return Ok(hit);
        }
        let declared = match crate::holidays::list(&self.inner.catalog).await {
            Ok(declared) => declared,
            Err(err) => {
                // The list changes a few times a year: a stale copy beats refusing the
                // agency's transaction; without one, the error stands.
                let stale = self.lock_calendar().as_ref().map(|(cal, _)| cal.clone());
                return match stale {
                    Some(cal) => {
                        tracing::warn!(error = %err, "cannot read the declared holidays; using the last list read");
                        Ok(cal)
                    }
                    None => Err(err),
                };
            }
        };
        let cal = Arc::new(BusinessCalendar::new(declared.iter().map(|h| h.date)));
        *self.lock_calendar() = Some((cal.clone(), Instant::now()));
        Ok(cal)
    }

    /// Forgets the cached calendar: the next transaction reads the list again.
    pub fn invalidate_calendar(&self) {
        *self.lock_calendar() = None;
    }

    fn lock_calendar(&self) -> std::sync::MutexGuard<'_, Option<(Arc<BusinessCalendar>, Instant)>> {
        self.inner
            .calendar
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Listens for catalog changes and keeps the cache honest; also closes idle pools. The
    /// listener needs a session of its own, so it connects directly (never via PgBouncer).
    pub fn spawn_maintenance(&self, listen: sqlx::postgres::PgConnectOptions) {
        let this = self.clone();
        let handle = tokio::spawn(async move { this.maintenance_loop(listen).await });
        let mut slot = self
            .inner
            .maintenance
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        *slot = Some(handle);
    }

    async fn maintenance_loop(self, listen: sqlx::postgres::PgConnectOptions) {
        use crate::listen::{Heard, Listener};
        // The payload is a tenant id, `declared_holidays` for the calendar, or anything else
        // for "forget every tenant".
        let mut listener = Listener::new(
            "catalog listener",
            listen,
            &["c360_catalog"],
            self.inner.stop.clone(),
        );
        let mut sweep = tokio::time::interval(Duration::from_secs(30));
        loop {
            tokio::select! {
                _ = sweep.tick() => {
                    self.inner.registry.close_idle();
                }
                heard = listener.next() => match heard {
                    // The listener closed its connection: the tenancy is closing.
                    None => return,
                    Some(Heard::Notification { payload, .. }) if payload == DECLARED_HOLIDAYS => {
                        self.invalidate_calendar();
                    }
                    Some(Heard::Notification { payload, .. }) => match payload.parse::<TenantId>() {
                        Ok(id) => self.invalidate(id),
                        Err(_) => self.invalidate_all(),
                    },
                    // Anything may have changed while we were not listening: forget everything.
                    Some(Heard::Connected | Heard::Lost) => self.invalidate_all(),
                },
            }
        }
    }
}
