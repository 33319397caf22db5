//! TODO

pub mod synthetic;
