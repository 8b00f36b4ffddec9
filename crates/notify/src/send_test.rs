//! `comply360 notify test`: queue the `test` message and deliver it in this process, so the
//! operator learns at once whether the tenant's email (or SMS) works.

use crate::NotifyError;
use crate::handlers::Deliver;
use crate::messages;
use crate::model::{MessageState, Recipient};
use crate::queue::{NewMessage, queue};
use crate::templates::Template;
use comply360_domain::MessageId;
use comply360_jobs::Runner;
use comply360_store::Tenant;
use serde_json::json;
use std::time::{Duration, Instant};

/// How the test message ended (or stood when the wait ran out).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TestOutcome {
    pub message_id: MessageId,
    /// `Sent`, `Failed`, or `Queued` when `max_wait` ran out between retries.
    pub state: MessageState,
    pub provider: Option<String>,
    pub provider_message_id: Option<String>,
    pub attempts: i32,
    pub last_error: Option<String>,
}

impl TestOutcome {
    pub fn is_sent(&self) -> bool {
        self.state == MessageState::Sent
    }
}

/// Longest pause between looks at the queue while waiting for a retry: short enough that a
/// job another worker finished is noticed quickly.
const POLL: Duration = Duration::from_millis(500);

/// Queues the `test` template to `to` (an email address, or an E.164 number for SMS) for
/// `tenant`, then runs the tenant's due jobs in this process, waiting through retry delays,
/// until the message is sent or failed or `max_wait` has passed. `runner` must have the
/// [`Deliver`] handler subscribed.
pub async fn send_test(
    runner: &Runner,
    tenant: &Tenant,
    to: &str,
    max_wait: Duration,
) -> Result<TestOutcome, NotifyError> {
    if runner.outbox().subscriptions().get(Deliver::NAME).is_none() {
        return Err(NotifyError::Config(format!(
            "the {} handler is not subscribed in this process",
            Deliver::NAME
        )));
    }
    let recipient = Recipient::parse(to)?;
    let mut tx = runner.tenancy().begin(tenant).await?;
    let queued = queue(
        &mut tx,
        runner.outbox(),
        NewMessage {
            template: Template::Test,
            language: "en".to_owned(),
            recipient,
            user_id: None,
            event_id: None,
            vars: json!({}),
        },
    )
    .await?;
    tx.commit().await?;

    let deadline = Instant::now() + max_wait;
    loop {
        comply360_jobs::run_due(runner, tenant).await?;
        let mut tx = runner.tenancy().begin(tenant).await?;
        let message = messages::get(&mut tx, queued.id).await?;
        let next_due = comply360_jobs::queue::next_due(&mut tx).await?;
        tx.commit().await?;
        let message = message.ok_or_else(|| {
            NotifyError::Corrupt(format!("test message {} disappeared", queued.id))
        })?;
        let now = Instant::now();
        if message.state != MessageState::Queued || now >= deadline {
            return Ok(TestOutcome {
                message_id: message.id,
                state: message.state,
                provider: message.provider,
                provider_message_id: message.provider_message_id,
                attempts: message.attempts,
                last_error: message.last_error,
            });
        }
        // Sleep until the next job is due (a retry's backoff), but look again at least every
        // POLL: another worker may be holding the job and finish it sooner.
        let until_due = next_due
            .and_then(|at| (at - chrono::Utc::now()).to_std().ok())
            .unwrap_or(Duration::ZERO);
        let pause = until_due.clamp(Duration::from_millis(20), POLL);
        tokio::time::sleep(pause.min(deadline - now)).await;
    }
}
