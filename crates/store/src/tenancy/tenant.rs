//! A tenant as the catalog knows it, and whether it may be served now.

use crate::StoreError;
use crate::catalog::TenantRecord;
use comply360_domain::{IsolationMode, ProvisioningState, TenantId, TenantStatus};

/// A tenant as resolved from the catalog. It has no public constructor: holding one proves the
/// catalog was asked.
#[derive(Debug, Clone)]
pub struct Tenant {
    pub(super) record: TenantRecord,
}

impl Tenant {
    pub fn id(&self) -> TenantId {
        self.record.id
    }
    pub fn slug(&self) -> &str {
        &self.record.slug
    }
    pub fn name(&self) -> &str {
        &self.record.name
    }
    pub fn mode(&self) -> IsolationMode {
        self.record.mode
    }
    pub fn status(&self) -> TenantStatus {
        self.record.status
    }
    pub fn record(&self) -> &TenantRecord {
        &self.record
    }
    /// Whether requests for this tenant may be served: refused while suspended or while
    /// provisioning is unfinished. The one place that rule lives.
    pub fn ensure_servable(&self) -> Result<(), StoreError> {
        if self.record.status == TenantStatus::Suspended {
            return Err(StoreError::Suspended {
                slug: self.record.slug.clone(),
            });
        }
        if self.record.placement.state != ProvisioningState::Active {
            return Err(StoreError::NotProvisioned {
                slug: self.record.slug.clone(),
                state: self.record.placement.state.to_string(),
            });
        }
        Ok(())
    }

    /// Whether the agency's people may change its data: not while it is held for an unpaid
    /// platform invoice (reads go on; the system's own work, such as applying a client's
    /// payment, goes on too). The one place that rule lives.
    pub fn ensure_writable(&self) -> Result<(), StoreError> {
        match self.record.billing_hold_since {
            Some(since) => Err(StoreError::BillingHold {
                slug: self.record.slug.clone(),
                since,
            }),
            None => Ok(()),
        }
    }
}
