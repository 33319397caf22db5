//! Per-request facts (who, which request) and access to the register from resolvers.

use std::sync::Arc;

use async_graphql::Context;
use tokio::sync::OnceCell;

use crate::api::errors::{coded, from_service};
use crate::domain::access::audit::Actor;
use crate::service::kernel::error::ServiceError;
use crate::service::kernel::register::Register;

/// The register once the store is connected; empty while it is not (the server still answers).
pub type Readiness = Arc<OnceCell<Register>>;

/// Who is asking, for audit and for error reports.
#[derive(Debug, Clone)]
pub struct RequestContext {
    pub actor: Actor,
}

pub fn request(ctx: &Context<'_>) -> RequestContext {
    ctx.data_opt::<RequestContext>()
        .cloned()
        .unwrap_or_else(|| RequestContext {
            // Never reached past the authorisation check; least privilege all the same.
            actor: Actor {
                name: "anonymous".into(),
                role: crate::domain::access::role::Role::Viewer,
                request_id: "none".into(),
            },
        })
}

pub fn register<'a>(ctx: &Context<'a>) -> async_graphql::Result<&'a Register> {
    ctx.data_unchecked::<Readiness>().get().ok_or_else(|| {
        coded(
            "UNAVAILABLE",
            "the store is not connected yet; try again shortly",
        )
    })
}

/// Converts a service failure in a read into a GraphQL error for this request.
pub fn fail(ctx: &Context<'_>, e: ServiceError) -> async_graphql::Error {
    from_service(&request(ctx).actor.request_id, e)
}
