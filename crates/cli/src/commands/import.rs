//! `comply360 import clients --tenant SLUG FILE.csv [--dry-run] [--skip-invalid] [--json]`.
//!
//! Every problem is printed as `line N, column C: what is wrong` on standard error. Exit 0
//! when rows were written (or a dry run found nothing wrong), 1 otherwise; a run that stops
//! on errors writes nothing.

use crate::cli::{GlobalArgs, ImportClientsArgs, ImportCommand};
use crate::runtime::Runtime;
use anyhow::Context;
use comply360_practice::import::{self, ImportOptions};
use comply360_practice::reminders::sa_today;
use std::io::Read;
use std::process::ExitCode;
use uuid::Uuid;

pub async fn run(global: &GlobalArgs, cmd: ImportCommand) -> anyhow::Result<ExitCode> {
    let ImportCommand::Clients(args) = cmd;
    clients(global, args).await
}

fn read(path: &std::path::Path) -> anyhow::Result<Vec<u8>> {
    if path.as_os_str() == "-" {
        let mut bytes = Vec::new();
        std::io::stdin()
            .read_to_end(&mut bytes)
            .context("cannot read standard input")?;
        return Ok(bytes);
    }
    std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))
}

async fn clients(global: &GlobalArgs, args: ImportClientsArgs) -> anyhow::Result<ExitCode> {
    let bytes = read(&args.file)?;
    let rt = Runtime::open(global, false).await?;
    let result = async {
        let tenant = rt.store.tenancy().resolve(&args.tenant).await?;
        // The imported clients' events (the agency's ERP mirrors them).
        let resilience = comply360_integrations::Resilience::new(comply360_integrations::CallPolicy::default());
        let outbox = crate::platform::outbox(&rt.settings, &rt.store, &resilience)?;
        let mut tx = rt.store.tenancy().begin(&tenant).await?;
        let options = ImportOptions { dry_run: args.dry_run, skip_invalid: args.skip_invalid };
        let report = import::clients(&mut tx, &outbox, Uuid::nil(), &bytes, options, sa_today())
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        if report.written > 0 && !args.dry_run {
            tx.commit().await?;
        } else {
            tx.rollback().await?;
        }
        if args.json {
            println!("{}", serde_json::to_string(&report)?);
        } else {
            for e in &report.errors {
                eprintln!("{e}");
            }
            let verb = if args.dry_run { "would import" } else { "imported" };
            let count = if args.dry_run { report.valid } else { report.written };
            let invalid = report.errors.iter().map(|e| e.line).collect::<std::collections::BTreeSet<_>>().len();
            println!(
                "{verb} {count} of {} clients into {}{}",
                report.rows,
                tenant.slug(),
                match (invalid, args.dry_run, args.skip_invalid) {
                    (0, _, _) => String::new(),
                    (n, true, _) => format!("; {n} lines have errors"),
                    (n, false, true) => format!("; skipped {n} lines with errors"),
                    (n, false, false) => format!("; nothing was written because {n} lines have errors (fix them, or pass --skip-invalid)"),
                }
            );
        }
        let ok = if args.dry_run { report.errors.is_empty() } else { report.written > 0 || report.errors.is_empty() };
        Ok(if ok { ExitCode::SUCCESS } else { ExitCode::FAILURE })
    }
    .await;
    rt.close().await?;
    result
}
