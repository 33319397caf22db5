//! Per-request facts (who, which request) and access to the register from resolvers.

use std::sync::Arc;

use async_graphql::Context;
use tokio::sync::OnceCell;

use crate::api::graphql::errors::{coded, from_service};
use crate::domain::access::Actor;
use crate::domain::access::Role;
use crate::service::kernel::Register;
use crate::service::kernel::ServiceError;

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
                role: Role::Viewer,
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

/// The FORBIDDEN error for a field the caller's role may not use.
pub fn forbidden(role: Option<Role>, what: &str) -> async_graphql::Error {
    let who = role.map_or("an unauthenticated caller".to_string(), |r| {
        format!("the {} role", r.name())
    });
    coded("FORBIDDEN", format!("{who} may not use {what}"))
}

/// The caller's role in a resolver.
pub fn role(ctx: &Context<'_>) -> Option<Role> {
    ctx.data_opt::<RequestContext>().map(|c| c.actor.role)
}

/// Refuses filtering or sorting on a financial field to a role that may not read money: the
/// answer would reveal the values.
pub fn check_fields_used(ctx: &Context<'_>, paths: &[&str]) -> async_graphql::Result<()> {
    let role = role(ctx);
    if role.is_some_and(Role::reads_financial) {
        return Ok(());
    }
    match paths
        .iter()
        .find(|p| crate::domain::access::is_financial_path(p))
    {
        Some(path) => Err(forbidden(
            role,
            &format!("financial field `{path}` to filter or sort"),
        )),
        None => Ok(()),
    }
}
