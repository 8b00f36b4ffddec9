//! The `comply360` binary pointed at a test's database.

use crate::TestDb;
use std::ffi::OsStr;
use std::process::{Command, Stdio};

/// `bin` (the cli crate's tests pass `env!("CARGO_BIN_EXE_comply360")`, which only they
/// know) pointed at `db`'s app database on the test cluster, with `db`'s tenant database
/// prefix; no AMQP and no `RUST_LOG` from the caller's environment, nothing on stdin.
pub fn comply360_command(bin: impl AsRef<OsStr>, db: &TestDb) -> Command {
    let mut cmd = Command::new(bin);
    cmd.env("DATABASE_URL", database_url(db))
        .env("COMPLY360_APP_DATABASE", &db.settings.app_database)
        .env("COMPLY360_DATABASE_PREFIX", &db.settings.database_prefix)
        .env_remove("COMPLY360_AMQP_URL")
        .env_remove("RUST_LOG")
        .stdin(Stdio::null());
    cmd
}

/// The admin URL of the test cluster's server (over its socket), as `DATABASE_URL` takes it.
pub fn database_url(db: &TestDb) -> String {
    let addr = &db.settings.primary;
    format!(
        "postgres://c360_admin@localhost/postgres?host={}&port={}",
        addr.host, addr.port
    )
}
