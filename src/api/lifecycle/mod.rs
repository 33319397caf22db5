//! TODO

pub mod operations;
