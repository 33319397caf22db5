//! TODO

pub mod reconciliation;
