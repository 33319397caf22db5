//! TODO

pub mod ticket;
