//! The impact query: what breaks, and why, if some entities fail together.

use crate::api::graphql::paged_object;
use async_graphql::{Context, Enum, ID, InputObject, Object, Result, SimpleObject};

use std::sync::Arc;

use crate::api::graphql::{Conn, positions};
use crate::api::graphql::{fail, register};
use std::collections::{BTreeMap, HashSet};

use crate::api::graphql::OwnerNode;
use crate::api::graphql::bad_input;
use crate::api::graphql::ids;
use crate::api::graphql::{AssetClass as AssetClassEnum, RelationType};
use crate::api::graphql::{AssetNode, MoneyNode, PersonNode, TeamNode};
use crate::api::graphql::{Node, load_node};
use crate::api::graphql::{many, one};
use crate::domain::kernel::AssetClass;
use crate::domain::kernel::Money;
use crate::domain::kernel::{EntityId, Record};
use crate::domain::kernel::{EntityKind, NodeRef};
use crate::domain::register::{Asset, Owner};
use crate::domain::register::{Person, Team};
use crate::graph::{RelationMask, State};
use crate::service::relationships::{Direction, Hit, Walk};

/// Which way to walk the dependencies.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Default)]
pub enum ImpactDirection {
    /// Who is affected if the given entities fail (follows "who relies on me").
    #[default]
    Downstream,
    /// What the given entities rely on (follows "what do I need"); states are not computed.
    Upstream,
}

/// Which failures to analyse.
#[derive(InputObject)]
pub struct ImpactInput {
    /// Entities that fail together (for UPSTREAM: the entities whose needs to list).
    pub failed: Vec<ID>,
    #[graphql(default)]
    pub direction: ImpactDirection,
    /// Relationship types along which failure spreads; default: the dependency-like types.
    pub types: Option<Vec<RelationType>>,
    /// Stop this many hops from a failed entity; default: no limit.
    pub max_depth: Option<i32>,
    /// Answer for the graph as it stood right after this change (an `AuditEntry.id`), e.g. to
    /// review an incident against the dependencies of that day; default: the graph as it is now.
    pub as_of_change: Option<ID>,
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
pub struct ClassCount {
    pub class: AssetClassEnum,
    pub count: usize,
}

/// Most entities one impact question may name as failed.
const MAX_FAILED: usize = 1000;

/// The answer to one impact question, shared by the fields that present it.
pub struct ImpactReport {
    walk: Arc<Walk>,
    relations: Option<RelationMask>,
}

impl ImpactReport {
    pub fn new(walk: Arc<Walk>, relations: Option<RelationMask>) -> ImpactReport {
        ImpactReport { walk, relations }
    }
}

/// One affected entity: a position in the report's walk.
pub struct Impacted {
    walk: Arc<Walk>,
    position: usize,
}

impl Impacted {
    fn hit(&self) -> &Hit {
        &self.walk.hits[self.position]
    }
}

/// The affected entities that are assets, in one batched load.
async fn affected_assets(ctx: &Context<'_>, walk: &Walk) -> Result<Vec<Record<Asset>>> {
    many::<Asset>(
        ctx,
        walk.hits
            .iter()
            .filter(|h| h.node.kind == EntityKind::Asset)
            .map(|h| h.node.id.clone()),
    )
    .await
}

async fn load_all(ctx: &Context<'_>, nodes: &[NodeRef]) -> Result<Vec<Node>> {
    let loaded =
        futures_util::future::try_join_all(nodes.iter().map(|n| load_node(ctx, n.kind, &n.id)))
            .await?;
    Ok(loaded.into_iter().flatten().collect())
}

#[Object(name = "ImpactedEntity")]
impl Impacted {
    async fn node(&self, ctx: &Context<'_>) -> Result<Option<Node>> {
        load_node(ctx, self.hit().node.kind, &self.hit().node.id).await
    }
    /// The affected entity when it is an asset (null for other kinds).
    async fn asset(&self, ctx: &Context<'_>) -> Result<Option<AssetNode>> {
        let node = &self.hit().node;
        if node.kind != EntityKind::Asset {
            return Ok(None);
        }
        Ok(one::<Asset>(ctx, Some(&node.id)).await?.map(AssetNode))
    }
    /// Hops from the nearest failed entity.
    async fn depth(&self) -> u32 {
        self.hit().depth
    }
    /// DOWN or DEGRADED; null when walking UPSTREAM.
    async fn state(&self) -> Option<ImpactState> {
        match self.hit().state {
            State::Down => Some(ImpactState::Down),
            State::Degraded => Some(ImpactState::Degraded),
            State::Up => None,
        }
    }
    /// Why: one shortest chain from a failed entity to this one, both included.
    async fn path(&self, ctx: &Context<'_>) -> Result<Vec<Node>> {
        load_all(ctx, &self.walk.path(self.position)).await
    }
}

/// How much is affected, and what is at stake.
pub struct ImpactTotals {
    walk: Arc<Walk>,
}

#[Object]
impl ImpactTotals {
    async fn affected(&self) -> usize {
        self.walk.hits.len()
    }

    async fn down(&self) -> usize {
        self.walk
            .hits
            .iter()
            .filter(|h| h.state == State::Down)
            .count()
    }

    async fn degraded(&self) -> usize {
        self.walk
            .hits
            .iter()
            .filter(|h| h.state == State::Degraded)
            .count()
    }

    /// Affected assets per class.
    async fn by_class(&self, ctx: &Context<'_>) -> Result<Vec<ClassCount>> {
        let mut counts: BTreeMap<String, (AssetClassEnum, usize)> = BTreeMap::new();
        for asset in affected_assets(ctx, &self.walk).await? {
            let class: AssetClassEnum = asset.data.class.into();
            counts.entry(format!("{class:?}")).or_insert((class, 0)).1 += 1;
        }
        Ok(counts
            .into_values()
            .map(|(class, count)| ClassCount { class, count })
            .collect())
    }

    /// Purchase cost of the affected assets, one sum per currency: what is at stake.
    async fn purchase_cost_at_risk(&self, ctx: &Context<'_>) -> Result<Vec<MoneyNode>> {
        let mut sums: BTreeMap<&'static str, Money> = BTreeMap::new();
        for asset in affected_assets(ctx, &self.walk).await? {
            if let Some(cost) = asset.data.purchase.as_ref().and_then(|p| p.cost.as_ref()) {
                sums.entry(cost.currency.code())
                    .or_insert(Money {
                        amount: Default::default(),
                        currency: cost.currency,
                    })
                    .amount += cost.amount;
            }
        }
        Ok(sums.values().map(MoneyNode::from).collect())
    }
}

paged_object! {
#[Object]
impl ImpactReport {
    async fn totals(&self) -> ImpactTotals {
        ImpactTotals {
            walk: self.walk.clone(),
        }
    }

    /// Affected business services, with their state: what to tell the business.
    async fn services(&self, ctx: &Context<'_>) -> Result<Vec<Impacted>> {
        let assets = affected_assets(ctx, &self.walk).await?;
        let services: HashSet<&EntityId> = assets
            .iter()
            .filter(|a| a.data.class == AssetClass::BusinessService)
            .map(|a| &a.id)
            .collect();
        Ok(self
            .walk
            .hits
            .iter()
            .enumerate()
            .filter(|(_, h)| h.node.kind == EntityKind::Asset && services.contains(&h.node.id))
            .map(|(position, _)| Impacted {
                walk: self.walk.clone(),
                position,
            })
            .collect())
    }

    /// Owners and assignees of affected assets, each once: who to tell.
    async fn notify(&self, ctx: &Context<'_>) -> Result<Vec<OwnerNode>> {
        let assets = affected_assets(ctx, &self.walk).await?;
        let mut teams = Vec::new();
        let mut people = Vec::new();
        for asset in &assets {
            match &asset.data.owner {
                Some(Owner::Team(id)) => teams.push(id.clone()),
                Some(Owner::Person(id)) => people.push(id.clone()),
                None => {}
            }
            people.extend(asset.data.assignee.clone());
        }
        let teams = many::<Team>(ctx, teams)
            .await?
            .into_iter()
            .map(|t| OwnerNode::Team(TeamNode(t)));
        let people = many::<Person>(ctx, people)
            .await?
            .into_iter()
            .map(|p| OwnerNode::Person(PersonNode(p)));
        Ok(teams.chain(people).collect())
    }

    /// Dependency cycles among the failed and affected entities: loops met on the way (the
    /// traversal still ends; members of a loop are reported once each).
    async fn cycles(&self, ctx: &Context<'_>) -> Result<Vec<Vec<Node>>> {
        let reached = self
            .walk
            .start
            .iter()
            .chain(self.walk.hits.iter().map(|h| &h.node))
            .cloned()
            .collect();
        let cycles = register(ctx)?
            .cycles_among(reached, self.relations)
            .await
            .map_err(|e| fail(ctx, e))?;
        futures_util::future::try_join_all(cycles.iter().map(|c| load_all(ctx, c))).await
    }

    /// Affected entities, nearest first.
    async fn affected(&self, request: Paging) -> Result<Conn<Impacted>> {
        positions(self.walk.hits.len(), &request, |position| {
            Impacted {
                walk: self.walk.clone(),
                position,
            }
        })
    }
}
}

/// Answers an impact question from the in-memory index (or from it with later changes undone).
pub async fn impact(ctx: &Context<'_>, input: ImpactInput) -> Result<ImpactReport> {
    if input.failed.is_empty() || input.failed.len() > MAX_FAILED {
        return Err(bad_input(format!("failed takes 1 to {MAX_FAILED} ids")));
    }
    let failed = node_refs("failed", &input.failed)?;
    let relations = mask(input.types);
    let max_depth = input.max_depth.map(|d| u32::try_from(d).unwrap_or(0));
    let register = register(ctx)?;
    let direction = match input.direction {
        ImpactDirection::Downstream => Direction::Downstream,
        ImpactDirection::Upstream => Direction::Upstream,
    };
    let walk = match &input.as_of_change {
        None if direction == Direction::Downstream => {
            register.impact(&failed, relations, max_depth).await
        }
        None => register.upstream(&failed, relations, max_depth).await,
        Some(change) => {
            let change = EntityId::parse(change).ok_or_else(|| {
                bad_input(format!(
                    "asOfChange: {:?} is not a change id",
                    change.as_str()
                ))
            })?;
            register
                .walk_as_of(&change, direction, &failed, relations, max_depth)
                .await
        }
    }
    .map_err(|e| fail(ctx, e))?;
    Ok(ImpactReport {
        walk: Arc::new(walk),
        relations,
    })
}

/// Entity references from global ids, refusing relationship ids.
pub fn node_refs(field: &str, given: &[ID]) -> Result<Vec<NodeRef>> {
    given
        .iter()
        .map(|id| match ids::decode_any(id) {
            Some((kind, id)) if kind != EntityKind::Relationship => Ok(NodeRef { kind, id }),
            _ => Err(bad_input(format!(
                "{field}: {:?} is not an id of an entity",
                id.as_str()
            ))),
        })
        .collect()
}

fn mask(types: Option<Vec<RelationType>>) -> Option<RelationMask> {
    types.map(|types| {
        let types: Vec<crate::domain::relationships::RelationType> =
            types.into_iter().map(Into::into).collect();
        RelationMask::of(&types)
    })
}

/// A shortest chain of dependencies from `from` to `to`, or null when `from` does not rely on `to`.
pub async fn dependency_path(
    ctx: &Context<'_>,
    from: &ID,
    to: &ID,
    types: Option<Vec<RelationType>>,
) -> Result<Option<Vec<Node>>> {
    let ends = node_refs("from/to", &[from.clone(), to.clone()])?;
    let path = register(ctx)?
        .dependency_path(&ends[0], &ends[1], mask(types))
        .await
        .map_err(|e| fail(ctx, e))?;
    let Some(path) = path else {
        return Ok(None);
    };
    let nodes =
        futures_util::future::try_join_all(path.iter().map(|n| load_node(ctx, n.kind, &n.id)))
            .await?;
    Ok(Some(nodes.into_iter().flatten().collect()))
}

/// Circles of entities that depend on each other, at most `first` of them.
pub async fn dependency_cycles(
    ctx: &Context<'_>,
    first: Option<i32>,
    types: Option<Vec<RelationType>>,
) -> Result<Vec<Vec<Node>>> {
    let limit = usize::try_from(first.unwrap_or(50))
        .map_err(|_| bad_input("first must not be negative"))?
        .min(500);
    let cycles = register(ctx)?
        .dependency_cycles(mask(types))
        .await
        .map_err(|e| fail(ctx, e))?;
    // All cycles' members resolve concurrently, so the loaders fetch them in one batch per kind.
    let cycles = futures_util::future::try_join_all(cycles.into_iter().take(limit).map(
        |cycle| async move {
            let nodes = futures_util::future::try_join_all(
                cycle.iter().map(|n| load_node(ctx, n.kind, &n.id)),
            )
            .await?;
            Ok::<Vec<Node>, async_graphql::Error>(nodes.into_iter().flatten().collect())
        },
    ))
    .await?;
    Ok(cycles)
}
