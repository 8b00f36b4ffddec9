//! Publishes this replica's circuit states to the control plane every few seconds, so that
//! `comply360 integrations status` sees every replica's breakers from anywhere.

use comply360_integrations::{CircuitState, Resilience};
use comply360_store::Store;
use comply360_store::circuits::{self, CircuitSnapshot};
use std::time::Duration;
use tokio_util::sync::CancellationToken;

pub fn spawn_publisher(
    store: &Store,
    resilience: Resilience,
    replica: String,
    every: Duration,
    stop: CancellationToken,
) -> tokio::task::JoinHandle<()> {
    let pool = store.tenancy().catalog_pool().clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        loop {
            tokio::select! {
                _ = stop.cancelled() => break,
                _ = tick.tick() => {}
            }
            let snapshot: Vec<CircuitSnapshot> = resilience
                .statuses()
                .into_iter()
                .map(|s| CircuitSnapshot {
                    tenant: s.tenant,
                    system: s.system,
                    state: match s.state {
                        CircuitState::Closed => "closed",
                        CircuitState::HalfOpen => "half_open",
                        CircuitState::Open => "open",
                    },
                    rejected: s.rejected,
                })
                .collect();
            if let Err(err) = circuits::publish(&pool, &replica, &snapshot).await {
                tracing::debug!(error = %err, "circuit snapshot not published");
            }
        }
        // A stopped replica's circuits say nothing about the systems any more.
        let _ = circuits::withdraw(&pool, &replica).await;
    })
}
