//! TODO

pub mod audit_log;
pub mod idempotency;
pub mod tokens;
