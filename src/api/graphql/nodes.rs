//! The node types every room names: one wrapper per entity over its record, the `Node`
//! interface, any node loaded by kind and key, and the fields every entity shares. Each room
//! writes its own types' fields (`entity_object!`); a wrapper is all another room needs to
//! return one, so rooms do not import each other for their types.

use async_graphql::{Context, ID, Interface, Object, Result, SimpleObject};

use crate::api::graphql::connection::{Conn, connection};
use crate::api::graphql::context::{fail, register};
use crate::api::graphql::errors::bad_input;
use crate::api::graphql::ids;
use crate::api::graphql::loaders::one;
use crate::domain::access::ApiToken;
use crate::domain::access::AuditEntry;
use crate::domain::discovery::Policy;
use crate::domain::discovery::ReconciliationItem;
use crate::domain::events::Webhook;
use crate::domain::kernel::Money;
use crate::domain::kernel::PageRequest;
use crate::domain::kernel::{EntityId, EntityKind, Record};
use crate::domain::lifecycle::ApprovalRequest;
use crate::domain::lifecycle::Maintenance;
use crate::domain::register::Asset;
use crate::domain::register::Location;
use crate::domain::register::{Model, Vendor};
use crate::domain::register::{Person, Team};
use crate::domain::relationships::Relationship;
use crate::domain::servicedesk::Ticket;
use crate::domain::software::Contract;
use crate::domain::software::Entitlement;
use crate::domain::software::Subscription;
use crate::domain::software::{SoftwareProduct, SoftwareUsage};
use async_graphql::Union;

/// Declares each entity's node wrapper, the `Node` interface over all of them, and
/// [`load_node`], from one table: interface variant, wrapper, entity type, entity kind.
macro_rules! entity_nodes {
    ($($variant:ident($node:ident, $entity:ty, $kind:ident),)*) => {
        $(
            #[derive(Clone)]
            pub struct $node(pub Record<$entity>);
        )*

        /// Anything with a global id.
        #[derive(Interface)]
        #[allow(
            clippy::large_enum_variant,
            reason = "lives for one resolver call; boxing would cost an allocation per node"
        )]
        #[graphql(field(name = "id", ty = "ID"))]
        pub enum Node {
            $($variant($node),)*
        }

        /// Any entity by kind and key, through the request's loaders.
        pub async fn load_node(
            ctx: &Context<'_>,
            kind: EntityKind,
            key: &EntityId,
        ) -> Result<Option<Node>> {
            Ok(match kind {
                $(EntityKind::$kind => one::<$entity>(ctx, Some(key))
                    .await?
                    .map(|r| Node::$variant($node(r))),)*
            })
        }
    };
}

entity_nodes! {
    Asset(AssetNode, Asset, Asset),
    Person(PersonNode, Person, Person),
    Team(TeamNode, Team, Team),
    Location(LocationNode, Location, Location),
    Vendor(VendorNode, Vendor, Vendor),
    Model(ModelNode, Model, Model),
    Relationship(RelationshipNode, Relationship, Relationship),
    ApprovalRequest(ApprovalRequestNode, ApprovalRequest, Approval),
    MaintenanceRecord(MaintenanceRecordNode, Maintenance, Maintenance),
    SoftwareProduct(SoftwareProductNode, SoftwareProduct, SoftwareProduct),
    SoftwareUsage(SoftwareUsageNode, SoftwareUsage, SoftwareUsage),
    Entitlement(EntitlementNode, Entitlement, Entitlement),
    Subscription(SubscriptionNode, Subscription, Subscription),
    Contract(ContractNode, Contract, Contract),
    ReconciliationItem(ReconciliationItemNode, ReconciliationItem, Reconciliation),
    DiscoveryPolicy(DiscoveryPolicyNode, Policy, DiscoveryPolicy),
    Ticket(TicketNode, Ticket, Ticket),
    Webhook(WebhookNode, Webhook, Webhook),
    ApiToken(ApiTokenNode, ApiToken, Token),
}

/// Who changed what, when, on behalf of which request (its fields: the access room).
pub struct AuditEntryNode(pub AuditEntry);

/// The audit trail of one entity as a connection.
pub async fn history(
    ctx: &Context<'_>,
    kind: EntityKind,
    id: &EntityId,
    request: &PageRequest,
) -> Result<Conn<AuditEntryNode>> {
    let page = register(ctx)?
        .history(kind, id, request)
        .await
        .map_err(|e| fail(ctx, e))?;
    Ok(connection(page, AuditEntryNode))
}

/// Writes a node type's fields over its `Record<Entity>`, with the fields every entity shares.
macro_rules! entity_object {
    ($(#[$meta:meta])* $name:ident($entity:ty) as $graphql_name:literal { $($body:tt)* }) => {
        $crate::api::graphql::paged_object! {
            $(#[$meta])*
            #[async_graphql::Object(name = $graphql_name)]
            impl $name {
                /// Opaque global id, usable with `node(id:)`.
                pub async fn id(&self) -> async_graphql::ID {
                    $crate::api::graphql::ids::encode(<$entity as $crate::domain::kernel::Entity>::KIND, &self.0.id)
                }
                /// Grows by one with every change; send it back as `expectedVersion` to update safely.
                async fn version(&self) -> i64 {
                    self.0.version
                }
                async fn created_at(&self) -> $crate::api::graphql::Timestamp {
                    $crate::api::graphql::Timestamp(self.0.created_at)
                }
                async fn updated_at(&self) -> $crate::api::graphql::Timestamp {
                    $crate::api::graphql::Timestamp(self.0.updated_at)
                }
                /// Every audited change of this entity, oldest first.
                async fn history(&self, ctx: &Context<'_>, page: Paging) -> async_graphql::Result<$crate::api::graphql::Conn<$crate::api::graphql::AuditEntryNode>> {
                    $crate::api::graphql::history(ctx, <$entity as $crate::domain::kernel::Entity>::KIND, &self.0.id, &page).await
                }
                $($body)*
            }
        }
    };
}
pub(crate) use entity_object;

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

async fn node(ctx: &Context<'_>, id: &ID) -> Result<Option<Node>> {
    let Some((kind, key)) = ids::decode_any(id) else {
        return Err(bad_input(format!(
            "{:?} is not an id from this API",
            id.as_str()
        )));
    };
    load_node(ctx, kind, &key).await
}

/// Most ids one `nodes` call may ask for.
const MAX_NODES: usize = 500;

/// `node(id:)` and `nodes(ids:)`: any entity by its global id.
#[derive(Default)]
pub struct NodeQueries;

#[Object]
impl NodeQueries {
    /// Any entity by its global id.
    async fn node(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Node>> {
        node(ctx, &id).await
    }

    /// Many entities by global id, in the order asked (null where none exists); batched.
    async fn nodes(&self, ctx: &Context<'_>, ids: Vec<ID>) -> Result<Vec<Option<Node>>> {
        if ids.len() > MAX_NODES {
            return Err(bad_input(format!("nodes takes at most {MAX_NODES} ids")));
        }
        futures_util::future::try_join_all(ids.iter().map(|id| node(ctx, id))).await
    }
}

/// Who is accountable for an asset.
#[derive(Union)]
#[graphql(name = "Owner")]
pub enum OwnerNode {
    Team(TeamNode),
    Person(PersonNode),
}
