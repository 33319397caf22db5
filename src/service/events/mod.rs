//! Webhook deliveries: listed, and sent, retried and logged by a worker.

mod webhooks;
