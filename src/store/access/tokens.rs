//! API tokens in the store: finding one by the hash of a presented secret, and when each was
//! last used (kept apart from the token so using one is never an audited change).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde_json::Value as Json;
use surrealdb::types::RecordId;

use crate::domain::access::ApiToken;
use crate::domain::kernel::{EntityId, Record};
use crate::store::kernel::Params;
use crate::store::kernel::decode;
use crate::store::{Store, StoreError};

impl Store {
    /// The token whose secret hashes to `hash`, revoked or not.
    pub async fn token_by_hash(&self, hash: &str) -> Result<Option<Record<ApiToken>>, StoreError> {
        let mut params = Params::default();
        params.set("hash", hash.to_string());
        let rows = self
            .rows(
                "SELECT *, record::id(id) AS id FROM token WHERE secretHash = $hash LIMIT 1",
                params,
            )
            .await?;
        rows.into_iter().map(decode).next().transpose()
    }

    /// Whether any token exists (a store without one gets a first admin token).
    pub async fn has_tokens(&self) -> Result<bool, StoreError> {
        let rows = self
            .rows("SELECT VALUE id FROM token LIMIT 1", Params::default())
            .await?;
        Ok(!rows.is_empty())
    }

    /// Notes that a token was used at `at`.
    pub async fn touch_token(&self, id: &EntityId, at: DateTime<Utc>) -> Result<(), StoreError> {
        let mut params = Params::default();
        params
            .set("id", RecordId::new("token_use", id.as_str()))
            .set("at", at.to_rfc3339());
        self.run(
            "UPSERT $id CONTENT { lastUsedAt: <datetime> $at } RETURN NONE",
            params,
        )
        .await
        .map(|_| ())
    }

    /// When each token was last used (tokens never used are absent).
    pub async fn token_uses(&self) -> Result<HashMap<EntityId, DateTime<Utc>>, StoreError> {
        let rows = self
            .rows(
                "SELECT record::id(id) AS id, lastUsedAt FROM token_use",
                Params::default(),
            )
            .await?;
        Ok(rows
            .iter()
            .filter_map(|row| {
                let id = EntityId::parse(row.get("id")?.as_str()?)?;
                let at = row.get("lastUsedAt").and_then(Json::as_str)?;
                let at = DateTime::parse_from_rfc3339(at).ok()?.with_timezone(&Utc);
                Some((id, at))
            })
            .collect())
    }
}
