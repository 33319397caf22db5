//! TODO

pub mod compliance;
pub mod contracts;
