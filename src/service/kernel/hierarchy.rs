//! Rules for entities that nest (teams, locations, managers): no cycles, sensible nesting.

use serde_json::Value as Json;

use crate::domain::kernel::ErrorCode;
use crate::domain::kernel::lookup;
use crate::domain::kernel::{Entity, EntityId, EntityKind, Record};
use crate::service::kernel::error::ServiceError;
use crate::store::Store;

/// Deeper hierarchies than this are refused; real ones are a handful of levels.
const MAX_DEPTH: usize = 32;

fn parent_of(data: &Json, field: &str) -> Option<EntityId> {
    lookup(data, field)
        .and_then(Json::as_str)
        .and_then(EntityId::parse)
}

/// Walks up from the record's new parent; refuses if the walk meets the record itself.
pub(super) async fn check<E: Entity>(
    store: &Store,
    record: &Record<E>,
) -> Result<(), ServiceError> {
    let Some(field) = E::PARENT_FIELD else {
        return Ok(());
    };
    let data =
        serde_json::to_value(&record.data).map_err(|e| ServiceError::Internal(e.to_string()))?;
    let mut next = parent_of(&data, field);
    let mut first_parent = None;
    for _ in 0..MAX_DEPTH {
        let Some(id) = next else {
            if E::KIND == EntityKind::Location {
                return location_nesting(store, &record.id, first_parent.as_ref(), &data).await;
            }
            return Ok(());
        };
        if id == record.id {
            return Err(ServiceError::invalid(
                field,
                ErrorCode::Cycle,
                format!("this {} would become its own ancestor", E::KIND),
            ));
        }
        // A missing parent is reported by the write itself, inside its transaction.
        let Some(parent) = store.get::<E>(&id).await? else {
            return Ok(());
        };
        let parent_data = serde_json::to_value(&parent.data)
            .map_err(|e| ServiceError::Internal(e.to_string()))?;
        next = parent_of(&parent_data, field);
        first_parent.get_or_insert(parent_data);
    }
    Err(ServiceError::invalid(
        field,
        ErrorCode::Invalid,
        format!("hierarchies deeper than {MAX_DEPTH} levels are not supported"),
    ))
}

/// Checks the location against its parent and, since its kind may have changed, its children.
async fn location_nesting(
    store: &Store,
    id: &EntityId,
    parent: Option<&Json>,
    data: &Json,
) -> Result<(), ServiceError> {
    if let Some(parent) = parent {
        nesting(parent, data)?;
    }
    let children = store
        .find_by::<crate::domain::register::Location>("parent", vec![Json::from(id.as_str())])
        .await?;
    for child in children {
        let child =
            serde_json::to_value(&child.data).map_err(|e| ServiceError::Internal(e.to_string()))?;
        nesting(data, &child).map_err(|_| {
            ServiceError::invalid(
                "kind",
                ErrorCode::Invalid,
                "a location of this kind cannot hold the locations already inside it",
            )
        })?;
    }
    Ok(())
}

/// A location sits only inside a coarser kind: a rack in a room, not a room in a rack.
fn nesting(parent: &Json, child: &Json) -> Result<(), ServiceError> {
    use crate::domain::register::LocationKind;
    let kind = |doc: &Json| {
        doc.get("kind")
            .cloned()
            .and_then(|k| serde_json::from_value::<LocationKind>(k).ok())
    };
    match (kind(parent), kind(child)) {
        (Some(p), Some(c)) if !p.may_contain(c) => Err(ServiceError::invalid(
            "parent",
            ErrorCode::Invalid,
            format!("a {c:?} cannot be inside a {p:?}"),
        )),
        _ => Ok(()),
    }
}
