//! Keeps the in-memory relationship index in step with the store, and answers impact questions.

use std::collections::HashMap;
use std::sync::Arc;

use crate::service::kernel::Register;
use crate::service::kernel::ServiceError;
use serde_json::Value as Json;

use crate::domain::access::{AuditEntry, Operation, revert};
use crate::domain::kernel::ErrorCode;
use crate::domain::kernel::{EntityId, EntityKind, NodeRef};
use crate::domain::relationships::Relationship;
use crate::graph::{GraphIndex, ImpactQuery, RelationMask, Rewind, State};
use crate::service::kernel::to_json;

use crate::service::kernel::edge;
use crate::service::kernel::relationship_from;

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
    /// Everything the `start` entities rely on, transitively, nearest first (state is always Up).
    pub async fn upstream(
        &self,
        start: &[NodeRef],
        relations: Option<RelationMask>,
        max_depth: Option<u32>,
    ) -> Result<Walk, ServiceError> {
        check_depth(max_depth)?;
        let query = (Direction::Upstream, start.to_vec(), relations, max_depth);
        self.walk(self.index(), query).await
    }

    /// Everything affected if all `failed` entities fail together.
    pub async fn impact(
        &self,
        failed: &[NodeRef],
        relations: Option<RelationMask>,
        max_depth: Option<u32>,
    ) -> Result<Walk, ServiceError> {
        check_depth(max_depth)?;
        let query = (Direction::Downstream, failed.to_vec(), relations, max_depth);
        self.walk(self.index(), query).await
    }

    /// Walks a snapshot of the index on the query pool.
    async fn walk(
        &self,
        index: Arc<GraphIndex<NodeRef>>,
        query: WalkQuery,
    ) -> Result<Walk, ServiceError> {
        let (direction, start, relations, max_depth) = query;
        self.cpu
            .run(move || walk_on(&index, direction, &start, relations, max_depth))
            .await
    }

    /// A shortest chain of dependencies from one entity to another, both included.
    pub async fn dependency_path(
        &self,
        from: &NodeRef,
        to: &NodeRef,
        relations: Option<RelationMask>,
    ) -> Result<Option<Vec<NodeRef>>, ServiceError> {
        let index = self.index();
        let (from, to) = (from.clone(), to.clone());
        self.cpu
            .run(move || {
                let (from, to) = (index.number(&from)?, index.number(&to)?);
                let path = index.dependency_path(
                    from,
                    to,
                    relations.unwrap_or_else(RelationMask::failure_carrying),
                )?;
                path.into_iter().map(|n| index.key(n).cloned()).collect()
            })
            .await
    }

    /// The entities whose failure alone takes `target` down.
    pub async fn single_points_of_failure(
        &self,
        target: &NodeRef,
    ) -> Result<Vec<NodeRef>, ServiceError> {
        let index = self.index();
        let target = target.clone();
        self.cpu
            .run(move || {
                let Some(target) = index.number(&target) else {
                    return Vec::new();
                };
                index
                    .single_points_of_failure(target, RelationMask::failure_carrying())
                    .into_iter()
                    .filter_map(|n| index.key(n).cloned())
                    .collect()
            })
            .await
    }

    /// The dependency cycles made only of the given entities.
    pub async fn cycles_among(
        &self,
        nodes: Vec<NodeRef>,
        relations: Option<RelationMask>,
    ) -> Result<Vec<Vec<NodeRef>>, ServiceError> {
        let index = self.index();
        self.cpu
            .run(move || {
                let nodes = nodes.iter().filter_map(|n| index.number(n)).collect();
                let cycles = index.cycles_among(
                    nodes,
                    relations.unwrap_or_else(RelationMask::failure_carrying),
                );
                keyed(&index, cycles)
            })
            .await
    }

    /// Circles of entities that depend on each other.
    pub async fn dependency_cycles(
        &self,
        relations: Option<RelationMask>,
    ) -> Result<Vec<Vec<NodeRef>>, ServiceError> {
        let index = self.index();
        self.cpu
            .run(move || {
                let cycles = index
                    .dependency_cycles(relations.unwrap_or_else(RelationMask::failure_carrying));
                keyed(&index, cycles)
            })
            .await
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
        let anchor = self.store.audit_entry(change).await?.ok_or_else(|| {
            ServiceError::invalid("asOfChange", ErrorCode::NotFound, "no change has this id")
        })?;
        let later = self
            .store
            .changes_after(EntityKind::Relationship, &anchor)
            .await?;
        let query = (direction, start.to_vec(), relations, max_depth);
        // Nothing changed since: the index as it stands is the graph asked about.
        if later.is_empty() {
            return self.walk(self.index(), query).await;
        }
        let mut touched: Vec<EntityId> = later.iter().map(|e| e.entity_id.clone()).collect();
        touched.sort();
        touched.dedup();
        let mut documents: HashMap<EntityId, Json> = HashMap::new();
        for record in self.store.get_many::<Relationship>(&touched).await? {
            documents.insert(record.id, to_json(&record.data)?);
        }
        let current = self.index();
        self.cpu
            .run(move || {
                let rewind = rewind(later, documents);
                let (_, start, relations, max_depth) = &query;
                let region = current.region(start, direction == Direction::Downstream, &rewind);
                walk_on(&region, direction, start, *relations, *max_depth)
            })
            .await
    }
}

/// What a walk asks: which way, from where, along which relations, how deep.
type WalkQuery = (Direction, Vec<NodeRef>, Option<RelationMask>, Option<u32>);

/// What undoes the relationship changes in `later`, newest first; `documents` holds each touched
/// relationship as it is now.
fn rewind(later: Vec<AuditEntry>, mut documents: HashMap<EntityId, Json>) -> Rewind<NodeRef> {
    let mut rewind = Rewind::default();
    for entry in later {
        let after = documents.remove(&entry.entity_id);
        if let Some(r) = after.as_ref().and_then(relationship_from) {
            rewind.remove((r.source, r.target, r.relation));
        }
        if entry.operation == Operation::Create {
            continue;
        }
        let mut before = after.unwrap_or_else(|| Json::Object(Default::default()));
        revert(&mut before, &entry.changes);
        if let Some(r) = relationship_from(&before) {
            rewind.restore(edge(&r));
        }
        documents.insert(entry.entity_id, before);
    }
    rewind
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
