//! Relating and unrelating entities, one at a time or many in one all-or-nothing batch.

use crate::api::graphql::DeleteInput;
use crate::api::graphql::DeletePayload;
use crate::api::graphql::Payload;
use crate::api::graphql::RelationshipNode;
use crate::api::graphql::coded;
use crate::api::graphql::create;
use crate::api::graphql::delete;
use crate::api::graphql::document;
use crate::api::graphql::outcome;
use crate::api::graphql::update;
use crate::api::graphql::{register, request};
use crate::api::relationships::inputs::RelateInput;
use crate::api::relationships::inputs::RelateManyInput;
use crate::api::relationships::inputs::UpdateRelationshipInput;
use crate::domain::kernel::ErrorCode;
use crate::domain::kernel::Record;
use crate::domain::relationships::Relationship;
use crate::service::kernel::ServiceError;
use async_graphql::{Context, Object, Result, SimpleObject};

/// What `relateMany` returns: one result per item, in input order.
#[derive(SimpleObject)]
pub struct RelateManyPayload {
    pub results: Vec<Payload<RelationshipNode>>,
    /// How many relationships were written.
    pub written: usize,
}

#[derive(Default)]
pub struct RelationshipMutations;

#[Object]
impl RelationshipMutations {
    /// Records that `source` relates to `target` (e.g. an application RUNS_ON a VM). Refused with
    /// SELF_LOOP, NOT_ALLOWED (ends of the wrong kind), NOT_FOUND or CONFLICT (already related so).
    async fn relate(
        &self,
        ctx: &Context<'_>,
        input: RelateInput,
    ) -> Result<Payload<RelationshipNode>> {
        create::<Relationship, _>(ctx, &input, RelationshipNode).await
    }

    /// Records many relationships at once (at most 1000), with one result per item in input
    /// order. With `allOrNothing`, either every item is valid and all are written in one
    /// transaction, or nothing is written and the valid items report NOT_APPLIED.
    async fn relate_many(
        &self,
        ctx: &Context<'_>,
        input: RelateManyInput,
    ) -> Result<RelateManyPayload> {
        if input.items.is_empty() || input.items.len() > MAX_BATCH {
            return Err(coded(
                "BAD_USER_INPUT",
                format!("items takes 1 to {MAX_BATCH} relationships"),
            ));
        }
        let actor = request(ctx).actor;
        let mut results: Vec<Option<Result<Record<Relationship>, ServiceError>>> = Vec::new();
        let mut documents = Vec::new();
        for item in &input.items {
            match document::<Relationship>(item) {
                Ok(doc) => {
                    documents.push(doc);
                    results.push(None);
                }
                Err(errors) => results.push(Some(Err(ServiceError::Invalid(errors)))),
            }
        }
        let refused_early = results.iter().any(Option::is_some);
        let mut written = if refused_early && input.all_or_nothing {
            Vec::new()
        } else {
            register(ctx)?
                .create_many::<Relationship>(&actor, documents, input.all_or_nothing)
                .await
        }
        .into_iter();
        let mut items = Vec::with_capacity(results.len());
        for slot in results {
            let result = match slot {
                Some(refused) => refused,
                None => written.next().unwrap_or_else(|| {
                    Err(ServiceError::invalid(
                        "input",
                        ErrorCode::NotApplied,
                        "not written: another item of this all-or-nothing batch was refused",
                    ))
                }),
            };
            items.push(match outcome(ctx, result)? {
                Ok(record) => Payload {
                    node: Some(RelationshipNode(record)),
                    user_errors: Vec::new(),
                },
                Err(user_errors) => Payload {
                    node: None,
                    user_errors,
                },
            });
        }
        let written = items.iter().filter(|i| i.node.is_some()).count();
        Ok(RelateManyPayload {
            results: items,
            written,
        })
    }

    /// Changes a relationship's attributes; its ends and type are fixed.
    async fn update_relationship(
        &self,
        ctx: &Context<'_>,
        input: UpdateRelationshipInput,
    ) -> Result<Payload<RelationshipNode>> {
        update::<Relationship, _>(ctx, &input, RelationshipNode).await
    }

    async fn unrelate(&self, ctx: &Context<'_>, input: DeleteInput) -> Result<DeletePayload> {
        delete::<Relationship>(ctx, input).await
    }
}

/// Most items one batch mutation takes.
const MAX_BATCH: usize = 1000;
