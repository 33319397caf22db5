//! TODO

mod webhooks;
