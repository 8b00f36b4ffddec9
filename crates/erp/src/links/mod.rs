//! Which Comply360 record is which Odoo record (`odoo_links`): the Odoo model and id, when it
//! was last synced and the values written; or, after a failure, Odoo's message.

pub(crate) mod repo;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The kinds of record the sync mirrors.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Entity {
    Client,
    Registration,
    Commission,
    /// An agent as the contact of their commissions.
    Agent,
    /// An issued invoice, as a customer invoice (`account.move`, `out_invoice`).
    Invoice,
    /// A payment received, as the payment registered against its invoice (`account.payment`).
    Payment,
    /// A credit note (a refund), as a customer credit note (`account.move`, `out_refund`).
    CreditNote,
}

comply360_domain::text_enum!(Entity, "synced record kind", {
    Client => "client", Registration => "registration", Commission => "commission", Agent => "agent",
    Invoice => "invoice", Payment => "payment", CreditNote => "credit_note",
});

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LinkState {
    Synced,
    Failed,
}

comply360_domain::text_enum!(LinkState, "sync state", {
    Synced => "synced", Failed => "failed",
});

/// One record's place in Odoo.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Link {
    pub entity: Entity,
    pub entity_id: Uuid,
    /// e.g. `res.partner`.
    pub model: String,
    pub odoo_id: Option<i64>,
    pub state: LinkState,
    pub synced_at: Option<DateTime<Utc>>,
    /// The values last written.
    #[serde(skip)]
    pub written: Option<serde_json::Value>,
    /// Odoo's message (or why Odoo could not be reached), after a failure.
    pub last_error: Option<String>,
    pub failed_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
}

/// How many records of each kind are synced and failed.
#[derive(Clone, Debug, Default, Serialize, utoipa::ToSchema)]
pub struct SyncCounts {
    pub entity: String,
    pub synced: i64,
    pub failed: i64,
}
