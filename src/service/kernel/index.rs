//! The relationship index shared by every request, and what checkpoints need to know of its
//! writers: which changes are between their audit stamp and the index, and how many are unsaved.

use crate::domain::kernel::locks::{Change, Snapshots};
use crate::domain::kernel::{Entity, EntityKind, NodeRef, Record};
use crate::domain::relationships::Relationship;
use crate::graph::{EdgeSpec, GraphIndex};
use crate::store::{EdgeChange, EdgeRow};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

/// The index shared by every request, and what checkpoints need to know about its writers.
pub struct Graph {
    /// Readers take a snapshot; writers change it for one committed change at a time.
    index: Snapshots<GraphIndex<NodeRef>>,
    /// Relationship writes between their audit stamp and their arrival in the index.
    pending: AtomicUsize,
    /// Relationship changes applied since the last checkpoint (or since start).
    unsaved: AtomicU64,
    /// How the index was first built.
    pub(super) origin: Origin,
}

pub type SharedIndex = Arc<Graph>;

/// Where the index at start came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// A scan of every stored relationship.
    Scan,
    /// A checkpoint, with this many later relationship changes replayed from the audit trail.
    Checkpoint { replayed: usize },
}

/// Counts one relationship write as pending until it is dropped, after its change is applied.
pub(crate) struct Pending<'a>(&'a Graph);

impl Drop for Pending<'_> {
    fn drop(&mut self) {
        self.0.pending.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Graph {
    pub(super) fn new(index: GraphIndex<NodeRef>, origin: Origin) -> SharedIndex {
        // A scanned graph, or a checkpoint that needed replaying, is worth checkpointing anew.
        let unsaved = match origin {
            Origin::Scan => u64::from(index.edge_count() > 0),
            Origin::Checkpoint { replayed } => replayed as u64,
        };
        Arc::new(Graph {
            index: Snapshots::new(index),
            pending: AtomicUsize::new(0),
            unsaved: AtomicU64::new(unsaved),
            origin,
        })
    }

    /// The index as it stands, for as long as the caller needs it; no lock is held.
    pub(crate) fn read(&self) -> Arc<GraphIndex<NodeRef>> {
        self.index.current()
    }

    /// The index for one change, counted as not yet checkpointed.
    pub(crate) fn write(&self) -> Change<'_, GraphIndex<NodeRef>> {
        let index = self.index.write();
        self.unsaved.fetch_add(1, Ordering::Relaxed);
        index
    }

    /// Marks a write of `E` as pending if it is a relationship; call before stamping its audit entry.
    pub(crate) fn pending<E: Entity>(&self) -> Option<Pending<'_>> {
        (E::KIND == EntityKind::Relationship).then(|| {
            self.pending.fetch_add(1, Ordering::SeqCst);
            Pending(self)
        })
    }

    /// Whether no relationship write is between its stamp and the index.
    pub(crate) fn settled(&self) -> bool {
        self.pending.load(Ordering::SeqCst) == 0
    }

    /// Relationship changes applied since the last checkpoint.
    pub(crate) fn unsaved(&self) -> u64 {
        self.unsaved.load(Ordering::Relaxed)
    }

    /// Records that a checkpoint now holds `taken` of the unsaved changes.
    pub(crate) fn saved(&self, taken: u64) {
        self.unsaved.fetch_sub(taken, Ordering::Relaxed);
    }
}

/// The index edge of a relationship.
pub fn edge(r: &Relationship) -> EdgeSpec<NodeRef> {
    EdgeSpec {
        source: r.source.clone(),
        target: r.target.clone(),
        relation: r.relation,
        criticality: r.criticality.unwrap_or(0),
        group: r
            .redundancy_group
            .clone()
            .map(|g| (g, r.min_up.unwrap_or(1))),
    }
}

pub(crate) fn edge_of_row(row: EdgeRow) -> EdgeSpec<NodeRef> {
    EdgeSpec {
        source: row.source,
        target: row.target,
        relation: row.relation,
        criticality: row.criticality.unwrap_or(0),
        group: row.redundancy_group.map(|g| (g, row.min_up.unwrap_or(1))),
    }
}

impl Graph {
    /// Applies a change seen on the feed; own changes come back too, so applying is idempotent.
    pub(crate) fn apply_change(&self, change: EdgeChange) {
        let mut index = self.write();
        let (row, keep) = match change {
            EdgeChange::Upsert(row) => (row, true),
            EdgeChange::Remove(row) => (row, false),
        };
        let edge = edge_of_row(row);
        index.remove(&edge.source, &edge.target, edge.relation);
        if keep && let Err(e) = index.insert(&edge) {
            tracing::error!(error = %e, "relationship from the change feed refused by the index");
        }
    }

    /// Follows a committed change of an entity: only relationships matter here.
    pub(crate) fn apply<E: Entity>(&self, before: Option<&Record<E>>, after: Option<&Record<E>>) {
        let before = before.and_then(|r| r.data.downcast_ref::<Relationship>());
        let after = after.and_then(|r| r.data.downcast_ref::<Relationship>());
        if before.is_none() && after.is_none() {
            return;
        }
        let mut index = self.write();
        if let Some(old) = before {
            index.remove(&old.source, &old.target, old.relation);
        }
        if let Some(new) = after
            && let Err(e) = index.insert(&edge(new))
        {
            tracing::error!(error = %e, "committed relationship refused by the index");
        }
    }
}
