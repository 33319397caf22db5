//! The schema: every room's queries, mutations and subscriptions merged, with the limits the
//! executor enforces, and its SDL.

use async_graphql::{MergedObject, SDLExportOptions, Schema};

use crate::api::access::AccessMutations;
use crate::api::access::AccessQueries;
use crate::api::access::AuditLogQueries;
use crate::api::access::Authorize;
use crate::api::discovery::DiscoveryMutations;
use crate::api::discovery::DiscoveryQueries;
use crate::api::events::SubscriptionRoot;
use crate::api::events::WebhookMutations;
use crate::api::events::WebhookQueries;
use crate::api::finance::FinanceQueries;
use crate::api::graphql::Limits;
use crate::api::graphql::NodeQueries;
use crate::api::graphql::Readiness;
use crate::api::lifecycle::LifecycleMutations;
use crate::api::lifecycle::LifecycleQueries;
use crate::api::register::RegisterMutations;
use crate::api::register::RegisterQueries;
use crate::api::relationships::RelationshipMutations;
use crate::api::relationships::RelationshipQueries;
use crate::api::servicedesk::TicketMutations;
use crate::api::servicedesk::TicketQueries;
use crate::api::software::ContractQueries;
use crate::api::software::SoftwareMutations;
use crate::api::software::SoftwareQueries;

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
