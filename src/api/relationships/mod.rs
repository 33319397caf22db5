//! TODO

pub mod impact;
pub mod inputs;
pub mod mutations;
pub mod queries;
pub mod relationship;
