//! API tokens issued, revoked and recognised; the audit log; idempotency slots.

mod audit_log;
mod idempotency;
mod tokens;

pub(crate) use tokens::{AuthError, TokenListing};
