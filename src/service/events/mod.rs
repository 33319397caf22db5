//! TODO

pub mod webhooks;
