//! Suspending and reactivating a tenant: the status and its audit entry in one transaction.
//! Shared by `comply360 tenant suspend|reactivate` and the console.

use crate::catalog::{self, TenantRecord};
use crate::{Store, StoreError};
use comply360_domain::{Slug, TenantStatus};

impl Store {
    /// Sets `slug`'s status, recording `actor` in the platform audit log. Returns the tenant
    /// as it now is and whether anything changed (false: it already had that status).
    pub async fn set_tenant_status(
        &self,
        slug: &str,
        status: TenantStatus,
        actor: &str,
    ) -> Result<(TenantRecord, bool), StoreError> {
        let parsed = Slug::parse(slug).map_err(|_| StoreError::UnknownTenant(slug.to_owned()))?;
        let mut tx = self.owner_pool().begin().await?;
        let before = catalog::require_tenant(&mut *tx, slug).await?;
        if before.status == status {
            return Ok((before, false));
        }
        catalog::set_status(&mut *tx, &parsed, status).await?;
        let action = match status {
            TenantStatus::Suspended => "tenant.suspended",
            TenantStatus::Active => "tenant.reactivated",
        };
        catalog::audit(
            &mut *tx,
            actor,
            action,
            Some(before.id),
            serde_json::json!({"slug": slug}),
        )
        .await?;
        let after = catalog::require_tenant(&mut *tx, slug).await?;
        tx.commit().await?;
        // This process sees the change at once; the others through the catalog's NOTIFY.
        self.tenancy().invalidate(before.id);
        Ok((after, true))
    }
}
