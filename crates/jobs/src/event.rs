//! Events: what happened in a tenant, as written to its outbox (DESIGN.md section 4).

use chrono::{DateTime, Utc};
use comply360_domain::{EventId, TenantId};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The event types of DESIGN.md section 4, plus `notification.queued` (a message waiting for
/// its delivery job), `obligation.due` and identity's `user.*` (what the notifications module
/// tells users about their accounts). Handlers subscribe to these names or to `prefix.*`.
pub mod types {
    /// A client was added (by hand or by an import), changed, deleted or restored: what the
    /// agency's ERP mirrors. (The client's own history is its audit entries.)
    pub const CLIENT_CREATED: &str = "client.created";
    pub const CLIENT_UPDATED: &str = "client.updated";
    pub const CLIENT_DELETED: &str = "client.deleted";
    pub const CLIENT_RESTORED: &str = "client.restored";
    pub const REGISTRATION_CREATED: &str = "registration.created";
    pub const REGISTRATION_UPDATED: &str = "registration.updated";
    pub const REGISTRATION_SUBMITTED: &str = "registration.submitted";
    pub const REGISTRATION_APPROVED: &str = "registration.approved";
    pub const REGISTRATION_REJECTED: &str = "registration.rejected";
    pub const DOCUMENT_UPLOADED: &str = "document.uploaded";
    pub const DOCUMENT_VERIFIED: &str = "document.verified";
    /// A document failed its checks, or its scan (then it is quarantined).
    pub const DOCUMENT_REJECTED: &str = "document.rejected";
    /// An invoice was issued (numbered, its pay link made) or voided.
    pub const INVOICE_ISSUED: &str = "invoice.issued";
    pub const INVOICE_VOIDED: &str = "invoice.voided";
    /// A PayFast ITN was stored; the `payments.notification` job applies it (after asking
    /// PayFast to confirm it).
    pub const PAYMENT_NOTIFICATION_RECEIVED: &str = "payment.notification_received";
    /// A Stripe webhook was stored; the `payments.webhook` job applies it (no outside call, so
    /// in batches).
    pub const PAYMENT_WEBHOOK_RECEIVED: &str = "payment.webhook_received";
    /// A payment was recorded against an invoice (from a provider, or by staff).
    pub const PAYMENT_RECEIVED: &str = "payment.received";
    /// Staff asked for a refund (a credit note was issued); the `payments.refund` job asks the
    /// provider.
    pub const PAYMENT_REFUND_REQUESTED: &str = "payment.refund_requested";
    /// A refund went through (or was recorded, for EFT and cash).
    pub const PAYMENT_REFUNDED: &str = "payment.refunded";
    pub const COMMISSION_CALCULATED: &str = "commission.calculated";
    pub const COMMISSION_APPROVED: &str = "commission.approved";
    pub const COMMISSION_PAID: &str = "commission.paid";
    /// An administrator rejected a commission, with a reason.
    pub const COMMISSION_REJECTED: &str = "commission.rejected";
    pub const NOTIFICATION_QUEUED: &str = "notification.queued";
    pub const NOTIFICATION_SENT: &str = "notification.sent";
    pub const INTEGRATION_SYNCED: &str = "integration.synced";
    /// Reconciliation asks for a record to be written to the ERP again (`entity`, `entity_id`).
    pub const INTEGRATION_SYNC_REQUESTED: &str = "integration.sync_requested";
    pub const TENANT_PROVISIONED: &str = "tenant.provisioned";
    pub const TENANT_SUSPENDED: &str = "tenant.suspended";
    pub const TENANT_MOVED: &str = "tenant.moved";
    /// An obligation of the compliance calendar is due soon or overdue (a reminder).
    pub const OBLIGATION_DUE: &str = "obligation.due";
    /// Identity: a user was invited (or invited again) and has a fresh invitation link.
    pub const USER_INVITED: &str = "user.invited";
    /// Identity: an active user asked for a password reset and has a fresh reset link.
    pub const USER_PASSWORD_RESET_REQUESTED: &str = "user.password_reset_requested";
    /// Identity: too many failed sign-ins locked the account for a while.
    pub const USER_LOCKED: &str = "user.locked";

    pub const ALL: &[&str] = &[
        CLIENT_CREATED,
        CLIENT_UPDATED,
        CLIENT_DELETED,
        CLIENT_RESTORED,
        REGISTRATION_CREATED,
        REGISTRATION_UPDATED,
        REGISTRATION_SUBMITTED,
        REGISTRATION_APPROVED,
        REGISTRATION_REJECTED,
        DOCUMENT_UPLOADED,
        DOCUMENT_VERIFIED,
        DOCUMENT_REJECTED,
        INVOICE_ISSUED,
        INVOICE_VOIDED,
        PAYMENT_NOTIFICATION_RECEIVED,
        PAYMENT_WEBHOOK_RECEIVED,
        PAYMENT_RECEIVED,
        PAYMENT_REFUND_REQUESTED,
        PAYMENT_REFUNDED,
        COMMISSION_CALCULATED,
        COMMISSION_APPROVED,
        COMMISSION_PAID,
        COMMISSION_REJECTED,
        NOTIFICATION_QUEUED,
        NOTIFICATION_SENT,
        INTEGRATION_SYNCED,
        INTEGRATION_SYNC_REQUESTED,
        TENANT_PROVISIONED,
        TENANT_SUSPENDED,
        TENANT_MOVED,
        OBLIGATION_DUE,
        USER_INVITED,
        USER_PASSWORD_RESET_REQUESTED,
        USER_LOCKED,
    ];
}

/// The RabbitMQ topic exchange an event type is published to (DESIGN.md section 4 names
/// four). Business events other than documents, notifications and integrations travel with
/// the registrations, since they are steps of the same workflows.
pub fn exchange_for(event_type: &str) -> &'static str {
    match event_type.split('.').next() {
        Some("document") => "document.processing",
        Some("notification") => "notification.events",
        Some("integration") => "integration.sync",
        _ => "registration.events",
    }
}

/// Whether `event_type` matches a subscription pattern: an exact name, `prefix.*`, or `*`.
pub fn matches(pattern: &str, event_type: &str) -> bool {
    match pattern.strip_suffix(".*") {
        _ if pattern == "*" => true,
        Some(prefix) => event_type
            .strip_prefix(prefix)
            .is_some_and(|rest| rest.starts_with('.')),
        None => pattern == event_type,
    }
}

/// The shapes of the names the outbox and the queue store. Every name is born in this
/// crate's one writer ([`crate::Outbox::emit`]) or in a handler registered at start-up, and is
/// checked there, before anything is written, instead of by CHECK constraints in the tables:
/// PostgreSQL reads a constraint's pattern back from its catalogue text in every statement
/// that writes the table, which cost the API's busiest write 5 % of its database work
/// (ARCHITECTURE.md decision 78).
pub mod names {
    /// A lower-case letter, then only characters `rest` allows.
    fn letter_then(s: &str, rest: impl Fn(char) -> bool) -> bool {
        let mut chars = s.chars();
        chars.next().is_some_and(|c| c.is_ascii_lowercase()) && chars.all(rest)
    }

    /// A lower-case word: `registration`, `odoo_link`.
    fn is_word(s: &str) -> bool {
        letter_then(s, |c| c.is_ascii_lowercase() || c == '_')
    }

    /// `registration.created`: two or more words joined by dots.
    pub fn is_event_type(s: &str) -> bool {
        s.contains('.') && s.split('.').all(is_word)
    }

    /// `registration`: one word.
    pub fn is_aggregate_type(s: &str) -> bool {
        is_word(s)
    }

    /// `notify.events`: a letter, then letters, digits, `_` and `.`.
    pub fn is_handler_name(s: &str) -> bool {
        letter_then(s, |c| {
            c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '.'
        })
    }
}

/// An event about to be emitted.
#[derive(Clone, Debug)]
pub struct NewEvent {
    pub event_type: &'static str,
    /// Version of the payload's shape; bump it when a field changes meaning.
    pub schema_version: i32,
    pub aggregate_type: &'static str,
    pub aggregate_id: Option<Uuid>,
    pub actor_id: Option<Uuid>,
    pub payload: serde_json::Value,
}

impl NewEvent {
    pub fn new(event_type: &'static str, aggregate_type: &'static str) -> NewEvent {
        NewEvent {
            event_type,
            schema_version: 1,
            aggregate_type,
            aggregate_id: None,
            actor_id: None,
            payload: serde_json::Value::Object(Default::default()),
        }
    }

    pub fn aggregate(mut self, id: Uuid) -> NewEvent {
        self.aggregate_id = Some(id);
        self
    }

    pub fn actor(mut self, id: Option<Uuid>) -> NewEvent {
        self.actor_id = id;
        self
    }

    pub fn payload(mut self, payload: serde_json::Value) -> NewEvent {
        self.payload = payload;
        self
    }

    pub fn version(mut self, schema_version: i32) -> NewEvent {
        self.schema_version = schema_version;
        self
    }
}

/// An event as stored, and as published to RabbitMQ (the message body is this, as JSON).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Event {
    pub id: EventId,
    pub tenant_id: TenantId,
    pub event_type: String,
    pub schema_version: i32,
    pub aggregate_type: String,
    pub aggregate_id: Option<Uuid>,
    pub actor_id: Option<Uuid>,
    pub payload: serde_json::Value,
    pub occurred_at: DateTime<Utc>,
    /// The W3C `traceparent` of the span that emitted it: its jobs continue that trace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub traceparent: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_match_whole_segments() {
        assert!(matches("registration.created", "registration.created"));
        assert!(matches("registration.*", "registration.created"));
        assert!(matches("*", "tenant.moved"));
        assert!(!matches("registration.*", "registrations.created"));
        assert!(!matches("registration.created", "registration.createdx"));
    }

    #[test]
    fn every_event_type_has_the_stored_shape() {
        for t in types::ALL {
            assert!(names::is_event_type(t), "{t}");
        }
        for bad in [
            "registration",
            "Registration.created",
            "registration.",
            ".created",
            "a.b1",
            "a..b",
            "a.b-c",
        ] {
            assert!(!names::is_event_type(bad), "{bad}");
        }
        assert!(names::is_aggregate_type("odoo_link"));
        for bad in ["", "Odoo", "odoo-link", "1odoo", "odoo.link", "_odoo"] {
            assert!(!names::is_aggregate_type(bad), "{bad}");
        }
        for good in [
            "notify.events",
            "audit_trail",
            "erp.sync",
            "odoo2.push",
            "a.",
            "a..b",
        ] {
            assert!(names::is_handler_name(good), "{good}");
        }
        for bad in [
            "",
            "Notify",
            "2fa",
            ".events",
            "notify-events",
            "notify.Events",
        ] {
            assert!(!names::is_handler_name(bad), "{bad}");
        }
    }

    #[test]
    fn every_event_type_has_an_exchange() {
        for t in types::ALL {
            let exchange = exchange_for(t);
            assert!(exchange.contains('.'), "{t} -> {exchange}");
        }
        assert_eq!(exchange_for("document.uploaded"), "document.processing");
        assert_eq!(exchange_for("payment.received"), "registration.events");
    }
}
