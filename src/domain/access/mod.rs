//! Who may do what, and what was done: roles, tokens, the audit chain, idempotency.

mod audit;
pub(crate) mod audit_chain;
mod idempotency;
mod role;
pub(crate) mod rules;
mod token;

pub use audit::Actor;
pub(crate) use audit::{AuditEntry, AuditFilter, FieldChange, Operation, diff, revert};
pub(crate) use audit_chain::{Break, Head, verify_run};
pub(crate) use idempotency::{Remembered, Verdict, fingerprint, slot, valid_key, verdict};
pub use role::Role;
pub(crate) use rules::is_financial_path;
pub(crate) use token::{ApiToken, hash_secret, new_secret, plausible_secret};
