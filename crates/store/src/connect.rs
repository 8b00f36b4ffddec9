//! How to reach a PostgreSQL server as each of our roles.

use crate::StoreError;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions, PgSslMode};
use sqlx::{ConnectOptions, Connection, PgConnection};
use std::str::FromStr;
use std::time::Duration;

/// Where a server listens: a host name or address, or a Unix socket directory (starts with
/// `/`), and a port.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ServerAddress {
    pub host: String,
    pub port: u16,
}

impl std::fmt::Display for ServerAddress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.host, self.port)
    }
}

impl ServerAddress {
    pub fn is_socket(&self) -> bool {
        self.host.starts_with('/')
    }

    /// Options for `user` on `database` at this address. Statement logging is quiet: our
    /// queries are logged by the caller where it matters, never with their parameters.
    pub fn options(&self, user: &str, password: Option<&str>, database: &str) -> PgConnectOptions {
        let mut opts = PgConnectOptions::new()
            .port(self.port)
            .username(user)
            .database(database)
            .application_name("comply360")
            .log_statements(tracing::log::LevelFilter::Trace)
            .log_slow_statements(tracing::log::LevelFilter::Warn, Duration::from_secs(2));
        opts = if self.is_socket() {
            opts.socket(&self.host)
        } else {
            opts.host(&self.host).ssl_mode(PgSslMode::Prefer)
        };
        if let Some(pw) = password {
            opts = opts.password(pw);
        }
        opts
    }
}

/// A connection idle at least this long is tested before it is lent (see [`pool_options`]).
pub const PING_IDLE_AFTER: Duration = Duration::from_secs(1);

/// The options every pool starts from. sqlx tests each connection with a round trip when it
/// is returned to the pool (flushing a dropped transaction's `ROLLBACK`) and, by default,
/// with another when it is lent. Under load that second ping was one round trip in five of a
/// read request, spent on a connection answered a millisecond before. So a connection is
/// tested on its way out only once it has sat idle for [`PING_IDLE_AFTER`]: long enough for
/// a server restart or an idle cut to have happened. One that broke in the last second
/// fails its statement instead, which the caller answers as any lost connection (a 503 with
/// `Retry-After`), and the pool discards it.
pub fn pool_options() -> PgPoolOptions {
    PgPoolOptions::new()
        .test_before_acquire(false)
        .before_acquire(|conn, meta| {
            Box::pin(async move {
                if meta.idle_for >= PING_IDLE_AFTER {
                    conn.ping().await?;
                }
                Ok(true)
            })
        })
}

/// Connects once, turning a failure to reach the server into an error that names it.
pub async fn connect_once(opts: &PgConnectOptions) -> Result<PgConnection, StoreError> {
    let attempt = tokio::time::timeout(Duration::from_secs(10), PgConnection::connect_with(opts));
    match attempt.await {
        Ok(Ok(conn)) => Ok(conn),
        Ok(Err(err)) => Err(describe_connect_error(opts, err)),
        Err(_) => Err(StoreError::Unreachable {
            host: display_host(opts),
            port: opts.get_port(),
            reason: "no answer within 10 seconds".into(),
        }),
    }
}

fn display_host(opts: &PgConnectOptions) -> String {
    match opts.get_socket() {
        Some(dir) => dir.display().to_string(),
        None => opts.get_host().to_owned(),
    }
}

/// Maps connection errors: I/O and TLS failures become [`StoreError::Unreachable`] naming the
/// host and port; server refusals (bad password, missing database) keep their message.
pub fn describe_connect_error(opts: &PgConnectOptions, err: sqlx::Error) -> StoreError {
    let host = display_host(opts);
    let port = opts.get_port();
    match err {
        sqlx::Error::Io(io) => StoreError::Unreachable {
            host,
            port,
            reason: io.to_string(),
        },
        sqlx::Error::Tls(tls) => StoreError::Unreachable {
            host,
            port,
            reason: tls.to_string(),
        },
        sqlx::Error::Database(db) => StoreError::Unreachable {
            host,
            port,
            reason: format!(
                "the server refused user {:?} on database {:?}: {}",
                opts.get_username(),
                opts.get_database().unwrap_or(""),
                db.message()
            ),
        },
        other => StoreError::Db(other),
    }
}

/// A `postgres://user:password@host:port/database` URL, taken apart. `what` names the setting
/// in error messages (`DATABASE_URL`, `--url`).
#[derive(Clone)]
pub struct ServerUrl {
    pub address: ServerAddress,
    pub user: String,
    pub password: Option<String>,
    pub database: String,
    pub options: PgConnectOptions,
}

impl std::fmt::Debug for ServerUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "ServerUrl({}@{}/{})",
            self.user, self.address, self.database
        )
    }
}

impl ServerUrl {
    pub fn parse(url: &str, what: &str) -> Result<ServerUrl, StoreError> {
        let invalid = |detail: String| {
            StoreError::Invalid(format!(
                "{what} must be a postgres://user:password@host:port/database URL{detail}"
            ))
        };
        if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
            return Err(invalid(String::new()));
        }
        let options = PgConnectOptions::from_str(url).map_err(|e| invalid(format!(": {e}")))?;
        // sqlx keeps the password private; read it from the URL ourselves.
        let password = url::Url::parse(url)
            .map_err(|e| invalid(format!(": {e}")))?
            .password()
            .map(|p| {
                percent_encoding::percent_decode_str(p)
                    .decode_utf8_lossy()
                    .into_owned()
            });
        let host = match options.get_socket() {
            Some(dir) => dir.display().to_string(),
            None => options.get_host().to_owned(),
        };
        Ok(ServerUrl {
            address: ServerAddress {
                host,
                port: options.get_port(),
            },
            user: options.get_username().to_owned(),
            password,
            database: options.get_database().unwrap_or("postgres").to_owned(),
            options,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_taken_apart() {
        let u =
            ServerUrl::parse("postgres://u:p%40ss@db.example:6543/app", "DATABASE_URL").unwrap();
        assert_eq!(
            u.address,
            ServerAddress {
                host: "db.example".into(),
                port: 6543
            }
        );
        assert_eq!(
            (u.user.as_str(), u.password.as_deref(), u.database.as_str()),
            ("u", Some("p@ss"), "app")
        );
        let s = ServerUrl::parse(
            "postgres://u@localhost/postgres?host=/tmp/x/run&port=5999",
            "--url",
        )
        .unwrap();
        assert_eq!(
            s.address,
            ServerAddress {
                host: "/tmp/x/run".into(),
                port: 5999
            }
        );
        assert_eq!(s.password, None);
        let err = ServerUrl::parse("mysql://x", "DATABASE_URL").unwrap_err();
        assert_eq!(
            err.to_string(),
            "DATABASE_URL must be a postgres://user:password@host:port/database URL"
        );
        assert!(
            format!("{u:?}").contains("u@db.example:6543/app")
                && !format!("{u:?}").contains("p@ss")
        );
    }
}
