//! The documents crate's tests, one binary: each file below is a module.
