//! TODO

pub mod identifiers;
pub mod identities;
pub mod precedence;
pub mod reconciliation;
pub mod record;
