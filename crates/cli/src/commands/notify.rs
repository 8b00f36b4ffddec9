//! `comply360 notify test`: sends the test message through the configured channel, waiting for
//! the delivery (and its retries) so the operator sees the outcome in one line.

use crate::cli::{GlobalArgs, NotifyCommand};
use crate::platform;
use crate::runtime::Runtime;
use comply360_integrations::{CallPolicy, Resilience};
use comply360_notify::{MessageState, send_test};
use std::process::ExitCode;

pub async fn run(global: &GlobalArgs, cmd: NotifyCommand) -> anyhow::Result<ExitCode> {
    let rt = Runtime::open(global, false).await?;
    let result = async {
        let NotifyCommand::Test(args) = cmd;
        // Refused before anything is written: a queued SMS with no channel could only fail.
        anyhow::ensure!(
            !(args.to.starts_with('+')
                && rt.settings.notify.sms_transport == comply360_notify::SmsTransport::None),
            "{} is a phone number but no SMS transport is configured; set COMPLY360_SMS_TRANSPORT=twilio",
            args.to
        );
        // A diagnostic send shows the channel's real error: no circuit breaker (it protects a
        // running service from piling calls on a broken system; here there is one message).
        let resilience = Resilience::new(CallPolicy {
            failure_threshold: u32::MAX,
            ..CallPolicy::default()
        });
        let outbox = platform::outbox(&rt.settings, &rt.store, &resilience)?;
        let runner = platform::runner(&rt.settings, &rt.store, &outbox);
        let tenant = rt.store.tenancy().resolve(&args.tenant).await?;
        let outcome = send_test(&runner, &tenant, &args.to, args.wait).await?;
        match outcome.state {
            MessageState::Sent => {
                println!(
                    "sent the test message to {} via {} (message {}{})",
                    args.to,
                    outcome.provider.as_deref().unwrap_or("?"),
                    outcome.message_id,
                    outcome
                        .provider_message_id
                        .as_deref()
                        .map(|id| format!(", provider id {id}"))
                        .unwrap_or_default()
                );
                anyhow::Ok(ExitCode::SUCCESS)
            }
            state => anyhow::bail!(
                "the test message to {} is {state} after {} attempts: {}",
                args.to,
                outcome.attempts,
                outcome.last_error.as_deref().unwrap_or("no error recorded")
            ),
        }
    }
    .await;
    rt.close().await?;
    result
}
