//! The OpenAPI 3.1 document, assembled from the route table: each route's [`Op`] says what it
//! takes and answers (schemas derived from the Rust types with `utoipa::ToSchema`), and the
//! problems it can give are the union of what its [`Access`], its body, its query, its
//! idempotency and the operation itself can answer (each listed with its `code`).
//!
//! The testkit's contract check drives every test response through this document, so a status,
//! a `code` or a body shape the document does not list fails the test that provoked it.

//! The parts: `op` (what a route declares: [`Op`], [`Schema`], [`Content`]), `problems` (the
//! problem codes derived per access, body, query and idempotency) and `document` (the document
//! assembled from the table).

mod document;
mod op;
mod problems;

pub use document::{document, documented};
pub use op::{Content, Op, Schema};
pub use problems::problem_codes;
