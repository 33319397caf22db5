//! Webhooks over GraphQL: register, change, list and delete them, and read each one's
//! delivery log. The signing secret is shown once, in the payload of `createWebhook`.

use crate::api::graphql::Timestamp;
use async_graphql::{Context, Enum, ID, InputObject, MaybeUndefined, Object, Result, SimpleObject};
use serde::Serialize;
use serde_json::Value as Json;

use crate::api::graphql::DeleteInput;
use crate::api::graphql::UserError;
use crate::api::graphql::WebhookNode;
use crate::api::graphql::entity_object;
use crate::api::graphql::forbidden;
use crate::api::graphql::ids;
use crate::api::graphql::one;
use crate::api::graphql::{DeletePayload, Payload, delete, outcome, payload};
use crate::api::graphql::{fail, register, request};
use crate::domain::access::Role;
use crate::domain::events::Webhook;
use crate::domain::events::webhook;
use crate::domain::kernel::{EntityId, EntityKind, Record};
use crate::domain::kernel::{ErrorCode, FieldError};
use crate::service::kernel::ServiceError;

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "webhook::DeliveryStatus")]
pub enum DeliveryStatus {
    Pending,
    Delivered,
    /// Given up on after 24 hours of retries.
    Failed,
}

entity_object!(
    /// A URL told about committed changes, each delivery signed with the Standard Webhooks scheme.
    WebhookNode(Webhook) as "Webhook" {
        async fn name(&self) -> Option<&str> { self.0.data.name.as_deref() }
        async fn url(&self) -> &str { &self.0.data.url }
        /// Event types (`asset.updated`), a kind's every event (`asset.*`) or everything (`*`).
        async fn events(&self) -> &[String] { &self.0.data.events }
        /// What narrows the events down.
        async fn filter(&self) -> WebhookFilter {
            WebhookFilter {
                entity_keys: self.0.data.entities.iter().map(|e| e.to_string()).collect(),
                fields: self.0.data.fields.clone(),
            }
        }
        async fn active(&self) -> bool { self.0.data.active }
        /// The token that registered it.
        async fn owner(&self) -> Option<&str> { self.0.data.owner.as_deref() }
        /// The latest deliveries (at most 500), newest first.
        async fn deliveries(&self, ctx: &Context<'_>, status: Option<DeliveryStatus>) -> Result<Vec<DeliveryNode>> {
            let found = register(ctx)?.deliveries(&self.0.id).await.map_err(|e| fail(ctx, e))?;
            let wanted = status.map(webhook::DeliveryStatus::from);
            Ok(found.into_iter().filter(|d| wanted.is_none_or(|w| d.status == w)).map(DeliveryNode).collect())
        }
    }
);

/// One event owed to a webhook and every attempt to deliver it.
pub struct DeliveryNode(webhook::Delivery);

#[Object(name = "WebhookDelivery")]
impl DeliveryNode {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// The event's id (the `webhook-id` header): receivers drop an id they have seen.
    async fn event_id(&self) -> &str {
        self.0.event_id.as_str()
    }
    async fn event_type(&self) -> &str {
        &self.0.event_type
    }
    async fn status(&self) -> DeliveryStatus {
        self.0.status.into()
    }
    async fn created_at(&self) -> Timestamp {
        Timestamp(self.0.created_at)
    }
    async fn next_attempt_at(&self) -> Option<Timestamp> {
        self.0.next_attempt_at.map(Timestamp)
    }
    async fn delivered_at(&self) -> Option<Timestamp> {
        self.0.delivered_at.map(Timestamp)
    }
    /// The JSON body sent on every attempt.
    async fn body(&self) -> &str {
        &self.0.body
    }
    async fn attempts(&self) -> Vec<DeliveryAttempt> {
        self.0
            .attempts
            .iter()
            .map(|a| DeliveryAttempt {
                at: Timestamp(a.at),
                status_code: a.status_code,
                error: a.error.clone(),
                milliseconds: a.milliseconds,
            })
            .collect()
    }
}

#[derive(SimpleObject)]
pub struct WebhookFilter {
    /// Only changes of these entities (their store keys); all when empty.
    pub entity_keys: Vec<String>,
    /// Only changes touching one of these fields; all when empty.
    pub fields: Vec<String>,
}

/// Narrows a webhook's events down; both parts must hold.
#[derive(InputObject, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WebhookFilterInput {
    /// Only changes of these entities.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entities: Option<Vec<ID>>,
    /// Only changes touching these fields (`owner.team`, `lifecycleStage`, or a parent: `owner`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fields: Option<Vec<String>>,
}

#[derive(SimpleObject)]
pub struct DeliveryAttempt {
    pub at: Timestamp,
    /// The receiver's HTTP status; null when it could not be reached.
    pub status_code: Option<u16>,
    pub error: Option<String>,
    pub milliseconds: u64,
}

#[derive(InputObject, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateWebhookInput {
    pub name: Option<String>,
    /// An http or https URL.
    pub url: String,
    /// Event types (`asset.updated`, `ticket.created`), `kind.*` or `*`.
    pub events: Vec<String>,
    /// The signing secret (16–256 characters; `whsec_` + base64 for a binary key); one is made
    /// when absent.
    pub secret: Option<String>,
    #[serde(flatten)]
    pub filter: Option<WebhookFilterInput>,
    pub active: Option<bool>,
}

#[derive(InputObject, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateWebhookInput {
    #[serde(skip)]
    pub id: ID,
    #[serde(skip)]
    pub expected_version: Option<i64>,
    #[serde(skip_serializing_if = "MaybeUndefined::is_undefined")]
    pub name: MaybeUndefined<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub events: Option<Vec<String>>,
    /// Replaces the parts it names.
    #[serde(flatten)]
    pub filter: Option<WebhookFilterInput>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub active: Option<bool>,
}

/// What `createWebhook` returns: the webhook and, this once, its signing secret.
#[derive(SimpleObject)]
pub struct CreateWebhookPayload {
    pub node: Option<WebhookNode>,
    /// Keep it: it is never shown again.
    pub secret: Option<String>,
    pub user_errors: Vec<UserError>,
}

/// Global ids in `entities` become store keys (a change names its entity by key).
fn entity_keys(doc: &mut Json) -> std::result::Result<(), ServiceError> {
    let Some(Json::Array(items)) = doc.get_mut("entities") else {
        return Ok(());
    };
    let mut problems = Vec::new();
    for (i, item) in items.iter_mut().enumerate() {
        match item.as_str().and_then(ids::decode_any) {
            Some((_, key)) => *item = Json::String(key.to_string()),
            None => problems.push(FieldError::new(
                format!("entities.{i}"),
                ErrorCode::Invalid,
                "not an id of an entity",
            )),
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(ServiceError::Invalid(problems))
    }
}

fn document(input: &impl Serialize) -> std::result::Result<Json, ServiceError> {
    let mut doc = serde_json::to_value(input).map_err(|e| ServiceError::Internal(e.to_string()))?;
    entity_keys(&mut doc)?;
    Ok(doc)
}

/// Whether the caller sees this webhook: integrators see only those they registered.
fn visible(ctx: &Context<'_>, hook: &Record<Webhook>) -> bool {
    let actor = request(ctx).actor;
    actor.role != Role::Integrator || hook.data.owner.as_deref() == Some(actor.name.as_str())
}

/// Refuses changing a webhook the caller may not see.
async fn check_owner(ctx: &Context<'_>, id: &EntityId) -> Result<()> {
    match one::<Webhook>(ctx, Some(id)).await? {
        Some(hook) if !visible(ctx, &hook) => Err(forbidden(
            Some(request(ctx).actor.role),
            "a webhook another token registered",
        )),
        _ => Ok(()),
    }
}

#[derive(Default)]
pub struct WebhookMutations;

#[Object]
impl WebhookMutations {
    /// Registers a URL to be told about committed changes; deliveries are written with each
    /// change, signed, retried with backoff for 24 hours, and logged.
    async fn create_webhook(
        &self,
        ctx: &Context<'_>,
        input: CreateWebhookInput,
    ) -> Result<CreateWebhookPayload> {
        let actor = request(ctx).actor;
        let result = match document(&input) {
            Ok(mut doc) => {
                doc["owner"] = actor.name.clone().into();
                doc["ownerRole"] = actor.role.name().into();
                register(ctx)?.create_webhook(&actor, doc).await
            }
            Err(e) => Err(e),
        };
        Ok(match outcome(ctx, result)? {
            Ok(record) => CreateWebhookPayload {
                secret: Some(record.data.secret.expose().to_string()),
                node: Some(WebhookNode(record)),
                user_errors: Vec::new(),
            },
            Err(user_errors) => CreateWebhookPayload {
                node: None,
                secret: None,
                user_errors,
            },
        })
    }

    async fn update_webhook(
        &self,
        ctx: &Context<'_>,
        input: UpdateWebhookInput,
    ) -> Result<Payload<WebhookNode>> {
        let target = ids::decode(EntityKind::Webhook, &input.id)
            .ok_or_else(|| ServiceError::invalid("id", ErrorCode::Invalid, "not a Webhook id"));
        if let Ok(id) = &target {
            check_owner(ctx, id).await?;
        }
        let result = match (target, document(&input)) {
            (Ok(id), Ok(doc)) => {
                register(ctx)?
                    .update_webhook(&request(ctx).actor, &id, input.expected_version, doc)
                    .await
            }
            (Err(e), _) | (_, Err(e)) => Err(e),
        };
        Ok(payload(outcome(ctx, result)?, WebhookNode))
    }

    /// Deletes a webhook; its pending deliveries are marked FAILED when next due.
    async fn delete_webhook(&self, ctx: &Context<'_>, input: DeleteInput) -> Result<DeletePayload> {
        if let Some(id) = ids::decode(EntityKind::Webhook, &input.id) {
            check_owner(ctx, &id).await?;
        }
        delete::<Webhook>(ctx, input).await
    }
}

#[derive(Default)]
pub struct WebhookQueries;

#[Object]
impl WebhookQueries {
    async fn webhook(&self, ctx: &Context<'_>, id: ID) -> Result<Option<WebhookNode>> {
        let Some(id) = ids::decode(EntityKind::Webhook, &id) else {
            return Ok(None);
        };
        Ok(one::<Webhook>(ctx, Some(&id))
            .await?
            .filter(|hook| visible(ctx, hook))
            .map(WebhookNode))
    }

    /// Every webhook (for an integrator: its own).
    async fn webhooks(&self, ctx: &Context<'_>) -> Result<Vec<WebhookNode>> {
        Ok(register(ctx)?
            .webhooks()
            .into_iter()
            .filter(|hook| visible(ctx, hook))
            .map(WebhookNode)
            .collect())
    }
}
