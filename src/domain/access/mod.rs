//! TODO

pub mod audit;
pub mod audit_chain;
pub mod idempotency;
pub mod role;
pub mod rules;
pub mod token;
