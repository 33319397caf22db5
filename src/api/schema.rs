//! The schema: every room's queries, mutations and subscriptions merged, with the limits the
//! executor enforces, and its SDL.

use async_graphql::{MergedObject, SDLExportOptions, Schema};

use crate::api::access::audit_log::AuditLogQueries;
use crate::api::access::authorize::AccessMutations;
use crate::api::access::authorize::AccessQueries;
use crate::api::access::authorize::Authorize;
use crate::api::discovery::reconciliation::DiscoveryMutations;
use crate::api::discovery::reconciliation::DiscoveryQueries;
use crate::api::events::subscriptions::SubscriptionRoot;
use crate::api::events::webhooks::WebhookMutations;
use crate::api::events::webhooks::WebhookQueries;
use crate::api::finance::summary::FinanceQueries;
use crate::api::graphql::context::Readiness;
use crate::api::graphql::limits::Limits;
use crate::api::graphql::nodes::NodeQueries;
use crate::api::lifecycle::operations::LifecycleMutations;
use crate::api::lifecycle::operations::LifecycleQueries;
use crate::api::register::mutations::RegisterMutations;
use crate::api::register::queries::RegisterQueries;
use crate::api::relationships::mutations::RelationshipMutations;
use crate::api::relationships::queries::RelationshipQueries;
use crate::api::servicedesk::tickets::TicketMutations;
use crate::api::servicedesk::tickets::TicketQueries;
use crate::api::software::catalogue::SoftwareMutations;
use crate::api::software::catalogue::SoftwareQueries;
use crate::api::software::contracts::ContractQueries;

/// Every query, from each part of the API.
#[derive(MergedObject, Default)]
#[graphql(name = "Query")]
pub struct QueryRoots(
    NodeQueries,
    RegisterQueries,
    RelationshipQueries,
    LifecycleQueries,
    FinanceQueries,
    SoftwareQueries,
    ContractQueries,
    DiscoveryQueries,
    TicketQueries,
    WebhookQueries,
    AccessQueries,
    AuditLogQueries,
);

/// Every mutation, from each part of the API.
#[derive(MergedObject, Default)]
#[graphql(name = "Mutation")]
pub struct MutationRoots(
    RegisterMutations,
    RelationshipMutations,
    LifecycleMutations,
    SoftwareMutations,
    DiscoveryMutations,
    TicketMutations,
    WebhookMutations,
    AccessMutations,
);

pub type AppSchema = Schema<QueryRoots, MutationRoots, SubscriptionRoot>;

pub fn schema(readiness: Readiness, limits: &Limits) -> AppSchema {
    let builder = Schema::build(
        QueryRoots::default(),
        MutationRoots::default(),
        SubscriptionRoot,
    )
    .data(readiness)
    .extension(Authorize)
    // Second lines behind `guard::analyse`, for operations over WebSocket as well.
    .limit_depth(limits.depth)
    .limit_complexity(usize::try_from(limits.complexity).unwrap_or(usize::MAX))
    .limit_directives(limits.directives)
    .limit_recursive_depth(32);
    if limits.introspection {
        builder.finish()
    } else {
        builder.disable_introspection().finish()
    }
}

/// The GraphQL schema as SDL, fields, arguments and enum values sorted for stable diffs.
pub fn sdl() -> String {
    schema(Readiness::default(), &Limits::default()).sdl_with_options(
        SDLExportOptions::new()
            .sorted_fields()
            .sorted_arguments()
            .sorted_enum_items(),
    )
}
