//! `notification_messages`: the statements, each in the caller's tenant transaction.

use crate::NotifyError;
use crate::model::{Channel, MessageState};
use chrono::{DateTime, Utc};
use comply360_domain::{EventId, MessageId};
use comply360_store::TenantTx;
use sqlx::Row;
use sqlx::postgres::PgRow;
use uuid::Uuid;

/// A message as stored.
#[derive(Clone, Debug, PartialEq)]
pub struct Message {
    pub id: MessageId,
    pub event_id: Option<EventId>,
    pub template: String,
    pub language: String,
    pub channel: Channel,
    pub recipient: String,
    pub user_id: Option<Uuid>,
    pub essential: bool,
    pub category: String,
    pub subject: Option<String>,
    pub body_text: String,
    pub body_html: Option<String>,
    pub state: MessageState,
    pub provider: Option<String>,
    pub provider_message_id: Option<String>,
    pub attempts: i32,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
}

const COLUMNS: &str = "id, event_id, template, language, channel, recipient, user_id, essential, \
    category, subject, body_text, body_html, state, provider, provider_message_id, attempts, \
    last_error, created_at, sent_at";

fn from_row(row: &PgRow) -> Result<Message, NotifyError> {
    let channel: String = row.try_get("channel")?;
    let state: String = row.try_get("state")?;
    Ok(Message {
        id: MessageId::from_uuid(row.try_get("id")?),
        event_id: row
            .try_get::<Option<Uuid>, _>("event_id")?
            .map(EventId::from_uuid),
        template: row.try_get("template")?,
        language: row.try_get("language")?,
        channel: channel.parse()?,
        recipient: row.try_get("recipient")?,
        user_id: row.try_get("user_id")?,
        essential: row.try_get("essential")?,
        category: row.try_get("category")?,
        subject: row.try_get("subject")?,
        body_text: row.try_get("body_text")?,
        body_html: row.try_get("body_html")?,
        state: state.parse()?,
        provider: row.try_get("provider")?,
        provider_message_id: row.try_get("provider_message_id")?,
        attempts: row.try_get("attempts")?,
        last_error: row.try_get("last_error")?,
        created_at: row.try_get("created_at")?,
        sent_at: row.try_get("sent_at")?,
    })
}

/// A row about to be written (already rendered).
pub(crate) struct NewRow<'a> {
    pub id: MessageId,
    pub event_id: Option<EventId>,
    pub template: &'a str,
    pub language: &'a str,
    pub channel: Channel,
    pub recipient: &'a str,
    pub user_id: Option<Uuid>,
    pub essential: bool,
    pub category: &'a str,
    pub subject: Option<&'a str>,
    pub body_text: &'a str,
    pub body_html: Option<&'a str>,
    pub state: MessageState,
}

/// Inserts the row; `None` when this event already produced this message for this recipient
/// (the unique index `notification_messages_once`): a redelivered event adds nothing.
pub(crate) async fn insert(
    tx: &mut TenantTx,
    row: &NewRow<'_>,
) -> Result<Option<MessageId>, NotifyError> {
    let tenant = tx.tenant_id().as_uuid();
    let id: Option<Uuid> = tx
        .query_scalar(
            "INSERT INTO notification_messages (tenant_id, id, event_id, template, language,
                channel, recipient, user_id, essential, category, subject, body_text, body_html,
                state)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
             ON CONFLICT DO NOTHING
             RETURNING id",
        )
        .bind(tenant)
        .bind(row.id.as_uuid())
        .bind(row.event_id.map(|e| e.as_uuid()))
        .bind(row.template)
        .bind(row.language)
        .bind(row.channel.as_str())
        .bind(row.recipient)
        .bind(row.user_id)
        .bind(row.essential)
        .bind(row.category)
        .bind(row.subject)
        .bind(row.body_text)
        .bind(row.body_html)
        .bind(row.state.as_str())
        .fetch_optional(tx.conn())
        .await?;
    Ok(id.map(MessageId::from_uuid))
}

/// The message an event already produced for this template, channel and recipient.
pub(crate) async fn find_for_event(
    tx: &mut TenantTx,
    event: EventId,
    template: &str,
    channel: Channel,
    recipient: &str,
) -> Result<Option<Message>, NotifyError> {
    let tenant = tx.tenant_id().as_uuid();
    let sql = format!(
        "SELECT {COLUMNS} FROM notification_messages
         WHERE tenant_id = $1 AND event_id = $2 AND template = $3 AND channel = $4
           AND recipient = $5"
    );
    let row = tx
        .query(&sql)
        .bind(tenant)
        .bind(event.as_uuid())
        .bind(template)
        .bind(channel.as_str())
        .bind(recipient)
        .fetch_optional(tx.conn())
        .await?;
    row.as_ref().map(from_row).transpose()
}

pub async fn get(tx: &mut TenantTx, id: MessageId) -> Result<Option<Message>, NotifyError> {
    let tenant = tx.tenant_id().as_uuid();
    let sql =
        format!("SELECT {COLUMNS} FROM notification_messages WHERE tenant_id = $1 AND id = $2");
    let row = tx
        .query(&sql)
        .bind(tenant)
        .bind(id.as_uuid())
        .fetch_optional(tx.conn())
        .await?;
    row.as_ref().map(from_row).transpose()
}

/// The newest `limit` messages of the tenant.
pub async fn recent(tx: &mut TenantTx, limit: i64) -> Result<Vec<Message>, NotifyError> {
    let tenant = tx.tenant_id().as_uuid();
    let sql = format!(
        "SELECT {COLUMNS} FROM notification_messages WHERE tenant_id = $1
         ORDER BY created_at DESC, id DESC LIMIT $2"
    );
    let rows = tx
        .query(&sql)
        .bind(tenant)
        .bind(limit)
        .fetch_all(tx.conn())
        .await?;
    rows.iter().map(from_row).collect()
}

/// Accepted by the provider. Only a queued message moves to sent.
pub(crate) async fn mark_sent(
    tx: &mut TenantTx,
    id: MessageId,
    provider: &str,
    provider_message_id: Option<&str>,
    attempts: i32,
) -> Result<(), NotifyError> {
    let tenant = tx.tenant_id().as_uuid();
    tx.query(
        "UPDATE notification_messages
         SET state = 'sent', provider = $3, provider_message_id = $4, attempts = $5,
             last_error = NULL, sent_at = now()
         WHERE tenant_id = $1 AND id = $2 AND state IN ('queued', 'failed')",
    )
    .bind(tenant)
    .bind(id.as_uuid())
    .bind(provider)
    .bind(provider_message_id)
    .bind(attempts)
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// An attempt failed and another may follow: the message stays queued with the error shown.
/// `attempts` is `None` when nothing was attempted (the circuit was open).
pub(crate) async fn record_failure(
    tx: &mut TenantTx,
    id: MessageId,
    provider: &str,
    attempts: Option<i32>,
    error: &str,
) -> Result<(), NotifyError> {
    let tenant = tx.tenant_id().as_uuid();
    tx.query(
        "UPDATE notification_messages
         SET provider = $3, attempts = coalesce($4, attempts), last_error = $5
         WHERE tenant_id = $1 AND id = $2 AND state IN ('queued', 'failed')",
    )
    .bind(tenant)
    .bind(id.as_uuid())
    .bind(provider)
    .bind(attempts)
    .bind(error)
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// No attempt is left (or the provider refused it for good).
pub(crate) async fn mark_failed(
    tx: &mut TenantTx,
    id: MessageId,
    attempts: i32,
    error: &str,
) -> Result<(), NotifyError> {
    let tenant = tx.tenant_id().as_uuid();
    tx.query(
        "UPDATE notification_messages
         SET state = 'failed', attempts = greatest(attempts, $3), last_error = $4
         WHERE tenant_id = $1 AND id = $2 AND state IN ('queued', 'failed')",
    )
    .bind(tenant)
    .bind(id.as_uuid())
    .bind(attempts)
    .bind(error)
    .execute(tx.conn())
    .await?;
    Ok(())
}
