//! Software asset management over GraphQL: products, measured use, entitlements, subscriptions
//! and contracts, and the licence compliance position.

use crate::api::graphql::paged_object;
use crate::api::graphql::{Date, Timestamp};
use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, Result, SimpleObject};
use serde::Serialize;

use crate::api::graphql::ContractNode;
use crate::api::graphql::EntitlementNode;
use crate::api::graphql::MoneyInput;
use crate::api::graphql::SoftwareProductNode;
use crate::api::graphql::SoftwareUsageNode;
use crate::api::graphql::SubscriptionNode;
use crate::api::graphql::bad_input;
use crate::api::graphql::{
    AssetNode, MoneyNode, PersonNode, RelationshipNode, TeamNode, VendorNode, entity_object,
};
use crate::api::graphql::{
    BillingModel, BillingPeriod, ComplianceStatus, ContractKind, LicenseMetric,
};
use crate::api::graphql::{Conn, slice};
use crate::api::graphql::{DeletePayload, Payload, create, delete, update};
use crate::api::graphql::{NameFilter, NamedOrderField, Order};
use crate::api::graphql::{by_id, list};
use crate::api::graphql::{fail, register};
use crate::api::graphql::{many, one, referring};
use crate::domain::kernel::PageRequest;
use crate::domain::register::Asset;
use crate::domain::register::Vendor;
use crate::domain::register::{Person, Team};
use crate::domain::relationships::{RelationType, Relationship};
use crate::domain::software::Contract;
use crate::domain::software::Entitlement;
use crate::domain::software::Options;
use crate::domain::software::Subscription;
use crate::domain::software::{SoftwareProduct, SoftwareUsage};

type Patch<T> = MaybeUndefined<T>;

entity_object!(
    /// One version (and edition) of a software product, as publishers sell it and discovery
    /// reports it.
    SoftwareProductNode(SoftwareProduct) as "SoftwareProduct" {
        async fn publisher(&self) -> &str { &self.0.data.publisher }
        async fn name(&self) -> &str { &self.0.data.name }
        /// The product's version ("2021", "16.0"); `version` is the record's revision.
        async fn product_version(&self) -> Option<&str> { self.0.data.product_version.as_deref() }
        async fn edition(&self) -> Option<&str> { self.0.data.edition.as_deref() }
        /// Groups the versions of one product; compliance is counted per family.
        async fn family(&self) -> &str { &self.0.data.family }
        /// SWID / CoSWID tag id (ISO/IEC 19770-2) or another persistent id.
        async fn tag_id(&self) -> Option<&str> { self.0.data.tag_id.as_deref() }
        async fn end_of_life(&self) -> Option<Date> { self.0.data.end_of_life.map(Date) }
        async fn end_of_support(&self) -> Option<Date> { self.0.data.end_of_support.map(Date) }
        /// False for software that needs no entitlement.
        async fn needs_licence(&self) -> bool { self.0.data.needs_licence }
        /// Its INSTALLED_ON relationships: where it is installed.
        async fn installations(&self, ctx: &Context<'_>, request: Paging) -> Result<Conn<RelationshipNode>> {
            let mut edges = referring::<Relationship>(ctx, "source.id", &self.0.id).await?;
            edges.retain(|r| r.data.relation == RelationType::InstalledOn && r.data.source.kind == crate::domain::kernel::EntityKind::SoftwareProduct);
            slice(edges, &request, RelationshipNode)
        }
    }
);

entity_object!(
    /// How many people used a product at once, as a licence server measured it.
    SoftwareUsageNode(SoftwareUsage) as "SoftwareUsage" {
        async fn product(&self, ctx: &Context<'_>) -> Result<Option<SoftwareProductNode>> {
            Ok(one::<SoftwareProduct>(ctx, Some(&self.0.data.product)).await?.map(SoftwareProductNode))
        }
        async fn measured_at(&self) -> Timestamp { Timestamp(self.0.data.measured_at) }
        async fn concurrent_users(&self) -> u32 { self.0.data.concurrent_users }
        async fn source(&self) -> Option<&str> { self.0.data.source.as_deref() }
    }
);

entity_object!(
    /// A licence: the right to use products of one family, counted by a metric, for a term.
    EntitlementNode(Entitlement) as "Entitlement" {
        async fn name(&self) -> &str { &self.0.data.name }
        async fn products(&self, ctx: &Context<'_>) -> Result<Vec<SoftwareProductNode>> {
            Ok(many::<SoftwareProduct>(ctx, self.0.data.products.iter().cloned()).await?.into_iter().map(SoftwareProductNode).collect())
        }
        async fn metric(&self) -> LicenseMetric { self.0.data.metric.into() }
        /// Licences granted; null for a site licence (unlimited).
        async fn quantity(&self) -> Option<u64> { self.0.data.quantity }
        async fn unit_cost(&self) -> Option<MoneyNode> { self.0.data.unit_cost.as_ref().map(MoneyNode::from) }
        async fn term_start(&self) -> Option<Date> { self.0.data.term_start.map(Date) }
        /// Last day of the term; null for a perpetual licence.
        async fn term_end(&self) -> Option<Date> { self.0.data.term_end.map(Date) }
        async fn maintenance_end(&self) -> Option<Date> { self.0.data.maintenance_end.map(Date) }
        /// Covers earlier versions of the family too.
        async fn downgrade_rights(&self) -> bool { self.0.data.downgrade_rights }
        /// Whether it grants use on the day (today by default).
        async fn in_force(&self, as_of: Option<Date>) -> bool {
            self.0.data.in_force(Date::or_today(as_of))
        }
        async fn vendor(&self, ctx: &Context<'_>) -> Result<Option<VendorNode>> {
            Ok(one::<Vendor>(ctx, self.0.data.vendor.as_ref()).await?.map(VendorNode))
        }
        async fn contract(&self, ctx: &Context<'_>) -> Result<Option<ContractNode>> {
            Ok(one::<Contract>(ctx, self.0.data.contract.as_ref()).await?.map(ContractNode))
        }
        async fn team(&self, ctx: &Context<'_>) -> Result<Option<TeamNode>> {
            Ok(one::<Team>(ctx, self.0.data.team.as_ref()).await?.map(TeamNode))
        }
        async fn purchase_order(&self) -> Option<&str> { self.0.data.purchase_order.as_deref() }
        async fn assigned_people(&self, ctx: &Context<'_>) -> Result<Vec<PersonNode>> {
            Ok(many::<Person>(ctx, self.0.data.assigned_people.iter().cloned()).await?.into_iter().map(PersonNode).collect())
        }
        async fn assigned_devices(&self, ctx: &Context<'_>) -> Result<Vec<AssetNode>> {
            Ok(many::<Asset>(ctx, self.0.data.assigned_devices.iter().cloned()).await?.into_iter().map(AssetNode).collect())
        }
    }
);

/// When a seat holder was last active.
#[derive(SimpleObject)]
pub struct SeatActivity {
    pub person: Option<PersonNode>,
    pub last_active: Date,
}

entity_object!(
    /// A SaaS or cloud subscription: seats, users and their activity, and the bill.
    SubscriptionNode(Subscription) as "Subscription" {
        async fn name(&self) -> &str { &self.0.data.name }
        async fn vendor(&self, ctx: &Context<'_>) -> Result<Option<VendorNode>> {
            Ok(one::<Vendor>(ctx, self.0.data.vendor.as_ref()).await?.map(VendorNode))
        }
        async fn product(&self, ctx: &Context<'_>) -> Result<Option<SoftwareProductNode>> {
            Ok(one::<SoftwareProduct>(ctx, self.0.data.product.as_ref()).await?.map(SoftwareProductNode))
        }
        async fn billing(&self) -> BillingModel { self.0.data.billing.into() }
        async fn period(&self) -> BillingPeriod { self.0.data.period.into() }
        /// Per seat, per metered unit, or flat, per period, by the billing model.
        async fn price(&self) -> MoneyNode { MoneyNode::from(&self.0.data.price) }
        async fn seats(&self) -> Option<u64> { self.0.data.seats }
        /// Metered units in the current period (usage-based billing), as a decimal string.
        async fn metered_usage(&self) -> Option<String> { self.0.data.metered_usage.map(|u| u.to_string()) }
        /// What one period costs at the current seats or usage.
        async fn period_cost(&self) -> MoneyNode { MoneyNode::from(&self.0.data.period_cost()) }
        async fn annual_cost(&self) -> MoneyNode { MoneyNode::from(&self.0.data.annual_cost()) }
        async fn start(&self) -> Date { Date(self.0.data.start) }
        async fn renewal_date(&self) -> Option<Date> { self.0.data.renewal_date.map(Date) }
        async fn auto_renew(&self) -> bool { self.0.data.auto_renew }
        async fn notice_days(&self) -> Option<u32> { self.0.data.notice_days }
        async fn team(&self, ctx: &Context<'_>) -> Result<Option<TeamNode>> {
            Ok(one::<Team>(ctx, self.0.data.team.as_ref()).await?.map(TeamNode))
        }
        async fn contract(&self, ctx: &Context<'_>) -> Result<Option<ContractNode>> {
            Ok(one::<Contract>(ctx, self.0.data.contract.as_ref()).await?.map(ContractNode))
        }
        /// People holding a seat.
        async fn users(&self, ctx: &Context<'_>) -> Result<Vec<PersonNode>> {
            Ok(many::<Person>(ctx, self.0.data.users.iter().cloned()).await?.into_iter().map(PersonNode).collect())
        }
        /// Last activity per user, as integrations reported it.
        async fn activity(&self, ctx: &Context<'_>) -> Result<Vec<SeatActivity>> {
            let people = many::<Person>(ctx, self.0.data.activity.iter().map(|a| a.person.clone())).await?;
            Ok(self.0.data.activity.iter().map(|a| SeatActivity {
                person: people.iter().find(|p| p.id == a.person).cloned().map(PersonNode),
                last_active: Date(a.last_active),
            }).collect())
        }
    }
);

entity_object!(
    /// A contract with a vendor: purchase, lease, support, warranty, SaaS or cloud.
    ContractNode(Contract) as "Contract" {
        async fn name(&self) -> &str { &self.0.data.name }
        async fn kind(&self) -> ContractKind { self.0.data.kind.into() }
        async fn vendor(&self, ctx: &Context<'_>) -> Result<Option<VendorNode>> {
            Ok(one::<Vendor>(ctx, self.0.data.vendor.as_ref()).await?.map(VendorNode))
        }
        /// The vendor's contract number.
        async fn number(&self) -> Option<&str> { self.0.data.number.as_deref() }
        async fn start(&self) -> Date { Date(self.0.data.start) }
        async fn end(&self) -> Option<Date> { self.0.data.end.map(Date) }
        async fn auto_renew(&self) -> bool { self.0.data.auto_renew }
        async fn notice_days(&self) -> Option<u32> { self.0.data.notice_days }
        /// The last day to give notice before it ends or renews.
        async fn notice_deadline(&self) -> Option<Date> { self.0.data.notice_deadline().map(Date) }
        async fn cost(&self) -> Option<MoneyNode> { self.0.data.cost.as_ref().map(MoneyNode::from) }
        async fn cost_period(&self) -> BillingPeriod { self.0.data.cost_period.into() }
        async fn annual_cost(&self) -> Option<MoneyNode> { self.0.data.annual_cost().as_ref().map(MoneyNode::from) }
        async fn team(&self, ctx: &Context<'_>) -> Result<Option<TeamNode>> {
            Ok(one::<Team>(ctx, self.0.data.team.as_ref()).await?.map(TeamNode))
        }
        /// References to the signed documents.
        async fn documents(&self) -> &[String] { &self.0.data.documents }
        async fn notes(&self) -> Option<&str> { self.0.data.notes.as_deref() }
        /// Assets it covers (their COVERED_BY relationships).
        async fn covered_assets(&self, ctx: &Context<'_>, request: Paging) -> Result<Conn<AssetNode>> {
            let edges = referring::<Relationship>(ctx, "target.id", &self.0.id).await?;
            let assets = edges.into_iter()
                .filter(|r| r.data.relation == RelationType::CoveredBy && r.data.target.kind == crate::domain::kernel::EntityKind::Contract)
                .map(|r| r.data.source.id);
            let assets = many::<Asset>(ctx, assets).await?;
            slice(assets, &request, AssetNode)
        }
    }
);

#[derive(InputObject, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateSoftwareProductInput {
    pub publisher: String,
    pub name: String,
    pub product_version: Option<String>,
    pub edition: Option<String>,
    /// Defaults to "publisher name".
    pub family: Option<String>,
    pub tag_id: Option<String>,
    pub end_of_life: Option<Date>,
    pub end_of_support: Option<Date>,
    /// Default true; false for software that needs no entitlement.
    pub needs_licence: Option<bool>,
}

#[derive(InputObject, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateSoftwareProductInput {
    #[serde(skip)]
    pub id: ID,
    #[serde(skip)]
    pub expected_version: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub publisher: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "MaybeUndefined::is_undefined")]
    pub product_version: Patch<String>,
    #[serde(skip_serializing_if = "MaybeUndefined::is_undefined")]
    pub edition: Patch<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub family: Option<String>,
    #[serde(skip_serializing_if = "MaybeUndefined::is_undefined")]
    pub tag_id: Patch<String>,
    #[serde(skip_serializing_if = "MaybeUndefined::is_undefined")]
    pub end_of_life: Patch<Date>,
    #[serde(skip_serializing_if = "MaybeUndefined::is_undefined")]
    pub end_of_support: Patch<Date>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub needs_licence: Option<bool>,
}

#[derive(InputObject, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RecordSoftwareUsageInput {
    pub product: ID,
    pub measured_at: Timestamp,
    pub concurrent_users: i64,
    pub source: Option<String>,
}

#[derive(InputObject, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateEntitlementInput {
    pub name: String,
    /// Products of one family.
    pub products: Vec<ID>,
    pub metric: LicenseMetric,
    /// Required except for SITE licences (unlimited).
    pub quantity: Option<i64>,
    pub unit_cost: Option<MoneyInput>,
    pub term_start: Option<Date>,
    /// Leave out for a perpetual licence.
    pub term_end: Option<Date>,
    pub maintenance_end: Option<Date>,
    pub downgrade_rights: Option<bool>,
    pub vendor: Option<ID>,
    pub contract: Option<ID>,
    pub team: Option<ID>,
    pub purchase_order: Option<String>,
    /// For PER_USER and SUBSCRIPTION_SEAT licences.
    pub assigned_people: Option<Vec<ID>>,
    /// For PER_DEVICE licences.
    pub assigned_devices: Option<Vec<ID>>,
}

#[derive(InputObject, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateEntitlementInput {
    #[serde(skip)]
    pub id: ID,
    #[serde(skip)]
    pub expected_version: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub products: Option<Vec<ID>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metric: Option<LicenseMetric>,
    #[serde(skip_serializing_if = "MaybeUndefined::is_undefined")]
    pub quantity: Patch<i64>,
    #[serde(skip_serializing_if = "MaybeUndefined::is_undefined")]
    pub unit_cost: Patch<MoneyInput>,
    #[serde(skip_serializing_if = "MaybeUndefined::is_undefined")]
    pub term_start: Patch<Date>,
    #[serde(skip_serializing_if = "MaybeUndefined::is_undefined")]
    pub term_end: Patch<Date>,
    #[serde(skip_serializing_if = "MaybeUndefined::is_undefined")]
    pub maintenance_end: Patch<Date>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub downgrade_rights: Option<bool>,
    #[serde(skip_serializing_if = "MaybeUndefined::is_undefined")]
    pub vendor: Patch<ID>,
    #[serde(skip_serializing_if = "MaybeUndefined::is_undefined")]
    pub contract: Patch<ID>,
    #[serde(skip_serializing_if = "MaybeUndefined::is_undefined")]
    pub team: Patch<ID>,
    #[serde(skip_serializing_if = "MaybeUndefined::is_undefined")]
    pub purchase_order: Patch<String>,
    /// Replaces the people holding a licence by name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assigned_people: Option<Vec<ID>>,
    /// Replaces the devices holding a licence by name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assigned_devices: Option<Vec<ID>>,
}

/// When a seat holder was last active.
#[derive(InputObject, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SeatActivityInput {
    /// A seat holder of the subscription.
    #[serde(serialize_with = "person_key")]
    pub person: ID,
    pub last_active: Date,
}

/// A person's global id as the store key; anything else stays as given and is refused by the
/// seat-holder check.
fn person_key<S: serde::Serializer>(
    id: &ID,
    serializer: S,
) -> std::result::Result<S::Ok, S::Error> {
    match crate::api::graphql::decode(crate::domain::kernel::EntityKind::Person, id) {
        Some(key) => serializer.serialize_str(key.as_str()),
        None => serializer.serialize_str(id.as_str()),
    }
}

#[derive(InputObject, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateSubscriptionInput {
    pub name: String,
    pub vendor: Option<ID>,
    pub product: Option<ID>,
    /// Default PER_SEAT.
    pub billing: Option<BillingModel>,
    /// Default MONTHLY.
    pub period: Option<BillingPeriod>,
    pub price: MoneyInput,
    /// Required for PER_SEAT billing.
    pub seats: Option<i64>,
    /// Metered units this period, a decimal string (USAGE_BASED billing).
    pub metered_usage: Option<String>,
    pub start: Date,
    pub renewal_date: Option<Date>,
    /// Default true.
    pub auto_renew: Option<bool>,
    pub notice_days: Option<i64>,
    pub team: Option<ID>,
    pub contract: Option<ID>,
    pub users: Option<Vec<ID>>,
    pub activity: Option<Vec<SeatActivityInput>>,
}

#[derive(InputObject, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateSubscriptionInput {
    #[serde(skip)]
    pub id: ID,
    #[serde(skip)]
    pub expected_version: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "MaybeUndefined::is_undefined")]
    pub vendor: Patch<ID>,
    #[serde(skip_serializing_if = "MaybeUndefined::is_undefined")]
    pub product: Patch<ID>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub billing: Option<BillingModel>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub period: Option<BillingPeriod>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub price: Option<MoneyInput>,
    #[serde(skip_serializing_if = "MaybeUndefined::is_undefined")]
    pub seats: Patch<i64>,
    #[serde(skip_serializing_if = "MaybeUndefined::is_undefined")]
    pub metered_usage: Patch<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start: Option<Date>,
    #[serde(skip_serializing_if = "MaybeUndefined::is_undefined")]
    pub renewal_date: Patch<Date>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auto_renew: Option<bool>,
    #[serde(skip_serializing_if = "MaybeUndefined::is_undefined")]
    pub notice_days: Patch<i64>,
    #[serde(skip_serializing_if = "MaybeUndefined::is_undefined")]
    pub team: Patch<ID>,
    #[serde(skip_serializing_if = "MaybeUndefined::is_undefined")]
    pub contract: Patch<ID>,
    /// Replaces the seat holders.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub users: Option<Vec<ID>>,
    /// Replaces the recorded activity.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub activity: Option<Vec<SeatActivityInput>>,
}

#[derive(InputObject, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateContractInput {
    pub name: String,
    pub kind: ContractKind,
    pub vendor: Option<ID>,
    pub number: Option<String>,
    pub start: Date,
    pub end: Option<Date>,
    pub auto_renew: Option<bool>,
    pub notice_days: Option<i64>,
    pub cost: Option<MoneyInput>,
    /// Default ANNUAL.
    pub cost_period: Option<BillingPeriod>,
    pub team: Option<ID>,
    pub documents: Option<Vec<String>>,
    pub notes: Option<String>,
}

#[derive(InputObject, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateContractInput {
    #[serde(skip)]
    pub id: ID,
    #[serde(skip)]
    pub expected_version: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<ContractKind>,
    #[serde(skip_serializing_if = "MaybeUndefined::is_undefined")]
    pub vendor: Patch<ID>,
    #[serde(skip_serializing_if = "MaybeUndefined::is_undefined")]
    pub number: Patch<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start: Option<Date>,
    #[serde(skip_serializing_if = "MaybeUndefined::is_undefined")]
    pub end: Patch<Date>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auto_renew: Option<bool>,
    #[serde(skip_serializing_if = "MaybeUndefined::is_undefined")]
    pub notice_days: Patch<i64>,
    #[serde(skip_serializing_if = "MaybeUndefined::is_undefined")]
    pub cost: Patch<MoneyInput>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cost_period: Option<BillingPeriod>,
    #[serde(skip_serializing_if = "MaybeUndefined::is_undefined")]
    pub team: Patch<ID>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub documents: Option<Vec<String>>,
    #[serde(skip_serializing_if = "MaybeUndefined::is_undefined")]
    pub notes: Patch<String>,
}

crate::api::graphql::targeted!(
    UpdateSoftwareProductInput,
    UpdateEntitlementInput,
    UpdateSubscriptionInput,
    UpdateContractInput
);

#[derive(Default)]
pub struct SoftwareMutations;

#[Object]
impl SoftwareMutations {
    /// Refused with CONFLICT when the publisher already has this name, version and edition.
    async fn create_software_product(
        &self,
        ctx: &Context<'_>,
        input: CreateSoftwareProductInput,
    ) -> Result<Payload<SoftwareProductNode>> {
        create::<SoftwareProduct, _>(ctx, &input, SoftwareProductNode).await
    }
    async fn update_software_product(
        &self,
        ctx: &Context<'_>,
        input: UpdateSoftwareProductInput,
    ) -> Result<Payload<SoftwareProductNode>> {
        update::<SoftwareProduct, _>(ctx, &input, SoftwareProductNode).await
    }
    /// Refused with IN_USE while entitlements, subscriptions, usage or installations refer to it.
    async fn delete_software_product(
        &self,
        ctx: &Context<'_>,
        input: crate::api::graphql::DeleteInput,
    ) -> Result<DeletePayload> {
        delete::<SoftwareProduct>(ctx, input).await
    }
    /// Records a measurement of concurrent use (for CONCURRENT licences).
    async fn record_software_usage(
        &self,
        ctx: &Context<'_>,
        input: RecordSoftwareUsageInput,
    ) -> Result<Payload<SoftwareUsageNode>> {
        create::<SoftwareUsage, _>(ctx, &input, SoftwareUsageNode).await
    }
    /// Products must all be of one family; assignments must fit the metric and the quantity.
    async fn create_entitlement(
        &self,
        ctx: &Context<'_>,
        input: CreateEntitlementInput,
    ) -> Result<Payload<EntitlementNode>> {
        create::<Entitlement, _>(ctx, &input, EntitlementNode).await
    }
    async fn update_entitlement(
        &self,
        ctx: &Context<'_>,
        input: UpdateEntitlementInput,
    ) -> Result<Payload<EntitlementNode>> {
        update::<Entitlement, _>(ctx, &input, EntitlementNode).await
    }
    async fn delete_entitlement(
        &self,
        ctx: &Context<'_>,
        input: crate::api::graphql::DeleteInput,
    ) -> Result<DeletePayload> {
        delete::<Entitlement>(ctx, input).await
    }
    async fn create_subscription(
        &self,
        ctx: &Context<'_>,
        input: CreateSubscriptionInput,
    ) -> Result<Payload<SubscriptionNode>> {
        create::<Subscription, _>(ctx, &input, SubscriptionNode).await
    }
    async fn update_subscription(
        &self,
        ctx: &Context<'_>,
        input: UpdateSubscriptionInput,
    ) -> Result<Payload<SubscriptionNode>> {
        update::<Subscription, _>(ctx, &input, SubscriptionNode).await
    }
    async fn delete_subscription(
        &self,
        ctx: &Context<'_>,
        input: crate::api::graphql::DeleteInput,
    ) -> Result<DeletePayload> {
        delete::<Subscription>(ctx, input).await
    }
    async fn create_contract(
        &self,
        ctx: &Context<'_>,
        input: CreateContractInput,
    ) -> Result<Payload<ContractNode>> {
        create::<Contract, _>(ctx, &input, ContractNode).await
    }
    async fn update_contract(
        &self,
        ctx: &Context<'_>,
        input: UpdateContractInput,
    ) -> Result<Payload<ContractNode>> {
        update::<Contract, _>(ctx, &input, ContractNode).await
    }
    /// Refused with IN_USE while assets are COVERED_BY it or entitlements refer to it.
    async fn delete_contract(
        &self,
        ctx: &Context<'_>,
        input: crate::api::graphql::DeleteInput,
    ) -> Result<DeletePayload> {
        delete::<Contract>(ctx, input).await
    }
}

/// What a compliance question looks at.
#[derive(InputObject, Default)]
pub struct ComplianceFilter {
    /// One product family (by name); all by default.
    pub family: Option<String>,
    pub status: Option<Vec<ComplianceStatus>>,
    /// The day to judge (today by default): terms and departures are taken as of then.
    pub as_of: Option<Date>,
    /// An installation unused this many days can be reclaimed (default 90).
    pub unused_days: Option<u32>,
    /// Peak concurrent use over this many days (default 90).
    pub usage_window_days: Option<u32>,
    /// A surplus up to this percent of the entitlement still counts as compliant (default 10).
    pub headroom_percent: Option<u32>,
}

/// The licence position of one product family under one metric.
pub struct LicensePosition(crate::domain::software::FamilyPosition);

#[Object]
impl LicensePosition {
    async fn family(&self) -> &str {
        &self.0.family
    }
    async fn metric(&self) -> LicenseMetric {
        self.0.position.metric.into()
    }
    /// Licences in force; null when unlimited (a site licence).
    async fn entitled(&self) -> Option<u64> {
        self.0.position.entitled
    }
    /// Licences the estate needs under the metric.
    async fn consumed(&self) -> u64 {
        self.0.position.consumed
    }
    /// Surplus (positive) or shortfall (negative); null when unlimited.
    async fn position(&self) -> Option<i64> {
        let p = &self.0.position;
        if p.shortfall > 0 {
            Some(-(p.shortfall as i64))
        } else {
            p.surplus.map(|s| s as i64)
        }
    }
    /// Needed licences no entitlement in force covers (versions and downgrade rights counted).
    async fn shortfall(&self) -> u64 {
        self.0.position.shortfall
    }
    async fn surplus(&self) -> Option<u64> {
        self.0.position.surplus
    }
    async fn status(&self) -> ComplianceStatus {
        self.0.position.status.into()
    }
    /// The price of one more licence: the newest entitlement's unit cost.
    async fn unit_cost(&self) -> Option<MoneyNode> {
        self.0.position.unit_cost.as_ref().map(MoneyNode::from)
    }
    /// Shortfall × unit cost.
    async fn true_up_cost(&self) -> Option<MoneyNode> {
        self.0.position.true_up_cost.as_ref().map(MoneyNode::from)
    }
    /// Licences held by installations unused for the filter's days, by unused named
    /// assignments, or by people who have left.
    async fn reclaimable(&self) -> u64 {
        self.0.position.reclaimable
    }
    /// (Reclaimable + surplus) × unit cost.
    async fn potential_savings(&self) -> Option<MoneyNode> {
        self.0
            .position
            .potential_savings
            .as_ref()
            .map(MoneyNode::from)
    }
    /// Installations counted (on devices neither retired nor disposed).
    async fn installations(&self) -> u64 {
        self.0.position.installations
    }
    /// The entitlements of this family and metric, in force or not.
    async fn entitlements(&self, ctx: &Context<'_>) -> Result<Vec<EntitlementNode>> {
        Ok(
            many::<Entitlement>(ctx, self.0.entitlements.iter().cloned())
                .await?
                .into_iter()
                .map(EntitlementNode)
                .collect(),
        )
    }
}

/// A page of one kind of named entity, searched and sorted by name.
async fn named<E: crate::domain::kernel::Entity, N: async_graphql::OutputType>(
    ctx: &Context<'_>,
    filter: Option<NameFilter>,
    order_by: Option<Order<NamedOrderField>>,
    page: PageRequest,
    wrap: fn(crate::domain::kernel::Record<E>) -> N,
) -> Result<Conn<N>> {
    list(ctx, filter, order_by, NamedOrderField::Name, page, wrap).await
}

#[derive(Default)]
pub struct SoftwareQueries;

paged_object! {
#[Object]
impl SoftwareQueries {
    async fn software_product(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> Result<Option<SoftwareProductNode>> {
        Ok(by_id::<SoftwareProduct>(ctx, &id)
            .await?
            .map(SoftwareProductNode))
    }
    async fn entitlement(&self, ctx: &Context<'_>, id: ID) -> Result<Option<EntitlementNode>> {
        Ok(by_id::<Entitlement>(ctx, &id).await?.map(EntitlementNode))
    }
    async fn subscription(&self, ctx: &Context<'_>, id: ID) -> Result<Option<SubscriptionNode>> {
        Ok(by_id::<Subscription>(ctx, &id).await?.map(SubscriptionNode))
    }
    async fn contract(&self, ctx: &Context<'_>, id: ID) -> Result<Option<ContractNode>> {
        Ok(by_id::<Contract>(ctx, &id).await?.map(ContractNode))
    }
    async fn software_products(&self, ctx: &Context<'_>, page: Paging, filter: Option<NameFilter>, order_by: Option<Order<NamedOrderField>>) -> Result<Conn<SoftwareProductNode>> {
        named::<SoftwareProduct, _>(ctx, filter, order_by, page, SoftwareProductNode).await
    }
    async fn entitlements(&self, ctx: &Context<'_>, page: Paging, filter: Option<NameFilter>, order_by: Option<Order<NamedOrderField>>) -> Result<Conn<EntitlementNode>> {
        named::<Entitlement, _>(ctx, filter, order_by, page, EntitlementNode).await
    }
    async fn subscriptions(&self, ctx: &Context<'_>, page: Paging, filter: Option<NameFilter>, order_by: Option<Order<NamedOrderField>>) -> Result<Conn<SubscriptionNode>> {
        named::<Subscription, _>(ctx, filter, order_by, page, SubscriptionNode).await
    }
    async fn contracts(&self, ctx: &Context<'_>, page: Paging, filter: Option<NameFilter>, order_by: Option<Order<NamedOrderField>>) -> Result<Conn<ContractNode>> {
        named::<Contract, _>(ctx, filter, order_by, page, ContractNode).await
    }

    /// Per product family and licence metric: entitled against consumed, the position, what a
    /// true-up would cost and what could be reclaimed. Installations on retired or disposed
    /// devices consume nothing; expired terms entitle nothing; downgrade rights let a licence
    /// cover earlier versions of its family. Families with installations but no entitlement
    /// are counted per device.
    async fn license_compliance(&self, ctx: &Context<'_>, request: Paging, filter: Option<ComplianceFilter>) -> Result<Conn<LicensePosition>> {
        let filter = filter.unwrap_or_default();
        let bounded = |value: Option<u32>, default: u32, name: &str| match value {
            None => Ok(default),
            Some(v) if v <= 36_500 => Ok(v),
            Some(_) => Err(bad_input(format!("{name} is at most 36500"))),
        };
        let options = Options {
            as_of: Date::or_today(filter.as_of),
            unused_days: bounded(filter.unused_days, 90, "unusedDays")?,
            usage_window_days: bounded(filter.usage_window_days, 90, "usageWindowDays")?,
            headroom_percent: bounded(filter.headroom_percent, 10, "headroomPercent")?,
        };
        let positions = register(ctx)?
            .license_compliance(options, filter.family.as_deref())
            .await
            .map_err(|e| fail(ctx, e))?;
        let statuses: Option<Vec<crate::domain::software::Status>> = filter
            .status
            .map(|s| s.into_iter().map(Into::into).collect());
        let positions: Vec<_> = positions
            .into_iter()
            .filter(|p| {
                statuses
                    .as_ref()
                    .is_none_or(|s| s.contains(&p.position.status))
            })
            .collect();
        slice(positions, &request, LicensePosition)
    }
}
}
