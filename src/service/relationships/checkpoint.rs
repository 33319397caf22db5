//! Checkpoints of the relationship index: written from memory, read back at start and brought
//! up to date from the audit trail, so a large graph restarts without a full scan.

use chrono::Utc;

use crate::service::kernel::Origin;
use crate::service::kernel::Register;
use crate::service::kernel::ServiceError;
use crate::store::Checkpoint;

/// How long a checkpoint waits for relationship writes in flight to reach the index.
const SETTLE_TRIES: usize = 200;
const SETTLE_PAUSE: std::time::Duration = std::time::Duration::from_millis(10);

/// How often a running server considers writing a checkpoint.
const CHECKPOINT_CHECK: std::time::Duration = std::time::Duration::from_secs(60);
/// Relationship changes a start can replay in about a second; more call for a new checkpoint.
const QUICK_REPLAY: u64 = 10_000;

/// What a written checkpoint holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Written {
    pub relationships: usize,
    pub bytes: usize,
}

impl Register {
    /// Writes a checkpoint of the index as it is now. Waits (briefly) until no relationship
    /// write is between its audit stamp and the index, so that every change stamped before the
    /// checkpoint is in it; returns `None` when writes never paused.
    pub async fn checkpoint(&self) -> Result<Option<Written>, ServiceError> {
        for _ in 0..SETTLE_TRIES {
            let taken = {
                let index = self.graph.read();
                let complete_before = Utc::now();
                self.graph.settled().then(|| {
                    let image = index.to_snapshot();
                    let checkpoint = Checkpoint {
                        complete_before,
                        relationships: index.edge_count(),
                        image,
                    };
                    (checkpoint, self.graph.unsaved())
                })
            };
            if let Some((checkpoint, unsaved)) = taken {
                self.store.save_checkpoint(&checkpoint).await?;
                self.graph.saved(unsaved);
                return Ok(Some(Written {
                    relationships: checkpoint.relationships,
                    bytes: checkpoint.image.len(),
                }));
            }
            tokio::time::sleep(SETTLE_PAUSE).await;
        }
        Ok(None)
    }

    /// Writes a checkpoint if relationships changed since the last one (or the index at start
    /// was scanned), on a store whose checkpoints this process may write: an embedded engine on
    /// disk, which no other process changes. Elsewhere, or with nothing new, does nothing.
    pub async fn checkpoint_if_changed(&self) -> Result<Option<Written>, ServiceError> {
        self.checkpoint_after(1).await
    }

    /// Like [`Register::checkpoint_if_changed`], once at least `changes` are unsaved.
    async fn checkpoint_after(&self, changes: u64) -> Result<Option<Written>, ServiceError> {
        if !self.store.owns_durable_data() || self.graph.unsaved() < changes.max(1) {
            return Ok(None);
        }
        let written = self.checkpoint().await?;
        if let Some(w) = written {
            tracing::info!(
                relationships = w.relationships,
                bytes = w.bytes,
                "relationship index checkpoint written"
            );
        }
        Ok(written)
    }

    /// Keeps the stored checkpoint useful while a server runs: at once if the index had to be
    /// scanned, then whenever replaying what changed since would no longer be quick. (Each
    /// checkpoint rewrites the whole image, so small change counts are left to replay.)
    pub async fn keep_checkpoints(self) {
        let mut threshold = match self.index_origin() {
            Origin::Scan => 1,
            Origin::Checkpoint { .. } => QUICK_REPLAY,
        };
        loop {
            if let Err(e) = self.checkpoint_after(threshold).await {
                tracing::warn!(error = %e, "could not write a relationship index checkpoint");
            }
            threshold = QUICK_REPLAY;
            tokio::time::sleep(CHECKPOINT_CHECK).await;
        }
    }
}
