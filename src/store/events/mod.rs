//! Webhook deliveries: those due and the record of each attempt.

mod webhooks;
