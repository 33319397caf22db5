//! The relationship type: a typed, directed edge with its criticality, redundancy, cost share,
//! provenance and installation facts; and the relationships at an asset.

use crate::api::graphql::{Date, Timestamp};
use async_graphql::{Context, Result, SimpleObject};

use crate::api::discovery::{SourceSighting, sightings_of};
use crate::api::graphql::RelationType;
use crate::api::graphql::{AssetNode, Conn, connection, many, offsets, register, relationships_of};
use crate::domain::kernel::PageRequest;
use crate::domain::kernel::{EntityId, EntityKind, Record};
use crate::domain::register::Asset;
use crate::domain::relationships::Relationship;
use crate::service::relationships::Ends;

use crate::api::graphql::Node;
use crate::api::graphql::RelationshipNode;
use crate::api::graphql::entity_object;
use crate::api::graphql::load_node;

entity_object!(
    /// A typed, directed edge: `source TYPE target`, e.g. an application RUNS_ON a virtual machine.
    RelationshipNode(Relationship) as "Relationship" {
        #[graphql(name = "type")]
        async fn relation(&self) -> RelationType { self.0.data.relation.into() }
        /// The type as read from the target's side, e.g. RUNS for RUNS_ON.
        async fn inverse_name(&self) -> &str { self.0.data.relation.inverse_name() }
        /// Whether a failure of the target spreads to the source along this edge.
        async fn carries_failure(&self) -> bool { self.0.data.relation.carries_failure() }
        async fn source(&self, ctx: &Context<'_>) -> Result<Option<Node>> {
            load_node(ctx, self.0.data.source.kind, &self.0.data.source.id).await
        }
        async fn target(&self, ctx: &Context<'_>) -> Result<Option<Node>> {
            load_node(ctx, self.0.data.target.kind, &self.0.data.target.id).await
        }
        /// 1 (low) to 5 (critical).
        async fn criticality(&self) -> Option<u8> { self.0.data.criticality }
        /// Edges of one source sharing a group are alternatives; `minUp` of them must work.
        async fn redundancy_group(&self) -> Option<&str> { self.0.data.redundancy_group.as_deref() }
        async fn min_up(&self) -> Option<u16> { self.0.data.min_up }
        /// Share of the target's cost carried by the source, in percent (a decimal string).
        async fn allocation_percent(&self) -> Option<String> { self.0.data.allocation_percent.map(|p| p.to_string()) }
        /// When each discovery source last reported it; one not reported again goes stale.
        async fn sightings(&self, ctx: &Context<'_>) -> Result<Vec<SourceSighting>> {
            sightings_of(ctx, EntityKind::Relationship, &self.0.id).await
        }
        async fn provenance(&self) -> Option<Provenance> {
            self.0.data.provenance.as_ref().map(|p| Provenance { source: p.source.clone(), first_seen: p.first_seen.map(Timestamp), last_seen: p.last_seen.map(Timestamp) })
        }
        async fn valid_from(&self) -> Option<Date> { self.0.data.valid_from.map(Date) }
        async fn valid_to(&self) -> Option<Date> { self.0.data.valid_to.map(Date) }
        async fn note(&self) -> Option<&str> { self.0.data.note.as_deref() }
        /// For AFFECTS: what the asset is to the ticket.
        async fn ticket_role(&self) -> Option<crate::api::graphql::TicketRole> { self.0.data.ticket_role.map(Into::into) }
        /// What is known of the installation, for INSTALLED_ON.
        async fn installation(&self) -> Option<Installation> {
            self.0.data.installation.as_ref().map(|i| Installation {
                version: i.version.clone(),
                installed_on: i.installed_on.map(Date),
                last_used: i.last_used.map(Date),
            })
        }
    }
);

/// An installation of a software product on a device.
#[derive(SimpleObject)]
pub struct Installation {
    /// The exact build found.
    pub version: Option<String>,
    pub installed_on: Option<Date>,
    pub last_used: Option<Date>,
}

/// Which relationships of an entity to follow.
#[derive(async_graphql::Enum, Copy, Clone, Eq, PartialEq)]
pub enum Direction {
    Outgoing,
    Incoming,
    Both,
}

/// The relationships at an asset, in the given direction, of the types `keep` accepts: counted
/// and paged from the index, the page's records loaded in one batch.
pub(crate) async fn asset_relationships(
    ctx: &Context<'_>,
    id: &EntityId,
    direction: Direction,
    keep: impl Fn(crate::domain::relationships::RelationType) -> bool,
    request: &PageRequest,
) -> Result<Conn<RelationshipNode>> {
    let ends = match direction {
        Direction::Outgoing => Ends::Leaving,
        Direction::Incoming => Ends::Reaching,
        Direction::Both => Ends::Both,
    };
    let hops = register(ctx)?.hops(id, ends, keep, None, &offsets(request)?);
    Ok(connection(
        relationships_of(ctx, hops).await?,
        RelationshipNode,
    ))
}

/// The assets one dependency-like hop from an asset: what it relies on (`Leaving`) or what
/// relies on it (`Reaching`), one entry per relationship.
pub(crate) async fn adjacent_assets(
    ctx: &Context<'_>,
    id: &EntityId,
    ends: Ends,
    request: &PageRequest,
) -> Result<Conn<AssetNode>> {
    let hops = register(ctx)?.hops(
        id,
        ends,
        |t| t.carries_failure(),
        Some(EntityKind::Asset),
        &offsets(request)?,
    );
    let others = hops.map(|(source, target, _)| match ends {
        Ends::Reaching => source.id,
        _ => target.id,
    });
    let loaded = many::<Asset>(ctx, others.items.iter().cloned()).await?;
    let by_id: std::collections::HashMap<EntityId, Record<Asset>> =
        loaded.into_iter().map(|a| (a.id.clone(), a)).collect();
    Ok(connection(
        others.filter_map(|id| by_id.get(&id).cloned()),
        AssetNode,
    ))
}

/// Where a relationship came from.
#[derive(SimpleObject)]
pub struct Provenance {
    /// Who or what recorded it: a person, or a discovery tool.
    pub source: String,
    pub first_seen: Option<Timestamp>,
    pub last_seen: Option<Timestamp>,
}
