//! Sessions and their refresh tokens.
//!
//! A session is one sign-in. Its refresh tokens form a family: each use of a refresh token
//! marks it used and issues the next. A used token presented again means it was copied (the
//! thief or the owner is replaying it), so the whole family — the session — is revoked and
//! both parties must sign in again (OAuth 2.0 Security BCP, refresh token rotation).

use crate::audit::ClientInfo;
use crate::realm::RealmTx;
use crate::secret_token::SecretToken;
use crate::service::AuthError;
use std::time::Duration;
use uuid::Uuid;

/// Opens a session for `user` and returns it with its first refresh token.
pub async fn open(
    tx: &mut RealmTx,
    user: Uuid,
    client: &ClientInfo,
    refresh_ttl: Duration,
) -> Result<(Uuid, String), AuthError> {
    let t = tx.tenant_uuid();
    let session = Uuid::now_v7();
    tx.query(
        "INSERT INTO {sessions} (tenant_id, id, user_id, ip, user_agent)
         VALUES ($1, $2, $3, $4::inet, $5)",
    )
    .bind(t)
    .bind(session)
    .bind(user)
    .bind(client.ip.map(|ip| ip.to_string()))
    .bind(
        client
            .user_agent
            .as_ref()
            .map(|ua| ua.chars().take(300).collect::<String>()),
    )
    .execute(tx.conn())
    .await?;
    let token = issue_refresh(tx, session, refresh_ttl).await?;
    Ok((session, token))
}

async fn issue_refresh(
    tx: &mut RealmTx,
    session: Uuid,
    ttl: Duration,
) -> Result<String, AuthError> {
    let t = tx.tenant_uuid();
    let token = SecretToken::generate();
    tx.query(
        "INSERT INTO {refresh_tokens} (tenant_id, token_hash, session_id, expires_at)
         VALUES ($1, $2, $3, now() + make_interval(secs => $4))",
    )
    .bind(t)
    .bind(&token.hash)
    .bind(session)
    .bind(ttl.as_secs_f64())
    .execute(tx.conn())
    .await?;
    Ok(token.plain)
}

struct Presented {
    session_id: Uuid,
    used: bool,
    expired: bool,
    revoked: bool,
    user_id: Uuid,
    role: String,
    status: String,
}

comply360_store::from_row!(Presented {
    session_id,
    used,
    expired,
    revoked,
    user_id,
    role,
    status
});

/// What a rotation yields.
pub struct Rotated {
    pub session: Uuid,
    pub user: Uuid,
    pub role: String,
    pub refresh_token: String,
}

/// Whether the presented token was the current one of a live session.
pub enum Rotation {
    Rotated(Rotated),
    /// Unknown, expired, revoked session, or inactive account.
    Invalid,
    /// Already used: the session has been revoked (in `tx`, which the caller commits).
    Reused {
        session: Uuid,
        user: Uuid,
    },
}

pub async fn rotate(
    tx: &mut RealmTx,
    presented: &str,
    ttl: Duration,
) -> Result<Rotation, AuthError> {
    let t = tx.tenant_uuid();
    let hash = crate::secret_token::hash(presented);
    let found: Option<Presented> = tx
        .query_as(
            "SELECT r.session_id, r.used_at IS NOT NULL AS used, r.expires_at <= now() AS expired,
                    s.revoked_at IS NOT NULL AS revoked, u.id AS user_id, u.role, u.status
             FROM {refresh_tokens} r
             JOIN {sessions} s ON s.tenant_id = r.tenant_id AND s.id = r.session_id
             JOIN {users} u ON u.tenant_id = s.tenant_id AND u.id = s.user_id
             WHERE r.tenant_id = $1 AND r.token_hash = $2
             FOR UPDATE OF r, s",
        )
        .bind(t)
        .bind(&hash)
        .fetch_optional(tx.conn())
        .await?;
    let Some(found) = found else {
        return Ok(Rotation::Invalid);
    };
    if found.used {
        revoke(tx, found.session_id, "refresh_token_reuse").await?;
        return Ok(Rotation::Reused {
            session: found.session_id,
            user: found.user_id,
        });
    }
    if found.expired || found.revoked || found.status != "active" {
        return Ok(Rotation::Invalid);
    }
    tx.query(
        "UPDATE {refresh_tokens} SET used_at = now() WHERE tenant_id = $1 AND token_hash = $2",
    )
    .bind(t)
    .bind(&hash)
    .execute(tx.conn())
    .await?;
    tx.query("UPDATE {sessions} SET last_used_at = now() WHERE tenant_id = $1 AND id = $2")
        .bind(t)
        .bind(found.session_id)
        .execute(tx.conn())
        .await?;
    let refresh_token = issue_refresh(tx, found.session_id, ttl).await?;
    Ok(Rotation::Rotated(Rotated {
        session: found.session_id,
        user: found.user_id,
        role: found.role,
        refresh_token,
    }))
}

/// Revokes one session; whether it was live.
pub async fn revoke(tx: &mut RealmTx, session: Uuid, reason: &str) -> Result<bool, AuthError> {
    let t = tx.tenant_uuid();
    let done = tx
        .query(
            "UPDATE {sessions} SET revoked_at = now(), revoked_reason = $3
             WHERE tenant_id = $1 AND id = $2 AND revoked_at IS NULL",
        )
        .bind(t)
        .bind(session)
        .bind(reason)
        .execute(tx.conn())
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Revokes every live session of `user` except `keep`; the ones revoked.
pub async fn revoke_all(
    tx: &mut RealmTx,
    user: Uuid,
    keep: Option<Uuid>,
    reason: &str,
) -> Result<Vec<Uuid>, AuthError> {
    let t = tx.tenant_uuid();
    Ok(tx
        .query_scalar(
            "UPDATE {sessions} SET revoked_at = now(), revoked_reason = $3
             WHERE tenant_id = $1 AND user_id = $2 AND revoked_at IS NULL
               AND id IS DISTINCT FROM $4
             RETURNING id",
        )
        .bind(t)
        .bind(user)
        .bind(reason)
        .bind(keep)
        .fetch_all(tx.conn())
        .await?)
}

/// Whether a session is live (not revoked).
pub async fn is_live(tx: &mut RealmTx, session: Uuid) -> Result<bool, AuthError> {
    let t = tx.tenant_uuid();
    let live: Option<bool> = tx
        .query_scalar("SELECT revoked_at IS NULL FROM {sessions} WHERE tenant_id = $1 AND id = $2")
        .bind(t)
        .bind(session)
        .fetch_optional(tx.conn())
        .await?;
    Ok(live.unwrap_or(false))
}
