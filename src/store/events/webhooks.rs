//! The webhook outbox in the store: deliveries due now, their progress, and a webhook's log.

use chrono::{DateTime, Utc};
use serde_json::Value as Json;
use surrealdb::types::RecordId;

use crate::domain::events::Delivery;
use crate::domain::kernel::EntityId;
use crate::store::kernel::Params;
use crate::store::{Store, StoreError};

fn decode(row: Json) -> Result<Delivery, StoreError> {
    let id = row
        .get("id")
        .and_then(Json::as_str)
        .and_then(EntityId::parse)
        .ok_or_else(|| StoreError::Internal("a delivery without an id".into()))?;
    let mut delivery: Delivery =
        serde_json::from_value(row).map_err(|e| StoreError::Internal(e.to_string()))?;
    delivery.id = id;
    Ok(delivery)
}

impl Store {
    /// Pending deliveries due at `now`, the longest waiting first.
    pub async fn due_deliveries(
        &self,
        now: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<Delivery>, StoreError> {
        let mut params = Params::default();
        params
            .set("now", now.to_rfc3339())
            .set("limit", limit as i64);
        let rows = self
            .rows(
                "SELECT *, record::id(id) AS id FROM delivery
                 WHERE status = 'PENDING' AND nextAttemptAt <= <datetime> $now
                 ORDER BY nextAttemptAt ASC LIMIT $limit",
                params,
            )
            .await?;
        rows.into_iter().map(decode).collect()
    }

    /// When the earliest pending delivery is due, if any is pending.
    pub async fn next_delivery_at(&self) -> Result<Option<DateTime<Utc>>, StoreError> {
        let rows = self
            .rows(
                "SELECT nextAttemptAt FROM delivery WHERE status = 'PENDING'
                 ORDER BY nextAttemptAt ASC LIMIT 1",
                Params::default(),
            )
            .await?;
        Ok(rows
            .first()
            .and_then(|row| row.get("nextAttemptAt"))
            .and_then(Json::as_str)
            .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
            .map(|t| t.with_timezone(&Utc)))
    }

    /// Writes a delivery's progress.
    pub async fn save_delivery(&self, delivery: &Delivery) -> Result<(), StoreError> {
        let doc =
            serde_json::to_value(delivery).map_err(|e| StoreError::Internal(e.to_string()))?;
        let mut params = Params::default();
        params
            .set("id", RecordId::new("delivery", delivery.id.as_str()))
            .set("doc", doc);
        self.run("UPDATE $id CONTENT $doc RETURN NONE", params)
            .await
            .map(|_| ())
    }

    /// A webhook's latest deliveries, newest first.
    pub async fn deliveries_of(
        &self,
        webhook: &EntityId,
        limit: usize,
    ) -> Result<Vec<Delivery>, StoreError> {
        let mut params = Params::default();
        params
            .set("webhook", webhook.to_string())
            .set("limit", limit as i64);
        let rows = self
            .rows(
                "SELECT *, record::id(id) AS id FROM delivery WHERE webhook = $webhook
                 ORDER BY createdAt DESC LIMIT $limit",
                params,
            )
            .await?;
        rows.into_iter().map(decode).collect()
    }
}
