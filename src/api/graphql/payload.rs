//! What mutations return and how entity mutations run: the payload with the changed node and
//! `userErrors`, reference fields decoded from global ids, and create, update and delete over any
//! entity kind as one audited service call.

use crate::api::graphql::context::{register, request};
use crate::api::graphql::errors::{UserError, coded, internal};
use crate::api::graphql::ids;
use crate::api::graphql::inputs::{DeleteInput, Targeted};
use crate::api::graphql::nodes::{ApprovalRequestNode, MaintenanceRecordNode};
use crate::api::graphql::nodes::{
    AssetNode, LocationNode, ModelNode, PersonNode, RelationshipNode, TeamNode, VendorNode,
};
use crate::api::graphql::nodes::{
    ContractNode, EntitlementNode, SoftwareProductNode, SoftwareUsageNode, SubscriptionNode,
};
use crate::domain::kernel::json_path;
use crate::domain::kernel::reference_fields;
use crate::domain::kernel::{Entity, EntityId, EntityKind, Record};
use crate::domain::kernel::{ErrorCode, FieldError};
use crate::service::kernel::ServiceError;
use async_graphql::{Context, ID, OutputType, Result, SimpleObject};
use serde::Serialize;
use serde_json::{Value as Json, json};

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
#[graphql(concrete(name = "TicketPayload", params(crate::api::graphql::nodes::TicketNode)))]
#[graphql(concrete(
    name = "WebhookPayload",
    params(crate::api::graphql::nodes::WebhookNode)
))]
pub struct Payload<N: OutputType> {
    /// The entity as stored after the mutation; null when it was refused.
    pub node: Option<N>,
    pub user_errors: Vec<UserError>,
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
        let Some(slot) = json_path::get_mut(doc, field.path) else {
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
pub(crate) fn document<E: Entity>(
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
pub(crate) fn outcome<T>(
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

pub(crate) fn payload<E: Entity, N: OutputType>(
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

pub(crate) async fn create<E: Entity, N: OutputType>(
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

pub(crate) async fn update<E: Entity, N: OutputType>(
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

pub(crate) async fn delete<E: Entity>(
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
