//! The agency's ERP kept in step (ARCHITECTURE.md, "Odoo"): its Odoo connection
//! ([`settings`], the key sealed, and [`check`]: test connection), the `odoo.sync` job that
//! mirrors clients (`res.partner`), registrations (`crm.lead`) and approved commissions (the
//! custom model, or vendor bills) and issued invoices with their payments and credit notes
//! ([`invoices`]) ([`sync`], [`mapping`]), which record is which ([`links`]), and
//! [`reconcile`].

pub mod check;
pub mod invoices;
pub mod links;
pub mod mapping;
pub mod reconcile;
pub mod settings;
pub mod sync;

pub use sync::OdooSync;

/// The HTTP client for an agency's Odoo: a call that hangs ends with an error naming the wait
/// (30 s; 10 s to connect) instead of holding a page, a command or a job open.
pub fn http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .connect_timeout(std::time::Duration::from_secs(10))
        .timeout(std::time::Duration::from_secs(30))
        .build()
        .unwrap_or_default()
}

use comply360_practice::PracticeError;
use comply360_store::TenantTx;

/// The agency's sync state: counts per kind, and the latest failures with Odoo's message.
pub async fn state(tx: &mut TenantTx) -> Result<SyncState, PracticeError> {
    Ok(SyncState {
        counts: links::repo::counts(tx).await?,
        failures: links::repo::failures(tx, 20).await?,
    })
}

/// One record's place in the agency's Odoo: None when the agency has no Odoo; else its link
/// (absent while the record waits to be sent).
pub async fn record_state(
    tx: &mut TenantTx,
    entity: links::Entity,
    id: uuid::Uuid,
) -> Result<Option<RecordSync>, PracticeError> {
    if settings::get(tx).await?.is_none() {
        return Ok(None);
    }
    Ok(Some(RecordSync {
        link: links::repo::get(tx, entity, id).await?,
    }))
}

#[derive(Clone, Debug, serde::Serialize)]
pub struct RecordSync {
    pub link: Option<links::Link>,
}

#[derive(Clone, Debug, serde::Serialize, utoipa::ToSchema)]
pub struct SyncState {
    pub counts: Vec<links::SyncCounts>,
    pub failures: Vec<links::Link>,
}
