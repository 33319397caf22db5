//! Access control over GraphQL: the check every resolved field passes (its caller's role against
//! the rules in `domain::access`), and the token API for admins.

use crate::api::graphql::Timestamp;
use crate::domain::kernel::locks;
use std::sync::{Arc, Mutex};

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextExecute, NextResolve, ResolveInfo,
};
use async_graphql::{
    Context, Enum, ID, InputObject, Object, PathSegment, Pos, Response, Result, ServerError,
    ServerResult, SimpleObject, Value,
};
use chrono::Utc;

use crate::api::graphql::ApiTokenNode;
use crate::api::graphql::UserError;
use crate::api::graphql::entity_object;
use crate::api::graphql::forbidden;
use crate::api::graphql::ids;
use crate::api::graphql::outcome;
use crate::api::graphql::{RequestContext, fail, register, request};
use crate::domain::access::ApiToken;
use crate::domain::access::rules as access;
use crate::domain::kernel::EntityKind;
use crate::service::access::TokenListing;
use crate::service::kernel::ServiceError;

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(name = "Role", remote = "crate::domain::access::Role")]
pub enum RoleValue {
    /// Reads everything except financial fields.
    Viewer,
    /// A viewer who also writes the register, relationships and lifecycle.
    Editor,
    /// Reads and writes financial fields and commercial records.
    Finance,
    /// Reads everything, the audit log included; writes nothing.
    Auditor,
    /// Feeds discovery and tickets, manages webhooks, reads like a viewer.
    Integrator,
    /// Everything, tokens included.
    Admin,
}

/// Refuses, field by field, what the caller's role does not allow: mutations by the mutation
/// table (unknown ones: admins only), reads by type and field. A refused field that may be
/// null is null with a FORBIDDEN error at its path; one that may not fails its parent.
pub struct Authorize;

impl ExtensionFactory for Authorize {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(Authorizer::default())
    }
}

#[derive(Default)]
struct Authorizer {
    refused: Mutex<Vec<ServerError>>,
}

#[async_graphql::async_trait::async_trait]
impl Extension for Authorizer {
    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: NextExecute<'_>,
    ) -> Response {
        let mut response = next.run(ctx, operation_name).await;
        let refused = std::mem::take(&mut *locks::lock(&self.refused));
        response.errors.extend(refused);
        response
    }

    async fn resolve(
        &self,
        ctx: &ExtensionContext<'_>,
        info: ResolveInfo<'_>,
        next: NextResolve<'_>,
    ) -> ServerResult<Option<Value>> {
        if info.is_for_introspection {
            return next.run(ctx, info).await;
        }
        let role = ctx.data_opt::<RequestContext>().map(|c| c.actor.role);
        let allowed = role.is_some_and(|role| {
            if info.parent_type == "Mutation" {
                access::may_call_mutation(role, info.name)
            } else {
                access::may_read(role, info.parent_type, info.name, info.return_type)
            }
        });
        if allowed {
            return next.run(ctx, info).await;
        }
        let what = format!("{}.{}", info.parent_type, info.name);
        let mut error = forbidden(role, &what).into_server_error(Pos::default());
        // Field names never are all digits, so those segments are list indexes.
        error.path = info
            .path_node
            .to_string_vec()
            .into_iter()
            .map(|s| match s.parse::<usize>() {
                Ok(index) => PathSegment::Index(index),
                Err(_) => PathSegment::Field(s),
            })
            .collect();
        if info.return_type.ends_with('!') {
            return Err(error);
        }
        locks::lock(&self.refused).push(error);
        Ok(Some(Value::Null))
    }
}

entity_object!(
    /// A credential with one role; its secret was shown once, when it was created.
    ApiTokenNode(ApiToken) as "ApiToken" {
        async fn name(&self) -> &str { &self.0.data.name }
        async fn role(&self) -> RoleValue { self.0.data.role.into() }
        /// The secret's first characters, to tell tokens apart.
        async fn prefix(&self) -> &str { &self.0.data.prefix }
        async fn expires_at(&self) -> Option<Timestamp> { self.0.data.expires_at.map(Timestamp) }
        async fn revoked_at(&self) -> Option<Timestamp> { self.0.data.revoked_at.map(Timestamp) }
        /// The token that created this one.
        async fn created_by(&self) -> &str { &self.0.data.created_by }
        /// Whether it lets its holder in now (neither revoked nor expired).
        async fn active(&self) -> bool { self.0.data.usable_at(Utc::now()) }
    }
);

/// A token in the list: the token and when it was last used (to the minute).
#[derive(SimpleObject)]
pub struct TokenEntry {
    pub token: ApiTokenNode,
    pub last_used_at: Option<Timestamp>,
}

/// Who is calling.
#[derive(SimpleObject)]
pub struct Caller {
    /// The token's name, as audit entries record it.
    pub name: String,
    pub role: RoleValue,
}

#[derive(InputObject)]
pub struct CreateTokenInput {
    /// Names the caller in audit entries; unique for good.
    pub name: String,
    pub role: RoleValue,
    /// When it stops working; never when left out.
    pub expires_at: Option<Timestamp>,
}

#[derive(SimpleObject)]
pub struct CreateTokenPayload {
    pub token: Option<ApiTokenNode>,
    /// Send as `Authorization: Bearer <secret>`. Shown only here: it is stored as a hash.
    pub secret: Option<String>,
    pub user_errors: Vec<UserError>,
}

#[derive(SimpleObject)]
pub struct RevokeTokenPayload {
    pub token: Option<ApiTokenNode>,
    pub user_errors: Vec<UserError>,
}

#[derive(Default)]
pub struct AccessQueries;

#[Object]
impl AccessQueries {
    /// The caller: their token's name and role.
    async fn me(&self, ctx: &Context<'_>) -> Result<Caller> {
        let actor = request(ctx).actor;
        Ok(Caller {
            name: actor.name,
            role: actor.role.into(),
        })
    }

    /// Every token, oldest first, with when each was last used; never their secrets.
    async fn tokens(&self, ctx: &Context<'_>) -> Result<Vec<TokenEntry>> {
        let tokens = register(ctx)?.tokens().await.map_err(|e| fail(ctx, e))?;
        Ok(tokens
            .into_iter()
            .map(
                |TokenListing {
                     token,
                     last_used_at,
                 }| TokenEntry {
                    token: ApiTokenNode(token),
                    last_used_at: last_used_at.map(Timestamp),
                },
            )
            .collect())
    }
}

#[derive(Default)]
pub struct AccessMutations;

#[Object]
impl AccessMutations {
    /// Issues a token with one role; the payload shows its secret, this once.
    async fn create_token(
        &self,
        ctx: &Context<'_>,
        input: CreateTokenInput,
    ) -> Result<CreateTokenPayload> {
        let result = register(ctx)?
            .create_token(
                &request(ctx).actor,
                &input.name,
                input.role.into(),
                input.expires_at.map(Into::into),
            )
            .await;
        Ok(match outcome(ctx, result)? {
            Ok((token, secret)) => CreateTokenPayload {
                token: Some(ApiTokenNode(token)),
                secret: Some(secret),
                user_errors: Vec::new(),
            },
            Err(user_errors) => CreateTokenPayload {
                token: None,
                secret: None,
                user_errors,
            },
        })
    }

    /// Revokes a token: it stops working at once (on other servers of a shared store within
    /// ten seconds). Revoking a revoked token changes nothing.
    async fn revoke_token(&self, ctx: &Context<'_>, id: ID) -> Result<RevokeTokenPayload> {
        let result = match ids::decode(EntityKind::Token, &id) {
            Some(id) => register(ctx)?.revoke_token(&request(ctx).actor, &id).await,
            None => Err(ServiceError::invalid(
                "id",
                crate::domain::kernel::ErrorCode::Invalid,
                "not an ApiToken id",
            )),
        };
        Ok(match outcome(ctx, result)? {
            Ok(token) => RevokeTokenPayload {
                token: Some(ApiTokenNode(token)),
                user_errors: Vec::new(),
            },
            Err(user_errors) => RevokeTokenPayload {
                token: None,
                user_errors,
            },
        })
    }
}
