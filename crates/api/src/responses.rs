//! The response cache: a list's answer kept under the agency's data version, and given again to
//! the next request for the same list while that version stands.
//!
//! Every transaction that changes an agency's data moves its data version on as it commits
//! (`migrations/tenant/0017_data_version.sql`), and a read-only transaction reads the version
//! in the same snapshot as the list ([`comply360_store::DataVersion`]). Two requests that read
//! the same version see the same rows, so the second may be given the first's bytes: never an
//! answer older than the data the request could see, on any replica, whoever wrote the change
//! (a request, a job, another replica). A hit costs the version's read instead of the list's
//! query, its rows' decoding and their encoding as JSON (ARCHITECTURE.md, decision 77).
//!
//! Only answers that depend on nothing but the agency's data and the request's address are
//! kept: the lists whose items are the same for every caller allowed to read them, with no
//! clock in them. The caller's credential and permission are checked before, on every request.

use crate::problem::Problem;
use crate::state::AppState;
use axum::body::Bytes;
use axum::http::{HeaderValue, Uri, header};
use axum::response::{IntoResponse, Response};
use comply360_store::{DataVersion, Tenant, TenantTx};
use serde::Serialize;
use std::sync::atomic::{AtomicU64, Ordering};

/// A kept answer's name: the agency's data as it was read, and the request's path and query.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct Key {
    version: DataVersion,
    request: Box<str>,
}

/// An answer weighs its bytes and its key's (the cache's capacity is in bytes).
#[derive(Clone)]
struct Weight;

impl quick_cache::Weighter<Key, Bytes> for Weight {
    fn weight(&self, key: &Key, body: &Bytes) -> u64 {
        (body.len() + key.request.len() + std::mem::size_of::<Key>()) as u64
    }
}

/// The process's kept answers, bounded in bytes; none when the capacity is 0.
pub struct Responses {
    kept: Option<quick_cache::sync::Cache<Key, Bytes, Weight>>,
    /// Answers given from the cache since the start (also `cache_hits_total`).
    hits: AtomicU64,
}

/// A typical list answer, for the cache's estimate of how many it holds.
const TYPICAL_ANSWER_BYTES: u64 = 16 * 1024;

impl Responses {
    /// A cache of at most `capacity_bytes` of answers (0 turns it off).
    pub fn new(capacity_bytes: u64) -> Responses {
        let kept = (capacity_bytes > 0).then(|| {
            let items = (capacity_bytes / TYPICAL_ANSWER_BYTES).max(16) as usize;
            quick_cache::sync::Cache::with_weighter(items, capacity_bytes, Weight)
        });
        Responses {
            kept,
            hits: AtomicU64::new(0),
        }
    }

    /// How many answers were given from the cache since the start.
    pub fn hits(&self) -> u64 {
        self.hits.load(Ordering::Relaxed)
    }

    fn get(&self, key: &Key) -> Option<Bytes> {
        let found = self.kept.as_ref()?.get(key);
        let outcome = if found.is_some() {
            self.hits.fetch_add(1, Ordering::Relaxed);
            "cache_hits_total"
        } else {
            "cache_misses_total"
        };
        metrics::counter!(outcome, "cache" => "responses").increment(1);
        found
    }
}

/// Answers a list with `read`'s result as JSON, from the cache while the agency's data has not
/// changed since it was computed. `read` runs in a read-only transaction (one snapshot, shared
/// with the version's read) and must depend on nothing but that data and `uri`.
pub async fn cached_list<T, F>(
    state: &AppState,
    tenant: &Tenant,
    uri: &Uri,
    read: F,
) -> Result<Response, Problem>
where
    T: Serialize,
    F: AsyncFnOnce(&mut TenantTx) -> Result<T, Problem>,
{
    let mut tx = state.store.tenancy().begin_read(tenant).await?;
    let Some(kept) = &state.responses.kept else {
        let answer = read(&mut tx).await?;
        tx.commit().await?;
        return Ok(axum::Json(&answer).into_response());
    };
    let key = Key {
        version: tx.data_version().await?,
        request: uri
            .path_and_query()
            .map_or(uri.path(), |p| p.as_str())
            .into(),
    };
    if let Some(body) = state.responses.get(&key) {
        tx.commit().await?;
        return Ok(json_bytes(body));
    }
    let answer = read(&mut tx).await?;
    tx.commit().await?;
    let body = Bytes::from(serde_json::to_vec(&answer).map_err(|e| {
        tracing::error!(error = %e, "a list answer could not be written as JSON");
        Problem::internal()
    })?);
    kept.insert(key, body.clone());
    Ok(json_bytes(body))
}

fn json_bytes(body: Bytes) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        body,
    )
        .into_response()
}
