//! Keeps the in-memory relationship index in step with the store, and answers impact questions.

use std::sync::{Arc, RwLock};

use super::{Register, ServiceError};
use crate::domain::entity::{Entity, EntityKind, NodeRef, Record};
use crate::domain::register::Asset;
use crate::domain::relation::{Endpoint, Relationship};
use crate::domain::validation::ErrorCode;
use crate::graph::{Chains, EdgeSpec, GraphIndex, ImpactQuery, RelationMask, State};
use crate::store::Store;

/// The index shared by every request; writers hold the lock only to apply one committed change.
pub type SharedIndex = Arc<RwLock<GraphIndex<NodeRef>>>;

pub(super) fn edge(r: &Relationship) -> EdgeSpec<NodeRef> {
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

/// Builds the index from every stored relationship in one scan.
pub(super) async fn build(store: &Store) -> Result<SharedIndex, ServiceError> {
    let relationships = store.scan::<Relationship>().await?;
    let index = GraphIndex::build(
        std::iter::empty(),
        relationships.iter().map(|r| edge(&r.data)),
    )
    .map_err(|e| {
        ServiceError::Internal(format!(
            "stored relationships do not form a valid index: {e}"
        ))
    })?;
    Ok(Arc::new(RwLock::new(index)))
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

/// One entity hit by a failure: how far away, how badly, and the chain that explains it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    pub node: NodeRef,
    pub depth: u32,
    pub state: State,
    /// From a failed entity to this one, both included.
    pub path: Vec<NodeRef>,
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
    /// Brings the index in line with a committed change of an entity (only relationships matter).
    pub(super) fn apply<E: Entity>(&self, before: Option<&Record<E>>, after: Option<&Record<E>>) {
        let before = before.and_then(|r| r.data.as_relationship());
        let after = after.and_then(|r| r.data.as_relationship());
        if before.is_none() && after.is_none() {
            return;
        }
        let mut index = self
            .graph
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
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
        let Some(new) = after.data.as_relationship() else {
            return Ok(());
        };
        match before.and_then(|r| r.data.as_relationship()) {
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
            None => check_endpoints(&self.store, new).await,
        }
    }

    fn index(&self) -> std::sync::RwLockReadGuard<'_, GraphIndex<NodeRef>> {
        self.graph
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Everything the `start` entities rely on, transitively, nearest first (state is always Up).
    pub fn upstream(
        &self,
        start: &[NodeRef],
        relations: Option<RelationMask>,
        max_depth: Option<u32>,
    ) -> Result<Vec<Hit>, ServiceError> {
        check_depth(max_depth)?;
        let index = self.index();
        let start: Vec<u32> = start.iter().filter_map(|n| index.number(n)).collect();
        let reached = index.upstream(
            &start,
            relations.unwrap_or_else(RelationMask::failure_carrying),
            max_depth,
        );
        let chains = Chains::new(reached.iter().map(|r| (r.node, r.via)));
        let key = |n: u32| index.key(n).cloned().expect("reached nodes are live");
        Ok(reached
            .iter()
            .map(|r| Hit {
                node: key(r.node),
                depth: r.depth,
                state: State::Up,
                path: chains.to(r.node).into_iter().map(key).collect(),
            })
            .collect())
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

    /// Circles of entities that depend on each other.
    pub fn dependency_cycles(&self, relations: Option<RelationMask>) -> Vec<Vec<NodeRef>> {
        let index = self.index();
        index
            .dependency_cycles(relations.unwrap_or_else(RelationMask::failure_carrying))
            .into_iter()
            .map(|cycle| {
                cycle
                    .into_iter()
                    .filter_map(|n| index.key(n).cloned())
                    .collect()
            })
            .collect()
    }

    /// Everything affected if all `failed` entities fail together.
    pub fn impact(
        &self,
        failed: &[NodeRef],
        relations: Option<RelationMask>,
        max_depth: Option<u32>,
    ) -> Result<Vec<Hit>, ServiceError> {
        check_depth(max_depth)?;
        let index = self.index();
        let failed_nodes: Vec<u32> = failed.iter().filter_map(|n| index.number(n)).collect();
        let query = ImpactQuery {
            failed: failed_nodes.clone(),
            relations: relations.unwrap_or_else(RelationMask::failure_carrying),
            max_depth,
        };
        let impact = index.impact(&query);
        let chains = impact.chains();
        let key = |n: u32| index.key(n).cloned().expect("affected nodes are live");
        Ok(impact
            .affected
            .iter()
            .map(|a| Hit {
                node: key(a.node),
                depth: a.depth,
                state: a.state,
                path: chains.to(a.node).into_iter().map(key).collect(),
            })
            .collect())
    }
}
