//! `comply360 serve`: migrate, optionally create the demo, serve until Ctrl-C / SIGTERM, then
//! finish in-flight requests, close pools and stop the embedded cluster.

use crate::cli::{GlobalArgs, Role, ServeArgs};
use crate::platform;
use crate::runtime::Runtime;
use crate::settings::PoolUse;
use comply360_api::dev_pages::{DevPages, dev_pages};
use comply360_api::{AppState, Surface, serve_router};
use comply360_integrations::{CallPolicy, Resilience};
use comply360_notify::EmailTransport;
use comply360_store::fleet::FleetOptions;
use std::process::ExitCode;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

pub async fn run(global: &GlobalArgs, args: ServeArgs) -> anyhow::Result<ExitCode> {
    // The recorder first, so what start-up counts (the placement cache, the demo) is kept.
    comply360_api::metrics::handle();
    let pool_use = match args.role {
        Role::Api => PoolUse::Requests,
        Role::All | Role::Worker => PoolUse::RequestsAndJobs,
    };
    let rt = Runtime::open_for(global, true, pool_use).await?;
    let result = serve_until_stopped(&rt, &args).await;
    rt.close().await?;
    tracing::info!("stopped");
    result
}

async fn serve_until_stopped(rt: &Runtime, args: &ServeArgs) -> anyhow::Result<ExitCode> {
    let _purge = crate::allocator::spawn_idle_purge();
    tracing::info!(
        purge_delay_ms = crate::allocator::purge_delay_ms(),
        "freed memory goes back to the system after the allocator's purge delay"
    );
    let report = rt
        .store
        .migrate_fleet(&FleetOptions::default(), |_| {})
        .await?;
    if !report.is_success() {
        for f in &report.failed {
            tracing::error!(namespace = %f.namespace, error = %f.error, "namespace failed to migrate");
        }
    }
    let resilience = Resilience::new(CallPolicy::default());
    let documents = platform::documents(&rt.settings, &rt.store)?;
    let payments = platform::payments(&rt.settings, &resilience)?;
    let outbox =
        platform::serving_outbox(&rt.settings, &rt.store, &resilience, &documents, &payments)?;
    let identity = platform::identity(&rt.settings, &rt.store, &outbox, args.listen.port()).await?;
    if args.demo {
        super::demo::ensure(rt, &identity, &outbox, args.listen.port()).await?;
    }
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .map_err(|e| {
            anyhow::anyhow!(
                "cannot listen on {}: {e}; choose another address with --listen",
                args.listen
            )
        })?;
    let metrics_listener = tokio::net::TcpListener::bind(args.metrics_listen)
        .await
        .map_err(|e| {
            anyhow::anyhow!(
                "cannot listen on {} for /metrics: {e}; choose another address with --metrics-listen (COMPLY360_METRICS_LISTEN)",
                args.metrics_listen
            )
        })?;
    let metrics_address = metrics_listener.local_addr()?;
    let limiter = platform::limiter(&rt.settings).await?;
    tracing::info!(backend = limiter.backend_name(), "rate limits");
    let state = AppState::new(
        rt.store.clone(),
        rt.settings.http(),
        outbox.clone(),
        identity,
        limiter,
    )
    .with_resilience(resilience.clone())
    .with_documents(documents.clone())
    .with_payments(payments)
    .with_platform_billing(platform::platform_billing(&rt.settings, &resilience)?);

    let stop = CancellationToken::new();
    let workers = match args.role {
        Role::All | Role::Worker => Some(platform::start_workers(
            &rt.settings,
            &rt.store,
            &outbox,
            stop.child_token(),
        )?),
        Role::Api => None,
    };
    let reminders = matches!(args.role, Role::All | Role::Worker).then(|| {
        comply360_practice::reminders::spawn(
            rt.store.clone(),
            outbox.clone(),
            platform::reminder_settings(&rt.settings),
            stop.child_token(),
        )
    });
    // The platform's billing: this month's invoices, and holds for what is overdue.
    let billing = matches!(args.role, Role::All | Role::Worker).then(|| {
        super::billing::spawn(
            rt.store.clone(),
            rt.settings.billing_grace_days,
            stop.child_token(),
        )
    });
    // Documents' housekeeping: certificates into storage, retention (daily by default).
    let housekeeping = matches!(args.role, Role::All | Role::Worker).then(|| {
        comply360_documents::housekeeping::spawn(
            documents.clone(),
            rt.store.clone(),
            outbox.clone(),
            Duration::from_secs(rt.settings.document_sweep_secs.max(60)),
            stop.child_token(),
        )
    });
    let circuits = comply360_api::circuits::spawn_publisher(
        &rt.store,
        resilience,
        comply360_jobs::worker_id(),
        Duration::from_secs(5),
        stop.child_token(),
    );
    let surface = match args.role {
        Role::Worker => Surface::OpsOnly,
        Role::All | Role::Api => Surface::Api,
    };
    // The mailbox transport is for a laptop: what it "sent" is readable at /dev/mailbox, on a
    // loopback listener only (see comply360_api::dev_pages).
    let extra = if rt.settings.notify.email_transport == EmailTransport::Mailbox
        && surface == Surface::Api
    {
        let dir = &rt.settings.notify.mailbox_dir;
        match dev_pages(args.listen, comply360_notify::mailbox_router(dir.clone())) {
            DevPages::Served(pages) => {
                println!(
                    "Emails are written to {} and shown at http://localhost:{}/dev/mailbox (on this machine only, never on an agency's address)",
                    dir.display(),
                    args.listen.port()
                );
                pages
            }
            DevPages::Withheld { reason } => {
                println!(
                    "Emails are written to {}; the /dev/mailbox page is not served: {reason}",
                    dir.display()
                );
                axum::Router::new()
            }
        }
    } else {
        axum::Router::new()
    };
    tracing::info!(address = %args.listen, role = ?args.role, transport = %rt.settings.transport(), "serving");
    println!("Comply360 is listening on http://{}", args.listen);
    let signal = stop.clone();
    tokio::spawn(async move {
        super::shutdown_signal().await;
        signal.cancel();
    });
    println!("Metrics for Prometheus at http://{metrics_address}/metrics");
    let metrics_stop = stop.clone();
    let metrics = tokio::spawn(serve_router(
        metrics_listener,
        comply360_api::metrics::router(state.clone(), rt.settings.metrics_token.clone()),
        async move { metrics_stop.cancelled().await },
    ));
    let http_stop = stop.clone();
    let served = serve_router(
        listener,
        comply360_web::app(state, surface, extra),
        async move { http_stop.cancelled().await },
    )
    .await;
    // HTTP has drained; now let the workers finish or release their jobs.
    stop.cancel();
    if let Some(workers) = workers {
        workers.join().await;
    }
    if let Some(housekeeping) = housekeeping {
        let _ = housekeeping.await;
    }
    if let Some(billing) = billing {
        let _ = billing.await;
    }
    if let Some(reminders) = reminders {
        let _ = reminders.await;
    }
    let _ = circuits.await;
    if let Ok(Err(e)) = metrics.await {
        tracing::warn!(error = %e, "the metrics listener stopped with an error");
    }
    served?;
    Ok(ExitCode::SUCCESS)
}
