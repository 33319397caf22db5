//! TODO

pub mod rollup;
pub mod summary;
