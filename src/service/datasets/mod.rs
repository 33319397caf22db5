//! TODO

pub mod generate;
pub mod seed;
