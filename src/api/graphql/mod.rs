//! Schema plumbing every room uses: ids, paging, lists, loaders, payloads, node types, limits.

mod connection;
mod context;
mod enums;
mod errors;
mod filters;
pub(crate) mod guard;
pub(crate) mod ids;
mod inputs;
pub(crate) mod limits;
mod listing;
mod loaders;
mod nodes;
mod paged;
mod payload;
mod scalars;

pub(crate) use connection::{Conn, connection, offsets, page_request, positions, slice};
pub use context::Readiness;
pub(crate) use context::{RequestContext, fail, forbidden, register, request, role};
pub(crate) use enums::{
    ApprovalAction, ApprovalStatus, AssetClass, AuditOperation, BillingModel, BillingPeriod,
    Category, ComplianceStatus, ContractKind, DepreciationConvention, DepreciationMethod,
    DisposalMethod, LicenseMetric, LifecycleStage, LocationKind, MaintenanceKind,
    OperationalStatus, RelationType, SanitisationMethod, TicketRole,
};
pub(crate) use errors::{Transient, UserError, bad_input, coded, rejection, transient};
pub(crate) use filters::{
    AssetFilter, AssetOrderField, LocationFilter, ModelFilter, NameFilter, NamedOrderField, Order,
    PersonFilter, PersonOrderField, TeamFilter, VendorFilter,
};
pub(crate) use ids::decode;
pub use ids::global_id;
pub(crate) use inputs::{DeleteInput, MoneyInput, Patch, Targeted, targeted};
pub use limits::Limits;
pub(crate) use listing::{by_id, compile_filter, fetch, list};
pub(crate) use loaders::{
    attach, attach_uncached, many, one, page_of, prefetch_asset_relations, referring,
    referring_conn, relationships_of,
};
pub(crate) use nodes::{
    ApiTokenNode, ApprovalRequestNode, AssetNode, AuditEntryNode, ContractNode,
    DiscoveryPolicyNode, EntitlementNode, LocationNode, MaintenanceRecordNode, ModelNode,
    MoneyNode, Node, NodeQueries, OwnerNode, PersonNode, ReconciliationItemNode, RelationshipNode,
    SoftwareProductNode, SoftwareUsageNode, SubscriptionNode, TeamNode, TicketNode, VendorNode,
    WebhookNode, entity_object, history, load_node,
};
pub(crate) use paged::{Paging, paged_object};
pub(crate) use payload::{
    DeletePayload, Payload, create, delete, document, outcome, payload, update,
};
pub(crate) use scalars::{Date, Timestamp};
