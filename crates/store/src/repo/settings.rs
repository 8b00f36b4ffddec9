//! The tenant's settings (branding, locale, currency, …), one JSON value per key.

use crate::{StoreError, TenantTx};
use serde_json::Value;

pub async fn get_many(
    tx: &mut TenantTx,
    keys: &[&str],
) -> Result<Vec<(String, Value)>, StoreError> {
    let keys: Vec<String> = keys.iter().map(|k| (*k).to_owned()).collect();
    let tenant = tx.tenant_id().as_uuid();
    Ok(tx
        .query_as(
            "SELECT key, value FROM settings WHERE tenant_id = $1 AND key = ANY($2) ORDER BY key",
        )
        .bind(tenant)
        .bind(keys)
        .fetch_all(tx.conn())
        .await?)
}

/// One setting, if the tenant has it.
pub async fn get(tx: &mut TenantTx, key: &str) -> Result<Option<Value>, StoreError> {
    let tenant = tx.tenant_id().as_uuid();
    Ok(tx
        .query_scalar("SELECT value FROM settings WHERE tenant_id = $1 AND key = $2")
        .bind(tenant)
        .bind(key)
        .fetch_optional(tx.conn())
        .await?)
}

pub async fn put(tx: &mut TenantTx, key: &str, value: &Value) -> Result<(), StoreError> {
    let tenant = tx.tenant_id().as_uuid();
    tx.query(
        "INSERT INTO settings (tenant_id, key, value) VALUES ($1, $2, $3)
         ON CONFLICT (tenant_id, key) DO UPDATE SET value = EXCLUDED.value",
    )
    .bind(tenant)
    .bind(key)
    .bind(value)
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// Removes a setting; whether the tenant had it.
pub async fn delete(tx: &mut TenantTx, key: &str) -> Result<bool, StoreError> {
    let tenant = tx.tenant_id().as_uuid();
    let done = tx
        .query("DELETE FROM settings WHERE tenant_id = $1 AND key = $2")
        .bind(tenant)
        .bind(key)
        .execute(tx.conn())
        .await?;
    Ok(done.rows_affected() > 0)
}
