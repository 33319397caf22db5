//! GraphQL object types wrapping domain records; relation fields go through DataLoaders.

use async_graphql::{Context, ID, Interface, Json, Object, Result, SimpleObject, Union};
use chrono::{DateTime, NaiveDate, Utc};

use crate::api::connection::{Conn, page_request, slice};
use crate::api::context::{fail, register};
use crate::api::discovery::{
    DiscoveryPolicyNode, FieldSource, ReconciliationItemNode, SourceSighting, sightings_of,
};
use crate::api::enums::{
    AssetClass, AuditOperation, Category, DepreciationMethod, LifecycleStage, LocationKind,
    OperationalStatus, RelationType,
};
use crate::api::finance::{
    CostRollup, DepreciationPeriod, DepreciationProfile, TotalCostOfOwnership, cost_rollup,
    depreciation_of, profile_node, schedule_nodes, total_cost_of_ownership,
};
use crate::api::ids;
use crate::api::lifecycle::{
    ApprovalRequestNode, CheckoutNode, CustodyNode, DisposalNode, LifecycleStep,
    MaintenanceRecordNode, maintenance_of,
};
use crate::api::loaders::{many, one, referring};
use crate::api::software::{
    ContractNode, EntitlementNode, SoftwareProductNode, SoftwareUsageNode, SubscriptionNode,
};
use crate::domain::access::audit::AuditEntry;
use crate::domain::discovery::precedence::Policy;
use crate::domain::discovery::reconciliation::ReconciliationItem;
use crate::domain::kernel::entity::{Entity, EntityId, EntityKind, Record};
use crate::domain::kernel::money::Money;
use crate::domain::lifecycle::approval::ApprovalRequest;
use crate::domain::lifecycle::maintenance::Maintenance;
use crate::domain::register::asset::{Asset, Owner};
use crate::domain::register::party::{Person, Team};
use crate::domain::register::site::Location;
use crate::domain::register::supply::{Model, Vendor};
use crate::domain::relationships::relation::Relationship;
use crate::domain::software::contract::Contract;
use crate::domain::software::entitlement::Entitlement;
use crate::domain::software::product::{SoftwareProduct, SoftwareUsage};
use crate::domain::software::subscription::Subscription;

/// The audit trail of one entity as a connection.
pub(super) async fn history(
    ctx: &Context<'_>,
    kind: EntityKind,
    id: &EntityId,
    first: Option<i32>,
    after: Option<String>,
    last: Option<i32>,
    before: Option<String>,
) -> Result<Conn<AuditEntryNode>> {
    let request = page_request(first, after, last, before)?;
    let page = register(ctx)?
        .history(kind, id, &request)
        .await
        .map_err(|e| fail(ctx, e))?;
    Ok(crate::api::connection::connection(page, AuditEntryNode))
}

/// The entities whose `path` points at `id`, as a connection.
#[allow(clippy::too_many_arguments)]
async fn referring_conn<E: Entity, N: async_graphql::OutputType>(
    ctx: &Context<'_>,
    path: &'static str,
    id: &EntityId,
    wrap: fn(Record<E>) -> N,
    first: Option<i32>,
    after: Option<String>,
    last: Option<i32>,
    before: Option<String>,
) -> Result<Conn<N>> {
    let request = page_request(first, after, last, before)?;
    let items = referring::<E>(ctx, path, id).await?;
    Ok(slice(items, &request, wrap))
}

/// Defines a node type over `Record<Entity>` with the fields every entity shares.
macro_rules! entity_object {
    ($(#[$meta:meta])* $name:ident($entity:ty) as $graphql_name:literal { $($body:tt)* }) => {
        #[derive(Clone)]
        pub struct $name(pub $crate::domain::kernel::entity::Record<$entity>);

        $(#[$meta])*
        #[async_graphql::Object(name = $graphql_name)]
        impl $name {
            /// Opaque global id, usable with `node(id:)`.
            pub async fn id(&self) -> async_graphql::ID {
                $crate::api::ids::encode(<$entity as $crate::domain::kernel::entity::Entity>::KIND, &self.0.id)
            }
            /// Grows by one with every change; send it back as `expectedVersion` to update safely.
            async fn version(&self) -> i64 {
                self.0.version
            }
            async fn created_at(&self) -> chrono::DateTime<chrono::Utc> {
                self.0.created_at
            }
            async fn updated_at(&self) -> chrono::DateTime<chrono::Utc> {
                self.0.updated_at
            }
            /// Every audited change of this entity, oldest first.
            async fn history(&self, ctx: &async_graphql::Context<'_>, first: Option<i32>, after: Option<String>, last: Option<i32>, before: Option<String>) -> async_graphql::Result<$crate::api::connection::Conn<$crate::api::types::AuditEntryNode>> {
                $crate::api::types::history(ctx, <$entity as $crate::domain::kernel::entity::Entity>::KIND, &self.0.id, first, after, last, before).await
            }
            $($body)*
        }
    };
}
use crate::domain::kernel::entity::NodeRef;
pub(super) use entity_object;

/// An exact amount of money; `amount` is a decimal string, never a float.
#[derive(SimpleObject)]
#[graphql(name = "Money")]
pub struct MoneyNode {
    pub amount: String,
    pub currency: String,
}

impl From<&Money> for MoneyNode {
    fn from(m: &Money) -> Self {
        MoneyNode {
            amount: m.display_amount(),
            currency: m.currency.code().to_string(),
        }
    }
}

#[derive(SimpleObject)]
pub struct Purchase {
    pub date: Option<NaiveDate>,
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

/// Who is accountable for an asset.
#[derive(Union)]
#[graphql(name = "Owner")]
pub enum OwnerNode {
    Team(TeamNode),
    Person(PersonNode),
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
        async fn tickets(&self, ctx: &Context<'_>, kind: Option<Vec<crate::api::tickets::TicketKind>>, status: Option<Vec<crate::api::tickets::TicketStatus>>) -> Result<Vec<crate::api::tickets::TicketNode>> {
            crate::api::tickets::asset_tickets(ctx, &self.0.id, kind, status).await
        }
        async fn model(&self, ctx: &Context<'_>) -> Result<Option<ModelNode>> {
            Ok(one::<Model>(ctx, self.0.data.model.as_ref()).await?.map(ModelNode))
        }
        async fn owner(&self, ctx: &Context<'_>) -> Result<Option<OwnerNode>> {
            Ok(match &self.0.data.owner {
                None => None,
                Some(Owner::Team(id)) => one::<Team>(ctx, Some(id)).await?.map(|t| OwnerNode::Team(TeamNode(t))),
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
                date: p.date,
                cost: p.cost.as_ref().map(MoneyNode::from),
                order_number: p.order_number.clone(),
                invoice_number: p.invoice_number.clone(),
            })
        }
        async fn warranty_start(&self) -> Option<NaiveDate> { self.0.data.warranty_start }
        async fn warranty_end(&self) -> Option<NaiveDate> { self.0.data.warranty_end }
        /// The asset's own end of life, else its model's.
        async fn end_of_life(&self, ctx: &Context<'_>) -> Result<Option<NaiveDate>> {
            Ok(match self.0.data.end_of_life {
                Some(date) => Some(date),
                None => one::<Model>(ctx, self.0.data.model.as_ref()).await?.and_then(|m| m.data.end_of_life),
            })
        }
        /// The asset's own end of support, else its model's.
        async fn end_of_support(&self, ctx: &Context<'_>) -> Result<Option<NaiveDate>> {
            Ok(match self.0.data.end_of_support {
                Some(date) => Some(date),
                None => one::<Model>(ctx, self.0.data.model.as_ref()).await?.and_then(|m| m.data.end_of_support),
            })
        }
        /// How it depreciates: its own settings over its model's over its class's (null without a
        /// purchase cost, or without an in-service or purchase date).
        async fn depreciation(&self, ctx: &Context<'_>) -> Result<Option<DepreciationProfile>> {
            Ok(depreciation_of(ctx, &self.0).await?.map(|(p, _, currency)| profile_node(&p, currency)))
        }
        /// Cost less the depreciation recognised by the end of `asOf` (default today, in whole
        /// months); never below salvage. Null without a purchase cost.
        async fn book_value(&self, ctx: &Context<'_>, as_of: Option<NaiveDate>) -> Result<Option<MoneyNode>> {
            let date = as_of.unwrap_or_else(|| Utc::now().date_naive());
            let cost = self.0.data.purchase.as_ref().and_then(|p| p.cost.as_ref());
            Ok(match depreciation_of(ctx, &self.0).await? {
                Some((_, dep, currency)) => Some(MoneyNode::from(&Money { amount: dep.book_value(date), currency })),
                None => cost.map(MoneyNode::from),
            })
        }
        /// Depreciation recognised by the end of `asOf` (default today).
        async fn accumulated_depreciation(&self, ctx: &Context<'_>, as_of: Option<NaiveDate>) -> Result<Option<MoneyNode>> {
            let date = as_of.unwrap_or_else(|| Utc::now().date_naive());
            Ok(depreciation_of(ctx, &self.0).await?.map(|(_, dep, currency)| MoneyNode::from(&Money { amount: dep.accumulated(date), currency })))
        }
        /// One row per fiscal year: opening value, depreciation, closing value; the rows add up
        /// to cost less salvage.
        async fn depreciation_schedule(&self, ctx: &Context<'_>) -> Result<Vec<DepreciationPeriod>> {
            Ok(depreciation_of(ctx, &self.0).await?.map(|(_, dep, currency)| schedule_nodes(&dep, currency)).unwrap_or_default())
        }
        /// Purchase and maintenance up to `asOf` (default today), per currency.
        async fn total_cost_of_ownership(&self, ctx: &Context<'_>, as_of: Option<NaiveDate>) -> Result<TotalCostOfOwnership> {
            total_cost_of_ownership(ctx, &self.0, as_of).await
        }
        /// What this asset really costs (for a BUSINESS_SERVICE: the service's cost): its own
        /// total cost of ownership plus, along dependency relationships, each dependency's cost
        /// times the relationship's allocationPercent (or an equal split among everything relying
        /// on it), recursively.
        async fn cost_rollup(&self, ctx: &Context<'_>, as_of: Option<NaiveDate>) -> Result<CostRollup> {
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
        async fn maintenance(&self, ctx: &Context<'_>, first: Option<i32>, after: Option<String>, last: Option<i32>, before: Option<String>) -> Result<Conn<MaintenanceRecordNode>> {
            let request = page_request(first, after, last, before)?;
            Ok(slice(maintenance_of(ctx, &self.0.id).await?, &request, MaintenanceRecordNode))
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
        #[allow(clippy::too_many_arguments)]
        async fn relationships(&self, ctx: &Context<'_>, direction: Option<Direction>, types: Option<Vec<RelationType>>, first: Option<i32>, after: Option<String>, last: Option<i32>, before: Option<String>) -> Result<Conn<RelationshipNode>> {
            let request = page_request(first, after, last, before)?;
            let edges = asset_edges(ctx, &self.0.id, direction.unwrap_or(Direction::Both), |t| types.as_ref().is_none_or(|ts| ts.iter().any(|x| crate::domain::relationships::relation::RelationType::from(*x) == t))).await?;
            Ok(slice(edges, &request, RelationshipNode))
        }
        /// The assets whose failure alone takes this one DOWN, redundancy considered (for a
        /// BUSINESS_SERVICE: what must never fail).
        async fn single_points_of_failure(&self, ctx: &Context<'_>) -> Result<Vec<AssetNode>> {
            let me = NodeRef::asset(&self.0.id);
            let points = register(ctx)?.single_points_of_failure(&me);
            let ids = points.into_iter().filter(|n| n.kind == EntityKind::Asset).map(|n| n.id);
            Ok(many::<Asset>(ctx, ids).await?.into_iter().map(AssetNode).collect())
        }
        /// What this asset directly relies on (one hop along dependency-like relationships).
        async fn dependencies(&self, ctx: &Context<'_>, first: Option<i32>, after: Option<String>, last: Option<i32>, before: Option<String>) -> Result<Conn<AssetNode>> {
            let request = page_request(first, after, last, before)?;
            let edges = asset_edges(ctx, &self.0.id, Direction::Outgoing, |t| t.carries_failure()).await?;
            let ids: Vec<EntityId> = edges.iter().map(|e| e.data.target.id.clone()).collect();
            Ok(slice(many::<Asset>(ctx, ids).await?, &request, AssetNode))
        }
        /// What directly relies on this asset (one hop along dependency-like relationships).
        async fn dependents(&self, ctx: &Context<'_>, first: Option<i32>, after: Option<String>, last: Option<i32>, before: Option<String>) -> Result<Conn<AssetNode>> {
            let request = page_request(first, after, last, before)?;
            let edges = asset_edges(ctx, &self.0.id, Direction::Incoming, |t| t.carries_failure()).await?;
            let ids: Vec<EntityId> = edges.iter().map(|e| e.data.source.id.clone()).collect();
            Ok(slice(many::<Asset>(ctx, ids).await?, &request, AssetNode))
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

entity_object!(
    /// A member of staff who can own, use or be responsible for assets.
    PersonNode(Person) as "Person" {
        async fn name(&self) -> &str { &self.0.data.name }
        async fn email(&self) -> &str { &self.0.data.email }
        async fn title(&self) -> Option<&str> { self.0.data.title.as_deref() }
        /// Last working day, for someone who has left.
        async fn left_on(&self) -> Option<NaiveDate> { self.0.data.left_on }
        async fn team(&self, ctx: &Context<'_>) -> Result<Option<TeamNode>> {
            Ok(one::<Team>(ctx, self.0.data.team.as_ref()).await?.map(TeamNode))
        }
        async fn manager(&self, ctx: &Context<'_>) -> Result<Option<PersonNode>> {
            Ok(one::<Person>(ctx, self.0.data.manager.as_ref()).await?.map(PersonNode))
        }
        /// People whose manager this person is.
        async fn reports(&self, ctx: &Context<'_>, first: Option<i32>, after: Option<String>, last: Option<i32>, before: Option<String>) -> Result<Conn<PersonNode>> {
            referring_conn::<Person, _>(ctx, "manager", &self.0.id, PersonNode, first, after, last, before).await
        }
        /// Assets this person uses.
        async fn assigned_assets(&self, ctx: &Context<'_>, first: Option<i32>, after: Option<String>, last: Option<i32>, before: Option<String>) -> Result<Conn<AssetNode>> {
            referring_conn::<Asset, _>(ctx, "assignee", &self.0.id, AssetNode, first, after, last, before).await
        }
        /// Assets this person owns personally.
        async fn owned_assets(&self, ctx: &Context<'_>, first: Option<i32>, after: Option<String>, last: Option<i32>, before: Option<String>) -> Result<Conn<AssetNode>> {
            referring_conn::<Asset, _>(ctx, "owner.person", &self.0.id, AssetNode, first, after, last, before).await
        }
    }
);

entity_object!(
    /// A team, department or cost centre.
    TeamNode(Team) as "Team" {
        async fn name(&self) -> &str { &self.0.data.name }
        async fn cost_centre(&self) -> Option<&str> { self.0.data.cost_centre.as_deref() }
        async fn parent(&self, ctx: &Context<'_>) -> Result<Option<TeamNode>> {
            Ok(one::<Team>(ctx, self.0.data.parent.as_ref()).await?.map(TeamNode))
        }
        async fn children(&self, ctx: &Context<'_>, first: Option<i32>, after: Option<String>, last: Option<i32>, before: Option<String>) -> Result<Conn<TeamNode>> {
            referring_conn::<Team, _>(ctx, "parent", &self.0.id, TeamNode, first, after, last, before).await
        }
        async fn members(&self, ctx: &Context<'_>, first: Option<i32>, after: Option<String>, last: Option<i32>, before: Option<String>) -> Result<Conn<PersonNode>> {
            referring_conn::<Person, _>(ctx, "team", &self.0.id, PersonNode, first, after, last, before).await
        }
        /// Assets this team owns.
        async fn owned_assets(&self, ctx: &Context<'_>, first: Option<i32>, after: Option<String>, last: Option<i32>, before: Option<String>) -> Result<Conn<AssetNode>> {
            referring_conn::<Asset, _>(ctx, "owner.team", &self.0.id, AssetNode, first, after, last, before).await
        }
    }
);

entity_object!(
    /// A site, building, floor, room or rack.
    LocationNode(Location) as "Location" {
        async fn name(&self) -> &str { &self.0.data.name }
        async fn kind(&self) -> LocationKind { self.0.data.kind.into() }
        async fn address(&self) -> Option<&str> { self.0.data.address.as_deref() }
        async fn parent(&self, ctx: &Context<'_>) -> Result<Option<LocationNode>> {
            Ok(one::<Location>(ctx, self.0.data.parent.as_ref()).await?.map(LocationNode))
        }
        async fn children(&self, ctx: &Context<'_>, first: Option<i32>, after: Option<String>, last: Option<i32>, before: Option<String>) -> Result<Conn<LocationNode>> {
            referring_conn::<Location, _>(ctx, "parent", &self.0.id, LocationNode, first, after, last, before).await
        }
        /// Assets recorded directly at this location (use `assets(filter: {locationWithin})` to include sub-locations).
        async fn assets(&self, ctx: &Context<'_>, first: Option<i32>, after: Option<String>, last: Option<i32>, before: Option<String>) -> Result<Conn<AssetNode>> {
            referring_conn::<Asset, _>(ctx, "location", &self.0.id, AssetNode, first, after, last, before).await
        }
    }
);

entity_object!(
    /// A company that sells, supports or makes assets.
    VendorNode(Vendor) as "Vendor" {
        async fn name(&self) -> &str { &self.0.data.name }
        async fn website(&self) -> Option<&str> { self.0.data.website.as_deref() }
        async fn support_email(&self) -> Option<&str> { self.0.data.support_email.as_deref() }
        async fn support_phone(&self) -> Option<&str> { self.0.data.support_phone.as_deref() }
        async fn models(&self, ctx: &Context<'_>, first: Option<i32>, after: Option<String>, last: Option<i32>, before: Option<String>) -> Result<Conn<ModelNode>> {
            referring_conn::<Model, _>(ctx, "vendor", &self.0.id, ModelNode, first, after, last, before).await
        }
        /// Assets bought from this vendor.
        async fn assets(&self, ctx: &Context<'_>, first: Option<i32>, after: Option<String>, last: Option<i32>, before: Option<String>) -> Result<Conn<AssetNode>> {
            referring_conn::<Asset, _>(ctx, "vendor", &self.0.id, AssetNode, first, after, last, before).await
        }
    }
);

entity_object!(
    /// A product model with its support horizon.
    ModelNode(Model) as "Model" {
        async fn name(&self) -> &str { &self.0.data.name }
        async fn manufacturer(&self) -> &str { &self.0.data.manufacturer }
        async fn category(&self) -> Category { self.0.data.category.into() }
        async fn vendor(&self, ctx: &Context<'_>) -> Result<Option<VendorNode>> {
            Ok(one::<Vendor>(ctx, self.0.data.vendor.as_ref()).await?.map(VendorNode))
        }
        async fn end_of_life(&self) -> Option<NaiveDate> { self.0.data.end_of_life }
        async fn end_of_support(&self) -> Option<NaiveDate> { self.0.data.end_of_support }
        /// Default useful life for depreciation, in months.
        async fn useful_life_months(&self) -> Option<u32> { self.0.data.useful_life_months }
        async fn depreciation_method(&self) -> Option<DepreciationMethod> { self.0.data.depreciation_method.map(Into::into) }
        async fn assets(&self, ctx: &Context<'_>, first: Option<i32>, after: Option<String>, last: Option<i32>, before: Option<String>) -> Result<Conn<AssetNode>> {
            referring_conn::<Asset, _>(ctx, "model", &self.0.id, AssetNode, first, after, last, before).await
        }
    }
);

/// One field changed by an audited operation; values are JSON, null when absent.
pub struct FieldChange(crate::domain::access::audit::FieldChange);

impl FieldChange {
    /// A value of the change, unless it is financial and the caller may not see money.
    fn value(
        &self,
        ctx: &Context<'_>,
        value: &Option<serde_json::Value>,
    ) -> Result<Option<Json<serde_json::Value>>> {
        let role = crate::api::access::role(ctx);
        if crate::domain::access::rules::is_financial_path(&self.0.field)
            && !role.is_some_and(|r| r.reads_financial())
        {
            return Err(crate::api::access::forbidden(
                role,
                &format!("the values of financial field `{}`", self.0.field),
            ));
        }
        Ok(value.clone().map(Json))
    }
}

#[Object]
impl FieldChange {
    async fn field(&self) -> &str {
        &self.0.field
    }
    /// Financial values only for roles that see money (FORBIDDEN for the others).
    async fn before(&self, ctx: &Context<'_>) -> Result<Option<Json<serde_json::Value>>> {
        self.value(ctx, &self.0.before)
    }
    /// Financial values only for roles that see money (FORBIDDEN for the others).
    async fn after(&self, ctx: &Context<'_>) -> Result<Option<Json<serde_json::Value>>> {
        self.value(ctx, &self.0.after)
    }
}

/// Who changed what, when, on behalf of which request.
pub struct AuditEntryNode(pub AuditEntry);

#[Object(name = "AuditEntry")]
impl AuditEntryNode {
    /// Identifies the change, e.g. for `impact(input: {asOfChange: …})`.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn at(&self) -> DateTime<Utc> {
        self.0.at
    }
    async fn actor(&self) -> &str {
        &self.0.actor
    }
    async fn request_id(&self) -> &str {
        &self.0.request_id
    }
    async fn operation(&self) -> AuditOperation {
        self.0.operation.into()
    }
    /// Global id of the changed entity (it may since have been deleted).
    async fn entity_id(&self) -> ID {
        ids::encode(self.0.entity_kind, &self.0.entity_id)
    }
    /// Why, in the actor's words (a merge says into which asset).
    async fn reason(&self) -> Option<&str> {
        self.0.reason.as_deref()
    }
    /// The discovery source whose report made this change.
    async fn source(&self) -> Option<&str> {
        self.0.source.as_deref()
    }
    /// The acting token's role (null on entries older than roles).
    async fn actor_role(&self) -> Option<crate::api::access::RoleValue> {
        self.0.actor_role.map(Into::into)
    }
    /// Position in the audit chain (null on entries older than the chain).
    async fn seq(&self) -> Option<u64> {
        self.0.chain.as_ref().map(|c| c.seq)
    }
    /// SHA-256 over this entry's content and the previous entry's hash.
    async fn hash(&self) -> Option<&str> {
        self.0.chain.as_ref().map(|c| c.hash.as_str())
    }
    /// The previous entry's hash.
    async fn prev_hash(&self) -> Option<&str> {
        self.0.chain.as_ref().map(|c| c.prev_hash.as_str())
    }
    async fn changes(&self) -> Vec<FieldChange> {
        self.0.changes.iter().cloned().map(FieldChange).collect()
    }
}

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
            self.0.data.provenance.as_ref().map(|p| Provenance { source: p.source.clone(), first_seen: p.first_seen, last_seen: p.last_seen })
        }
        async fn valid_from(&self) -> Option<NaiveDate> { self.0.data.valid_from }
        async fn valid_to(&self) -> Option<NaiveDate> { self.0.data.valid_to }
        async fn note(&self) -> Option<&str> { self.0.data.note.as_deref() }
        /// For AFFECTS: what the asset is to the ticket.
        async fn ticket_role(&self) -> Option<crate::api::tickets::TicketRole> { self.0.data.ticket_role.map(Into::into) }
        /// What is known of the installation, for INSTALLED_ON.
        async fn installation(&self) -> Option<Installation> {
            self.0.data.installation.as_ref().map(|i| Installation {
                version: i.version.clone(),
                installed_on: i.installed_on,
                last_used: i.last_used,
            })
        }
    }
);

/// An installation of a software product on a device.
#[derive(SimpleObject)]
pub struct Installation {
    /// The exact build found.
    pub version: Option<String>,
    pub installed_on: Option<NaiveDate>,
    pub last_used: Option<NaiveDate>,
}

/// Which relationships of an entity to follow.
#[derive(async_graphql::Enum, Copy, Clone, Eq, PartialEq)]
pub enum Direction {
    Outgoing,
    Incoming,
    Both,
}

/// The relationships at an asset, in the given direction, of the types `keep` accepts.
async fn asset_edges(
    ctx: &Context<'_>,
    id: &EntityId,
    direction: Direction,
    keep: impl Fn(crate::domain::relationships::relation::RelationType) -> bool,
) -> Result<Vec<Record<Relationship>>> {
    let mut edges = Vec::new();
    if direction != Direction::Incoming {
        edges.extend(
            referring::<Relationship>(ctx, "source.id", id)
                .await?
                .into_iter()
                .filter(|r| r.data.source.kind == EntityKind::Asset),
        );
    }
    if direction != Direction::Outgoing {
        edges.extend(
            referring::<Relationship>(ctx, "target.id", id)
                .await?
                .into_iter()
                .filter(|r| r.data.target.kind == EntityKind::Asset),
        );
    }
    edges.retain(|r| keep(r.data.relation));
    Ok(edges)
}

/// Where a relationship came from.
#[derive(SimpleObject)]
pub struct Provenance {
    /// Who or what recorded it: a person, or a discovery tool.
    pub source: String,
    pub first_seen: Option<DateTime<Utc>>,
    pub last_seen: Option<DateTime<Utc>>,
}

/// Any entity by kind and key, through the request's loaders.
pub async fn load_node(
    ctx: &Context<'_>,
    kind: EntityKind,
    key: &EntityId,
) -> Result<Option<Node>> {
    let key = Some(key);
    Ok(match kind {
        EntityKind::Asset => one::<Asset>(ctx, key)
            .await?
            .map(|r| Node::Asset(AssetNode(r))),
        EntityKind::Person => one::<Person>(ctx, key)
            .await?
            .map(|r| Node::Person(PersonNode(r))),
        EntityKind::Team => one::<Team>(ctx, key)
            .await?
            .map(|r| Node::Team(TeamNode(r))),
        EntityKind::Location => one::<Location>(ctx, key)
            .await?
            .map(|r| Node::Location(LocationNode(r))),
        EntityKind::Vendor => one::<Vendor>(ctx, key)
            .await?
            .map(|r| Node::Vendor(VendorNode(r))),
        EntityKind::Model => one::<Model>(ctx, key)
            .await?
            .map(|r| Node::Model(ModelNode(r))),
        EntityKind::Relationship => one::<Relationship>(ctx, key)
            .await?
            .map(|r| Node::Relationship(RelationshipNode(r))),
        EntityKind::Approval => one::<ApprovalRequest>(ctx, key)
            .await?
            .map(|r| Node::ApprovalRequest(ApprovalRequestNode(r))),
        EntityKind::Maintenance => one::<Maintenance>(ctx, key)
            .await?
            .map(|r| Node::MaintenanceRecord(MaintenanceRecordNode(r))),
        EntityKind::SoftwareProduct => one::<SoftwareProduct>(ctx, key)
            .await?
            .map(|r| Node::SoftwareProduct(SoftwareProductNode(r))),
        EntityKind::SoftwareUsage => one::<SoftwareUsage>(ctx, key)
            .await?
            .map(|r| Node::SoftwareUsage(SoftwareUsageNode(r))),
        EntityKind::Entitlement => one::<Entitlement>(ctx, key)
            .await?
            .map(|r| Node::Entitlement(EntitlementNode(r))),
        EntityKind::Subscription => one::<Subscription>(ctx, key)
            .await?
            .map(|r| Node::Subscription(SubscriptionNode(r))),
        EntityKind::Contract => one::<Contract>(ctx, key)
            .await?
            .map(|r| Node::Contract(ContractNode(r))),
        EntityKind::Reconciliation => one::<ReconciliationItem>(ctx, key)
            .await?
            .map(|r| Node::ReconciliationItem(ReconciliationItemNode(r))),
        EntityKind::DiscoveryPolicy => one::<Policy>(ctx, key)
            .await?
            .map(|r| Node::DiscoveryPolicy(DiscoveryPolicyNode(r))),
        EntityKind::Ticket => one::<crate::domain::servicedesk::ticket::Ticket>(ctx, key)
            .await?
            .map(|r| Node::Ticket(crate::api::tickets::TicketNode(r))),
        EntityKind::Webhook => one::<crate::domain::events::webhook::Webhook>(ctx, key)
            .await?
            .map(|r| Node::Webhook(crate::api::webhooks::WebhookNode(r))),
        EntityKind::Token => one::<crate::domain::access::token::ApiToken>(ctx, key)
            .await?
            .map(|r| Node::ApiToken(crate::api::access::ApiTokenNode(r))),
    })
}

/// Anything with a global id.
#[derive(Interface)]
#[allow(
    clippy::large_enum_variant,
    reason = "lives for one resolver call; boxing would cost an allocation per node"
)]
#[graphql(field(name = "id", ty = "ID"))]
pub enum Node {
    Asset(AssetNode),
    Person(PersonNode),
    Team(TeamNode),
    Location(LocationNode),
    Vendor(VendorNode),
    Model(ModelNode),
    Relationship(RelationshipNode),
    ApprovalRequest(ApprovalRequestNode),
    MaintenanceRecord(MaintenanceRecordNode),
    SoftwareProduct(SoftwareProductNode),
    SoftwareUsage(SoftwareUsageNode),
    Entitlement(EntitlementNode),
    Subscription(SubscriptionNode),
    Contract(ContractNode),
    ReconciliationItem(ReconciliationItemNode),
    DiscoveryPolicy(DiscoveryPolicyNode),
    Ticket(crate::api::tickets::TicketNode),
    Webhook(crate::api::webhooks::WebhookNode),
    ApiToken(crate::api::access::ApiTokenNode),
}
