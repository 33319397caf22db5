//! TODO

mod audit_log;
mod idempotency;
mod tokens;

pub use audit_log::AuditFilter;
