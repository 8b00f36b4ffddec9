//! Idempotency keys of creating requests (table `idempotency_keys`, migration 0006).
//!
//! A key is claimed before the request runs and its answer recorded after; see
//! `comply360_api::idempotency` for the protocol around these statements.

use crate::{StoreError, TenantTx};
use std::time::Duration;

/// How long a key and its answer are kept.
pub const RETENTION_HOURS: i32 = 24;

/// What the request that presents a key finds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// The key is this request's: run it, then [`record`] (or [`release`]) the answer.
    Claimed,
    /// Another request holds or held the key.
    Taken(Held),
}

/// A key as another request left it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Held {
    pub caller: String,
    pub fingerprint: Vec<u8>,
    /// `None` while that request is still running.
    pub answer: Option<Answer>,
}

/// A recorded answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub status: u16,
    pub content_type: Option<String>,
    pub location: Option<String>,
    pub body: Vec<u8>,
}

/// Claims `key` for a request of `caller` with `fingerprint`, holding it for `lease`. A key
/// older than the retention is free again; so is one whose holder died before answering,
/// once its lease has passed, for the same caller and request only. Also forgets the
/// agency's keys past the retention (an index range that is empty almost always).
pub async fn claim(
    tx: &mut TenantTx,
    key: &str,
    caller: &str,
    fingerprint: &[u8],
    lease: Duration,
) -> Result<Claim, StoreError> {
    let tenant = tx.tenant_id().as_uuid();
    tx.query(
        "DELETE FROM idempotency_keys WHERE tenant_id = $1 AND created_at < now() - make_interval(hours => $2)",
    )
    .bind(tenant)
    .bind(RETENTION_HOURS)
    .execute(tx.conn())
    .await?;
    let claimed: Option<bool> = tx
        .query_scalar(
            "INSERT INTO idempotency_keys (tenant_id, key, caller, fingerprint, locked_until)
             VALUES ($1, $2, $3, $4, now() + make_interval(secs => $5))
             ON CONFLICT (tenant_id, key) DO UPDATE
                SET caller = EXCLUDED.caller, fingerprint = EXCLUDED.fingerprint,
                    locked_until = EXCLUDED.locked_until, status = NULL, content_type = NULL,
                    location = NULL, body = NULL, created_at = now(), completed_at = NULL
              WHERE idempotency_keys.status IS NULL
                AND idempotency_keys.locked_until < now()
                AND idempotency_keys.caller = EXCLUDED.caller
                AND idempotency_keys.fingerprint = EXCLUDED.fingerprint
             RETURNING true",
        )
        .bind(tenant)
        .bind(key)
        .bind(caller)
        .bind(fingerprint)
        .bind(lease.as_secs_f64())
        .fetch_optional(tx.conn())
        .await?;
    if claimed.is_some() {
        return Ok(Claim::Claimed);
    }
    Ok(Claim::Taken(held(tx, key).await?.ok_or_else(|| {
        StoreError::Invalid(format!("idempotency key {key:?} vanished while claimed"))
    })?))
}

type HeldRow = (
    String,
    Vec<u8>,
    Option<i16>,
    Option<String>,
    Option<String>,
    Option<Vec<u8>>,
);

/// The key as it stands, if it exists.
pub async fn held(tx: &mut TenantTx, key: &str) -> Result<Option<Held>, StoreError> {
    let tenant = tx.tenant_id().as_uuid();
    let row: Option<HeldRow> = tx
        .query_as(
            "SELECT caller, fingerprint, status, content_type, location, body
             FROM idempotency_keys WHERE tenant_id = $1 AND key = $2",
        )
        .bind(tenant)
        .bind(key)
        .fetch_optional(tx.conn())
        .await?;
    Ok(row.map(
        |(caller, fingerprint, status, content_type, location, body)| Held {
            caller,
            fingerprint,
            answer: status.map(|status| Answer {
                status: u16::try_from(status).unwrap_or(500),
                content_type,
                location,
                body: body.unwrap_or_default(),
            }),
        },
    ))
}

/// Records the answer of the request that claimed `key`.
pub async fn record(tx: &mut TenantTx, key: &str, answer: &Answer) -> Result<(), StoreError> {
    let tenant = tx.tenant_id().as_uuid();
    tx.query(
        "UPDATE idempotency_keys
         SET status = $3, content_type = $4, location = $5, body = $6, completed_at = now()
         WHERE tenant_id = $1 AND key = $2",
    )
    .bind(tenant)
    .bind(key)
    .bind(i16::try_from(answer.status).unwrap_or(500))
    .bind(&answer.content_type)
    .bind(&answer.location)
    .bind(&answer.body)
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// Frees `key` without an answer (the request failed inside; a retry runs it again).
pub async fn release(tx: &mut TenantTx, key: &str) -> Result<(), StoreError> {
    let tenant = tx.tenant_id().as_uuid();
    tx.query("DELETE FROM idempotency_keys WHERE tenant_id = $1 AND key = $2 AND status IS NULL")
        .bind(tenant)
        .bind(key)
        .execute(tx.conn())
        .await?;
    Ok(())
}
