//! One module per subcommand. Each returns the process exit code; errors bubble up as one
//! line through `main`.

mod bench;
mod bench_api;
mod bench_auth;
mod bench_documents;
mod bench_jobs;
mod bench_load;
mod bench_money;
mod bench_payments;
mod bench_peers;
mod bench_portal;
mod bench_registrations;
mod bench_report;
mod bench_reports;
mod billing;
mod check;
mod demo;
mod demo_work;
mod documents;
mod holidays;
mod import;
mod integrations;
mod jobs;
mod keys;
mod migrate;
mod notify;
mod obligations;
mod odoo;
mod payments;
mod registry_sim;
mod serve;
mod server;
mod table;
mod tenant;
mod users;

use crate::cli::{Cli, Command};
use std::process::ExitCode;

pub async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Serve(args) => serve::run(&cli.global, args).await,
        Command::Migrate(args) => migrate::run(&cli.global, args).await,
        Command::Tenant(cmd) => tenant::run(&cli.global, cmd).await,
        Command::Server(cmd) => server::run(&cli.global, cmd).await,
        Command::Demo(args) => demo::run(&cli.global, args).await,
        Command::Bench(args) => bench::run(args).await,
        Command::Jobs(cmd) => jobs::run(&cli.global, cmd).await,
        Command::Integrations(cmd) => integrations::run(&cli.global, cmd).await,
        Command::Notify(cmd) => notify::run(&cli.global, cmd).await,
        Command::User(cmd) => users::run_user(&cli.global, cmd).await,
        Command::PlatformUser(cmd) => users::run_platform_user(&cli.global, cmd).await,
        Command::Keys(cmd) => keys::run(&cli.global, cmd).await,
        Command::Check(args) => check::run(args),
        Command::Import(cmd) => import::run(&cli.global, cmd).await,
        Command::RegistrySim(args) => registry_sim::run(args).await,
        Command::Obligations(cmd) => obligations::run(&cli.global, cmd).await,
        Command::Holidays(cmd) => holidays::run(&cli.global, cmd).await,
        Command::Documents(cmd) => documents::run(&cli.global, cmd).await,
        Command::Odoo(cmd) => odoo::run(&cli.global, cmd).await,
        Command::Payments(cmd) => payments::run(&cli.global, cmd).await,
        Command::Billing(cmd) => billing::run(&cli.global, cmd).await,
    }
}

/// Resolves on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}
