//! TODO

pub mod schedule;
pub mod terms;
