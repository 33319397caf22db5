//! Live change events: GraphQL subscriptions over WebSocket (`graphql-transport-ws`, also the
//! older `graphql-ws`) at `/graphql/ws`, fed by every committed audit entry.

use std::sync::Arc;

use async_graphql::{Context, Object, Result, Subscription};
use futures_util::stream::{Stream, StreamExt};

use crate::api::graphql::AssetFilter;
use crate::api::graphql::RelationType;
use crate::api::graphql::TicketNode;
use crate::api::graphql::register;
use crate::api::graphql::{AssetNode, AuditEntryNode, RelationshipNode};
use crate::api::servicedesk::TicketKind;
use crate::domain::access::{AuditEntry, Operation};
use crate::domain::kernel::Filter;
use crate::domain::kernel::{Entity, Record};
use crate::domain::register::Asset;
use crate::domain::relationships::Relationship;
use crate::domain::servicedesk::Ticket;
use crate::service::kernel::Register;

/// One committed change of an entity of type `N`, and the entity as it is after it.
pub struct Change<N> {
    entry: Arc<AuditEntry>,
    node: Option<N>,
}

macro_rules! change_object {
    ($name:literal, $node:ty, $field:ident) => {
        #[Object(name = $name)]
        impl Change<$node> {
            /// What changed, who changed it and when; its `id` identifies the event.
            async fn change(&self) -> AuditEntryNode {
                AuditEntryNode(self.entry.as_ref().clone())
            }
            /// The fields that changed, as paths (`owner.team`).
            async fn changed_fields(&self) -> Vec<&str> {
                self.entry
                    .changes
                    .iter()
                    .map(|c| c.field.as_str())
                    .collect()
            }
            /// The entity right after the change; null once deleted.
            async fn $field(&self) -> Option<&$node> {
                self.node.as_ref()
            }
        }
    };
}

change_object!("AssetChange", AssetNode, asset);
change_object!("RelationshipChange", RelationshipNode, relationship);
change_object!("TicketChange", TicketNode, ticket);

/// The entity's document right after `entry`: read from the store, or for a deletion rebuilt
/// from the values the entry says it had.
async fn state_of<E: Entity>(
    register: &Register,
    entry: &AuditEntry,
) -> Option<(Option<Record<E>>, serde_json::Value)> {
    if entry.operation == Operation::Delete {
        let mut doc = serde_json::json!({});
        crate::domain::access::revert(&mut doc, &entry.changes);
        return Some((None, doc));
    }
    let record = register.get::<E>(&entry.entity_id).await.ok()??;
    let doc = serde_json::to_value(&record.data).ok()?;
    Some((Some(record), doc))
}

/// Changes of kind `E` committed from now on that `keep` accepts, each with the entity's state.
fn changes_of<E: Entity, N: Send + 'static>(
    register: Register,
    keep: impl Fn(&serde_json::Value) -> bool + Send + Sync + 'static,
    wrap: fn(Record<E>) -> N,
) -> impl Stream<Item = Change<N>> {
    let keep = Arc::new(keep);
    let followed = futures_util::stream::unfold(register.changes(), |mut receiver| async move {
        loop {
            match receiver.recv().await {
                Ok(entry) => return Some((entry, receiver)),
                Err(tokio::sync::broadcast::error::RecvError::Lagged(missed)) => {
                    tracing::warn!(missed, "a subscriber fell behind and missed changes");
                }
                Err(tokio::sync::broadcast::error::RecvError::Closed) => return None,
            }
        }
    });
    followed.filter_map(move |entry| {
        let (register, keep) = (register.clone(), keep.clone());
        async move {
            if entry.entity_kind != E::KIND {
                return None;
            }
            let (record, doc) = state_of::<E>(&register, &entry).await?;
            keep(&doc).then(|| Change {
                node: record.map(wrap),
                entry,
            })
        }
    })
}

#[derive(Default)]
pub struct SubscriptionRoot;

#[Subscription]
impl SubscriptionRoot {
    /// Assets created, changed or deleted from now on; with `filter`, only those it matches (as
    /// `assets` would list them; a deleted asset as it was).
    async fn asset_changed(
        &self,
        ctx: &Context<'_>,
        filter: Option<AssetFilter>,
    ) -> Result<impl Stream<Item = Change<AssetNode>> + use<>> {
        let filter = match filter {
            None => Filter::everything(),
            Some(input) => crate::api::graphql::compile_filter(ctx, &input).await?,
        };
        let register = register(ctx)?.clone();
        Ok(changes_of::<Asset, _>(
            register,
            move |doc| filter.matches(doc),
            AssetNode,
        ))
    }

    /// Relationships created, changed or removed from now on, of the given types (default all).
    async fn relationship_changed(
        &self,
        ctx: &Context<'_>,
        types: Option<Vec<RelationType>>,
    ) -> Result<impl Stream<Item = Change<RelationshipNode>> + use<>> {
        let types: Option<Vec<crate::domain::relationships::RelationType>> =
            types.map(|t| t.into_iter().map(Into::into).collect());
        let register = register(ctx)?.clone();
        Ok(changes_of::<Relationship, _>(
            register,
            move |doc| {
                types.as_ref().is_none_or(|types| {
                    serde_json::from_value(doc.get("type").cloned().unwrap_or_default())
                        .is_ok_and(|t| types.contains(&t))
                })
            },
            RelationshipNode,
        ))
    }

    /// Tickets created or updated from now on, of the given kinds (default all).
    async fn ticket_changed(
        &self,
        ctx: &Context<'_>,
        kind: Option<Vec<TicketKind>>,
    ) -> Result<impl Stream<Item = Change<TicketNode>> + use<>> {
        let kinds: Option<Vec<crate::domain::servicedesk::TicketKind>> =
            kind.map(|k| k.into_iter().map(Into::into).collect());
        let register = register(ctx)?.clone();
        Ok(changes_of::<Ticket, _>(
            register,
            move |doc| {
                kinds.as_ref().is_none_or(|kinds| {
                    serde_json::from_value::<crate::domain::servicedesk::TicketKind>(
                        doc.get("kind").cloned().unwrap_or_default(),
                    )
                    .is_ok_and(|k| kinds.contains(&k))
                })
            },
            TicketNode,
        ))
    }
}
