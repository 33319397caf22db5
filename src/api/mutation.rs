//! Write operations: create, update and delete for every entity, each one audited service call.

use async_graphql::{Context, ID, Object, OutputType, Result, SimpleObject};
use serde::Serialize;
use serde_json::{Value as Json, json};

use crate::api::context::{register, request};
use crate::api::errors::{UserError, coded, internal};
use crate::api::ids;
use crate::api::inputs::*;
use crate::api::lifecycle::{ApprovalRequestNode, MaintenanceRecordNode};
use crate::api::software::{
    ContractNode, EntitlementNode, SoftwareProductNode, SoftwareUsageNode, SubscriptionNode,
};
use crate::api::types::{
    AssetNode, LocationNode, ModelNode, PersonNode, RelationshipNode, TeamNode, VendorNode,
};
use crate::domain::kernel::catalog::reference_fields;
use crate::domain::kernel::entity::{Entity, EntityId, EntityKind, Record};
use crate::domain::kernel::query::lookup_mut;
use crate::domain::kernel::validation::{ErrorCode, FieldError};
use crate::domain::register::asset::Asset;
use crate::domain::register::party::{Person, Team};
use crate::domain::register::site::Location;
use crate::domain::register::supply::{Model, Vendor};
use crate::domain::relationships::relation::Relationship;
use crate::service::kernel::error::ServiceError;

/// What a create or update mutation returns: the entity (null if refused) and the problems found.
#[derive(SimpleObject)]
#[graphql(concrete(name = "AssetPayload", params(AssetNode)))]
#[graphql(concrete(name = "PersonPayload", params(PersonNode)))]
#[graphql(concrete(name = "TeamPayload", params(TeamNode)))]
#[graphql(concrete(name = "LocationPayload", params(LocationNode)))]
#[graphql(concrete(name = "VendorPayload", params(VendorNode)))]
#[graphql(concrete(name = "ModelPayload", params(ModelNode)))]
#[graphql(concrete(name = "RelationshipPayload", params(RelationshipNode)))]
#[graphql(concrete(name = "ApprovalRequestPayload", params(ApprovalRequestNode)))]
#[graphql(concrete(name = "MaintenanceRecordPayload", params(MaintenanceRecordNode)))]
#[graphql(concrete(name = "SoftwareProductPayload", params(SoftwareProductNode)))]
#[graphql(concrete(name = "SoftwareUsagePayload", params(SoftwareUsageNode)))]
#[graphql(concrete(name = "EntitlementPayload", params(EntitlementNode)))]
#[graphql(concrete(name = "SubscriptionPayload", params(SubscriptionNode)))]
#[graphql(concrete(name = "ContractPayload", params(ContractNode)))]
#[graphql(concrete(name = "TicketPayload", params(crate::api::tickets::TicketNode)))]
#[graphql(concrete(name = "WebhookPayload", params(crate::api::webhooks::WebhookNode)))]
pub struct Payload<N: OutputType> {
    /// The entity as stored after the mutation; null when it was refused.
    pub node: Option<N>,
    pub user_errors: Vec<UserError>,
}

/// Most items one batch mutation takes.
const MAX_BATCH: usize = 1000;

/// What `relateMany` returns: one result per item, in input order.
#[derive(SimpleObject)]
pub struct RelateManyPayload {
    pub results: Vec<Payload<RelationshipNode>>,
    /// How many relationships were written.
    pub written: usize,
}

#[derive(SimpleObject)]
pub struct DeletePayload {
    /// Global id of the deleted entity; null when the deletion was refused.
    pub deleted_id: Option<ID>,
    pub user_errors: Vec<UserError>,
}

/// Replaces global ids at the entity's reference fields with store keys, checking their kind.
fn decode_references<E: Entity>(doc: &mut Json) -> Vec<FieldError> {
    let mut errors = Vec::new();
    for field in reference_fields(E::KIND) {
        let Some(slot) = lookup_mut(doc, field.path) else {
            continue;
        };
        let slots: Vec<&mut Json> = match slot {
            Json::Array(items) if field.many => items.iter_mut().collect(),
            single => vec![single],
        };
        for slot in slots {
            let Some(global) = slot.as_str() else {
                continue;
            };
            match ids::decode(field.target, global) {
                Some(key) => *slot = Json::String(key.to_string()),
                None => errors.push(FieldError::new(
                    field.path,
                    ErrorCode::Invalid,
                    format!("not a {} id", field.target),
                )),
            }
        }
    }
    if E::KIND == EntityKind::Relationship {
        // A relationship's ends may be of any kind: the global id says which.
        for end in ["source", "target"] {
            let Some(slot) = doc.get_mut(end) else {
                continue;
            };
            let Some(global) = slot.as_str() else {
                continue;
            };
            match ids::decode_any(global) {
                Some((kind, key)) if kind != EntityKind::Relationship => {
                    *slot = json!({"kind": kind, "id": key})
                }
                _ => errors.push(FieldError::new(
                    end,
                    ErrorCode::Invalid,
                    "not an id of an entity",
                )),
            }
        }
    }
    errors
}

/// Turns a typed input into the document-shaped JSON the service takes.
pub(super) fn document<E: Entity>(
    input: &impl Serialize,
) -> std::result::Result<Json, Vec<FieldError>> {
    let mut doc = serde_json::to_value(input)
        .map_err(|e| vec![FieldError::new("input", ErrorCode::Invalid, e.to_string())])?;
    let errors = decode_references::<E>(&mut doc);
    if errors.is_empty() {
        Ok(doc)
    } else {
        Err(errors)
    }
}

/// Splits a service outcome into the payload's user errors or a GraphQL error for real failures.
pub(super) fn outcome<T>(
    ctx: &Context<'_>,
    result: std::result::Result<T, ServiceError>,
) -> Result<std::result::Result<T, Vec<UserError>>> {
    let request_id = request(ctx).actor.request_id;
    match result {
        Ok(value) => Ok(Ok(value)),
        Err(ServiceError::Invalid(errors)) => {
            Ok(Err(errors.into_iter().map(UserError::from).collect()))
        }
        Err(ServiceError::NotFound { kind }) => Ok(Err(vec![UserError::from(FieldError::new(
            "id",
            ErrorCode::NotFound,
            format!("no such {kind}"),
        ))])),
        Err(ServiceError::BadRequest(m)) => Err(coded("BAD_USER_INPUT", m)),
        Err(ServiceError::Forbidden(m)) => Err(coded("FORBIDDEN", m)),
        Err(ServiceError::Unavailable(_)) => Err(coded(
            "UNAVAILABLE",
            "the store is not reachable; try again shortly",
        )),
        Err(ServiceError::Internal(detail)) => Err(internal(&request_id, &detail)),
    }
}

pub(super) fn payload<E: Entity, N: OutputType>(
    result: std::result::Result<Record<E>, Vec<UserError>>,
    wrap: fn(Record<E>) -> N,
) -> Payload<N> {
    match result {
        Ok(record) => Payload {
            node: Some(wrap(record)),
            user_errors: Vec::new(),
        },
        Err(user_errors) => Payload {
            node: None,
            user_errors,
        },
    }
}

fn target<E: Entity>(id: &ID) -> std::result::Result<EntityId, ServiceError> {
    ids::decode(E::KIND, id).ok_or_else(|| {
        ServiceError::invalid("id", ErrorCode::Invalid, format!("not a {} id", E::KIND))
    })
}

pub(super) async fn create<E: Entity, N: OutputType>(
    ctx: &Context<'_>,
    input: &impl Serialize,
    wrap: fn(Record<E>) -> N,
) -> Result<Payload<N>> {
    let result = match document::<E>(input) {
        Err(errors) => Err(ServiceError::Invalid(errors)),
        Ok(doc) => register(ctx)?.create::<E>(&request(ctx).actor, doc).await,
    };
    Ok(payload(outcome(ctx, result)?, wrap))
}

pub(super) async fn update<E: Entity, N: OutputType>(
    ctx: &Context<'_>,
    input: &(impl Serialize + Targeted),
    wrap: fn(Record<E>) -> N,
) -> Result<Payload<N>> {
    let (id, expected_version) = input.target();
    let result = match (target::<E>(id), document::<E>(input)) {
        (Err(e), _) => Err(e),
        (_, Err(errors)) => Err(ServiceError::Invalid(errors)),
        (Ok(id), Ok(changes)) => {
            register(ctx)?
                .update::<E>(&request(ctx).actor, &id, expected_version, changes)
                .await
        }
    };
    Ok(payload(outcome(ctx, result)?, wrap))
}

pub(super) async fn delete<E: Entity>(
    ctx: &Context<'_>,
    input: DeleteInput,
) -> Result<DeletePayload> {
    let result = match target::<E>(&input.id) {
        Err(e) => Err(e),
        Ok(id) => {
            register(ctx)?
                .delete::<E>(&request(ctx).actor, &id, input.expected_version)
                .await
        }
    };
    Ok(match outcome(ctx, result)? {
        Ok(record) => DeletePayload {
            deleted_id: Some(ids::encode(E::KIND, &record.id)),
            user_errors: Vec::new(),
        },
        Err(user_errors) => DeletePayload {
            deleted_id: None,
            user_errors,
        },
    })
}

#[derive(Default)]
pub struct MutationRoot;

#[Object]
impl MutationRoot {
    async fn create_asset(
        &self,
        ctx: &Context<'_>,
        input: CreateAssetInput,
    ) -> Result<Payload<AssetNode>> {
        create::<Asset, _>(ctx, &input, AssetNode).await
    }
    async fn update_asset(
        &self,
        ctx: &Context<'_>,
        input: UpdateAssetInput,
    ) -> Result<Payload<AssetNode>> {
        update::<Asset, _>(ctx, &input, AssetNode).await
    }
    async fn delete_asset(&self, ctx: &Context<'_>, input: DeleteInput) -> Result<DeletePayload> {
        delete::<Asset>(ctx, input).await
    }

    async fn create_person(
        &self,
        ctx: &Context<'_>,
        input: CreatePersonInput,
    ) -> Result<Payload<PersonNode>> {
        create::<Person, _>(ctx, &input, PersonNode).await
    }
    async fn update_person(
        &self,
        ctx: &Context<'_>,
        input: UpdatePersonInput,
    ) -> Result<Payload<PersonNode>> {
        update::<Person, _>(ctx, &input, PersonNode).await
    }
    /// Refused with IN_USE while the person owns, uses or manages anything.
    async fn delete_person(&self, ctx: &Context<'_>, input: DeleteInput) -> Result<DeletePayload> {
        delete::<Person>(ctx, input).await
    }

    async fn create_team(
        &self,
        ctx: &Context<'_>,
        input: CreateTeamInput,
    ) -> Result<Payload<TeamNode>> {
        create::<Team, _>(ctx, &input, TeamNode).await
    }
    async fn update_team(
        &self,
        ctx: &Context<'_>,
        input: UpdateTeamInput,
    ) -> Result<Payload<TeamNode>> {
        update::<Team, _>(ctx, &input, TeamNode).await
    }
    /// Refused with IN_USE while the team owns assets, has members or sub-teams: reassign them first.
    async fn delete_team(&self, ctx: &Context<'_>, input: DeleteInput) -> Result<DeletePayload> {
        delete::<Team>(ctx, input).await
    }

    async fn create_location(
        &self,
        ctx: &Context<'_>,
        input: CreateLocationInput,
    ) -> Result<Payload<LocationNode>> {
        create::<Location, _>(ctx, &input, LocationNode).await
    }
    async fn update_location(
        &self,
        ctx: &Context<'_>,
        input: UpdateLocationInput,
    ) -> Result<Payload<LocationNode>> {
        update::<Location, _>(ctx, &input, LocationNode).await
    }
    /// Refused with IN_USE while assets or sub-locations are recorded there.
    async fn delete_location(
        &self,
        ctx: &Context<'_>,
        input: DeleteInput,
    ) -> Result<DeletePayload> {
        delete::<Location>(ctx, input).await
    }

    async fn create_vendor(
        &self,
        ctx: &Context<'_>,
        input: CreateVendorInput,
    ) -> Result<Payload<VendorNode>> {
        create::<Vendor, _>(ctx, &input, VendorNode).await
    }
    async fn update_vendor(
        &self,
        ctx: &Context<'_>,
        input: UpdateVendorInput,
    ) -> Result<Payload<VendorNode>> {
        update::<Vendor, _>(ctx, &input, VendorNode).await
    }
    async fn delete_vendor(&self, ctx: &Context<'_>, input: DeleteInput) -> Result<DeletePayload> {
        delete::<Vendor>(ctx, input).await
    }

    async fn create_model(
        &self,
        ctx: &Context<'_>,
        input: CreateModelInput,
    ) -> Result<Payload<ModelNode>> {
        create::<Model, _>(ctx, &input, ModelNode).await
    }
    async fn update_model(
        &self,
        ctx: &Context<'_>,
        input: UpdateModelInput,
    ) -> Result<Payload<ModelNode>> {
        update::<Model, _>(ctx, &input, ModelNode).await
    }
    async fn delete_model(&self, ctx: &Context<'_>, input: DeleteInput) -> Result<DeletePayload> {
        delete::<Model>(ctx, input).await
    }

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
