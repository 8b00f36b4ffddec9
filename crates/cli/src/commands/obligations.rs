//! `comply360 obligations remind [--tenant SLUG] [--today DATE]`: one sweep of the calendar.

use crate::cli::{GlobalArgs, ObligationsCommand};
use crate::platform;
use crate::runtime::Runtime;
use comply360_integrations::{CallPolicy, Resilience};
use comply360_practice::reminders::{sa_today, sweep, sweep_tenant};
use std::process::ExitCode;

pub async fn run(global: &GlobalArgs, cmd: ObligationsCommand) -> anyhow::Result<ExitCode> {
    let ObligationsCommand::Remind(args) = cmd;
    let rt = Runtime::open(global, false).await?;
    let result = async {
        let outbox = platform::outbox(
            &rt.settings,
            &rt.store,
            &Resilience::new(CallPolicy::default()),
        )?;
        let settings = platform::reminder_settings(&rt.settings);
        let today = args.today.unwrap_or_else(sa_today);
        let sent = match &args.tenant {
            Some(slug) => {
                let tenant = rt.store.tenancy().resolve(slug).await?;
                sweep_tenant(&rt.store, &outbox, &tenant, &settings, today)
                    .await
                    .map_err(|e| anyhow::anyhow!("{e}"))?
            }
            None => sweep(&rt.store, &outbox, &settings, today).await,
        };
        println!("{sent} reminders emitted for {today}");
        Ok(ExitCode::SUCCESS)
    }
    .await;
    rt.close().await?;
    result
}
