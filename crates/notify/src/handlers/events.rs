//! `notify.events`: business events that tell someone something become queued messages,
//! in the event's job transaction (so a redelivered event finds its message already there).

use crate::model::Recipient;
use crate::queue::{NewMessage, queue};
use crate::templates::Template;
use async_trait::async_trait;
use comply360_jobs::event::types;
use comply360_jobs::{Handler, HandlerError, JobContext};
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

pub struct NotifyEvents {
    language: String,
}

impl NotifyEvents {
    pub const NAME: &'static str = "notify.events";

    /// `language`: for recipients whose language is not known (clients have none yet).
    pub fn new(language: impl Into<String>) -> NotifyEvents {
        NotifyEvents {
            language: language.into(),
        }
    }
}

/// The part of `registration.created`'s payload this handler reads.
#[derive(Deserialize)]
struct RegistrationCreated {
    client_id: Uuid,
    kind: String,
    reference: Option<String>,
}

impl NotifyEvents {
    /// Tells the client their application was opened. A client without a (usable) email
    /// address gets nothing, which is not an error.
    async fn registration_created(&self, ctx: &mut JobContext<'_>) -> Result<(), HandlerError> {
        let payload: RegistrationCreated = serde_json::from_value(ctx.event.payload.clone())
            .map_err(|e| HandlerError::Permanent(format!("registration.created payload: {e}")))?;
        let Some((client_name, recipient)) = self.client_recipient(ctx, payload.client_id).await?
        else {
            return Ok(());
        };
        let message = NewMessage {
            template: Template::RegistrationCreated,
            language: self.language.clone(),
            recipient,
            user_id: None,
            event_id: Some(ctx.event.id),
            vars: json!({
                "client_name": client_name,
                "kind": payload.kind,
                "reference": payload.reference,
            }),
        };
        queue(ctx.tx, ctx.outbox, message).await?;
        Ok(())
    }
}

/// The part of `invoice.issued`'s payload this handler reads.
#[derive(Deserialize)]
struct InvoiceIssued {
    client_id: Uuid,
    number: String,
    total_cents: i64,
    currency: String,
    due_on: Option<String>,
    pay_url: String,
    why: String,
}

/// The part of `payment.received`'s payload this handler reads.
#[derive(Deserialize)]
struct PaymentReceived {
    client_id: Uuid,
    invoice_number: Option<String>,
    amount_cents: i64,
    currency: String,
    paid_cents: i64,
    total_cents: i64,
    reference: String,
    received_on: String,
    provider: String,
    method: String,
}

/// An amount as a client reads it: `R1,275.00` for rand, `USD 12.50` otherwise.
fn amount(cents: i64, currency: &str) -> String {
    if currency == "ZAR" {
        comply360_domain::rules::rand(comply360_domain::Cents(cents))
    } else {
        format!("{currency} {}.{:02}", cents / 100, (cents % 100).abs())
    }
}

/// How the client paid, in words.
fn how(provider: &str, method: &str) -> String {
    match (provider, method) {
        ("stripe", _) => "card, through Stripe".into(),
        ("payfast", _) => "PayFast".into(),
        (_, "eft") => "EFT".into(),
        (_, "cash") => "cash".into(),
        (p, m) => format!("{m} ({p})"),
    }
}

impl NotifyEvents {
    /// The client's name and email recipient; None (nothing to send) without a usable
    /// address.
    async fn client_recipient(
        &self,
        ctx: &mut JobContext<'_>,
        client: Uuid,
    ) -> Result<Option<(String, Recipient)>, HandlerError> {
        let tenant = ctx.tx.tenant_id().as_uuid();
        let row: Option<(String, Option<String>)> = ctx
            .tx
            .query_as(
                "SELECT display_name, email FROM clients
                 WHERE tenant_id = $1 AND id = $2 AND deleted_at IS NULL",
            )
            .bind(tenant)
            .bind(client)
            .fetch_optional(ctx.tx.conn())
            .await?;
        let Some((name, Some(email))) = row else {
            tracing::debug!(event = %ctx.event.id, "client has no email address; nothing to send");
            return Ok(None);
        };
        match Recipient::email(&email) {
            Ok(r) => Ok(Some((name, r))),
            Err(_) => {
                tracing::info!(event = %ctx.event.id, "client email address unusable; nothing sent");
                Ok(None)
            }
        }
    }

    /// Sends the client the invoice's pay link (on issue, and when staff send a new one).
    async fn invoice_issued(&self, ctx: &mut JobContext<'_>) -> Result<(), HandlerError> {
        let p: InvoiceIssued = serde_json::from_value(ctx.event.payload.clone())
            .map_err(|e| HandlerError::Permanent(format!("invoice.issued payload: {e}")))?;
        let Some((client_name, recipient)) = self.client_recipient(ctx, p.client_id).await? else {
            return Ok(());
        };
        let message = NewMessage {
            template: Template::InvoiceIssued,
            language: self.language.clone(),
            recipient,
            user_id: None,
            event_id: Some(ctx.event.id),
            vars: json!({
                "client_name": client_name,
                "number": p.number,
                "total": amount(p.total_cents, &p.currency),
                "due_on": p.due_on,
                "pay_url": p.pay_url,
                "again": p.why == "link_sent",
            }),
        };
        queue(ctx.tx, ctx.outbox, message).await?;
        Ok(())
    }

    /// Sends the client a receipt for a payment.
    async fn payment_received(&self, ctx: &mut JobContext<'_>) -> Result<(), HandlerError> {
        let p: PaymentReceived = serde_json::from_value(ctx.event.payload.clone())
            .map_err(|e| HandlerError::Permanent(format!("payment.received payload: {e}")))?;
        let Some((client_name, recipient)) = self.client_recipient(ctx, p.client_id).await? else {
            return Ok(());
        };
        let due = p.total_cents - p.paid_cents;
        let message = NewMessage {
            template: Template::PaymentReceived,
            language: self.language.clone(),
            recipient,
            user_id: None,
            event_id: Some(ctx.event.id),
            vars: json!({
                "client_name": client_name,
                "number": p.invoice_number.unwrap_or_default(),
                "amount": amount(p.amount_cents, &p.currency),
                "reference": p.reference,
                "received_on": p.received_on,
                "how": how(&p.provider, &p.method),
                "balance": (due > 0).then(|| amount(due, &p.currency)),
            }),
        };
        queue(ctx.tx, ctx.outbox, message).await?;
        Ok(())
    }
}

/// The part of `obligation.due`'s payload this handler reads.
#[derive(Deserialize)]
struct ObligationDue {
    company_name: String,
    agent_id: Option<Uuid>,
    kind: String,
    period: String,
    due_on: String,
    overdue: bool,
}

impl NotifyEvents {
    /// Reminds the obligation's agent, or every administrator when nobody is assigned.
    async fn obligation_due(&self, ctx: &mut JobContext<'_>) -> Result<(), HandlerError> {
        let payload: ObligationDue = serde_json::from_value(ctx.event.payload.clone())
            .map_err(|e| HandlerError::Permanent(format!("obligation.due payload: {e}")))?;
        let tenant = ctx.tx.tenant_id().as_uuid();
        let people: Vec<(Uuid, String, String)> = ctx
            .tx
            .query_as(
                "SELECT id, full_name, email FROM users WHERE tenant_id = $1 AND status = 'active'
                 AND (id = $2 OR ($2 IS NULL AND role = 'tenant_admin')) ORDER BY email",
            )
            .bind(tenant)
            .bind(payload.agent_id)
            .fetch_all(ctx.tx.conn())
            .await?;
        for (user_id, name, email) in people {
            let Ok(recipient) = Recipient::email(&email) else {
                continue;
            };
            let message = NewMessage {
                template: Template::ObligationDue,
                language: self.language.clone(),
                recipient,
                user_id: Some(user_id),
                event_id: Some(ctx.event.id),
                vars: json!({
                    "name": if name.trim().is_empty() { email.clone() } else { name },
                    "company_name": payload.company_name,
                    "kind": payload.kind,
                    "period": payload.period,
                    "due_on": payload.due_on,
                    "overdue": payload.overdue,
                }),
            };
            queue(ctx.tx, ctx.outbox, message).await?;
        }
        Ok(())
    }
}

/// The part of identity's `user.*` payloads this handler reads (see
/// `comply360_identity::events`): who, and what the message needs.
#[derive(Deserialize)]
struct AccountEvent {
    user_id: Uuid,
    email: String,
    #[serde(default)]
    role: Option<String>,
    #[serde(default)]
    link: Option<String>,
    #[serde(default)]
    expires_days: Option<u64>,
    #[serde(default)]
    expires_minutes: Option<u64>,
    #[serde(default)]
    unlock_minutes: Option<u64>,
}

impl NotifyEvents {
    /// Invitations, reset links and lockout notices: essential messages (opt-outs do not
    /// apply) to the account's own address. An address that cannot be mailed gets nothing;
    /// the change it was about stands.
    async fn account_message(&self, ctx: &mut JobContext<'_>) -> Result<(), HandlerError> {
        let event_type = ctx.event.event_type.as_str();
        let p: AccountEvent = serde_json::from_value(ctx.event.payload.clone())
            .map_err(|e| HandlerError::Permanent(format!("{event_type} payload: {e}")))?;
        let missing =
            |field: &str| HandlerError::Permanent(format!("{event_type} without {field}"));
        let (template, vars) = match event_type {
            types::USER_INVITED => (
                Template::Invitation,
                json!({
                    "link": p.link.as_deref().ok_or_else(|| missing("link"))?,
                    "role": p.role.as_deref().ok_or_else(|| missing("role"))?,
                    "expires_days": p.expires_days.ok_or_else(|| missing("expires_days"))?,
                }),
            ),
            types::USER_PASSWORD_RESET_REQUESTED => (
                Template::PasswordReset,
                json!({
                    "name": p.email,
                    "link": p.link.as_deref().ok_or_else(|| missing("link"))?,
                    "expires_minutes": p.expires_minutes.ok_or_else(|| missing("expires_minutes"))?,
                }),
            ),
            types::USER_LOCKED => (
                Template::AccountLocked,
                json!({
                    "name": p.email,
                    "unlock_minutes": p.unlock_minutes.ok_or_else(|| missing("unlock_minutes"))?,
                }),
            ),
            _ => return Ok(()),
        };
        let Ok(recipient) = Recipient::email(&p.email) else {
            tracing::info!(event = %ctx.event.id, "account email address unusable; nothing sent");
            return Ok(());
        };
        let message = NewMessage {
            template,
            language: self.language.clone(),
            recipient,
            user_id: Some(p.user_id),
            event_id: Some(ctx.event.id),
            vars,
        };
        queue(ctx.tx, ctx.outbox, message).await?;
        Ok(())
    }
}

#[async_trait]
impl Handler for NotifyEvents {
    fn name(&self) -> &'static str {
        NotifyEvents::NAME
    }

    fn subscribes_to(&self) -> &'static [&'static str] {
        &[
            types::REGISTRATION_CREATED,
            types::OBLIGATION_DUE,
            types::USER_INVITED,
            types::USER_PASSWORD_RESET_REQUESTED,
            types::USER_LOCKED,
            types::INVOICE_ISSUED,
            types::PAYMENT_RECEIVED,
        ]
    }

    async fn handle(&self, ctx: &mut JobContext<'_>) -> Result<(), HandlerError> {
        match ctx.event.event_type.as_str() {
            types::REGISTRATION_CREATED => self.registration_created(ctx).await,
            types::OBLIGATION_DUE => self.obligation_due(ctx).await,
            types::INVOICE_ISSUED => self.invoice_issued(ctx).await,
            types::PAYMENT_RECEIVED => self.payment_received(ctx).await,
            types::USER_INVITED | types::USER_PASSWORD_RESET_REQUESTED | types::USER_LOCKED => {
                self.account_message(ctx).await
            }
            _ => Ok(()),
        }
    }
}
