//! Webhooks: which changes each hears, the event body, its signature and retry schedule.

pub(crate) mod webhook;

pub(crate) use webhook::{Attempt, Delivery, DeliveryStatus, Webhook, signature};
