//! TODO

pub mod webhook;
