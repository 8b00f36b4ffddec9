use super::AmqpError;
use std::fmt;
use std::time::Duration;

/// How to reach RabbitMQ and how hard to push it. `Default` is a local broker with the
/// `guest` account, which RabbitMQ only accepts from localhost.
#[derive(Clone)]
pub struct AmqpSettings {
    /// `amqp://user:password@host:port/vhost` (the vhost URL-encoded: `%2f` is `/`);
    /// `amqps://` for TLS (rustls, webpki roots). Add `?heartbeat=10` to notice a dead peer
    /// sooner than the broker's default.
    pub url: String,
    /// Unacknowledged deliveries per handler queue (`basic.qos`): how many jobs of one
    /// handler this process may hold at once.
    pub prefetch: u16,
    /// Events one relay transaction publishes and then marks relayed.
    pub relay_batch: u32,
    /// How long to wait for the broker's publisher confirms before giving the batch up (it is
    /// rolled back and published again).
    pub confirm_timeout: Duration,
    /// Reconnect backoff: first and longest wait between attempts.
    pub reconnect_min: Duration,
    pub reconnect_max: Duration,
}

impl Default for AmqpSettings {
    fn default() -> Self {
        AmqpSettings {
            url: "amqp://guest:guest@127.0.0.1:5672/%2f".to_owned(),
            prefetch: 16,
            relay_batch: 256,
            confirm_timeout: Duration::from_secs(30),
            reconnect_min: Duration::from_millis(200),
            reconnect_max: Duration::from_secs(10),
        }
    }
}

impl AmqpSettings {
    /// Refuses settings that could never work, so `serve` stops at start-up with the reason
    /// instead of retrying a bad URL forever.
    pub fn validate(&self) -> Result<(), AmqpError> {
        self.url
            .parse::<lapin::uri::AMQPUri>()
            .map_err(|e| AmqpError::Settings(format!("COMPLY360_AMQP_URL: {e}")))?;
        if self.prefetch == 0 {
            return Err(AmqpError::Settings("prefetch must be at least 1".into()));
        }
        if self.relay_batch == 0 {
            return Err(AmqpError::Settings("relay batch must be at least 1".into()));
        }
        if self.reconnect_min.is_zero() || self.reconnect_max < self.reconnect_min {
            return Err(AmqpError::Settings(
                "reconnect backoff must be positive, with max >= min".into(),
            ));
        }
        Ok(())
    }

    /// The URL with its password replaced, for logs.
    pub fn redacted_url(&self) -> String {
        redact(&self.url)
    }
}

fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    match authority.rsplit_once('@') {
        Some((userinfo, host)) => {
            let user = userinfo.split_once(':').map_or(userinfo, |(u, _)| u);
            format!("{scheme}://{user}:***@{host}{path}")
        }
        None => url.to_owned(),
    }
}

impl fmt::Debug for AmqpSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AmqpSettings")
            .field("url", &self.redacted_url())
            .field("prefetch", &self.prefetch)
            .field("relay_batch", &self.relay_batch)
            .field("confirm_timeout", &self.confirm_timeout)
            .field("reconnect_min", &self.reconnect_min)
            .field("reconnect_max", &self.reconnect_max)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_reach_logs() {
        let s = AmqpSettings {
            url: "amqp://c360:s3cret@mq.internal:5672/prod".into(),
            ..AmqpSettings::default()
        };
        assert_eq!(s.redacted_url(), "amqp://c360:***@mq.internal:5672/prod");
        assert!(!format!("{s:?}").contains("s3cret"));
        assert_eq!(redact("amqp://localhost"), "amqp://localhost");
    }

    #[test]
    fn defaults_are_valid_and_nonsense_is_refused() {
        AmqpSettings::default().validate().unwrap();
        let bad = AmqpSettings {
            url: "http://nope".into(),
            ..AmqpSettings::default()
        };
        assert!(bad.validate().is_err());
        let bad = AmqpSettings {
            prefetch: 0,
            ..AmqpSettings::default()
        };
        assert!(bad.validate().is_err());
    }
}
