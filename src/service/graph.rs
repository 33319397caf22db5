//! Keeps the in-memory relationship index in step with the store, and answers impact questions.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};

use crate::service::{Register, ServiceError};
use serde_json::Value as Json;

use crate::domain::access::audit::{Operation, revert};
use crate::domain::kernel::entity::{Entity, EntityId, EntityKind, NodeRef, Record};
use crate::domain::kernel::validation::ErrorCode;
use crate::domain::register::asset::Asset;
use crate::domain::relationships::relation::{Endpoint, Relationship};
use crate::graph::{EdgeSpec, GraphIndex, ImpactQuery, RelationMask, State};
use crate::service::{checkpoint, to_json};
use futures_util::StreamExt;

use crate::store::{EdgeChange, EdgeRow, Store};

/// The index shared by every request, and what checkpoints need to know about its writers.
pub struct Graph {
    /// Writers hold the lock only to apply one committed change.
    index: RwLock<GraphIndex<NodeRef>>,
    /// Relationship writes between their audit stamp and their arrival in the index.
    pending: AtomicUsize,
    /// Relationship changes applied since the last checkpoint (or since start).
    unsaved: AtomicU64,
    /// How the index was first built.
    origin: Origin,
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
pub(super) struct Pending<'a>(&'a Graph);

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
            index: RwLock::new(index),
            pending: AtomicUsize::new(0),
            unsaved: AtomicU64::new(unsaved),
            origin,
        })
    }

    pub(super) fn read(&self) -> RwLockReadGuard<'_, GraphIndex<NodeRef>> {
        self.index
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The index for one change, counted as not yet checkpointed.
    fn write(&self) -> RwLockWriteGuard<'_, GraphIndex<NodeRef>> {
        let index = self
            .index
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        self.unsaved.fetch_add(1, Ordering::Relaxed);
        index
    }

    /// Marks a write of `E` as pending if it is a relationship; call before stamping its audit entry.
    pub(super) fn pending<E: Entity>(&self) -> Option<Pending<'_>> {
        (E::KIND == EntityKind::Relationship).then(|| {
            self.pending.fetch_add(1, Ordering::SeqCst);
            Pending(self)
        })
    }

    /// Whether no relationship write is between its stamp and the index.
    pub(super) fn settled(&self) -> bool {
        self.pending.load(Ordering::SeqCst) == 0
    }

    /// Relationship changes applied since the last checkpoint.
    pub(super) fn unsaved(&self) -> u64 {
        self.unsaved.load(Ordering::Relaxed)
    }

    /// Records that a checkpoint now holds `taken` of the unsaved changes.
    pub(super) fn saved(&self, taken: u64) {
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

fn edge_of_row(row: EdgeRow) -> EdgeSpec<NodeRef> {
    EdgeSpec {
        source: row.source,
        target: row.target,
        relation: row.relation,
        criticality: row.criticality.unwrap_or(0),
        group: row.redundancy_group.map(|g| (g, row.min_up.unwrap_or(1))),
    }
}

/// The index at start: from the stored checkpoint when it can be brought up to date, else
/// from a scan of every relationship.
pub(super) async fn build(store: &Store) -> Result<SharedIndex, ServiceError> {
    let started = std::time::Instant::now();
    let (index, origin) = match checkpoint::restore(store).await {
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
async fn scan(store: &Store) -> Result<GraphIndex<NodeRef>, ServiceError> {
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

/// Refuses a relationship whose ends are not of the kinds its type allows.
async fn check_endpoints(store: &Store, relationship: &Relationship) -> Result<(), ServiceError> {
    let mut ends = Vec::new();
    for (field, node) in [
        ("source", &relationship.source),
        ("target", &relationship.target),
    ] {
        let endpoint = if node.kind == EntityKind::Asset {
            let asset = store.get::<Asset>(&node.id).await?;
            let asset = asset.ok_or_else(|| {
                ServiceError::invalid(field, ErrorCode::NotFound, "no Asset has this id")
            })?;
            Endpoint::Asset(asset.data.class)
        } else {
            Endpoint::Entity(node.kind)
        };
        ends.push(endpoint);
    }
    if relationship.relation.allows(ends[0], ends[1]) {
        Ok(())
    } else {
        Err(ServiceError::invalid(
            "type",
            ErrorCode::NotAllowed,
            format!(
                "{:?} is not allowed from a {:?} to a {:?}",
                relationship.relation, ends[0], ends[1]
            ),
        ))
    }
}

/// One entity hit by a failure: how far away and how badly; its explanation is in [`Walk::path`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    pub node: NodeRef,
    pub depth: u32,
    pub state: State,
    /// The previous entity on one shortest chain from a start entity.
    via: Step,
}

/// Where a hit's chain comes from: a start entity, or an earlier hit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    Start(usize),
    Hit(usize),
}

/// The entities reached from some start entities, nearest first. Explaining chains are rebuilt
/// on demand, so a page of a million-entity answer costs only its own paths.
#[derive(Debug, Clone, Default)]
pub struct Walk {
    pub start: Vec<NodeRef>,
    pub hits: Vec<Hit>,
}

impl Walk {
    /// Numbers every reached node by its position, so each hit can point at its predecessor.
    fn new(
        index: &GraphIndex<NodeRef>,
        start: &[u32],
        reached: impl ExactSizeIterator<Item = (u32, u32, State, u32)> + Clone,
    ) -> Walk {
        let mut position: HashMap<u32, Step> = HashMap::with_capacity(start.len() + reached.len());
        for (i, &s) in start.iter().enumerate() {
            position.insert(s, Step::Start(i));
        }
        for (i, (node, ..)) in reached.clone().enumerate() {
            position.entry(node).or_insert(Step::Hit(i));
        }
        let key = |n: u32| index.key(n).cloned().expect("reached nodes are live");
        Walk {
            start: start.iter().map(|&s| key(s)).collect(),
            hits: reached
                .map(|(node, depth, state, via)| Hit {
                    node: key(node),
                    depth,
                    state,
                    via: position[&via],
                })
                .collect(),
        }
    }

    /// Why hit `i` was reached: one shortest chain from a start entity to it, both included.
    pub fn path(&self, i: usize) -> Vec<NodeRef> {
        let mut chain = vec![self.hits[i].node.clone()];
        let mut step = self.hits[i].via;
        while let Step::Hit(previous) = step {
            if chain.len() > self.hits.len() {
                break;
            }
            chain.push(self.hits[previous].node.clone());
            step = self.hits[previous].via;
        }
        if let Step::Start(s) = step {
            chain.push(self.start[s].clone());
        }
        chain.reverse();
        chain
    }
}

/// Deepest `maxDepth` a client may ask for.
pub const MAX_DEPTH: u32 = 1000;

fn check_depth(max_depth: Option<u32>) -> Result<(), ServiceError> {
    if max_depth.is_some_and(|d| d == 0 || d > MAX_DEPTH) {
        return Err(ServiceError::invalid(
            "maxDepth",
            ErrorCode::Invalid,
            format!("maxDepth runs from 1 to {MAX_DEPTH}"),
        ));
    }
    Ok(())
}

impl Register {
    /// The register with an index that also follows relationship changes committed by other
    /// processes on the same store. It subscribes before it scans, so no change falls between.
    pub async fn open_following(store: Store) -> Result<Register, ServiceError> {
        let changes = store.follow_edges().await?;
        let graph = build(&store).await?;
        let books = crate::service::finance::Books::load(&store);
        let hooks = crate::service::webhooks::Hooks::load(&store).await?;
        let register = Register {
            store,
            graph,
            books,
            fiscal_year_start: 1,
            hooks,
            tokens: crate::service::access::TokenCache::default(),
        };
        let follower = register.clone();
        tokio::spawn(async move {
            let mut changes = std::pin::pin!(changes);
            while let Some(change) = changes.next().await {
                match change {
                    Ok(change) => follower.apply_change(change),
                    Err(e) => tracing::warn!(error = %e, "unreadable relationship change"),
                }
            }
            tracing::error!(
                "the store's change feed ended; this server's index no longer follows others"
            );
        });
        Ok(register)
    }

    /// Applies a change seen on the feed; own changes come back too, so applying is idempotent.
    fn apply_change(&self, change: EdgeChange) {
        let mut index = self.graph.write();
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

    /// Brings the index and the ledger in line with a committed change of an entity.
    pub(super) fn apply<E: Entity>(&self, before: Option<&Record<E>>, after: Option<&Record<E>>) {
        if let Some(id) = after.or(before).map(|r| &r.id) {
            self.books.apply(id, after);
            self.hooks.apply(id, after);
        }
        let before = before.and_then(|r| r.data.downcast_ref::<Relationship>());
        let after = after.and_then(|r| r.data.downcast_ref::<Relationship>());
        if before.is_none() && after.is_none() {
            return;
        }
        let mut index = self.graph.write();
        if let Some(old) = before {
            index.remove(&old.source, &old.target, old.relation);
        }
        if let Some(new) = after
            && let Err(e) = index.insert(&edge(new))
        {
            tracing::error!(error = %e, "committed relationship refused by the index");
        }
    }

    /// The rules a relationship must meet beyond its own fields: allowed ends, fixed identity.
    pub(super) async fn check_relationship<E: Entity>(
        &self,
        before: Option<&Record<E>>,
        after: &Record<E>,
    ) -> Result<(), ServiceError> {
        let Some(new) = after.data.downcast_ref::<Relationship>() else {
            return Ok(());
        };
        match before.and_then(|r| r.data.downcast_ref::<Relationship>()) {
            // The ends were checked when the relationship was made and cannot change since.
            Some(old)
                if old.source == new.source
                    && old.target == new.target
                    && old.relation == new.relation =>
            {
                Ok(())
            }
            Some(_) => Err(ServiceError::invalid(
                "type",
                ErrorCode::Invalid,
                "source, target and type of a relationship are fixed; unrelate and relate instead",
            )),
            None if self
                .index()
                .has_edge(&new.source, &new.target, new.relation) =>
            {
                Err(ServiceError::invalid(
                    "type",
                    ErrorCode::Conflict,
                    "these two already have a relationship of this type",
                ))
            }
            None => check_endpoints(&self.store, new).await,
        }
    }

    /// Runs `read` on the current index (for measurements and diagnostics).
    pub fn with_index<R>(&self, read: impl FnOnce(&GraphIndex<NodeRef>) -> R) -> R {
        read(&self.index())
    }

    fn index(&self) -> RwLockReadGuard<'_, GraphIndex<NodeRef>> {
        self.graph.read()
    }

    /// How the index was built at start.
    pub fn index_origin(&self) -> Origin {
        self.graph.origin
    }

    /// Everything the `start` entities rely on, transitively, nearest first (state is always Up).
    pub fn upstream(
        &self,
        start: &[NodeRef],
        relations: Option<RelationMask>,
        max_depth: Option<u32>,
    ) -> Result<Walk, ServiceError> {
        check_depth(max_depth)?;
        Ok(walk_on(
            &self.index(),
            Direction::Upstream,
            start,
            relations,
            max_depth,
        ))
    }

    /// A shortest chain of dependencies from one entity to another, both included.
    pub fn dependency_path(
        &self,
        from: &NodeRef,
        to: &NodeRef,
        relations: Option<RelationMask>,
    ) -> Option<Vec<NodeRef>> {
        let index = self.index();
        let (from, to) = (index.number(from)?, index.number(to)?);
        let path = index.dependency_path(
            from,
            to,
            relations.unwrap_or_else(RelationMask::failure_carrying),
        )?;
        path.into_iter().map(|n| index.key(n).cloned()).collect()
    }

    /// The entities whose failure alone takes `target` down.
    pub fn single_points_of_failure(&self, target: &NodeRef) -> Vec<NodeRef> {
        let index = self.index();
        let Some(target) = index.number(target) else {
            return Vec::new();
        };
        index
            .single_points_of_failure(target, RelationMask::failure_carrying())
            .into_iter()
            .filter_map(|n| index.key(n).cloned())
            .collect()
    }

    /// The dependency cycles made only of the given entities.
    pub fn cycles_among<'a>(
        &self,
        nodes: impl Iterator<Item = &'a NodeRef>,
        relations: Option<RelationMask>,
    ) -> Vec<Vec<NodeRef>> {
        let index = self.index();
        let nodes = nodes.filter_map(|n| index.number(n)).collect();
        let cycles = index.cycles_among(
            nodes,
            relations.unwrap_or_else(RelationMask::failure_carrying),
        );
        keyed(&index, cycles)
    }

    /// Circles of entities that depend on each other.
    pub fn dependency_cycles(&self, relations: Option<RelationMask>) -> Vec<Vec<NodeRef>> {
        let index = self.index();
        let cycles =
            index.dependency_cycles(relations.unwrap_or_else(RelationMask::failure_carrying));
        keyed(&index, cycles)
    }

    /// Everything affected if all `failed` entities fail together.
    pub fn impact(
        &self,
        failed: &[NodeRef],
        relations: Option<RelationMask>,
        max_depth: Option<u32>,
    ) -> Result<Walk, ServiceError> {
        check_depth(max_depth)?;
        Ok(walk_on(
            &self.index(),
            Direction::Downstream,
            failed,
            relations,
            max_depth,
        ))
    }

    /// The same questions asked of the graph as it stood right after `change` (an audit entry).
    pub async fn walk_as_of(
        &self,
        change: &EntityId,
        direction: Direction,
        start: &[NodeRef],
        relations: Option<RelationMask>,
        max_depth: Option<u32>,
    ) -> Result<Walk, ServiceError> {
        check_depth(max_depth)?;
        let index = self.index_as_of(change).await?;
        Ok(walk_on(&index, direction, start, relations, max_depth))
    }

    /// Today's index with every relationship change made after `change` undone, newest first.
    async fn index_as_of(&self, change: &EntityId) -> Result<GraphIndex<NodeRef>, ServiceError> {
        let anchor = self.store.audit_entry(change).await?.ok_or_else(|| {
            ServiceError::invalid("asOfChange", ErrorCode::NotFound, "no change has this id")
        })?;
        let later = self
            .store
            .changes_after(EntityKind::Relationship, &anchor)
            .await?;
        let mut touched: Vec<EntityId> = later.iter().map(|e| e.entity_id.clone()).collect();
        touched.sort();
        touched.dedup();
        let mut documents: HashMap<EntityId, Json> = HashMap::new();
        for record in self.store.get_many::<Relationship>(&touched).await? {
            documents.insert(record.id, to_json(&record.data)?);
        }
        let mut index = self.index().clone();
        for entry in later {
            let after = documents.remove(&entry.entity_id);
            if let Some(r) = after.as_ref().and_then(relationship_from) {
                index.remove(&r.source, &r.target, r.relation);
            }
            if entry.operation == Operation::Create {
                continue;
            }
            let mut before = after.unwrap_or_else(|| Json::Object(Default::default()));
            revert(&mut before, &entry.changes);
            if let Some(r) = relationship_from(&before) {
                // An edge that cannot be re-added was refused then too; skipping it is faithful.
                let _ = index.insert(&edge(&r));
            }
            documents.insert(entry.entity_id, before);
        }
        Ok(index)
    }
}

/// Cycles of node numbers as cycles of entities.
fn keyed(index: &GraphIndex<NodeRef>, cycles: Vec<Vec<u32>>) -> Vec<Vec<NodeRef>> {
    cycles
        .into_iter()
        .map(|cycle| {
            cycle
                .into_iter()
                .filter_map(|n| index.key(n).cloned())
                .collect()
        })
        .collect()
}

pub(super) fn relationship_from(doc: &Json) -> Option<Relationship> {
    serde_json::from_value(doc.clone()).ok()
}

/// Which way a walk follows dependencies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Who relies on the start entities: what their failure affects.
    Downstream,
    /// What the start entities rely on.
    Upstream,
}

fn walk_on(
    index: &GraphIndex<NodeRef>,
    direction: Direction,
    start: &[NodeRef],
    relations: Option<RelationMask>,
    max_depth: Option<u32>,
) -> Walk {
    let start: Vec<u32> = start.iter().filter_map(|n| index.number(n)).collect();
    let relations = relations.unwrap_or_else(RelationMask::failure_carrying);
    match direction {
        Direction::Downstream => {
            let query = ImpactQuery {
                failed: start,
                relations,
                max_depth,
            };
            let impact = index.impact(&query);
            Walk::new(
                index,
                &query.failed,
                impact
                    .affected
                    .iter()
                    .map(|a| (a.node, a.depth, a.state, a.via)),
            )
        }
        Direction::Upstream => {
            let reached = index.upstream(&start, relations, max_depth);
            Walk::new(
                index,
                &start,
                reached.iter().map(|r| (r.node, r.depth, State::Up, r.via)),
            )
        }
    }
}
