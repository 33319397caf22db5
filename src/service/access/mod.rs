//! TODO

mod audit_log;
mod idempotency;
mod tokens;

pub(crate) use tokens::{AuthError, TokenListing};
