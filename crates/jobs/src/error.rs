use comply360_store::StoreError;
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum JobsError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("event type {0:?} is not one this platform knows")]
    UnknownEventType(String),
    #[error("aggregate type {0:?} is not a lower-case word (a-z and _, starting with a letter)")]
    InvalidAggregateType(String),
    #[error("no job {0} in any tenant")]
    UnknownJob(String),
    #[error("job {id} is {state}, not dead: only dead letters can be retried")]
    NotDead { id: String, state: String },
    #[error("{0}")]
    Transport(String),
}

impl JobsError {
    /// An emit that failed inside the caller's transaction, as the caller's store error: a
    /// database error stays one (so a database that cannot be reached is still answered
    /// 503, not 500); anything else says which event could not be emitted.
    pub fn into_store(self, event_type: &str) -> StoreError {
        match self {
            JobsError::Store(e) => e,
            other => StoreError::Invalid(format!("cannot emit {event_type}: {other}")),
        }
    }
}

impl From<sqlx::Error> for JobsError {
    fn from(err: sqlx::Error) -> Self {
        JobsError::Store(StoreError::from(err))
    }
}

/// How a handler failed, which decides what happens to its job.
#[derive(Debug, thiserror::Error)]
pub enum HandlerError {
    /// Worth another attempt (an outside system is down or slow, a deadlock, a timeout).
    #[error("{0}")]
    Retryable(String),
    /// Will never succeed as it is (bad data, a 4xx from a provider): dead-lettered at once,
    /// to be replayed with `comply360 jobs retry` after a fix.
    #[error("{0}")]
    Permanent(String),
    /// Not attempted at all (the outside system's circuit is open): runs again after the
    /// delay without using up an attempt.
    #[error("deferred for {after:?}: {reason}")]
    Deferred { after: Duration, reason: String },
}

impl From<StoreError> for HandlerError {
    fn from(err: StoreError) -> Self {
        HandlerError::Retryable(err.to_string())
    }
}

impl From<sqlx::Error> for HandlerError {
    fn from(err: sqlx::Error) -> Self {
        HandlerError::Retryable(err.to_string())
    }
}

impl From<JobsError> for HandlerError {
    fn from(err: JobsError) -> Self {
        HandlerError::Retryable(err.to_string())
    }
}
