//! The agency's ERP kept in step (ARCHITECTURE.md, "Odoo"): its Odoo connection
//! ([`settings`], the key sealed, and [`check`]: test connection), the `odoo.sync` job that
//! mirrors clients (`res.partner`), registrations (`crm.lead`) and approved commissions (the
//! custom model, or vendor bills) ([`sync`], [`mapping`]), which record is which ([`links`]),
//! and [`reconcile`].

pub mod check;
pub mod links;
pub mod mapping;
pub mod reconcile;
pub mod settings;
pub mod sync;

pub use sync::OdooSync;

use comply360_practice::PracticeError;
use comply360_store::TenantTx;

/// The agency's sync state: counts per kind, and the latest failures with Odoo's message.
pub async fn state(tx: &mut TenantTx) -> Result<SyncState, PracticeError> {
    Ok(SyncState {
        counts: links::repo::counts(tx).await?,
        failures: links::repo::failures(tx, 20).await?,
    })
}

/// One record's state, if it was ever synced.
pub async fn link_of(
    tx: &mut TenantTx,
    entity: links::Entity,
    id: uuid::Uuid,
) -> Result<Option<links::Link>, PracticeError> {
    Ok(links::repo::get(tx, entity, id).await?)
}

#[derive(Clone, Debug, serde::Serialize, utoipa::ToSchema)]
pub struct SyncState {
    pub counts: Vec<links::SyncCounts>,
    pub failures: Vec<links::Link>,
}
