//! The asset's fields: what it is, who owns and uses it, where it is, what it costs, its
//! lifecycle, its relationships and what discovery says of it.

use crate::api::graphql::Date;
use async_graphql::{Context, ID, Json, Result, SimpleObject};
use chrono::Utc;

use crate::api::discovery::{FieldSource, SourceSighting, sightings_of};
use crate::api::finance::{
    CostRollup, DepreciationPeriod, DepreciationProfile, TotalCostOfOwnership, cost_rollup,
    depreciation_of, profile_node, schedule_nodes, total_cost_of_ownership,
};
use crate::api::graphql::MaintenanceRecordNode;
use crate::api::graphql::ids;
use crate::api::graphql::{AssetClass, Category, LifecycleStage, OperationalStatus, RelationType};
use crate::api::graphql::{Conn, slice};
use crate::api::graphql::{fail, register};
use crate::api::graphql::{many, one};
use crate::api::lifecycle::{
    CheckoutNode, CustodyNode, DisposalNode, LifecycleStep, maintenance_of,
};
use crate::domain::kernel::EntityKind;
use crate::domain::kernel::Money;
use crate::domain::register::Location;
use crate::domain::register::{Asset, Owner};
use crate::domain::register::{Model, Vendor};
use crate::domain::register::{Person, Team};

use crate::api::graphql::AssetNode;
use crate::api::graphql::LocationNode;
use crate::api::graphql::ModelNode;
use crate::api::graphql::MoneyNode;
use crate::api::graphql::OwnerNode;
use crate::api::graphql::PersonNode;
use crate::api::graphql::RelationshipNode;
use crate::api::graphql::VendorNode;
use crate::api::graphql::entity_object;
use crate::api::relationships::Direction;
use crate::api::relationships::{adjacent_assets, asset_relationships};
use crate::domain::kernel::NodeRef;
use crate::service::relationships::Ends;

#[derive(SimpleObject)]
pub struct Purchase {
    pub date: Option<Date>,
    pub cost: Option<MoneyNode>,
    pub order_number: Option<String>,
    pub invoice_number: Option<String>,
}

#[derive(SimpleObject)]
pub struct ExternalId {
    /// The system that knows the asset by this key (sccm, intune, aws, …).
    pub source: String,
    pub key: String,
}

entity_object!(
    /// A registered IT asset: hardware, mobile, network, software, cloud or business service.
    AssetNode(Asset) as "Asset" {
        async fn name(&self) -> &str { &self.0.data.name }
        /// The organisation's unique inventory tag.
        async fn asset_tag(&self) -> &str { &self.0.data.asset_tag }
        async fn serial_number(&self) -> Option<&str> { self.0.data.serial_number.as_deref() }
        async fn manufacturer(&self) -> Option<&str> { self.0.data.manufacturer.as_deref() }
        async fn class(&self) -> AssetClass { self.0.data.class.into() }
        /// Derived from the class.
        async fn category(&self) -> Category { self.0.data.category.into() }
        async fn lifecycle_stage(&self) -> LifecycleStage { self.0.data.lifecycle_stage.into() }
        async fn status(&self) -> OperationalStatus { self.0.data.status.into() }
        /// Service-desk tickets linked to it, newest first.
        async fn tickets(&self, ctx: &Context<'_>, kind: Option<Vec<crate::api::servicedesk::TicketKind>>, status: Option<Vec<crate::api::servicedesk::TicketStatus>>) -> Result<Vec<crate::api::graphql::TicketNode>> {
            crate::api::servicedesk::asset_tickets(ctx, &self.0.id, kind, status).await
        }
        async fn model(&self, ctx: &Context<'_>) -> Result<Option<ModelNode>> {
            Ok(one::<Model>(ctx, self.0.data.model.as_ref()).await?.map(ModelNode))
        }
        async fn owner(&self, ctx: &Context<'_>) -> Result<Option<OwnerNode>> {
            Ok(match &self.0.data.owner {
                None => None,
                Some(Owner::Team(id)) => one::<Team>(ctx, Some(id)).await?.map(|t| OwnerNode::Team(crate::api::graphql::TeamNode(t))),
                Some(Owner::Person(id)) => one::<Person>(ctx, Some(id)).await?.map(|p| OwnerNode::Person(PersonNode(p))),
            })
        }
        /// The person using the asset.
        async fn assignee(&self, ctx: &Context<'_>) -> Result<Option<PersonNode>> {
            Ok(one::<Person>(ctx, self.0.data.assignee.as_ref()).await?.map(PersonNode))
        }
        async fn location(&self, ctx: &Context<'_>) -> Result<Option<LocationNode>> {
            Ok(one::<Location>(ctx, self.0.data.location.as_ref()).await?.map(LocationNode))
        }
        async fn vendor(&self, ctx: &Context<'_>) -> Result<Option<VendorNode>> {
            Ok(one::<Vendor>(ctx, self.0.data.vendor.as_ref()).await?.map(VendorNode))
        }
        async fn purchase(&self) -> Option<Purchase> {
            self.0.data.purchase.as_ref().map(|p| Purchase {
                date: p.date.map(Date),
                cost: p.cost.as_ref().map(MoneyNode::from),
                order_number: p.order_number.clone(),
                invoice_number: p.invoice_number.clone(),
            })
        }
        async fn warranty_start(&self) -> Option<Date> { self.0.data.warranty_start.map(Date) }
        async fn warranty_end(&self) -> Option<Date> { self.0.data.warranty_end.map(Date) }
        /// The asset's own end of life, else its model's.
        async fn end_of_life(&self, ctx: &Context<'_>) -> Result<Option<Date>> {
            Ok(match self.0.data.end_of_life {
                Some(date) => Some(Date(date)),
                None => one::<Model>(ctx, self.0.data.model.as_ref()).await?.and_then(|m| m.data.end_of_life).map(Date),
            })
        }
        /// The asset's own end of support, else its model's.
        async fn end_of_support(&self, ctx: &Context<'_>) -> Result<Option<Date>> {
            Ok(match self.0.data.end_of_support {
                Some(date) => Some(Date(date)),
                None => one::<Model>(ctx, self.0.data.model.as_ref()).await?.and_then(|m| m.data.end_of_support).map(Date),
            })
        }
        /// How it depreciates: its own settings over its model's over its class's (null without a
        /// purchase cost, or without an in-service or purchase date).
        async fn depreciation(&self, ctx: &Context<'_>) -> Result<Option<DepreciationProfile>> {
            Ok(depreciation_of(ctx, &self.0).await?.map(|(p, _, currency)| profile_node(&p, currency)))
        }
        /// Cost less the depreciation recognised by the end of `asOf` (default today, in whole
        /// months); never below salvage. Null without a purchase cost.
        async fn book_value(&self, ctx: &Context<'_>, as_of: Option<Date>) -> Result<Option<MoneyNode>> {
            let date = Date::or_today(as_of);
            let cost = self.0.data.purchase.as_ref().and_then(|p| p.cost.as_ref());
            Ok(match depreciation_of(ctx, &self.0).await? {
                Some((_, dep, currency)) => Some(MoneyNode::from(&Money { amount: dep.book_value(date), currency })),
                None => cost.map(MoneyNode::from),
            })
        }
        /// Depreciation recognised by the end of `asOf` (default today).
        async fn accumulated_depreciation(&self, ctx: &Context<'_>, as_of: Option<Date>) -> Result<Option<MoneyNode>> {
            let date = Date::or_today(as_of);
            Ok(depreciation_of(ctx, &self.0).await?.map(|(_, dep, currency)| MoneyNode::from(&Money { amount: dep.accumulated(date), currency })))
        }
        /// One row per fiscal year: opening value, depreciation, closing value; the rows add up
        /// to cost less salvage.
        async fn depreciation_schedule(&self, ctx: &Context<'_>) -> Result<Vec<DepreciationPeriod>> {
            Ok(depreciation_of(ctx, &self.0).await?.map(|(_, dep, currency)| schedule_nodes(&dep, currency)).unwrap_or_default())
        }
        /// Purchase and maintenance up to `asOf` (default today), per currency.
        async fn total_cost_of_ownership(&self, ctx: &Context<'_>, as_of: Option<Date>) -> Result<TotalCostOfOwnership> {
            total_cost_of_ownership(ctx, &self.0, as_of).await
        }
        /// What this asset really costs (for a BUSINESS_SERVICE: the service's cost): its own
        /// total cost of ownership plus, along dependency relationships, each dependency's cost
        /// times the relationship's allocationPercent (or an equal split among everything relying
        /// on it), recursively.
        async fn cost_rollup(&self, ctx: &Context<'_>, as_of: Option<Date>) -> Result<CostRollup> {
            cost_rollup(ctx, &self.0.id, as_of).await
        }
        /// How it left the organisation (disposed assets only).
        async fn disposal(&self) -> Option<DisposalNode> { self.0.data.disposal.as_ref().map(DisposalNode::from) }
        /// Its current loan, while checked out.
        async fn custody(&self) -> Option<CustodyNode> { self.0.data.custody.clone().map(CustodyNode) }
        /// Every change of its lifecycle stage, oldest first, with who, when, why and the ticket.
        async fn lifecycle_history(&self, ctx: &Context<'_>) -> Result<Vec<LifecycleStep>> {
            let steps = register(ctx)?.lifecycle_history(&self.0.id).await.map_err(|e| fail(ctx, e))?;
            Ok(steps.into_iter().map(Into::into).collect())
        }
        /// Every loan of the asset, oldest first.
        async fn checkouts(&self, ctx: &Context<'_>) -> Result<Vec<CheckoutNode>> {
            let loans = register(ctx)?.custody_history(&self.0.id).await.map_err(|e| fail(ctx, e))?;
            Ok(loans.into_iter().map(CheckoutNode).collect())
        }
        /// Maintenance done on the asset, latest first.
        async fn maintenance(&self, ctx: &Context<'_>, request: Paging) -> Result<Conn<MaintenanceRecordNode>> {
            slice(maintenance_of(ctx, &self.0.id).await?, &request, MaintenanceRecordNode)
        }
        /// Whether the warranty runs at least until today (UTC); null when no warranty is recorded.
        async fn under_warranty(&self) -> Option<bool> {
            self.0.data.warranty_end.map(|end| end >= Utc::now().date_naive())
        }
        async fn notes(&self) -> Option<&str> { self.0.data.notes.as_deref() }
        async fn tags(&self) -> &[String] { &self.0.data.tags }
        /// Class-specific data: cpuCores, memoryGb, os, hostname, ipAddresses, macAddresses, cloudProvider, region, resourceId, …
        async fn attributes(&self) -> Json<serde_json::Map<String, serde_json::Value>> { Json(self.0.data.attributes.clone()) }
        /// Relationships at this asset: OUTGOING (it relates to others), INCOMING, or BOTH (default).
        async fn relationships(&self, ctx: &Context<'_>, request: Paging, direction: Option<Direction>, types: Option<Vec<RelationType>>) -> Result<Conn<RelationshipNode>> {
            asset_relationships(ctx, &self.0.id, direction.unwrap_or(Direction::Both), |t| types.as_ref().is_none_or(|ts| ts.iter().any(|x| crate::domain::relationships::RelationType::from(*x) == t)), &request).await
        }
        /// The assets whose failure alone takes this one DOWN, redundancy considered (for a
        /// BUSINESS_SERVICE: what must never fail).
        async fn single_points_of_failure(&self, ctx: &Context<'_>) -> Result<Vec<AssetNode>> {
            let me = NodeRef::asset(&self.0.id);
            let points = register(ctx)?.single_points_of_failure(&me).await.map_err(|e| fail(ctx, e))?;
            let ids = points.into_iter().filter(|n| n.kind == EntityKind::Asset).map(|n| n.id);
            Ok(many::<Asset>(ctx, ids).await?.into_iter().map(AssetNode).collect())
        }
        /// What this asset directly relies on (one hop along dependency-like relationships).
        async fn dependencies(&self, ctx: &Context<'_>, request: Paging) -> Result<Conn<AssetNode>> {
            adjacent_assets(ctx, &self.0.id, Ends::Leaving, &request).await
        }
        /// What directly relies on this asset (one hop along dependency-like relationships).
        async fn dependents(&self, ctx: &Context<'_>, request: Paging) -> Result<Conn<AssetNode>> {
            adjacent_assets(ctx, &self.0.id, Ends::Reaching, &request).await
        }
        async fn external_ids(&self) -> Vec<ExternalId> {
            self.0.data.external_ids.iter().map(|e| ExternalId { source: e.source.clone(), key: e.key.clone() }).collect()
        }
        /// False while an asset first seen by discovery waits to be accepted (`acceptAssets`).
        async fn managed(&self) -> bool { self.0.data.managed }
        /// When each discovery source last reported it.
        async fn sightings(&self, ctx: &Context<'_>) -> Result<Vec<SourceSighting>> {
            sightings_of(ctx, EntityKind::Asset, &self.0.id).await
        }
        /// Fields a discovery source set (fields people set are not listed); discovery never
        /// replaces a person's financial, ownership or lifecycle values.
        async fn field_sources(&self) -> Vec<FieldSource> {
            self.0.data.field_sources.iter().map(|(field, source)| FieldSource { field: field.clone(), source: source.clone() }).collect()
        }
        /// Assets merged into this one (their history is part of this one's).
        async fn merged_from(&self) -> Vec<ID> {
            self.0.data.merged_from.iter().map(|id| ids::encode(EntityKind::Asset, id)).collect()
        }
        /// Assets people declared to be other machines, whatever identifiers they share.
        async fn distinct_from(&self, ctx: &Context<'_>) -> Result<Vec<AssetNode>> {
            Ok(many::<Asset>(ctx, self.0.data.distinct_from.iter().cloned()).await?.into_iter().map(AssetNode).collect())
        }
    }
);
