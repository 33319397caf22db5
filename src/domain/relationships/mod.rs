//! TODO

pub mod relation;
