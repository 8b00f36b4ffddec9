//! What a subscriber implements, and what it is given when a job runs.

use crate::event::Event;
use crate::outbox::Outbox;
use crate::{HandlerError, RetryPolicy};
use async_trait::async_trait;
use comply360_store::{Tenancy, Tenant, TenantTx};

/// A subscriber to events. Each event it subscribes to becomes one job for it.
///
/// Delivery is at least once; the runner makes it **exactly once in effect** for everything
/// the handler writes through `ctx.tx`: those writes, the handler's inbox row and the job's
/// completion commit together. Calls to outside systems cannot be part of that transaction,
/// so they must be idempotent on the provider's side (an idempotency key such as the event
/// id) or record their own progress, as the notification sender does.
#[async_trait]
pub trait Handler: Send + Sync + 'static {
    /// The stable name stored in job and inbox rows (`^[a-z][a-z0-9_.]*$`). Never rename a
    /// handler that has work queued.
    fn name(&self) -> &'static str;

    /// Event types this handler receives: exact names, `prefix.*`, or `*`.
    fn subscribes_to(&self) -> &'static [&'static str];

    /// Attempts and backoff; `None` takes the configured default.
    fn retry_policy(&self) -> Option<RetryPolicy> {
        None
    }

    /// Whether this handler's jobs may share one transaction, each under its own savepoint.
    /// Only for handlers that do nothing but quick writes through `ctx.tx`: a handler that
    /// calls an outside system would hold the batch's transaction open for its call. Batching
    /// saves the BEGIN/COMMIT and the flush of every job.
    fn runs_in_batches(&self) -> bool {
        false
    }

    /// Work done before the job's transaction opens, whose result [`Handler::handle`] then
    /// records inside it (`ctx.prepared`): CPU-heavy tools or slow reads that must not hold a
    /// pooled connection while they run (a job waiting for an OCR slot while holding one
    /// starves the pool). It may run again on a retry or for a duplicate delivery, so it must
    /// have no effects a second run would repeat. Not called for batching handlers.
    async fn prepare(&self, _ctx: &PrepareContext<'_>) -> Result<Option<Prepared>, HandlerError> {
        Ok(None)
    }

    async fn handle(&self, ctx: &mut JobContext<'_>) -> Result<(), HandlerError>;

    /// Called in the transaction that parks the job as a dead letter, so the handler can make
    /// the failure visible where users look (a message marked failed, say).
    async fn on_dead(&self, _ctx: &mut JobContext<'_>, _error: &str) -> Result<(), HandlerError> {
        Ok(())
    }
}

/// What [`Handler::prepare`] produced, handed to [`Handler::handle`].
pub type Prepared = Box<dyn std::any::Any + Send + Sync>;

/// What [`Handler::prepare`] is given: no transaction, but the means to open a short one.
pub struct PrepareContext<'a> {
    pub tenancy: &'a Tenancy,
    pub tenant: &'a Tenant,
    pub event: &'a Event,
    pub attempt: i32,
}

/// One job's view of the world: its tenant's transaction, the event, and the outbox (handlers
/// may emit follow-up events, which commit with everything else).
pub struct JobContext<'a> {
    pub tx: &'a mut TenantTx,
    pub tenant: &'a Tenant,
    pub event: &'a Event,
    pub outbox: &'a Outbox,
    /// 1 on the first attempt.
    pub attempt: i32,
    pub max_attempts: i32,
    /// What [`Handler::prepare`] produced, if anything (taken by the handler).
    pub prepared: Option<Prepared>,
}

impl JobContext<'_> {
    pub fn is_last_attempt(&self) -> bool {
        self.attempt >= self.max_attempts
    }
}
