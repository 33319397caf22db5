//! TODO

pub mod catalogue;
pub mod contracts;
