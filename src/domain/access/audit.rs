//! Audit entries: who changed what, when, with before and after values per field.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::domain::access::role::Role;
use crate::domain::kernel::json_path;
use crate::domain::kernel::{EntityId, EntityKind};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Operation {
    Create,
    Update,
    Delete,
}

/// One field whose value changed; `None` means the field was absent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldChange {
    pub field: String,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

/// Who acted (a token's name and role) and on behalf of which request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub name: String,
    pub role: Role,
    pub request_id: String,
}

impl Actor {
    /// The server itself (loading demo data, imports from the command line): an admin.
    pub fn system(name: &str) -> Actor {
        Actor {
            name: name.to_string(),
            role: Role::Admin,
            request_id: uuid::Uuid::now_v7().to_string(),
        }
    }
}

/// Where an entry sits in the audit chain: its position, the hash of the entry before it and
/// its own hash over both and its content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChainLink {
    pub seq: u64,
    pub prev_hash: String,
    pub hash: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditEntry {
    pub id: EntityId,
    pub at: DateTime<Utc>,
    pub actor: String,
    /// The acting token's role (absent on entries older than roles).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor_role: Option<Role>,
    pub request_id: String,
    pub operation: Operation,
    pub entity_kind: EntityKind,
    pub entity_id: EntityId,
    pub changes: Vec<FieldChange>,
    /// Why, in the actor's words (lifecycle transitions ask for it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The ticket in another system this change belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ticket_ref: Option<String>,
    /// The discovery source whose report made this change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// Set as the entry commits (absent on entries older than the chain).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chain: Option<ChainLink>,
}

/// A change with a secret's values masked: the audit trail is read by people who must not
/// learn them (a webhook's signing secret).
fn redacted(kind: EntityKind, mut change: FieldChange) -> FieldChange {
    let secret = matches!(
        (kind, change.field.as_str()),
        (EntityKind::Webhook, "secret") | (EntityKind::Token, "secretHash")
    );
    if secret {
        let mask = |value: Option<Value>| value.map(|_| Value::from("(redacted)"));
        change.before = mask(change.before);
        change.after = mask(change.after);
    }
    change
}

impl AuditEntry {
    pub fn new(
        actor: &Actor,
        operation: Operation,
        kind: EntityKind,
        id: &EntityId,
        changes: Vec<FieldChange>,
    ) -> AuditEntry {
        AuditEntry {
            id: EntityId::generate(),
            at: Utc::now(),
            actor: actor.name.clone(),
            actor_role: Some(actor.role),
            request_id: actor.request_id.clone(),
            operation,
            entity_kind: kind,
            entity_id: id.clone(),
            changes: changes
                .into_iter()
                .map(|change| redacted(kind, change))
                .collect(),
            reason: None,
            ticket_ref: None,
            source: None,
            chain: None,
        }
    }

    /// The same entry, made on the report of a discovery source.
    pub fn with_source(mut self, source: &str) -> AuditEntry {
        self.source = Some(source.to_string());
        self
    }

    /// The same entry with the actor's reason and ticket reference.
    pub fn because(mut self, reason: Option<String>, ticket_ref: Option<String>) -> AuditEntry {
        self.reason = reason;
        self.ticket_ref = ticket_ref;
        self
    }
}

/// The leaf fields that differ between two documents, as dotted paths in sorted order.
/// Arrays are compared whole: a changed tag list is one change of `tags`.
pub fn diff(before: &Value, after: &Value) -> Vec<FieldChange> {
    let mut changes = Vec::new();
    diff_into("", Some(before), Some(after), &mut changes);
    changes
}

fn diff_into(
    path: &str,
    before: Option<&Value>,
    after: Option<&Value>,
    out: &mut Vec<FieldChange>,
) {
    match (before, after) {
        (Some(Value::Object(b)), Some(Value::Object(a))) => {
            let mut keys: Vec<&String> = b.keys().chain(a.keys()).collect();
            keys.sort();
            keys.dedup();
            for key in keys {
                let child = if path.is_empty() {
                    key.clone()
                } else {
                    format!("{path}.{key}")
                };
                diff_into(&child, b.get(key), a.get(key), out);
            }
        }
        (b, a) if b == a => {}
        (Some(Value::Object(b)), None) if !b.is_empty() => {
            for (key, value) in b {
                diff_into(&format!("{path}.{key}"), Some(value), None, out);
            }
        }
        (None, Some(Value::Object(a))) if !a.is_empty() => {
            for (key, value) in a {
                diff_into(&format!("{path}.{key}"), None, Some(value), out);
            }
        }
        (b, a) => out.push(FieldChange {
            field: path.to_string(),
            before: b.cloned(),
            after: a.cloned(),
        }),
    }
}

/// Turns the document an entry's changes produced back into the one they started from:
/// `revert(after, diff(before, after))` gives `before` (empty objects aside, which the register
/// never stores).
pub fn revert(doc: &mut Value, changes: &[FieldChange]) {
    for change in changes {
        match &change.before {
            Some(value) => json_path::set(doc, &change.field, value.clone()),
            None => json_path::remove(doc, &change.field),
        }
    }
}

/// Which entries of the audit log to read; every condition given must hold.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub actor: Option<String>,
    pub entity_kind: Option<EntityKind>,
    pub entity_id: Option<EntityId>,
    pub operation: Option<Operation>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    #[test]
    fn reports_leaf_changes_with_paths() {
        let before = json!({"name": "a", "purchase": {"cost": {"amount": "1", "currency": "EUR"}}, "tags": ["x"]});
        let after = json!({"name": "b", "purchase": {"cost": {"amount": "2", "currency": "EUR"}}, "tags": ["x"], "notes": "n"});
        let changes = diff(&before, &after);
        let fields: Vec<_> = changes.iter().map(|c| c.field.as_str()).collect();
        assert_eq!(fields, ["name", "notes", "purchase.cost.amount"]);
        assert_eq!(changes[1].before, None);
        assert_eq!(changes[2].after, Some(json!("2")));
    }

    #[test]
    fn creation_lists_every_field() {
        let changes = diff(&json!({}), &json!({"a": 1, "b": {"c": 2}}));
        assert_eq!(changes.len(), 2);
        assert_eq!(changes[1].field, "b.c");
    }

    /// The register never stores empty objects; they are the one thing `revert` cannot restore.
    fn without_empty_objects(value: Value) -> Value {
        match value {
            Value::Object(map) => Value::Object(
                map.into_iter()
                    .map(|(k, v)| (k, without_empty_objects(v)))
                    .filter(|(_, v)| !v.as_object().is_some_and(|o| o.is_empty()))
                    .collect(),
            ),
            other => other,
        }
    }

    fn doc() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<i64>().prop_map(Value::from),
            "[a-c]{0,2}".prop_map(Value::from)
        ];
        leaf.prop_recursive(3, 16, 4, |inner| {
            prop::collection::btree_map("[a-d]", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect()))
        })
    }

    proptest! {
        #[test]
        fn no_changes_between_equal_documents(d in doc()) {
            prop_assert!(diff(&d, &d).is_empty());
        }

        #[test]
        fn changes_are_reported_iff_documents_differ(a in doc(), b in doc()) {
            prop_assert_eq!(diff(&a, &b).is_empty(), a == b);
        }

        #[test]
        fn reverting_the_changes_restores_the_earlier_document(a in doc(), b in doc()) {
            let (a, b) = (without_empty_objects(a), without_empty_objects(b));
            prop_assume!(a.is_object() && b.is_object());
            let mut reverted = b.clone();
            revert(&mut reverted, &diff(&a, &b));
            prop_assert_eq!(reverted, a);
        }
    }
}
