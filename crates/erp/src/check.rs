//! "Test connection": what an administrator needs to know before trusting the sync: the
//! server's version, who the key signs in as, and which of the models the sync writes exist
//! (the custom commission model decides between it and vendor bills).

use comply360_integrations::odoo::{COMMISSION_MODEL, OdooClient, OdooError};
use serde::Serialize;

/// The models the sync writes, in the order it needs them.
pub const MODELS: [&str; 5] = [
    "res.partner",
    "crm.lead",
    "account.move",
    "ir.model.data",
    COMMISSION_MODEL,
];

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct ConnectionReport {
    /// e.g. "19.0".
    pub server_version: String,
    /// `json2` or `xmlrpc`.
    pub protocol: String,
    pub uid: i64,
    pub user_name: Option<String>,
    pub login: String,
    /// Each model the sync uses, and whether this Odoo has it.
    pub models: Vec<ModelPresence>,
    /// Where approved commissions go: the custom model, or vendor bills.
    pub commissions_as: &'static str,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct ModelPresence {
    pub model: &'static str,
    pub present: bool,
}

/// Version, sign-in and models, each a call to Odoo; the first refusal is the answer.
pub async fn test(client: &OdooClient) -> Result<ConnectionReport, OdooError> {
    let version = client.version().await?;
    let user = client.authenticate().await?;
    let present = client.models_present(&MODELS).await?;
    let models: Vec<ModelPresence> = MODELS
        .iter()
        .map(|m| ModelPresence {
            model: m,
            present: present.iter().any(|p| p == m),
        })
        .collect();
    let custom = present.iter().any(|p| p == COMMISSION_MODEL);
    Ok(ConnectionReport {
        server_version: version.server_version,
        protocol: client.config().protocol.as_str().to_owned(),
        uid: user.uid,
        user_name: user.name,
        login: user.login,
        models,
        commissions_as: if custom {
            "the custom commission model (x_comply360_commission)"
        } else {
            "vendor bills (account.move, in_invoice) for each agent"
        },
    })
}
