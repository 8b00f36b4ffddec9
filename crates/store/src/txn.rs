//! Opening and ending transactions so that a cancelled caller cannot leave one half done.
//!
//! A request's future is dropped wherever it is waiting when its client goes away or its
//! timeout fires. sqlx 0.8 counts a transaction only once the server has answered `BEGIN`:
//! a future dropped after `BEGIN` was sent but before its answer was read leaves the
//! connection inside a transaction that sqlx does not know about, so nothing rolls it back
//! and the pool lends it, transaction-local context and all, to the next user (who then sees
//! "there is already a transaction in progress" and commits the dead request's work with its
//! own). A future dropped while waiting for `COMMIT` makes the dropped `Transaction` queue a
//! `ROLLBACK` after a `COMMIT` that did happen ("there is no transaction in progress").
//!
//! So the three protocol steps that sqlx cannot undo run on a task of their own, which
//! finishes whatever happens to the caller: a `BEGIN` whose caller is gone completes and its
//! transaction is then dropped, which queues a `ROLLBACK` that the pool sends (with its
//! ping) before the connection is lent again; a `COMMIT` whose caller is gone still commits,
//! as it would have a moment later. Statements inside the transaction need no such care: a
//! statement cut in the middle leaves the transaction counted, and dropping it rolls back.
//! ARCHITECTURE.md ("Cancellation") has the whole analysis.

use crate::StoreError;
use sqlx::{PgPool, Postgres, Transaction};
use std::future::Future;
use tracing::Instrument;

/// Runs `work` on its own task and waits for it; the work completes even if the caller is
/// dropped while waiting.
pub(crate) async fn to_completion<T, F>(work: F) -> Result<T, StoreError>
where
    T: Send + 'static,
    F: Future<Output = Result<T, StoreError>> + Send + 'static,
{
    // In the caller's span: sqlx's statement logs keep the request id and tenant.
    match tokio::spawn(work.in_current_span()).await {
        Ok(result) => result,
        Err(join) if join.is_panic() => std::panic::resume_unwind(join.into_panic()),
        Err(_) => Err(StoreError::Interrupted),
    }
}

/// `BEGIN` (or the custom `statement`, which must start a transaction) on a connection of
/// `pool`, immune to the caller's cancellation.
pub async fn begin(
    pool: &PgPool,
    statement: Option<String>,
) -> Result<Transaction<'static, Postgres>, StoreError> {
    let pool = pool.clone();
    to_completion(async move {
        Ok(match statement {
            Some(statement) => pool.begin_with(statement).await?,
            None => pool.begin().await?,
        })
    })
    .await
}

/// `COMMIT`, immune to the caller's cancellation.
pub async fn commit(tx: Transaction<'static, Postgres>) -> Result<(), StoreError> {
    to_completion(async move { Ok(tx.commit().await?) }).await
}

/// `ROLLBACK`, immune to the caller's cancellation (a rollback cut short would be followed
/// by the dropped transaction's own `ROLLBACK`).
pub async fn rollback(tx: Transaction<'static, Postgres>) -> Result<(), StoreError> {
    to_completion(async move { Ok(tx.rollback().await?) }).await
}
