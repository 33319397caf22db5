//! Live changes: subscriptions over WebSocket, and webhooks.

mod subscriptions;
mod webhooks;

pub(crate) use subscriptions::SubscriptionRoot;
pub(crate) use webhooks::{WebhookMutations, WebhookQueries};
