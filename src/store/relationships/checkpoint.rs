//! Checkpoints of the relationship index: an image kept beside the register, written in one
//! transaction and read in one query, so a large graph restarts without scanning every edge.

use chrono::{DateTime, Utc};
use surrealdb::types::Bytes;

use crate::store::kernel::Params;
use crate::store::{Store, StoreError};

/// Bytes per stored part: large enough that a checkpoint is a few records, small enough that no
/// single value strains the engine.
const PART: usize = 8 << 20;

/// An index image and what it is complete up to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    /// Every relationship change stamped before this instant is in the image.
    pub complete_before: DateTime<Utc>,
    /// How many relationships the image holds.
    pub relationships: usize,
    pub image: Vec<u8>,
}

impl Store {
    /// Replaces the stored checkpoint, all parts at once.
    pub async fn save_checkpoint(&self, checkpoint: &Checkpoint) -> Result<(), StoreError> {
        let parts: Vec<Bytes> = checkpoint
            .image
            .chunks(PART)
            .map(|part| Bytes::from(part.to_vec()))
            .collect();
        let mut params = Params::default();
        params
            .set("before", checkpoint.complete_before)
            .set("relationships", checkpoint.relationships as i64)
            .set("count", parts.len() as i64)
            .set("parts", parts);
        self.run(
            "BEGIN TRANSACTION;
             DELETE index_checkpoint_part;
             FOR $n IN 0..array::len($parts) {
                 CREATE type::record('index_checkpoint_part', $n) SET data = $parts[$n] RETURN NONE;
             };
             UPSERT index_checkpoint:current SET completeBefore = $before,
                 relationships = $relationships, parts = $count, writtenAt = time::now() RETURN NONE;
             COMMIT TRANSACTION;",
            params,
        )
        .await
        .map(|_| ())
    }

    /// The stored checkpoint, if there is a whole one.
    pub async fn load_checkpoint(&self) -> Result<Option<Checkpoint>, StoreError> {
        let mut response = self
            .run(
                "SELECT VALUE [completeBefore, relationships, parts] FROM index_checkpoint:current;
                 SELECT VALUE data FROM index_checkpoint_part ORDER BY id;",
                Params::default(),
            )
            .await?;
        let about: Vec<(DateTime<Utc>, i64, i64)> =
            response.take(0).map_err(StoreError::internal)?;
        let parts: Vec<Bytes> = response.take(1).map_err(StoreError::internal)?;
        let Some((complete_before, relationships, count)) = about.into_iter().next() else {
            return Ok(None);
        };
        if parts.len() as i64 != count {
            return Ok(None);
        }
        let mut image = Vec::with_capacity(parts.iter().map(|p| p.len()).sum());
        for part in parts {
            image.extend_from_slice(&part);
        }
        Ok(Some(Checkpoint {
            complete_before,
            relationships: usize::try_from(relationships).unwrap_or(0),
            image,
        }))
    }

    /// Forgets the checkpoint (after writes that bypass the audit trail, such as `generate`).
    pub async fn drop_checkpoint(&self) -> Result<(), StoreError> {
        self.run(
            "BEGIN TRANSACTION; DELETE index_checkpoint_part; DELETE index_checkpoint; COMMIT TRANSACTION;",
            Params::default(),
        )
        .await
        .map(|_| ())
    }
}
