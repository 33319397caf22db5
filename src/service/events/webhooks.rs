//! Webhooks: the registered hooks, kept in memory to route every commit's audit entries to
//! pending deliveries written in the same transaction, and the worker that sends them.

use std::time::{Duration, Instant};

use chrono::Utc;
use futures_util::StreamExt;

use crate::domain::events::{Attempt, Delivery, DeliveryStatus, Webhook, signature};
use crate::domain::kernel::{EntityId, Record};
use crate::service::kernel::Register;
use crate::service::kernel::ServiceError;

/// Longest the worker sleeps without looking (deliveries written by other processes, say).
const IDLE: Duration = Duration::from_secs(30);
/// Deliveries sent at once.
const IN_FLIGHT: usize = 8;
/// How long one attempt may take.
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(10);
/// Most deliveries a webhook's log shows.
pub const MAX_LOG: usize = 500;

impl Register {
    /// Every webhook, oldest first.
    pub fn webhooks(&self) -> Vec<Record<Webhook>> {
        let mut all = self.hooks.0.read().expect("hooks lock").clone();
        all.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
        all
    }

    /// A webhook's latest deliveries, newest first.
    pub async fn deliveries(&self, webhook: &EntityId) -> Result<Vec<Delivery>, ServiceError> {
        Ok(self.store.deliveries_of(webhook, MAX_LOG).await?)
    }

    /// Sends due deliveries, for ever: at least once, since each stays due until answered.
    /// Idle, it sleeps until the next retry is due or a commit owes a webhook something.
    pub async fn deliver_webhooks(&self) {
        // Background reads are not the requests' store round trips (which tests count).
        let register = Register {
            store: self.store.uncounted(),
            ..self.clone()
        };
        let mut changes = register.store.changes();
        let client = reqwest::Client::builder()
            .timeout(ATTEMPT_TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("an HTTP client");
        loop {
            let now = Utc::now();
            match register.store.due_deliveries(now, 64).await {
                Ok(due) if !due.is_empty() => {
                    futures_util::stream::iter(due)
                        .for_each_concurrent(IN_FLIGHT, |delivery| {
                            register.attempt(&client, delivery)
                        })
                        .await;
                    continue;
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "could not read due webhook deliveries"),
            }
            let wait = match register.store.next_delivery_at().await {
                Ok(Some(at)) => (at - now).to_std().unwrap_or_default().min(IDLE),
                _ => IDLE,
            };
            tokio::select! {
                _ = tokio::time::sleep(wait) => {}
                _ = register.hooks.owed(&mut changes) => {}
            }
        }
    }

    /// One attempt at one delivery, recorded in its log.
    async fn attempt(&self, client: &reqwest::Client, mut delivery: Delivery) {
        let now = Utc::now();
        let Some(hook) = self.hooks.get(&delivery.webhook) else {
            delivery.record(Attempt {
                at: now,
                status_code: None,
                error: Some("the webhook was deleted".into()),
                milliseconds: 0,
            });
            delivery.status = DeliveryStatus::Failed;
            delivery.next_attempt_at = None;
            self.save(&delivery).await;
            return;
        };
        let timestamp = now.timestamp();
        let id = delivery.event_id.to_string();
        let started = Instant::now();
        let sent = client
            .post(&hook.data.url)
            .header("content-type", "application/json")
            .header("user-agent", "assetgraph-webhooks")
            .header("webhook-id", &id)
            .header("webhook-timestamp", timestamp.to_string())
            .header(
                "webhook-signature",
                signature(&hook.data.secret, &id, timestamp, &delivery.body),
            )
            .body(delivery.body.clone())
            .send()
            .await;
        let milliseconds = started.elapsed().as_millis() as u64;
        let attempt = match sent {
            Ok(response) => Attempt {
                at: now,
                status_code: Some(response.status().as_u16()),
                error: None,
                milliseconds,
            },
            Err(e) => Attempt {
                at: now,
                status_code: None,
                error: Some(e.to_string().chars().take(500).collect()),
                milliseconds,
            },
        };
        delivery.record(attempt);
        self.save(&delivery).await;
    }

    async fn save(&self, delivery: &Delivery) {
        if let Err(e) = self.store.save_delivery(delivery).await {
            // The delivery stays due and is sent again: at least once, never lost.
            tracing::warn!(error = %e, delivery = %delivery.id, "could not record a webhook attempt");
        }
    }
}
