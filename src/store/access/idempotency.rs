//! What the store remembers of idempotency keys.

use serde_json::Value as Json;
use surrealdb::types::RecordId;

use crate::domain::access::Remembered;
use crate::domain::kernel::EntityId;
use crate::store::kernel::Params;
use crate::store::{Store, StoreError};

impl Store {
    /// What is remembered under a caller's key.
    pub async fn remembered(&self, slot: &EntityId) -> Result<Option<Remembered>, StoreError> {
        let mut params = Params::default();
        params.set("id", RecordId::new("idempotency", slot.as_str()));
        let rows: Vec<Json> = self
            .rows("SELECT fingerprint, at, status, response FROM $id", params)
            .await?;
        rows.into_iter()
            .next()
            .map(|row| serde_json::from_value(row).map_err(|e| StoreError::Internal(e.to_string())))
            .transpose()
    }

    /// Remembers (or replaces what was remembered under) a caller's key.
    pub async fn remember(
        &self,
        slot: &EntityId,
        remembered: &Remembered,
    ) -> Result<(), StoreError> {
        let doc =
            serde_json::to_value(remembered).map_err(|e| StoreError::Internal(e.to_string()))?;
        let mut params = Params::default();
        params
            .set("id", RecordId::new("idempotency", slot.as_str()))
            .set("doc", doc);
        self.run("UPSERT $id CONTENT $doc RETURN NONE", params)
            .await
            .map(|_| ())
    }

    /// Forgets a caller's key (its request did not get an answer worth keeping).
    pub async fn forget(&self, slot: &EntityId) -> Result<(), StoreError> {
        let mut params = Params::default();
        params.set("id", RecordId::new("idempotency", slot.as_str()));
        self.run("DELETE $id RETURN NONE", params).await.map(|_| ())
    }
}
