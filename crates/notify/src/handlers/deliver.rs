//! `notify.deliver`: sends a queued message through the deployment's channel.
//!
//! The send cannot be part of the job's transaction, so the handler records its own
//! progress: the outcome of each attempt (sent, or the error and attempt count) is committed
//! in a transaction of its own right after the provider answers. A job whose own commit is
//! then lost runs again, finds the message `sent` and only emits `notification.sent`, rather
//! than sending it twice. What remains is the instant between the provider's acceptance and
//! that commit; the stable `Message-ID` lets a reader's client recognise a resend.

use crate::NotifyError;
use crate::branding::Branding;
use crate::channels::{Channels, OutgoingEmail, OutgoingSms, SendError, Sent};
use crate::messages::{self, Message};
use crate::model::{Channel, MessageState};
use crate::queue::AGGREGATE;
use async_trait::async_trait;
use comply360_domain::MessageId;
use comply360_integrations::{CallError, Resilience};
use comply360_jobs::event::types;
use comply360_jobs::{Event, Handler, HandlerError, JobContext, NewEvent, RetryPolicy};
use comply360_store::{Tenancy, Tenant};
use serde_json::json;
use std::time::Duration;

pub struct Deliver {
    tenancy: Tenancy,
    channels: Channels,
    resilience: Resilience,
    policy: RetryPolicy,
}

impl Deliver {
    pub const NAME: &'static str = "notify.deliver";

    /// Eight attempts over about an hour: a mail relay restarted or a provider's brief
    /// outage does not lose a message, and a real failure shows within the hour.
    pub const DEFAULT_POLICY: RetryPolicy = RetryPolicy {
        max_attempts: 8,
        first_delay: Duration::from_secs(30),
        max_delay: Duration::from_secs(30 * 60),
    };

    pub fn new(tenancy: Tenancy, channels: Channels, resilience: Resilience) -> Deliver {
        Deliver {
            tenancy,
            channels,
            resilience,
            policy: Deliver::DEFAULT_POLICY,
        }
    }

    /// Other attempts and delays (tests use milliseconds).
    pub fn with_retry_policy(mut self, policy: RetryPolicy) -> Deliver {
        self.policy = policy;
        self
    }

    async fn send(
        &self,
        tenant: &Tenant,
        message: &Message,
        brand: &Branding,
    ) -> (&'static str, Result<Sent, CallError<SendError>>) {
        match message.channel {
            Channel::Email => {
                let email = OutgoingEmail {
                    message_id: message.id,
                    tenant: tenant.slug().to_owned(),
                    from_name: brand.display_name.clone(),
                    from_address: self.channels.email_from.clone(),
                    reply_to: brand.support_email.clone(),
                    to: message.recipient.clone(),
                    subject: message.subject.clone().unwrap_or_default(),
                    text: message.body_text.clone(),
                    html: message.body_html.clone(),
                };
                let sender = &self.channels.email;
                let system = sender.system();
                let result = self
                    .resilience
                    .call(tenant.id(), system, || sender.send(&email))
                    .await;
                (system, result)
            }
            Channel::Sms => {
                let Some(sender) = &self.channels.sms else {
                    let err = SendError::permanent(
                        "no SMS transport is configured; set COMPLY360_SMS_TRANSPORT=twilio",
                    );
                    return ("sms", Err(CallError::Failed(err)));
                };
                let sms = OutgoingSms {
                    message_id: message.id,
                    tenant: tenant.slug().to_owned(),
                    to: message.recipient.clone(),
                    body: message.body_text.clone(),
                };
                let system = sender.system();
                let result = self
                    .resilience
                    .call(tenant.id(), system, || sender.send(&sms))
                    .await;
                (system, result)
            }
        }
    }

    /// Commits the outcome of an attempt in its own transaction (see the module comment).
    async fn record_sent(
        &self,
        tenant: &Tenant,
        id: MessageId,
        system: &str,
        sent: &Sent,
        attempts: i32,
    ) -> Result<(), NotifyError> {
        let mut tx = self.tenancy.begin(tenant).await?;
        let provider_id = sent.provider_message_id.as_deref();
        messages::mark_sent(&mut tx, id, system, provider_id, attempts).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Shows the error on the message while attempts remain. Best effort: the job row keeps
    /// the error too, and the message is marked failed for good by `on_dead`.
    async fn record_failure(
        &self,
        tenant: &Tenant,
        id: MessageId,
        system: &str,
        attempts: Option<i32>,
        error: &str,
    ) {
        let result = async {
            let mut tx = self.tenancy.begin(tenant).await?;
            messages::record_failure(&mut tx, id, system, attempts, error).await?;
            tx.commit().await?;
            Ok::<_, NotifyError>(())
        }
        .await;
        if let Err(err) = result {
            tracing::warn!(message = %id, error = %err, "could not record a failed attempt");
        }
    }
}

/// The message an event is about: its aggregate id, or `message_id` in the payload.
fn message_id(event: &Event) -> Result<MessageId, HandlerError> {
    event
        .aggregate_id
        .or_else(|| {
            event
                .payload
                .get("message_id")
                .and_then(|v| v.as_str())
                .and_then(|s| s.parse().ok())
        })
        .map(MessageId::from_uuid)
        .ok_or_else(|| HandlerError::Permanent("notification.queued without a message id".into()))
}

async fn emit_sent(
    ctx: &mut JobContext<'_>,
    message: &Message,
    provider: &str,
) -> Result<(), HandlerError> {
    let event = NewEvent::new(types::NOTIFICATION_SENT, AGGREGATE)
        .aggregate(message.id.as_uuid())
        .payload(json!({
            "message_id": message.id,
            "template": message.template,
            "channel": message.channel.as_str(),
            "provider": provider,
        }));
    ctx.outbox.emit(ctx.tx, event).await?;
    Ok(())
}

#[async_trait]
impl Handler for Deliver {
    fn name(&self) -> &'static str {
        Deliver::NAME
    }

    fn subscribes_to(&self) -> &'static [&'static str] {
        &[types::NOTIFICATION_QUEUED]
    }

    fn retry_policy(&self) -> Option<RetryPolicy> {
        Some(self.policy)
    }

    async fn handle(&self, ctx: &mut JobContext<'_>) -> Result<(), HandlerError> {
        let id = message_id(ctx.event)?;
        let message = messages::get(ctx.tx, id)
            .await?
            .ok_or_else(|| HandlerError::Permanent(format!("message {id} does not exist")))?;
        match message.state {
            // Failed is what `on_dead` left: a job only runs again after that when an operator
            // replays the dead letter (`comply360 jobs retry`), which means "try again".
            MessageState::Queued | MessageState::Failed => {}
            // An earlier attempt sent it and recorded so, but its job did not commit.
            MessageState::Sent => {
                let provider = message.provider.clone().unwrap_or_default();
                return emit_sent(ctx, &message, &provider).await;
            }
            // Suppressed or bounced: nothing to send.
            _ => return Ok(()),
        }
        let brand = Branding::load(ctx.tx).await?;
        let (system, result) = self.send(ctx.tenant, &message, &brand).await;
        match result {
            Ok(sent) => {
                self.record_sent(ctx.tenant, id, system, &sent, ctx.attempt)
                    .await?;
                tracing::info!(tenant = %ctx.tenant.slug(), message = %id, provider = system,
                    attempt = ctx.attempt, "notification sent");
                emit_sent(ctx, &message, system).await
            }
            Err(CallError::CircuitOpen { system: name }) => {
                let after = self.resilience.policy(system).cool_down;
                let reason = format!("{name} is unavailable (circuit open)");
                self.record_failure(ctx.tenant, id, system, None, &reason)
                    .await;
                Err(HandlerError::Deferred { after, reason })
            }
            Err(err) => {
                let text = err.to_string();
                self.record_failure(ctx.tenant, id, system, Some(ctx.attempt), &text)
                    .await;
                let retryable = match &err {
                    CallError::Failed(e) => e.retryable,
                    _ => true,
                };
                if retryable {
                    Err(HandlerError::Retryable(text))
                } else {
                    Err(HandlerError::Permanent(text))
                }
            }
        }
    }

    async fn on_dead(&self, ctx: &mut JobContext<'_>, error: &str) -> Result<(), HandlerError> {
        let id = message_id(ctx.event)?;
        messages::mark_failed(ctx.tx, id, ctx.attempt, error).await?;
        Ok(())
    }
}
