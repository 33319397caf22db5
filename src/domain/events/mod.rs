//! Webhooks: which changes each hears, the event body, its signature and retry schedule.

mod target;
pub(crate) mod webhook;

pub(crate) use target::vet;
pub use target::{Allowed, Refusal, Reserved};
pub(crate) use webhook::{Attempt, Delivery, DeliveryStatus, Webhook, signature};
