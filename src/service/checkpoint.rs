//! Checkpoints of the relationship index: written from memory, read back at start and brought
//! up to date from the audit trail, so a large graph restarts without a full scan.

use std::collections::{BTreeSet, HashMap};

use chrono::{TimeDelta, Utc};
use serde_json::Value as Json;

use crate::domain::access::audit::{AuditEntry, Operation, revert};
use crate::domain::kernel::entity::{EntityId, EntityKind, NodeRef};
use crate::domain::relationships::relation::Relationship;
use crate::graph::GraphIndex;
use crate::service::graph::{Origin, edge, relationship_from};
use crate::service::{Register, ServiceError};
use crate::store::{Checkpoint, Store};

/// How far before a checkpoint's stamp replay starts: covers a wall clock stepped back a little.
/// Replaying a change the image already holds is harmless.
const CLOCK_MARGIN: TimeDelta = TimeDelta::seconds(5);

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

/// The stored checkpoint with every later relationship change replayed, and how many changes
/// that took; `None` when there is no checkpoint or it does not agree with the store.
pub(super) async fn restore(
    store: &Store,
) -> Result<Option<(GraphIndex<NodeRef>, usize)>, ServiceError> {
    let Some(checkpoint) = store.load_checkpoint().await? else {
        return Ok(None);
    };
    let mut index = match GraphIndex::<NodeRef>::from_snapshot(&checkpoint.image) {
        Ok(index) => index,
        Err(e) => {
            tracing::warn!(error = %e, "stored checkpoint unreadable; scanning relationships");
            return Ok(None);
        }
    };
    let changes = store
        .changes_since(
            EntityKind::Relationship,
            checkpoint.complete_before - CLOCK_MARGIN,
        )
        .await?;
    replay(store, &mut index, &changes).await?;
    let stored = store.count_edges().await?;
    if index.edge_count() != stored {
        tracing::warn!(
            indexed = index.edge_count(),
            stored,
            "checkpoint disagrees with the store; scanning relationships"
        );
        return Ok(None);
    }
    Ok(Some((index, changes.len())))
}

/// Sets every relationship the changes touched to what the store holds now: first every such
/// edge goes (current and deleted ones alike), then the current ones come back. The order of
/// the changes does not matter, so replaying some the image already holds changes nothing.
async fn replay(
    store: &Store,
    index: &mut GraphIndex<NodeRef>,
    changes: &[AuditEntry],
) -> Result<(), ServiceError> {
    let touched: Vec<EntityId> = changes
        .iter()
        .map(|c| c.entity_id.clone())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let current: HashMap<EntityId, Relationship> = store
        .get_many::<Relationship>(&touched)
        .await?
        .into_iter()
        .map(|r| (r.id, r.data))
        .collect();
    // A relationship gone from the store ends with its deletion, which holds the whole document.
    let deleted = changes
        .iter()
        .filter(|c| c.operation == Operation::Delete && !current.contains_key(&c.entity_id))
        .filter_map(|c| {
            let mut doc = Json::Object(Default::default());
            revert(&mut doc, &c.changes);
            relationship_from(&doc)
        });
    for r in deleted.chain(current.values().cloned()) {
        index.remove(&r.source, &r.target, r.relation);
    }
    for r in current.values() {
        if let Err(e) = index.insert(&edge(r)) {
            tracing::error!(error = %e, "stored relationship refused by the index while replaying");
        }
    }
    Ok(())
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
