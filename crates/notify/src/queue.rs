//! Queueing a message: render it, store it, and emit `notification.queued` in the caller's
//! transaction, so the message exists exactly when the change that caused it commits, and
//! its delivery job with it.

use crate::branding::Branding;
use crate::messages::{self, NewRow};
use crate::model::{MessageState, Recipient};
use crate::templates::{self, Template};
use crate::{NotifyError, preferences};
use comply360_domain::{EventId, MessageId};
use comply360_jobs::event::types;
use comply360_jobs::{NewEvent, Outbox};
use comply360_store::TenantTx;
use serde_json::json;
use uuid::Uuid;

/// The aggregate type of notification events.
pub const AGGREGATE: &str = "notification";

/// A message to queue.
#[derive(Clone, Debug)]
pub struct NewMessage {
    pub template: Template,
    /// An IETF tag; a language without templates falls back to English.
    pub language: String,
    pub recipient: Recipient,
    /// The user it is for, when it is for one: their opt-outs apply.
    pub user_id: Option<Uuid>,
    /// The event that caused it: the same event never produces the same message twice.
    pub event_id: Option<EventId>,
    /// The template's variables, a JSON object (see [`Template`] for each one's).
    pub vars: serde_json::Value,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Queued {
    pub id: MessageId,
    /// `Queued`, or `Suppressed` (opted out: stored for the record, never sent). For a
    /// duplicate, the existing message's state.
    pub state: MessageState,
    /// This event had already produced this message; nothing was written.
    pub duplicate: bool,
}

/// Renders `message` with the tenant's branding and stores it. A queued message gets its
/// `notification.queued` event (and so its delivery job) through `outbox`, in `tx`.
pub async fn queue(
    tx: &mut TenantTx,
    outbox: &Outbox,
    message: NewMessage,
) -> Result<Queued, NotifyError> {
    let template = message.template;
    let channel = message.recipient.channel();
    if !template.has_channel(channel) {
        return Err(NotifyError::NoSuchVariant {
            template: template.name(),
            channel: channel.as_str(),
        });
    }
    let language = templates::resolve_language(&message.language);
    let brand = Branding::load(tx).await?;
    let rendered = templates::render(template, language, channel, &brand, &message.vars)?;

    let opted_out = match message.user_id {
        Some(user) if !template.essential() => {
            preferences::is_opted_out(tx, user, template.category(), channel).await?
        }
        _ => false,
    };
    let state = if opted_out {
        MessageState::Suppressed
    } else {
        MessageState::Queued
    };
    let recipient = message.recipient.as_str();
    let row = NewRow {
        id: MessageId::new(),
        event_id: message.event_id,
        template: template.name(),
        language,
        channel,
        recipient,
        user_id: message.user_id,
        essential: template.essential(),
        category: template.category().as_str(),
        subject: rendered.subject.as_deref(),
        body_text: &rendered.text,
        body_html: rendered.html.as_deref(),
        state,
    };
    let Some(id) = messages::insert(tx, &row).await? else {
        // Only an event id makes a conflict possible, so this finds the earlier message.
        let existing = match message.event_id {
            Some(event) => {
                messages::find_for_event(tx, event, template.name(), channel, recipient).await?
            }
            None => None,
        };
        let existing = existing.ok_or_else(|| {
            NotifyError::Corrupt("message insert conflicted but no earlier message".into())
        })?;
        return Ok(Queued {
            id: existing.id,
            state: existing.state,
            duplicate: true,
        });
    };
    if state == MessageState::Queued {
        let event = NewEvent::new(types::NOTIFICATION_QUEUED, AGGREGATE)
            .aggregate(id.as_uuid())
            .payload(json!({
                "message_id": id,
                "template": template.name(),
                "channel": channel.as_str(),
            }));
        outbox.emit(tx, event).await?;
    }
    Ok(Queued {
        id,
        state,
        duplicate: false,
    })
}
