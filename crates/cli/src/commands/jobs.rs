//! `comply360 jobs ...`: the queue as the operator sees it, one agency at a time.

use super::table;
use crate::cli::{GlobalArgs, JobsCommand, JobsScopeArgs};
use crate::runtime::Runtime;
use comply360_jobs::admin::{self, TenantJob};
use std::process::ExitCode;

pub async fn run(global: &GlobalArgs, cmd: JobsCommand) -> anyhow::Result<ExitCode> {
    let rt = Runtime::open(global, false).await?;
    let result = execute(&rt, cmd).await;
    rt.close().await?;
    result
}

async fn execute(rt: &Runtime, cmd: JobsCommand) -> anyhow::Result<ExitCode> {
    let tenancy = rt.store.tenancy();
    let transport = rt.settings.transport();
    match cmd {
        JobsCommand::List(args) => {
            let states: Vec<&str> = if args.state.is_empty() {
                vec!["queued", "running", "dead"]
            } else {
                args.state.iter().map(|s| s.as_str()).collect()
            };
            let jobs = admin::list(
                tenancy,
                args.scope.tenant.as_deref(),
                &states,
                args.scope.limit,
            )
            .await?;
            print_jobs(&jobs, &args.scope)?;
        }
        JobsCommand::Dead(scope) => {
            let jobs =
                admin::list(tenancy, scope.tenant.as_deref(), &["dead"], scope.limit).await?;
            print_jobs(&jobs, &scope)?;
        }
        JobsCommand::Retry(args) => {
            let job = admin::retry(tenancy, args.tenant.as_deref(), args.id, transport).await?;
            println!(
                "queued job {} again ({} for {} in {}); it runs with a fresh set of {} attempts",
                job.job.id, job.job.handler, job.job.event_type, job.tenant, job.job.max_attempts
            );
        }
        JobsCommand::RetryAllDead(scope) => {
            let counts = admin::retry_all_dead(tenancy, scope.tenant.as_deref(), transport).await?;
            let total: u64 = counts.iter().map(|(_, n)| n).sum();
            for (tenant, n) in &counts {
                println!("{tenant}: {n} dead letters queued again");
            }
            println!("{total} dead letters queued again");
        }
        JobsCommand::PurgeDead(args) => {
            let counts =
                admin::purge_dead(tenancy, args.tenant.as_deref(), args.older_than).await?;
            let total: u64 = counts.iter().map(|(_, n)| n).sum();
            for (tenant, n) in &counts {
                println!("{tenant}: {n} dead letters deleted");
            }
            println!(
                "{total} dead letters older than {} deleted",
                humantime::format_duration(args.older_than)
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn print_jobs(jobs: &[TenantJob], scope: &JobsScopeArgs) -> anyhow::Result<()> {
    if scope.json {
        println!("{}", serde_json::to_string_pretty(jobs)?);
        return Ok(());
    }
    if jobs.is_empty() {
        println!("no jobs");
        return Ok(());
    }
    let rows: Vec<Vec<String>> = jobs
        .iter()
        .map(|j| {
            vec![
                j.job.id.to_string(),
                j.tenant.clone(),
                j.job.handler.clone(),
                j.job.event_type.clone(),
                j.job.state.clone(),
                format!("{}/{}", j.job.attempts, j.job.max_attempts),
                j.job.run_at.format("%Y-%m-%d %H:%M:%S").to_string(),
                j.job
                    .last_error
                    .as_deref()
                    .map(|e| e.chars().take(80).collect())
                    .unwrap_or_default(),
            ]
        })
        .collect();
    println!(
        "{}",
        table::render(
            &[
                "ID",
                "AGENCY",
                "HANDLER",
                "EVENT",
                "STATE",
                "ATTEMPTS",
                "RUN AT",
                "LAST ERROR"
            ],
            &rows
        )
    );
    Ok(())
}
