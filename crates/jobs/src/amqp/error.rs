use crate::JobsError;
use comply360_domain::EventId;
use std::time::Duration;

/// What the RabbitMQ transport can fail with. Inside a relay pass these become
/// [`JobsError::Transport`], which makes the worker roll back and try the tenant again shortly.
#[derive(Debug, thiserror::Error)]
pub enum AmqpError {
    #[error("invalid RabbitMQ setting: {0}")]
    Settings(String),
    #[error("RabbitMQ: {0}")]
    Broker(#[from] lapin::Error),
    #[error("RabbitMQ is not connected (reconnecting)")]
    Disconnected,
    #[error("RabbitMQ did not take a published message (nack)")]
    Nacked,
    #[error("RabbitMQ did not confirm a publish within {0:?}")]
    ConfirmTimeout(Duration),
    #[error("connecting to RabbitMQ took longer than {0:?}")]
    ConnectTimeout(Duration),
    #[error("cannot encode event {id} as JSON: {source}")]
    Encode {
        id: EventId,
        source: serde_json::Error,
    },
    #[error("{0:?} is longer than AMQP's 255-byte names allow")]
    NameTooLong(String),
}

impl From<AmqpError> for JobsError {
    fn from(err: AmqpError) -> Self {
        JobsError::Transport(err.to_string())
    }
}
