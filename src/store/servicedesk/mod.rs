//! TODO

mod tickets;
