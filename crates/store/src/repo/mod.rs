//! Repositories for tenant tables. Every function takes `&mut TenantTx`: the caller owns the
//! transaction (begin, commit; dropping rolls back), and no function here can reach tenant rows
//! any other way.

pub mod bench;
pub mod demo;
pub mod idempotency;
pub mod settings;
