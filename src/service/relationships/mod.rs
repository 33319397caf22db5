//! TODO

pub mod checkpoint;
pub mod impact;
