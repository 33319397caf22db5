//! TODO

pub mod cost;
pub mod ledger;
