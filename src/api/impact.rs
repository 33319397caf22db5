//! The impact query: what breaks, and why, if some entities fail together.

use async_graphql::{Context, Enum, ID, InputObject, Object, Result, SimpleObject};

use super::connection::{Conn, page_request, slice};
use super::context::{fail, register};
use super::enums::RelationType;
use super::errors::bad_input;
use super::ids;
use super::types::{Node, load_node};
use crate::domain::entity::{EntityKind, NodeRef};
use crate::graph::{RelationMask, State};
use crate::service::graph::Hit;

/// Which failures to analyse.
#[derive(InputObject)]
pub struct ImpactInput {
    /// Entities that fail together.
    pub failed: Vec<ID>,
    /// Relationship types along which failure spreads; default: the dependency-like types.
    pub types: Option<Vec<RelationType>>,
    /// Stop this many hops from a failed entity; default: no limit.
    pub max_depth: Option<i32>,
}

/// How badly an entity is hit.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum ImpactState {
    /// Not working: a dependency it cannot do without has failed.
    Down,
    /// Working with less margin or performance: it lost redundancy, or a dependency is degraded.
    Degraded,
}

#[derive(SimpleObject)]
pub struct ImpactTotals {
    pub affected: usize,
    pub down: usize,
    pub degraded: usize,
}

/// Most entities one impact question may name as failed.
const MAX_FAILED: usize = 1000;

pub struct ImpactReport {
    hits: Vec<Hit>,
}

/// One affected entity.
pub struct Impacted(Hit);

#[Object(name = "ImpactedEntity")]
impl Impacted {
    async fn node(&self, ctx: &Context<'_>) -> Result<Option<Node>> {
        load_node(ctx, self.0.node.kind, &self.0.node.id).await
    }
    /// Hops from the nearest failed entity.
    async fn depth(&self) -> u32 {
        self.0.depth
    }
    async fn state(&self) -> ImpactState {
        if self.0.state == State::Down {
            ImpactState::Down
        } else {
            ImpactState::Degraded
        }
    }
    /// Why: one shortest chain from a failed entity to this one, both included.
    async fn path(&self, ctx: &Context<'_>) -> Result<Vec<Node>> {
        let nodes = futures_util::future::try_join_all(
            self.0.path.iter().map(|n| load_node(ctx, n.kind, &n.id)),
        )
        .await?;
        Ok(nodes.into_iter().flatten().collect())
    }
}

#[Object]
impl ImpactReport {
    async fn totals(&self) -> ImpactTotals {
        let down = self.hits.iter().filter(|h| h.state == State::Down).count();
        ImpactTotals {
            affected: self.hits.len(),
            down,
            degraded: self.hits.len() - down,
        }
    }

    /// Affected entities, nearest first.
    async fn affected(
        &self,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Result<Conn<Impacted>> {
        let request = page_request(first, after, last, before)?;
        Ok(slice(self.hits.clone(), &request, Impacted))
    }
}

/// Answers an impact question from the in-memory index.
pub fn impact(ctx: &Context<'_>, input: ImpactInput) -> Result<ImpactReport> {
    if input.failed.is_empty() || input.failed.len() > MAX_FAILED {
        return Err(bad_input(format!("failed takes 1 to {MAX_FAILED} ids")));
    }
    let failed = input
        .failed
        .iter()
        .map(|id| match ids::decode_any(id) {
            Some((kind, id)) if kind != EntityKind::Relationship => Ok(NodeRef { kind, id }),
            _ => Err(bad_input(format!(
                "failed: {:?} is not an id of an entity",
                id.as_str()
            ))),
        })
        .collect::<Result<Vec<_>>>()?;
    let relations = input.types.map(|types| {
        let types: Vec<crate::domain::relation::RelationType> =
            types.into_iter().map(Into::into).collect();
        RelationMask::of(&types)
    });
    let max_depth = input.max_depth.map(|d| u32::try_from(d).unwrap_or(0));
    let hits = register(ctx)?
        .impact(&failed, relations, max_depth)
        .map_err(|e| fail(ctx, e))?;
    Ok(ImpactReport { hits })
}
