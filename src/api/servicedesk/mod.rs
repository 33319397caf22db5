//! TODO

pub mod tickets;
