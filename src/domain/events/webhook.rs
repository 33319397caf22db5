//! Webhooks: which committed changes an integrator's URL hears about, what each event says, how
//! it is signed (the Standard Webhooks scheme) and when a failed delivery is tried again.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, TimeDelta, Utc};
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use serde_json::{Value as Json, json};
use sha2::Sha256;

use crate::domain::access::Role;
use crate::domain::access::rules as access;
use crate::domain::access::{AuditEntry, FieldChange, Operation};
use crate::domain::kernel::Secret;
use crate::domain::kernel::{Entity, EntityId, EntityKind, Record};
use crate::domain::kernel::{ErrorCode, FieldError, MAX_NAME, Problems, http_url, optional_text};

/// What a webhook hears about: the committed changes whose type matches one of `events` and,
/// when given, that concern one of `entities` or change one of `fields`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Webhook {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub url: String,
    /// Event types (`asset.updated`), a kind's every event (`asset.*`) or everything (`*`).
    pub events: Vec<String>,
    /// Signs every delivery; shown once, when the webhook is created.
    pub secret: Secret,
    /// Only changes of these entities (store keys); all when empty.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub entities: Vec<EntityId>,
    /// Only changes touching one of these fields (paths, `owner.team`, or their parents).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<String>,
    pub active: bool,
    /// The token that registered it (integrators manage only their own webhooks).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    /// That token's role: deliveries show it no more than it may read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner_role: Option<Role>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WebhookDraft {
    pub name: Option<String>,
    pub url: Option<String>,
    pub events: Option<Vec<String>>,
    pub secret: Option<Secret>,
    pub entities: Option<Vec<String>>,
    pub fields: Option<Vec<String>>,
    pub active: Option<bool>,
    pub owner: Option<String>,
    pub owner_role: Option<Role>,
}

/// The event type of an audit entry: `asset.created`, `relationship.deleted`, …
pub fn event_type(entry: &AuditEntry) -> String {
    let operation = match entry.operation {
        Operation::Create => "created",
        Operation::Update => "updated",
        Operation::Delete => "deleted",
    };
    format!("{}.{operation}", kind_prefix(entry.entity_kind))
}

/// `ApprovalRequest` → `approval_request`: the kind as event types spell it.
fn kind_prefix(kind: EntityKind) -> String {
    let mut prefix = String::new();
    for (i, c) in kind.name().chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            prefix.push('_');
        }
        prefix.push(c.to_ascii_lowercase());
    }
    prefix
}

fn known_pattern(pattern: &str) -> bool {
    if pattern == "*" {
        return true;
    }
    let Some((kind, operation)) = pattern.split_once('.') else {
        return false;
    };
    EntityKind::ALL.iter().any(|k| kind_prefix(*k) == kind)
        && ["*", "created", "updated", "deleted"].contains(&operation)
}

impl Webhook {
    /// Whether this webhook is owed a delivery for `entry`.
    pub fn wants(&self, entry: &AuditEntry) -> bool {
        let kind = event_type(entry);
        let prefix = kind.split_once('.').map_or("", |(k, _)| k);
        self.active
            && self.events.iter().any(|p| {
                p == "*" || *p == kind || p.strip_suffix(".*").is_some_and(|k| k == prefix)
            })
            && (self.entities.is_empty() || self.entities.contains(&entry.entity_id))
            && (self.fields.is_empty()
                || entry.changes.iter().any(|c| {
                    self.fields.iter().any(|f| {
                        c.field == *f
                            || c.field.starts_with(&format!("{f}."))
                            || f.starts_with(&format!("{}.", c.field))
                    })
                }))
    }
}

/// The JSON body of the event for `entry`; its `id` is the audit entry's, so a receiver can
/// drop a delivery it has already seen.
/// Financial values are masked for a receiver whose owner may not read money.
pub fn event_body(entry: &AuditEntry, reads_financial: bool) -> Json {
    let changes: Vec<FieldChange> = entry
        .changes
        .iter()
        .map(|change| {
            if reads_financial || !access::is_financial_path(&change.field) {
                return change.clone();
            }
            let mask = |value: &Option<Json>| value.as_ref().map(|_| Json::from("(restricted)"));
            FieldChange {
                field: change.field.clone(),
                before: mask(&change.before),
                after: mask(&change.after),
            }
        })
        .collect();
    json!({
        "id": entry.id,
        "type": event_type(entry),
        "timestamp": entry.at.to_rfc3339(),
        "data": {
            "entityKind": entry.entity_kind.name(),
            // The id the API takes; the store's key too, for integrators that keep it.
            "entityId": crate::domain::kernel::global_id(entry.entity_kind, &entry.entity_id),
            "entityKey": entry.entity_id,
            "operation": entry.operation,
            "actor": entry.actor,
            "requestId": entry.request_id,
            "reason": entry.reason,
            "source": entry.source,
            "changes": changes,
        }
    })
}

/// The key a secret stands for: `whsec_` secrets carry base64 bytes, others are used as written.
fn key_of(secret: &str) -> Vec<u8> {
    secret
        .strip_prefix("whsec_")
        .and_then(|b| STANDARD.decode(b).ok())
        .unwrap_or_else(|| secret.as_bytes().to_vec())
}

/// The `webhook-signature` header: `v1,` and the base64 HMAC-SHA256 of `id.timestamp.body`.
pub fn signature(secret: &str, id: &str, timestamp: i64, body: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(&key_of(secret)).expect("any key length");
    mac.update(format!("{id}.{timestamp}.{body}").as_bytes());
    format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()))
}

/// A fresh secret in the Standard Webhooks form.
pub fn generate_secret() -> String {
    let bytes: Vec<u8> = [uuid::Uuid::new_v4(), uuid::Uuid::new_v4()]
        .iter()
        .flat_map(|u| u.as_bytes().to_vec())
        .collect();
    format!("whsec_{}", STANDARD.encode(bytes))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum DeliveryStatus {
    Pending,
    Delivered,
    /// Given up after [`GIVE_UP_AFTER`].
    Failed,
}

/// One try at delivering an event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Attempt {
    pub at: DateTime<Utc>,
    /// The receiver's HTTP status; absent when it could not be reached.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_code: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    pub milliseconds: u64,
}

/// One event owed to one webhook, and every attempt so far.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Delivery {
    #[serde(skip_serializing)]
    pub id: EntityId,
    pub webhook: EntityId,
    pub event_id: EntityId,
    pub event_type: String,
    /// Exactly the bytes sent (and signed) on every attempt.
    pub body: String,
    pub status: DeliveryStatus,
    pub created_at: DateTime<Utc>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_attempt_at: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delivered_at: Option<DateTime<Utc>>,
    pub attempts: Vec<Attempt>,
}

impl Delivery {
    /// The delivery `entry` owes `webhook`, due now.
    pub fn owed(webhook: &Record<Webhook>, entry: &AuditEntry) -> Delivery {
        let reads_financial = webhook.data.owner_role.is_none_or(Role::reads_financial);
        Delivery {
            id: EntityId::generate(),
            webhook: webhook.id.clone(),
            event_id: entry.id.clone(),
            event_type: event_type(entry),
            body: event_body(entry, reads_financial).to_string(),
            status: DeliveryStatus::Pending,
            created_at: entry.at,
            next_attempt_at: Some(entry.at),
            delivered_at: None,
            attempts: Vec::new(),
        }
    }

    /// Records an attempt: delivered on a 2xx answer, else due again later or failed for good.
    pub fn record(&mut self, attempt: Attempt) {
        let now = attempt.at;
        let delivered = attempt.status_code.is_some_and(|c| (200..300).contains(&c));
        self.attempts.push(attempt);
        if delivered {
            self.status = DeliveryStatus::Delivered;
            self.delivered_at = Some(now);
            self.next_attempt_at = None;
            return;
        }
        self.next_attempt_at = next_attempt(self.created_at, self.attempts.len() as u32, now);
        if self.next_attempt_at.is_none() {
            self.status = DeliveryStatus::Failed;
        }
    }
}

/// How long a delivery keeps being tried before it is marked FAILED.
pub const GIVE_UP_AFTER: TimeDelta = TimeDelta::hours(24);
const FIRST_RETRY_MS: i64 = 500;
const LONGEST_WAIT_MS: i64 = 10 * 60 * 1000;

/// When to try again after `attempts` failed attempts of a delivery created at `created`, or
/// `None` to give up: waits double from half a second up to ten minutes.
pub fn next_attempt(
    created: DateTime<Utc>,
    attempts: u32,
    now: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    let wait = FIRST_RETRY_MS
        .saturating_mul(1_i64 << attempts.saturating_sub(1).min(30))
        .min(LONGEST_WAIT_MS);
    let at = now + TimeDelta::milliseconds(wait);
    (at - created <= GIVE_UP_AFTER).then_some(at)
}

impl Entity for Webhook {
    const KIND: EntityKind = EntityKind::Webhook;
    type Draft = WebhookDraft;

    fn validate(d: WebhookDraft) -> Result<Webhook, Vec<FieldError>> {
        let mut p = Problems::default();
        let name = p
            .take(optional_text("name", d.name.as_deref(), MAX_NAME))
            .flatten();
        let url = p.take(http_url("url", d.url.as_deref())).flatten();
        if url.is_none() && d.url.as_deref().is_none_or(|u| u.trim().is_empty()) {
            p.push(FieldError::new(
                "url",
                ErrorCode::Required,
                "url is required",
            ));
        }
        let events: Vec<String> = d
            .events
            .unwrap_or_default()
            .iter()
            .map(|e| e.trim().to_string())
            .collect();
        if events.is_empty() || events.len() > 100 {
            p.push(FieldError::new(
                "events",
                ErrorCode::Required,
                "name 1 to 100 event types (asset.updated, asset.*, *)",
            ));
        }
        for (i, event) in events.iter().enumerate() {
            if !known_pattern(event) {
                p.push(FieldError::new(
                    format!("events.{i}"),
                    ErrorCode::Invalid,
                    format!("{event:?} is not an event type (kind.created|updated|deleted|*)"),
                ));
            }
        }
        let secret = match d.secret.as_ref().map(|s| s.expose().trim()) {
            None | Some("") => None,
            Some(s) if (16..=256).contains(&s.len()) && !s.contains(char::is_whitespace) => {
                Some(Secret::from(s))
            }
            Some(_) => {
                p.push(FieldError::new(
                    "secret",
                    ErrorCode::Invalid,
                    "a secret has 16 to 256 characters and no blanks",
                ));
                None
            }
        };
        let entities: Vec<EntityId> = d
            .entities
            .unwrap_or_default()
            .iter()
            .enumerate()
            .filter_map(|(i, e)| p.take(EntityId::parse_field(&format!("entities.{i}"), e)))
            .collect();
        let fields: Vec<String> = d
            .fields
            .unwrap_or_default()
            .into_iter()
            .map(|f| f.trim().to_string())
            .filter(|f| !f.is_empty())
            .collect();
        if entities.len() > 1000 || fields.len() > 100 {
            p.push(FieldError::new(
                "entities",
                ErrorCode::Invalid,
                "a filter names at most 1,000 entities and 100 fields",
            ));
        }
        p.finish(|| Webhook {
            name,
            url: url.unwrap_or_default(),
            events,
            secret: secret.unwrap_or_else(|| generate_secret().into()),
            entities,
            fields,
            active: d.active.unwrap_or(true),
            owner: d.owner,
            owner_role: d.owner_role,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::access::{Actor, FieldChange};

    fn entry(kind: EntityKind, operation: Operation, field: &str) -> AuditEntry {
        let actor = Actor::system("t");
        let change = FieldChange {
            field: field.into(),
            before: None,
            after: Some(Json::from("x")),
        };
        AuditEntry::new(
            &actor,
            operation,
            kind,
            &EntityId::parse("a1").unwrap(),
            vec![change],
        )
    }

    fn hook(events: &[&str], fields: &[&str]) -> Webhook {
        Webhook::validate(WebhookDraft {
            url: Some("https://hooks.example.com/in".into()),
            events: Some(events.iter().map(|e| e.to_string()).collect()),
            fields: Some(fields.iter().map(|f| f.to_string()).collect()),
            ..Default::default()
        })
        .unwrap()
    }

    #[test]
    fn events_match_by_type_kind_and_field() {
        let update = entry(EntityKind::Asset, Operation::Update, "owner.team");
        assert_eq!(event_type(&update), "asset.updated");
        assert!(hook(&["asset.updated"], &[]).wants(&update));
        assert!(hook(&["asset.*"], &[]).wants(&update));
        assert!(hook(&["*"], &["owner"]).wants(&update));
        assert!(!hook(&["asset.created"], &[]).wants(&update));
        assert!(!hook(&["*"], &["location"]).wants(&update));
        let approval = entry(EntityKind::Approval, Operation::Create, "asset");
        assert_eq!(event_type(&approval), "approval_request.created");
        assert!(hook(&["approval_request.*"], &[]).wants(&approval));
    }

    #[test]
    fn bad_webhooks_are_refused_with_their_field() {
        let refused = Webhook::validate(WebhookDraft {
            url: Some("ftp://x".into()),
            events: Some(vec!["asset.renamed".into()]),
            secret: Some("short".into()),
            ..Default::default()
        })
        .unwrap_err();
        let fields: Vec<&str> = refused.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["url", "events.0", "secret"]);
    }

    #[test]
    fn a_webhook_shown_for_debugging_hides_its_secret() {
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        let draft = WebhookDraft {
            url: Some("https://example.com/hook".into()),
            events: Some(vec!["*".into()]),
            secret: Some(secret.into()),
            ..Default::default()
        };
        assert!(!format!("{draft:?}").contains(secret));
        let hook = Record::first(
            EntityId::parse("w1").unwrap(),
            Webhook::validate(draft).unwrap(),
            Utc::now(),
        );
        assert_eq!(hook.data.secret.expose(), secret);
        let shown = format!("{hook:?}");
        assert!(
            shown.contains("secret: (redacted)") && !shown.contains(secret),
            "{shown}"
        );
    }

    #[test]
    fn signatures_follow_the_standard_webhooks_example() {
        // The example of the Standard Webhooks specification.
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        let body = r#"{"test": 2432232314}"#;
        assert_eq!(
            signature(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
        assert!(generate_secret().starts_with("whsec_"));
    }

    fn owned_hook(owner_role: Option<Role>) -> Record<Webhook> {
        let webhook = Webhook::validate(WebhookDraft {
            url: Some("https://example.com/hook".into()),
            events: Some(vec!["*".into()]),
            owner_role,
            ..Default::default()
        })
        .unwrap();
        Record::first(EntityId::parse("w1").unwrap(), webhook, Utc::now())
    }

    #[test]
    fn deliveries_mask_money_from_owners_who_may_not_read_it() {
        let money = entry(EntityKind::Asset, Operation::Update, "purchase.cost.amount");
        let masked = Delivery::owed(&owned_hook(Some(Role::Integrator)), &money);
        assert!(masked.body.contains("(restricted)"), "{}", masked.body);
        let shown = Delivery::owed(&owned_hook(Some(Role::Admin)), &money);
        assert!(!shown.body.contains("(restricted)"), "{}", shown.body);
        let plain = Delivery::owed(
            &owned_hook(Some(Role::Integrator)),
            &entry(EntityKind::Asset, Operation::Update, "attributes.os"),
        );
        assert!(!plain.body.contains("(restricted)"), "{}", plain.body);
    }

    #[test]
    fn a_delivery_is_retried_until_a_2xx_answer() {
        let entry = entry(EntityKind::Asset, Operation::Update, "name");
        let mut delivery = Delivery::owed(&owned_hook(None), &entry);
        let body: Json = serde_json::from_str(&delivery.body).unwrap();
        assert_eq!(body["id"], json!(entry.id));
        assert_eq!(body["type"], "asset.updated");
        let attempt = |code| Attempt {
            at: entry.at,
            status_code: code,
            error: None,
            milliseconds: 1,
        };
        delivery.record(attempt(Some(500)));
        assert_eq!(delivery.status, DeliveryStatus::Pending);
        assert!(delivery.next_attempt_at.unwrap() > entry.at);
        delivery.record(attempt(None));
        delivery.record(attempt(Some(204)));
        assert_eq!(delivery.status, DeliveryStatus::Delivered);
        assert_eq!(delivery.attempts.len(), 3);
        assert_eq!(delivery.next_attempt_at, None);
    }

    #[test]
    fn retries_back_off_then_give_up() {
        let start = DateTime::UNIX_EPOCH;
        let first = next_attempt(start, 1, start).unwrap();
        assert_eq!(first - start, TimeDelta::milliseconds(500));
        let third = next_attempt(start, 3, start).unwrap();
        assert_eq!(third - start, TimeDelta::seconds(2));
        let late = start + GIVE_UP_AFTER;
        assert_eq!(next_attempt(start, 40, late), None);
    }
}
