//! The relationship index at start: the stored checkpoint brought up to date from the audit
//! trail when it agrees with the store, else a scan of every relationship.

use crate::domain::access::{AuditEntry, Operation, revert};
use crate::domain::kernel::{EntityId, EntityKind, NodeRef};
use crate::domain::relationships::Relationship;
use crate::graph::GraphIndex;
use crate::service::kernel::error::ServiceError;
use crate::service::kernel::index::{Origin, edge};
use crate::store::Store;
use chrono::TimeDelta;
use serde_json::Value as Json;
use std::collections::{BTreeSet, HashMap};

use crate::service::kernel::index::Graph;
use crate::service::kernel::index::SharedIndex;
use crate::service::kernel::index::edge_of_row;
use futures_util::StreamExt;

/// The index at start: from the stored checkpoint when it can be brought up to date, else
/// from a scan of every relationship.
pub(super) async fn build(store: &Store) -> Result<SharedIndex, ServiceError> {
    let started = std::time::Instant::now();
    let (index, origin) = match restore(store).await {
        Ok(Some((index, replayed))) => (index, Origin::Checkpoint { replayed }),
        Ok(None) => (scan(store).await?, Origin::Scan),
        Err(e) => {
            tracing::warn!(error = %e, "checkpoint unusable; scanning relationships");
            (scan(store).await?, Origin::Scan)
        }
    };
    tracing::info!(
        relationships = index.edge_count(),
        ?origin,
        seconds = started.elapsed().as_secs_f64(),
        "relationship index built"
    );
    Ok(Graph::new(index, origin))
}

/// Builds the index from every stored relationship in one scan.
pub(super) async fn scan(store: &Store) -> Result<GraphIndex<NodeRef>, ServiceError> {
    let mut index = GraphIndex::new();
    let mut batches = std::pin::pin!(store.scan_edges());
    while let Some(batch) = batches.next().await {
        for row in batch? {
            index.insert(&edge_of_row(row)).map_err(|e| {
                ServiceError::Internal(format!(
                    "stored relationships do not form a valid index: {e}"
                ))
            })?;
        }
    }
    index.relayout();
    Ok(index)
}

pub(crate) fn relationship_from(doc: &Json) -> Option<Relationship> {
    serde_json::from_value(doc.clone()).ok()
}

/// How far before a checkpoint's stamp replay starts: covers a wall clock stepped back a little.
/// Replaying a change the image already holds is harmless.
const CLOCK_MARGIN: TimeDelta = TimeDelta::seconds(5);

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
