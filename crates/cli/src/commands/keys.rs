//! `comply360 keys list|rotate`: the access-token signing keys.

use crate::cli::{GlobalArgs, KeysCommand};
use crate::commands::table;
use crate::platform;
use crate::runtime::Runtime;
use comply360_identity::signing;
use comply360_store::catalog;
use std::process::ExitCode;
use std::time::Duration;

pub async fn run(global: &GlobalArgs, cmd: KeysCommand) -> anyhow::Result<ExitCode> {
    let rt = Runtime::open(global, false).await?;
    let result = async {
        let master = platform::master_key(&rt.settings)?;
        let owner = rt.store.owner_pool();
        signing::ensure_key(owner, &master).await?;
        // A superseded key verifies for one access-token lifetime (plus the MFA step's).
        let grace = Duration::from_secs(rt.settings.access_token_ttl_secs + 300);
        if let KeysCommand::Rotate = cmd {
            let kid = signing::add_key(owner, &master).await?;
            catalog::audit(
                owner,
                "cli",
                "signing_key.rotated",
                None,
                serde_json::json!({"kid": kid}),
            )
            .await?;
            println!(
                "new signing key {kid}; replicas pick it up within a minute (at once for tokens they verify), older keys verify for {} more minutes",
                grace.as_secs() / 60
            );
        }
        let rows: Vec<Vec<String>> = signing::list(owner, grace)
            .await?
            .into_iter()
            .map(|key| {
                vec![
                    key.kid,
                    key.created_at.format("%Y-%m-%d %H:%M:%S").to_string(),
                    if key.signing { "yes" } else { "no" }.to_owned(),
                    if key.verifying { "yes" } else { "no" }.to_owned(),
                ]
            })
            .collect();
        println!("{}", table::render(&["KID", "CREATED", "SIGNS", "VERIFIES"], &rows));
        Ok(ExitCode::SUCCESS)
    }
    .await;
    rt.close().await?;
    result
}
