//! TODO

pub mod checkpoint;
pub mod edges;
