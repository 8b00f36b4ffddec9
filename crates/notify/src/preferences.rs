//! A user's opt-outs, per category and channel (`notification_preferences`). No row means
//! "receives it". Essential messages ignore opt-outs (see [`crate::Template::essential`]).

use crate::NotifyError;
use crate::model::{Category, Channel};
use comply360_store::TenantTx;
use uuid::Uuid;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Preference {
    pub category: Category,
    pub channel: Channel,
    pub opted_out: bool,
}

/// Records whether `user` receives `category` messages on `channel`.
pub async fn set(
    tx: &mut TenantTx,
    user: Uuid,
    category: Category,
    channel: Channel,
    opted_out: bool,
) -> Result<(), NotifyError> {
    let tenant = tx.tenant_id().as_uuid();
    tx.query(
        "INSERT INTO notification_preferences (tenant_id, user_id, category, channel, opted_out)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (tenant_id, user_id, category, channel)
         DO UPDATE SET opted_out = EXCLUDED.opted_out",
    )
    .bind(tenant)
    .bind(user)
    .bind(category.as_str())
    .bind(channel.as_str())
    .bind(opted_out)
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// Every preference the user has recorded, by category then channel.
pub async fn for_user(tx: &mut TenantTx, user: Uuid) -> Result<Vec<Preference>, NotifyError> {
    let tenant = tx.tenant_id().as_uuid();
    let rows: Vec<(String, String, bool)> = tx
        .query_as(
            "SELECT category, channel, opted_out FROM notification_preferences
             WHERE tenant_id = $1 AND user_id = $2 ORDER BY category, channel",
        )
        .bind(tenant)
        .bind(user)
        .fetch_all(tx.conn())
        .await?;
    rows.into_iter()
        .map(|(category, channel, opted_out)| {
            Ok(Preference {
                category: category.parse()?,
                channel: channel.parse()?,
                opted_out,
            })
        })
        .collect()
}

pub async fn is_opted_out(
    tx: &mut TenantTx,
    user: Uuid,
    category: Category,
    channel: Channel,
) -> Result<bool, NotifyError> {
    let tenant = tx.tenant_id().as_uuid();
    let opted_out: Option<bool> = tx
        .query_scalar(
            "SELECT opted_out FROM notification_preferences
             WHERE tenant_id = $1 AND user_id = $2 AND category = $3 AND channel = $4",
        )
        .bind(tenant)
        .bind(user)
        .bind(category.as_str())
        .bind(channel.as_str())
        .fetch_optional(tx.conn())
        .await?;
    Ok(opted_out.unwrap_or(false))
}
