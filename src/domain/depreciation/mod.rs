//! TODO

pub mod engine;
