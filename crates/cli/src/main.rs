//! `comply360`: the one binary. See `comply360 --help`.

mod allocator;
mod cli;
mod commands;
mod platform;
mod runtime;
mod settings;
mod telemetry;
mod traces;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    allocator::configure();
    let cli = match cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => return cli::report_parse_error(err),
    };
    // No transparent huge pages for this process: the allocator's arenas would be backed by
    // 2 MiB pages, most of them barely used, which made up half the idle server's resident
    // memory (bench/README.md, "memory"); small pages cost no throughput measurable here.
    #[cfg(target_os = "linux")]
    let _ = nix::sys::prctl::set_thp_disable(true);
    // ring, the one rustls provider every TLS client here uses; before anything makes one.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let default_filter = match cli.command {
        cli::Command::Serve(_) => telemetry::SERVER,
        cli::Command::Bench(_) => telemetry::BENCH,
        _ => telemetry::ONE_SHOT,
    };
    let _telemetry = telemetry::init(cli.global.json_logs(), default_filter);
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(err) => {
            eprintln!("error: cannot start the async runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    match rt.block_on(commands::run(cli)) {
        Ok(code) => code,
        Err(err) => {
            // One line: the chain of causes, no backtrace.
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}
