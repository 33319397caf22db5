//! TODO

pub mod bulk;
