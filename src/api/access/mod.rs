//! TODO

pub mod audit_log;
pub mod auth;
pub mod authorize;
pub mod idempotency;
