//! `comply360 serve`: migrate, optionally create the demo, serve until Ctrl-C / SIGTERM, then
//! finish in-flight requests, close pools and stop the embedded cluster.

use crate::cli::{GlobalArgs, ServeArgs};
use crate::runtime::Runtime;
use comply360_api::{AppState, HttpSettings, serve};
use comply360_store::fleet::FleetOptions;
use std::process::ExitCode;
use std::time::Duration;

pub async fn run(global: &GlobalArgs, args: ServeArgs) -> anyhow::Result<ExitCode> {
    let rt = Runtime::open(global, true).await?;
    let result = serve_until_stopped(&rt, &args).await;
    rt.close().await?;
    tracing::info!("stopped");
    result
}

async fn serve_until_stopped(rt: &Runtime, args: &ServeArgs) -> anyhow::Result<ExitCode> {
    let report = rt
        .store
        .migrate_fleet(&FleetOptions::default(), |_| {})
        .await?;
    if !report.is_success() {
        for f in &report.failed {
            tracing::error!(namespace = %f.namespace, error = %f.error, "namespace failed to migrate");
        }
    }
    if args.demo {
        super::demo::ensure(rt, args.listen.port()).await?;
    }
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .map_err(|e| {
            anyhow::anyhow!(
                "cannot listen on {}: {e}; choose another address with --listen",
                args.listen
            )
        })?;
    let state = AppState::new(
        rt.store.clone(),
        HttpSettings {
            base_domain: rt.settings.base_domain.clone(),
            request_timeout: Duration::from_secs(rt.settings.request_timeout_secs),
        },
    );
    tracing::info!(address = %args.listen, "serving");
    println!("Comply360 is listening on http://{}", args.listen);
    serve(listener, state, super::shutdown_signal()).await?;
    Ok(ExitCode::SUCCESS)
}
