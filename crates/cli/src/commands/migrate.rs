//! `comply360 migrate`: control plane (done on open), then every tenant namespace.

use crate::cli::{GlobalArgs, MigrateArgs};
use crate::runtime::Runtime;
use comply360_store::fleet::{FleetEvent, FleetOptions, FleetReport};
use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use std::process::ExitCode;
use tokio_util::sync::CancellationToken;

pub async fn run(global: &GlobalArgs, args: MigrateArgs) -> anyhow::Result<ExitCode> {
    let rt = Runtime::open(global, false).await?;
    let result = migrate(&rt, &args).await;
    rt.close().await?;
    result
}

async fn migrate(rt: &Runtime, args: &MigrateArgs) -> anyhow::Result<ExitCode> {
    let cancel = CancellationToken::new();
    let on_signal = cancel.clone();
    let signal = tokio::spawn(async move {
        super::shutdown_signal().await;
        eprintln!("interrupted: finishing the namespaces in flight; run migrate again to resume");
        on_signal.cancel();
    });
    let opts = FleetOptions {
        concurrency: usize::from(args.concurrency),
        cancel,
    };
    let report = run_with_progress(rt, &opts).await;
    signal.abort();
    let report = report?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print_summary(&report);
    }
    let mut ok = report.is_success();
    if args.verify {
        let problems = rt.store.verify_fleet().await?;
        if problems.is_empty() {
            if !args.json {
                println!(
                    "verified: every namespace has RLS enabled and forced, its policies, and tenant_id-led keys"
                );
            }
        } else {
            ok = false;
            for (ns, problem) in problems {
                eprintln!("verify: {ns}: {problem}");
            }
        }
    }
    Ok(if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

async fn run_with_progress(rt: &Runtime, opts: &FleetOptions) -> anyhow::Result<FleetReport> {
    let terminal = std::io::stderr().is_terminal();
    let bar = ProgressBar::hidden();
    let report = rt
        .store
        .migrate_fleet(opts, |event| match event {
            FleetEvent::Planned { total, target } => {
                if total == 0 {
                    return;
                }
                if terminal {
                    bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
                    bar.set_length(total as u64);
                    bar.set_style(
                        ProgressStyle::with_template(
                            "{spinner} migrating to v{msg} [{bar:40}] {pos}/{len} {elapsed}",
                        )
                        .unwrap_or_else(|_| ProgressStyle::default_bar())
                        .progress_chars("=> "),
                    );
                    bar.set_message(target.to_string());
                } else {
                    eprintln!("migrating {total} namespaces to version {target}");
                }
            }
            FleetEvent::Migrated {
                namespace,
                from,
                to,
            } => {
                if terminal {
                    bar.inc(1);
                } else {
                    eprintln!("migrated {namespace} from {from} to {to}");
                }
            }
            FleetEvent::Failed { namespace, error } => {
                if terminal {
                    bar.inc(1);
                    bar.println(format!("FAILED {namespace}: {error}"));
                } else {
                    eprintln!("FAILED {namespace}: {error}");
                }
            }
        })
        .await?;
    bar.finish_and_clear();
    Ok(report)
}

fn print_summary(r: &FleetReport) {
    if r.planned == 0 {
        println!(
            "up to date: every namespace is at version {} ({} ms)",
            r.target_version, r.elapsed_ms
        );
        return;
    }
    println!(
        "migrated {} of {} namespaces to version {} in {} ms; {} failed; {} not started",
        r.migrated,
        r.planned,
        r.target_version,
        r.elapsed_ms,
        r.failed.len(),
        r.skipped
    );
    for f in &r.failed {
        let tenants = if f.tenants.is_empty() {
            String::new()
        } else {
            format!(" (tenants: {})", f.tenants.join(", "))
        };
        println!("  failed: {}{tenants}: {}", f.namespace, f.error);
    }
    if r.interrupted {
        println!("interrupted: run `comply360 migrate` again to finish");
    }
}
