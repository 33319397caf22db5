//! Who is calling and what they may do: tokens, per-field checks, audit log, idempotency.

pub(crate) mod audit_log;
pub(crate) mod auth;
mod authorize;
pub(crate) mod idempotency;
mod key_locks;

pub(crate) use audit_log::AuditLogQueries;
pub(crate) use auth::{context, init_secret, principal};
pub(crate) use authorize::{AccessMutations, AccessQueries, Authorize};
