//! TODO

pub mod subscriptions;
pub mod webhooks;
