//! What identity tells the rest of the platform about accounts: outbox events that the
//! notifications module turns into messages (`notify.events`). Identity knows nothing of
//! templates or channels; it says what happened and gives what a message about it needs.
//!
//! Each event is written in the caller's transaction, so it exists exactly when the change
//! does (the token, the lockout), and the message is rendered from it by the handler in the
//! event's job transaction. The platform realm has no outbox and sends nothing.
//!
//! The reset and invitation links carry their single-use token, so the token is in the
//! event's payload. That is acceptable because it is where it was before: the rendered
//! message (`notification_messages.body_text`) always held the same link, in the same
//! tenant's namespace, under the same RLS, kept as long as the event is. The payload holds
//! nothing more than the message needs (no token hash, no account details beyond the
//! address), the token is stored hashed in `user_tokens`, expires (`reset_ttl`,
//! `invite_ttl`) and stops working once used or reissued. Operator views of the queue
//! (`comply360 jobs …`) show event types, never payloads. With the RabbitMQ transport the
//! payload also crosses the deployment's broker, as the message itself crosses its mail
//! relay.

use crate::realm::RealmTx;
use crate::service::{AuthError, Identity};
use comply360_jobs::NewEvent;
use comply360_jobs::event::types;
use serde_json::json;
use uuid::Uuid;

/// The aggregate type of identity's events.
pub const AGGREGATE: &str = "user";

/// `user.invited`: the invitee's address, their role, the link that sets their first
/// password and how many days it works.
pub fn invited(user: Uuid, email: &str, role: &str, link: &str, expires_days: u64) -> NewEvent {
    NewEvent::new(types::USER_INVITED, AGGREGATE)
        .aggregate(user)
        .payload(json!({
            "user_id": user,
            "email": email,
            "role": role,
            "link": link,
            "expires_days": expires_days,
        }))
}

/// `user.password_reset_requested`: the account's address, the reset link and how many
/// minutes it works.
pub fn password_reset_requested(
    user: Uuid,
    email: &str,
    link: &str,
    expires_minutes: u64,
) -> NewEvent {
    NewEvent::new(types::USER_PASSWORD_RESET_REQUESTED, AGGREGATE)
        .aggregate(user)
        .payload(json!({
            "user_id": user,
            "email": email,
            "link": link,
            "expires_minutes": expires_minutes,
        }))
}

/// `user.locked`: the account's address and in how many minutes the lock ends.
pub fn locked(user: Uuid, email: &str, unlock_minutes: u64) -> NewEvent {
    NewEvent::new(types::USER_LOCKED, AGGREGATE)
        .aggregate(user)
        .payload(json!({
            "user_id": user,
            "email": email,
            "unlock_minutes": unlock_minutes,
        }))
}

impl Identity {
    /// Writes `event` to the tenant's outbox in `tx` (nothing for the platform).
    pub(crate) async fn emit(&self, tx: &mut RealmTx, event: NewEvent) -> Result<(), AuthError> {
        let Some(ttx) = tx.tenant_tx() else {
            return Ok(());
        };
        self.inner
            .outbox
            .emit(ttx, event)
            .await
            .map_err(|e| AuthError::Store(e.into_store("an account event")))?;
        Ok(())
    }
}
