//! `comply360 integrations status`: circuit breakers as every running replica reports them.

use super::table;
use crate::cli::{GlobalArgs, IntegrationsCommand};
use crate::runtime::Runtime;
use comply360_store::circuits;
use std::process::ExitCode;
use std::time::Duration;

/// Snapshots older than this come from replicas that stopped (they publish every few seconds).
const FRESH: Duration = Duration::from_secs(60);

pub async fn run(global: &GlobalArgs, cmd: IntegrationsCommand) -> anyhow::Result<ExitCode> {
    let rt = Runtime::open(global, false).await?;
    let result = async {
        let IntegrationsCommand::Status(args) = cmd;
        let rows = circuits::list(rt.store.tenancy().catalog_pool(), FRESH).await?;
        if args.json {
            println!("{}", serde_json::to_string_pretty(&rows)?);
        } else if rows.is_empty() {
            println!("no outside system has been called by a running replica in the last minute; all circuits closed");
        } else {
            let table_rows: Vec<Vec<String>> = rows
                .iter()
                .map(|r| {
                    vec![
                        r.system.clone(),
                        r.tenant.clone(),
                        r.state.clone(),
                        r.rejected.to_string(),
                        r.replica.clone(),
                        r.updated_at.format("%H:%M:%S").to_string(),
                    ]
                })
                .collect();
            println!(
                "{}",
                table::render(
                    &["SYSTEM", "AGENCY", "STATE", "REJECTED", "REPLICA", "AS OF"],
                    &table_rows
                )
            );
        }
        anyhow::Ok(ExitCode::SUCCESS)
    }
    .await;
    rt.close().await?;
    result
}
