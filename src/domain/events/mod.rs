//! TODO

pub(crate) mod webhook;

pub(crate) use webhook::{Attempt, Delivery, DeliveryStatus, Webhook, signature};
