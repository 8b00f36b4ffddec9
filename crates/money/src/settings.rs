//! The agency's commission settings: which registration event earns a commission.

use comply360_practice::PracticeError;
use comply360_store::TenantTx;
use comply360_store::repo::settings;
use serde::{Deserialize, Serialize};
use serde_json::json;

const KEY: &str = "commissions.settings";

/// When a registration earns its agent a commission.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Trigger {
    /// When the registry approves it (the default).
    #[default]
    Approved,
    /// When the agent completes it (the certificate filed, the company recorded).
    Completed,
}

comply360_domain::text_enum!(Trigger, "commission trigger", {
    Approved => "approved", Completed => "completed",
});

#[derive(Clone, Debug, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CommissionSettings {
    pub trigger: Trigger,
}

pub async fn get(tx: &mut TenantTx) -> Result<CommissionSettings, PracticeError> {
    Ok(settings::get(tx, KEY)
        .await?
        .and_then(|v| serde_json::from_value(v).ok())
        .unwrap_or_default())
}

#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SettingsInput {
    /// `approved` or `completed`.
    pub trigger: Option<String>,
}

pub async fn put(
    tx: &mut TenantTx,
    actor: uuid::Uuid,
    input: &SettingsInput,
) -> Result<CommissionSettings, PracticeError> {
    let trigger: Trigger = match input.trigger.as_deref() {
        Some(t) => t
            .parse()
            .map_err(|e: comply360_domain::tenancy::UnknownValue| {
                PracticeError::field("trigger", e.to_string())
            })?,
        None => {
            return Err(PracticeError::field(
                "trigger",
                "is required: approved or completed",
            ));
        }
    };
    let before = get(tx).await?;
    let after = CommissionSettings { trigger };
    settings::put(tx, KEY, &json!(after)).await?;
    let agency = tx.tenant_id().as_uuid();
    comply360_practice::history::record(
        tx,
        actor,
        "commission.settings_changed",
        "settings",
        agency,
        json!({"trigger": {"from": before.trigger, "to": after.trigger}}),
    )
    .await?;
    Ok(after)
}
