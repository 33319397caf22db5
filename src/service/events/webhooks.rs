//! Webhooks: the registered hooks, kept in memory to route every commit's audit entries to
//! pending deliveries written in the same transaction, and the worker that sends them.

use crate::domain::kernel::locks;
use std::time::{Duration, Instant};

use chrono::Utc;
use futures_util::StreamExt;

use crate::domain::access::Actor;
use crate::domain::events::{Attempt, Delivery, DeliveryStatus, Webhook, signature};
use crate::domain::kernel::{EntityId, ErrorCode, Record};
use crate::service::kernel::Register;
use crate::service::kernel::ServiceError;
use crate::service::kernel::TargetError;
use serde_json::Value as Json;

/// What went wrong with a delivery, by kind, without the receiver's words.
fn failure(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        format!("timeout: no answer within {} s", ATTEMPT_TIMEOUT.as_secs())
    } else if e.is_connect() {
        "connect: the receiver could not be reached".into()
    } else if e.is_request() || e.is_body() {
        "request: the request could not be sent whole".into()
    } else {
        "delivery: the exchange failed".into()
    }
}

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
        let mut all = locks::read(&self.hooks.0).clone();
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
        let client = match register.targets.client(ATTEMPT_TIMEOUT) {
            Ok(client) => client,
            Err(e) => {
                // Deliveries stay due, and are sent by the next server that can.
                tracing::error!(error = %e, "cannot build the webhook client; no deliveries sent");
                return;
            }
        };
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
        let started = Instant::now();
        let outcome = match self.targets.vet(&hook.data.url).await {
            Err(refused) => Err(format!("target: {refused}")),
            Ok(_) => self
                .send(client, &hook, &delivery, now)
                .await
                .map_err(|e| failure(&e)),
        };
        let milliseconds = started.elapsed().as_millis() as u64;
        let (status_code, error) = match outcome {
            Ok(status) => (Some(status), None),
            Err(error) => (None, Some(error)),
        };
        let attempt = Attempt {
            at: now,
            status_code,
            error,
            milliseconds,
        };
        delivery.record(attempt);
        self.save(&delivery).await;
    }

    /// Posts the signed event; the receiver's status, whatever it is (redirects are not followed).
    async fn send(
        &self,
        client: &reqwest::Client,
        hook: &Record<Webhook>,
        delivery: &Delivery,
        now: chrono::DateTime<Utc>,
    ) -> Result<u16, reqwest::Error> {
        let timestamp = now.timestamp();
        let id = delivery.event_id.to_string();
        let response = client
            .post(&hook.data.url)
            .header("content-type", "application/json")
            .header("user-agent", "assetgraph-webhooks")
            .header("webhook-id", &id)
            .header("webhook-timestamp", timestamp.to_string())
            .header(
                "webhook-signature",
                signature(hook.data.secret.expose(), &id, timestamp, &delivery.body),
            )
            .body(delivery.body.clone())
            .send()
            .await?;
        Ok(response.status().as_u16())
    }

    /// Registers a webhook whose URL resolves only to addresses it may reach.
    pub async fn create_webhook(
        &self,
        actor: &Actor,
        input: Json,
    ) -> Result<Record<Webhook>, ServiceError> {
        self.create_vetted(
            actor,
            EntityId::generate(),
            input,
            async |hook: &Record<Webhook>| self.vet_target(&hook.data.url).await,
        )
        .await
    }

    /// Changes a webhook; a new URL is vetted like a first one.
    pub async fn update_webhook(
        &self,
        actor: &Actor,
        id: &EntityId,
        expected_version: Option<i64>,
        changes: Json,
    ) -> Result<Record<Webhook>, ServiceError> {
        self.update_vetted(
            actor,
            id,
            expected_version,
            changes,
            async |hook: &Record<Webhook>| self.vet_target(&hook.data.url).await,
        )
        .await
    }

    async fn vet_target(&self, url: &str) -> Result<(), ServiceError> {
        self.targets.vet(url).await.map(drop).map_err(|refused| {
            let code = match refused {
                TargetError::Refused(_) => ErrorCode::NotAllowed,
                TargetError::NoHost | TargetError::Unresolved => ErrorCode::Invalid,
            };
            ServiceError::invalid("url", code, refused.to_string())
        })
    }

    async fn save(&self, delivery: &Delivery) {
        if let Err(e) = self.store.save_delivery(delivery).await {
            // The delivery stays due and is sent again: at least once, never lost.
            tracing::warn!(error = %e, delivery = %delivery.id, "could not record a webhook attempt");
        }
    }
}
