//! How to reach a PostgreSQL server as each of our roles.

use crate::StoreError;
use sqlx::postgres::{PgConnectOptions, PgSslMode};
use sqlx::{ConnectOptions, Connection, PgConnection};
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
