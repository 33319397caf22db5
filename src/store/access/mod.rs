//! The audit log's reads, API tokens by secret hash, and idempotency slots.

mod audit_log;
mod idempotency;
mod tokens;
