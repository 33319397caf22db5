//! Tickets over GraphQL: upserts from ticketing systems, asset links, a change's impact and its
//! recorded assessment, the change calendar and collisions, and an incident's context.

use crate::api::graphql::Timestamp;
use std::sync::Arc;

use async_graphql::{Context, Enum, ID, InputObject, MaybeUndefined, Object, Result, SimpleObject};
use serde::Serialize;

use crate::api::graphql::TicketNode;
use crate::api::graphql::TicketRole;
use crate::api::graphql::ids;
use crate::api::graphql::{
    AssetNode, AuditEntryNode, Node, RelationshipNode, entity_object, load_node,
};
use crate::api::graphql::{Payload, outcome, payload};
use crate::api::graphql::{UserError, bad_input};
use crate::api::graphql::{fail, register, request};
use crate::api::graphql::{many, one};
use crate::api::relationships::{ImpactReport, ImpactState};
use crate::domain::kernel::{EntityId, EntityKind, Record};
use crate::domain::register::Asset;
use crate::domain::relationships::Relationship;
use crate::domain::servicedesk::Ticket;
use crate::domain::servicedesk::ticket;
use crate::service::kernel::ServiceError;
use crate::service::servicedesk::{Collision, IncidentContext};

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug, Serialize)]
#[graphql(remote = "crate::domain::servicedesk::TicketKind")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TicketKind {
    Incident,
    Problem,
    Change,
    Request,
}

/// The common ticket states; each ticketing system's own states map onto these.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug, Serialize)]
#[graphql(remote = "crate::domain::servicedesk::TicketStatus")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TicketStatus {
    New,
    Open,
    InProgress,
    OnHold,
    /// For changes: approved and scheduled.
    Scheduled,
    Resolved,
    Closed,
    Cancelled,
}

/// How an entry came into an impact assessment.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "crate::domain::servicedesk::Mark")]
pub enum AssessmentMark {
    /// Found by the impact analysis.
    Computed,
    /// Added by hand.
    Manual,
    /// Found by the analysis, judged not affected (the note says why).
    Excluded,
}

/// A ticket as the ticketing system sends it; keyed by `system` and `key`. Absent fields keep
/// their stored values; an explicit null clears one (e.g. `closedAt` of a reopened ticket).
#[derive(InputObject, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UpsertTicketInput {
    pub system: String,
    pub key: String,
    #[serde(skip_serializing_if = "MaybeUndefined::is_undefined")]
    pub url: MaybeUndefined<String>,
    pub kind: TicketKind,
    pub status: TicketStatus,
    /// 1 (highest) to 5.
    #[serde(skip_serializing_if = "MaybeUndefined::is_undefined")]
    pub priority: MaybeUndefined<i64>,
    pub summary: String,
    /// Now, when first sent without one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub opened_at: Option<Timestamp>,
    #[serde(skip_serializing_if = "MaybeUndefined::is_undefined")]
    pub closed_at: MaybeUndefined<Timestamp>,
    /// For changes: the planned window.
    #[serde(skip_serializing_if = "MaybeUndefined::is_undefined")]
    pub planned_start: MaybeUndefined<Timestamp>,
    #[serde(skip_serializing_if = "MaybeUndefined::is_undefined")]
    pub planned_end: MaybeUndefined<Timestamp>,
}

#[derive(InputObject)]
pub struct LinkTicketInput {
    pub ticket: ID,
    pub assets: Vec<ID>,
    pub role: TicketRole,
}

#[derive(InputObject)]
pub struct UnlinkTicketInput {
    pub ticket: ID,
    pub assets: Vec<ID>,
}

/// A hand-made correction to a computed impact list.
#[derive(InputObject)]
pub struct AssessmentCorrection {
    pub asset: ID,
    pub note: Option<String>,
}

#[derive(InputObject)]
pub struct RecordImpactAssessmentInput {
    pub ticket: ID,
    pub expected_version: Option<i64>,
    /// Assets the analysis did not find but the board judges affected.
    #[graphql(default)]
    pub add: Vec<AssessmentCorrection>,
    /// Computed entries judged not affected; each needs a note saying why.
    #[graphql(default)]
    pub exclude: Vec<AssessmentCorrection>,
}

/// What link and unlink return: the AFFECTS relationships written or removed.
#[derive(SimpleObject)]
pub struct TicketLinksPayload {
    pub relationships: Vec<RelationshipNode>,
    pub user_errors: Vec<UserError>,
}

entity_object!(
    /// A ticket of an external service desk: incident, problem, change or request.
    TicketNode(Ticket) as "Ticket" {
        /// The ticketing system, e.g. `servicenow-prod`.
        async fn system(&self) -> &str { &self.0.data.system }
        /// The ticket's number there; unique with `system`.
        async fn key(&self) -> &str { &self.0.data.key }
        async fn url(&self) -> Option<&str> { self.0.data.url.as_deref() }
        async fn kind(&self) -> TicketKind { self.0.data.kind.into() }
        async fn status(&self) -> TicketStatus { self.0.data.status.into() }
        /// Neither resolved, closed nor cancelled.
        async fn open(&self) -> bool { self.0.data.status.is_open() }
        async fn priority(&self) -> Option<u8> { self.0.data.priority }
        async fn summary(&self) -> &str { &self.0.data.summary }
        async fn opened_at(&self) -> Timestamp { Timestamp(self.0.data.opened_at) }
        async fn closed_at(&self) -> Option<Timestamp> { self.0.data.closed_at.map(Timestamp) }
        async fn planned_start(&self) -> Option<Timestamp> { self.0.data.planned_start.map(Timestamp) }
        async fn planned_end(&self) -> Option<Timestamp> { self.0.data.planned_end.map(Timestamp) }
        /// The linked assets and what each is to the ticket.
        async fn assets(&self, ctx: &Context<'_>, role: Option<TicketRole>) -> Result<Vec<LinkedAsset>> {
            let links = register(ctx)?.ticket_links(&self.0.id).await.map_err(|e| fail(ctx, e))?;
            let wanted = role.map(crate::domain::relationships::TicketRole::from);
            let links: Vec<Record<Relationship>> = links.into_iter().filter(|l| wanted.is_none() || l.data.ticket_role == wanted).collect();
            let assets = many::<Asset>(ctx, links.iter().map(|l| l.data.target.id.clone())).await?;
            Ok(links.into_iter().filter_map(|l| {
                let asset = assets.iter().find(|a| a.id == l.data.target.id)?.clone();
                Some(LinkedAsset { asset: AssetNode(asset), role: l.data.ticket_role.map(Into::into).unwrap_or(TicketRole::Affected) })
            }).collect())
        }
        /// What fails if the assets it changes fail (or, without CHANGED links, the assets it is
        /// linked to): affected services, DOWN / DEGRADED, whom to tell, cost at risk.
        async fn impact(&self, ctx: &Context<'_>) -> Result<ImpactReport> {
            let walk = register(ctx)?.ticket_impact(&self.0.id).await.map_err(|e| fail(ctx, e))?;
            Ok(ImpactReport::new(Arc::new(walk), None))
        }
        /// The impact list recorded for the change board, if any.
        async fn assessment(&self) -> Option<AssessmentNode> {
            self.0.data.assessment.clone().map(AssessmentNode)
        }
        /// For an incident: what happened around its assets in the last `days` (default 7).
        async fn context(&self, ctx: &Context<'_>, days: Option<i32>) -> Result<IncidentContextNode> {
            let days = u32::try_from(days.unwrap_or(7)).map_err(|_| bad_input("days runs from 1 to 365"))?;
            let context = register(ctx)?.incident_context(&self.0.id, days).await.map_err(|e| fail(ctx, e))?;
            Ok(IncidentContextNode(context))
        }
    }
);

#[derive(SimpleObject)]
pub struct LinkedAsset {
    pub asset: AssetNode,
    pub role: TicketRole,
}

/// The impact list a change board saw, frozen when it was recorded.
pub struct AssessmentNode(ticket::Assessment);

#[Object(name = "ImpactAssessment")]
impl AssessmentNode {
    async fn assessed_at(&self) -> Timestamp {
        Timestamp(self.0.assessed_at)
    }
    async fn assessed_by(&self) -> &str {
        &self.0.assessed_by
    }
    /// The changed assets the analysis started from.
    async fn changed(&self, ctx: &Context<'_>) -> Result<Vec<AssetNode>> {
        let found = many::<Asset>(ctx, self.0.changed.iter().cloned()).await?;
        Ok(found.into_iter().map(AssetNode).collect())
    }
    async fn entries(&self) -> Vec<AssessedAssetNode> {
        self.0
            .entries
            .iter()
            .cloned()
            .map(AssessedAssetNode)
            .collect()
    }
}

pub struct AssessedAssetNode(ticket::AssessedAsset);

#[Object(name = "AssessedAsset")]
impl AssessedAssetNode {
    /// Null when the asset has been deleted since.
    async fn asset(&self, ctx: &Context<'_>) -> Result<Option<AssetNode>> {
        Ok(one::<Asset>(ctx, Some(&self.0.asset)).await?.map(AssetNode))
    }
    async fn mark(&self) -> AssessmentMark {
        self.0.mark.into()
    }
    /// As computed; null for an entry added by hand.
    async fn state(&self) -> Option<ImpactState> {
        self.0.severity.map(|s| match s {
            ticket::Severity::Down => ImpactState::Down,
            ticket::Severity::Degraded => ImpactState::Degraded,
        })
    }
    async fn depth(&self) -> Option<u32> {
        self.0.depth
    }
    async fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }
}

/// Another open change planned at an overlapping time that touches some of the same assets.
pub struct ChangeConflict(Collision);

#[Object]
impl ChangeConflict {
    async fn change(&self) -> TicketNode {
        TicketNode(self.0.other.clone())
    }
    async fn overlap_start(&self) -> Timestamp {
        Timestamp(self.0.overlap.start)
    }
    async fn overlap_end(&self) -> Timestamp {
        Timestamp(self.0.overlap.end)
    }
    /// Assets both change or hit.
    async fn shared_assets(&self, ctx: &Context<'_>) -> Result<Vec<AssetNode>> {
        let found = many::<Asset>(ctx, self.0.shared.iter().cloned()).await?;
        Ok(found.into_iter().map(AssetNode).collect())
    }
}

/// One change in the calendar with the changes it collides with.
pub struct CalendarEntry(Record<Ticket>, Vec<Collision>);

#[Object]
impl CalendarEntry {
    async fn change(&self) -> TicketNode {
        TicketNode(self.0.clone())
    }
    async fn conflicts(&self) -> Vec<ChangeConflict> {
        self.1.iter().cloned().map(ChangeConflict).collect()
    }
}

/// What happened around an incident's assets: the likely causes.
pub struct IncidentContextNode(IncidentContext);

#[Object(name = "IncidentContext")]
impl IncidentContextNode {
    async fn assets(&self, ctx: &Context<'_>) -> Result<Vec<AssetNode>> {
        let found = many::<Asset>(ctx, self.0.assets.iter().cloned()).await?;
        Ok(found.into_iter().map(AssetNode).collect())
    }
    /// What the incident's assets rely on, nearest first.
    async fn dependencies(&self, ctx: &Context<'_>) -> Result<Vec<Node>> {
        let nodes = futures_util::future::try_join_all(
            self.0
                .dependencies
                .iter()
                .map(|n| load_node(ctx, n.kind, &n.id)),
        )
        .await?;
        Ok(nodes.into_iter().flatten().collect())
    }
    /// Audited changes of those assets and their dependencies in the period, newest first.
    async fn recent_changes(&self) -> Vec<AuditEntryNode> {
        self.0
            .recent_changes
            .iter()
            .cloned()
            .map(AuditEntryNode)
            .collect()
    }
    /// Change tickets on those assets planned or closed in the period.
    async fn recent_change_tickets(&self) -> Vec<TicketNode> {
        self.0
            .recent_change_tickets
            .iter()
            .cloned()
            .map(TicketNode)
            .collect()
    }
    /// Other open incidents on the same assets, what they rely on, or what relies on them.
    async fn related_incidents(&self) -> Vec<TicketNode> {
        self.0
            .related_incidents
            .iter()
            .cloned()
            .map(TicketNode)
            .collect()
    }
}

fn ticket_id(id: &ID) -> std::result::Result<EntityId, ServiceError> {
    ids::decode(EntityKind::Ticket, id).ok_or_else(|| {
        ServiceError::invalid(
            "ticket",
            crate::domain::kernel::ErrorCode::Invalid,
            "not a Ticket id",
        )
    })
}

fn asset_ids(given: &[ID]) -> std::result::Result<Vec<EntityId>, ServiceError> {
    given
        .iter()
        .enumerate()
        .map(|(i, id)| {
            ids::decode(EntityKind::Asset, id).ok_or_else(|| {
                ServiceError::invalid(
                    &format!("assets.{i}"),
                    crate::domain::kernel::ErrorCode::Invalid,
                    "not an Asset id",
                )
            })
        })
        .collect()
}

fn corrections(
    given: Vec<AssessmentCorrection>,
    field: &str,
) -> std::result::Result<Vec<crate::service::servicedesk::Correction>, ServiceError> {
    let ids: Vec<ID> = given.iter().map(|c| c.asset.clone()).collect();
    let assets = asset_ids(&ids).map_err(|e| match e {
        ServiceError::Invalid(errors) => ServiceError::Invalid(
            errors
                .into_iter()
                .map(|mut e| {
                    e.field = e.field.replacen("assets", field, 1) + ".asset";
                    e
                })
                .collect(),
        ),
        other => other,
    })?;
    Ok(assets
        .into_iter()
        .zip(given.into_iter().map(|c| c.note))
        .collect())
}

fn links_payload(
    result: std::result::Result<Vec<Record<Relationship>>, Vec<UserError>>,
) -> TicketLinksPayload {
    match result {
        Ok(links) => TicketLinksPayload {
            relationships: links.into_iter().map(RelationshipNode).collect(),
            user_errors: Vec::new(),
        },
        Err(user_errors) => TicketLinksPayload {
            relationships: Vec::new(),
            user_errors,
        },
    }
}

#[derive(Default)]
pub struct TicketMutations;

#[Object]
impl TicketMutations {
    /// Creates the ticket (system, key) or updates it with what was sent; the same again changes
    /// nothing and writes no audit entry, so ticketing systems can push every update blindly.
    async fn upsert_ticket(
        &self,
        ctx: &Context<'_>,
        input: UpsertTicketInput,
    ) -> Result<Payload<TicketNode>> {
        let result = match serde_json::to_value(&input) {
            Ok(doc) => register(ctx)?.upsert_ticket(&request(ctx).actor, doc).await,
            Err(e) => Err(ServiceError::Internal(e.to_string())),
        };
        Ok(payload(outcome(ctx, result)?, TicketNode))
    }

    /// Links assets to a ticket (AFFECTS relationships), all or none; an asset already linked
    /// takes the new role.
    async fn link_ticket(
        &self,
        ctx: &Context<'_>,
        input: LinkTicketInput,
    ) -> Result<TicketLinksPayload> {
        let result = match (ticket_id(&input.ticket), asset_ids(&input.assets)) {
            (Ok(ticket), Ok(assets)) => {
                register(ctx)?
                    .link_ticket(&request(ctx).actor, &ticket, &assets, input.role.into())
                    .await
            }
            (Err(e), _) | (_, Err(e)) => Err(e),
        };
        Ok(links_payload(outcome(ctx, result)?))
    }

    /// Removes assets from a ticket, all or none; returns the relationships removed.
    async fn unlink_ticket(
        &self,
        ctx: &Context<'_>,
        input: UnlinkTicketInput,
    ) -> Result<TicketLinksPayload> {
        let result = match (ticket_id(&input.ticket), asset_ids(&input.assets)) {
            (Ok(ticket), Ok(assets)) => {
                register(ctx)?
                    .unlink_ticket(&request(ctx).actor, &ticket, &assets)
                    .await
            }
            (Err(e), _) | (_, Err(e)) => Err(e),
        };
        Ok(links_payload(outcome(ctx, result)?))
    }

    /// Freezes the ticket's impact as computed now, with corrections, on the ticket (audited).
    async fn record_impact_assessment(
        &self,
        ctx: &Context<'_>,
        input: RecordImpactAssessmentInput,
    ) -> Result<Payload<TicketNode>> {
        let parsed = ticket_id(&input.ticket).and_then(|ticket| {
            Ok((
                ticket,
                corrections(input.add, "add")?,
                corrections(input.exclude, "exclude")?,
            ))
        });
        let result = match parsed {
            Ok((ticket, add, exclude)) => {
                register(ctx)?
                    .record_impact_assessment(
                        &request(ctx).actor,
                        &ticket,
                        input.expected_version,
                        (add, exclude),
                    )
                    .await
            }
            Err(e) => Err(e),
        };
        Ok(payload(outcome(ctx, result)?, TicketNode))
    }
}

#[derive(Default)]
pub struct TicketQueries;

#[Object]
impl TicketQueries {
    async fn ticket(&self, ctx: &Context<'_>, id: ID) -> Result<Option<TicketNode>> {
        let Some(id) = ids::decode(EntityKind::Ticket, &id) else {
            return Ok(None);
        };
        Ok(one::<Ticket>(ctx, Some(&id)).await?.map(TicketNode))
    }

    /// A ticket by its ticketing system and key.
    async fn ticket_by_key(
        &self,
        ctx: &Context<'_>,
        system: String,
        key: String,
    ) -> Result<Option<TicketNode>> {
        let found = register(ctx)?
            .ticket_by_key(&system, &key)
            .await
            .map_err(|e| fail(ctx, e))?;
        Ok(found.map(TicketNode))
    }

    /// Other open changes whose planned window overlaps this change's and that change or hit
    /// some of the same assets.
    async fn change_conflicts(&self, ctx: &Context<'_>, ticket: ID) -> Result<Vec<ChangeConflict>> {
        let ticket = ticket_id(&ticket).map_err(|e| fail(ctx, e))?;
        let found = register(ctx)?
            .change_conflicts(&ticket)
            .await
            .map_err(|e| fail(ctx, e))?;
        Ok(found.into_iter().map(ChangeConflict).collect())
    }

    /// Changes planned in `[from, to)` (at most 366 days), earliest first, with their collisions.
    async fn change_calendar(
        &self,
        ctx: &Context<'_>,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<Vec<CalendarEntry>> {
        let calendar = register(ctx)?
            .change_calendar(from.0, to.0)
            .await
            .map_err(|e| fail(ctx, e))?;
        Ok(calendar
            .into_iter()
            .map(|(t, c)| CalendarEntry(t, c))
            .collect())
    }
}

/// An asset's tickets, optionally of some kinds and states, newest first.
pub async fn asset_tickets(
    ctx: &Context<'_>,
    asset: &EntityId,
    kind: Option<Vec<TicketKind>>,
    status: Option<Vec<TicketStatus>>,
) -> Result<Vec<TicketNode>> {
    let ids = register(ctx)?.tickets_linked_to(std::slice::from_ref(asset));
    let mut tickets = many::<Ticket>(ctx, ids).await?;
    let kinds: Option<Vec<ticket::TicketKind>> =
        kind.map(|k| k.into_iter().map(Into::into).collect());
    let states: Option<Vec<ticket::TicketStatus>> =
        status.map(|s| s.into_iter().map(Into::into).collect());
    tickets.retain(|t| {
        kinds.as_ref().is_none_or(|k| k.contains(&t.data.kind))
            && states.as_ref().is_none_or(|s| s.contains(&t.data.status))
    });
    tickets.sort_by_key(|t| std::cmp::Reverse(t.data.opened_at));
    Ok(tickets.into_iter().map(TicketNode).collect())
}
