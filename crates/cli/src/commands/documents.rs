//! `comply360 documents rewrap|sweep`: the agencies' data keys after a master-key change, and
//! the documents housekeeping on demand.

use crate::cli::{DocumentsCommand, GlobalArgs};
use crate::platform;
use crate::runtime::Runtime;
use comply360_documents::housekeeping;
use comply360_documents::vault::{KeyRing, rewrap_all};
use comply360_identity::sealed::MasterKey;
use comply360_integrations::{CallPolicy, Resilience};
use comply360_practice::reminders::sa_today;
use std::process::ExitCode;
use zeroize::Zeroizing;

pub async fn run(global: &GlobalArgs, cmd: DocumentsCommand) -> anyhow::Result<ExitCode> {
    let rt = Runtime::open(global, false).await?;
    let result = async {
        match cmd {
            DocumentsCommand::Rewrap {
                previous_master_key_file,
            } => {
                let text = Zeroizing::new(
                    std::fs::read_to_string(&previous_master_key_file).map_err(|e| {
                        anyhow::anyhow!(
                            "cannot read the previous master key {}: {e}",
                            previous_master_key_file.display()
                        )
                    })?,
                );
                let previous = MasterKey::from_base64(text.trim()).map_err(|e| {
                    anyhow::anyhow!(
                        "the previous master key in {} is not a key: {e}",
                        previous_master_key_file.display()
                    )
                })?;
                let current = platform::master_key(&rt.settings)?;
                let ring = KeyRing::new(current).with_previous(previous);
                let report = rewrap_all(rt.store.owner_pool(), &ring)
                    .await
                    .map_err(|e| anyhow::anyhow!("rewrapping the data keys failed: {e}"))?;
                println!(
                    "{} data keys rewrapped to the current master key, {} already current",
                    report.rewrapped, report.already_current
                );
            }
            DocumentsCommand::Sweep { tenant } => {
                let docs = platform::documents(&rt.settings, &rt.store)?;
                let outbox = platform::outbox(
                    &rt.settings,
                    &rt.store,
                    &Resilience::new(CallPolicy::default()),
                )?;
                let today = sa_today();
                let report = match tenant {
                    Some(slug) => {
                        let tenant = rt.store.tenancy().resolve(&slug).await?;
                        housekeeping::sweep_tenant(&docs, &rt.store, &outbox, &tenant, today)
                            .await
                            .map_err(|e| anyhow::anyhow!("{e}"))?
                    }
                    None => housekeeping::sweep(&docs, &rt.store, &outbox, today).await,
                };
                println!(
                    "{} documents moved into storage, {} purged at the end of their retention, {} kept on legal hold",
                    report.moved, report.purged, report.held
                );
            }
        }
        Ok(ExitCode::SUCCESS)
    }
    .await;
    rt.close().await?;
    result
}
