//! PostgreSQL for Comply360.
//!
//! * [`embedded`]: the cluster `comply360` runs by itself when no `DATABASE_URL` is given.
//! * [`connect`]: how to reach a server as each of the three roles (admin, owner, app).
//! * [`bootstrap`]: roles and the app database, created once per server.
//! * [`migrations`]: the embedded migration files and their checksums; [`control`] applies the
//!   control-plane ones; [`namespace`] builds and migrates one tenant namespace; [`fleet`]
//!   migrates every namespace with bounded concurrency.
//! * [`catalog`]: tenants, placements, namespaces and servers (the control plane).
//! * [`holidays`]: the declared public holidays (platform data), which every tenant
//!   transaction's business calendar includes ([`TenantTx::calendar`]).
//! * [`tenancy`]: resolving a tenant (cached, invalidated by NOTIFY) and [`TenantTx`], the only
//!   way to touch tenant tables; [`pools`] keeps the per-database pools within a budget;
//!   [`txn`] opens and ends transactions so that a cancelled caller cannot leave one open.
//! * [`provision`]: the resumable provisioning state machine.
//! * [`listen`]: LISTEN with reconnection (the catalog cache, job wake-ups, ended sessions).
//! * [`lint`]: checks a namespace against the tenancy contract (tenant_id-led keys, forced RLS).
//!
//! Errors: precise enums here ([`StoreError`]); `anyhow` only in the binary.

pub mod billing;
pub mod bootstrap;
pub mod catalog;
pub mod circuits;
pub mod citus;
pub mod connect;
pub mod control;
pub mod durability;
pub mod embedded;
mod error;
pub mod fleet;
pub mod holidays;
pub mod lint;
pub mod listen;
pub mod migrations;
pub mod namespace;
pub mod pools;
pub mod provision;
pub mod repo;
mod row;
mod store;
pub mod tenancy;
pub mod txn;

pub use error::StoreError;
pub use store::{Store, StoreSettings};
pub use tenancy::{DataVersion, JOBS_CHANNEL, Tenancy, Tenant, TenantTx};

/// Role that owns every table and runs migrations. Forced RLS filters it too.
pub const OWNER_ROLE: &str = "c360_owner";
/// Role the application connects as: owns nothing, no BYPASSRLS, cannot become the owner.
pub const APP_ROLE: &str = "c360_app";
/// Superuser created by `initdb` in the embedded cluster.
pub const EMBEDDED_ADMIN_ROLE: &str = "c360_admin";
/// Schema of the control plane inside the app database.
pub const CONTROL_SCHEMA: &str = "control";
/// Schema of the shared namespace of pooled tenants.
pub const POOLED_SCHEMA: &str = "pooled";
/// Schema holding tenant tables inside a database-mode tenant's own database.
pub const DATABASE_MODE_SCHEMA: &str = "tenant";

/// Quotes an SQL identifier. Our identifiers come from validated slugs, but quoting costs
/// nothing and keeps a future mistake from becoming an injection.
pub fn quote_ident(ident: &str) -> String {
    format!("\"{}\"", ident.replace('"', "\"\""))
}

/// Quotes an SQL string literal (standard_conforming_strings is on since PostgreSQL 9.1).
pub fn quote_literal(value: &str) -> String {
    format!("'{}'", value.replace('\'', "''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_escapes_the_quote_character() {
        assert_eq!(quote_ident("t_acme"), "\"t_acme\"");
        assert_eq!(quote_ident("a\"b"), "\"a\"\"b\"");
        assert_eq!(quote_literal("o'brien"), "'o''brien'");
    }
}
