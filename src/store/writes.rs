//! Mutations: each commits the record change and its audit entry in one transaction.

use serde_json::{Value as Json, json};

use super::error::{IN_USE, MISSING_REFERENCE, NOT_FOUND, STALE_VERSION};
use super::{Params, Store, StoreError};
use crate::domain::audit::{AuditEntry, FieldChange};
use crate::domain::catalog::{reference_fields, referrers};
use surrealdb::types::{RecordId, SurrealValue, Value};

use crate::domain::entity::{Entity, EntityId, EntityKind, NodeRef, Record};
use crate::domain::query::lookup;

/// The stored document of a record: everything but its id, which is the record key.
pub(super) fn document<E: Entity>(record: &Record<E>) -> Result<Json, StoreError> {
    let mut doc = serde_json::to_value(record).map_err(StoreError::internal)?;
    doc.as_object_mut().map(|m| m.remove("id"));
    Ok(doc)
}

fn link(node: &NodeRef) -> RecordId {
    RecordId::new(node.kind.table(), node.id.as_str())
}

/// The content to write: the document, plus the graph links `in` and `out` for relationships.
pub(super) fn content<E: Entity>(record: &Record<E>, doc: Json) -> Value {
    let mut value = doc.into_value();
    if let (Some((source, target)), Value::Object(object)) = (
        record
            .data
            .as_relationship()
            .map(|r| (&r.source, &r.target)),
        &mut value,
    ) {
        object.insert("in".to_string(), link(source).into_value());
        object.insert("out".to_string(), link(target).into_value());
        object.insert(
            "id".to_string(),
            RecordId::new(E::KIND.table(), record.id.as_str()).into_value(),
        );
    }
    value
}

/// Statements that abort the transaction when a relationship's source or target does not exist.
fn endpoint_checks<E: Entity>(record: &Record<E>, params: &mut Params) -> String {
    let Some((source, target)) = record
        .data
        .as_relationship()
        .map(|r| (&r.source, &r.target))
    else {
        return String::new();
    };
    let (source, target) = (params.add(link(source)), params.add(link(target)));
    format!(
        "IF !record::exists({source}) {{ THROW '{MISSING_REFERENCE}:source' }};\n\
         IF !record::exists({target}) {{ THROW '{MISSING_REFERENCE}:target' }};\n"
    )
}

/// Audit before/after values are kept as JSON text so any shape fits the schema.
fn encode_audit(entry: &AuditEntry) -> Result<Json, StoreError> {
    let text = |v: &Option<Json>| v.as_ref().map(Json::to_string);
    let changes: Vec<Json> = entry
        .changes
        .iter()
        .map(|c| {
            let mut change = json!({"field": c.field});
            if let Some(before) = text(&c.before) {
                change["before"] = before.into();
            }
            if let Some(after) = text(&c.after) {
                change["after"] = after.into();
            }
            change
        })
        .collect();
    Ok(json!({
        "at": entry.at.to_rfc3339(),
        "actor": entry.actor,
        "requestId": entry.request_id,
        "operation": entry.operation,
        "entityKind": entry.entity_kind.name(),
        "entityId": entry.entity_id,
        "changes": changes,
    }))
}

pub(super) fn decode_audit(mut row: Json) -> Result<AuditEntry, StoreError> {
    let parse = |v: Option<&Json>| {
        v.and_then(Json::as_str)
            .map(serde_json::from_str::<Json>)
            .transpose()
    };
    if let Some(changes) = row.get_mut("changes").and_then(Json::as_array_mut) {
        for change in changes {
            let decoded = FieldChange {
                field: change
                    .get("field")
                    .and_then(Json::as_str)
                    .unwrap_or_default()
                    .to_string(),
                before: parse(change.get("before")).map_err(StoreError::internal)?,
                after: parse(change.get("after")).map_err(StoreError::internal)?,
            };
            *change = serde_json::to_value(decoded).map_err(StoreError::internal)?;
        }
    }
    serde_json::from_value(row).map_err(StoreError::internal)
}

/// Statements that abort the transaction when a referenced record does not exist.
fn reference_checks<E: Entity>(doc: &Json, params: &mut Params) -> String {
    let mut sql = String::new();
    for field in reference_fields(E::KIND) {
        if let Some(key) = lookup(doc, field.path).and_then(Json::as_str) {
            let key = params.add(key.to_string());
            sql.push_str(&format!(
                "IF !record::exists(type::record('{table}', {key})) {{ THROW '{MISSING_REFERENCE}:{path}' }};\n",
                table = field.target.table(),
                path = field.path,
            ));
        }
    }
    sql
}

/// Statements that abort the transaction when the record is stale or gone.
fn version_check(params: &mut Params, expected: i64) -> String {
    params.set("expected", expected);
    format!(
        "LET $current = (SELECT VALUE version FROM ONLY type::record($tb, $id));
         IF $current = NONE {{ THROW '{NOT_FOUND}' }};
         IF $current != $expected {{ THROW '{STALE_VERSION}' }};\n"
    )
}

fn base_params<E: Entity>(id: &EntityId, audit: &AuditEntry) -> Result<Params, StoreError> {
    let mut params = Params::default();
    params
        .set("tb", E::KIND.table().to_string())
        .set("id", id.as_str().to_string())
        .set("audit_id", audit.id.as_str().to_string())
        .set("audit", encode_audit(audit)?);
    Ok(params)
}

const AUDIT: &str = "CREATE type::record('audit', $audit_id) CONTENT $audit RETURN NONE;\n";

/// The statement writing one audit entry, with its own parameters.
fn audit_statement(audit: &AuditEntry, params: &mut Params) -> Result<String, StoreError> {
    let id = params.add(audit.id.as_str().to_string());
    let entry = params.add(encode_audit(audit)?);
    Ok(format!(
        "CREATE type::record('audit', {id}) CONTENT {entry} RETURN NONE;\n"
    ))
}

impl Store {
    /// Creates a record; fails on a missing reference or a taken unique key.
    pub async fn insert<E: Entity>(
        &self,
        record: &Record<E>,
        audit: &AuditEntry,
    ) -> Result<(), StoreError> {
        self.insert_all(&[(record.clone(), audit.clone())]).await
    }

    /// Creates several records and their audit entries in one transaction: all or none.
    pub async fn insert_all<E: Entity>(
        &self,
        items: &[(Record<E>, AuditEntry)],
    ) -> Result<(), StoreError> {
        let mut params = Params::default();
        let mut sql = String::from("BEGIN TRANSACTION;\n");
        for (record, audit) in items {
            let doc = document(record)?;
            sql.push_str(&reference_checks::<E>(&doc, &mut params));
            sql.push_str(&endpoint_checks(record, &mut params));
            let content = params.add(content(record, doc));
            let write = if record.data.as_relationship().is_some() {
                format!("INSERT RELATION INTO relationship {content} RETURN NONE;\n")
            } else {
                let id = params.add(record.id.as_str().to_string());
                format!(
                    "CREATE type::record('{table}', {id}) CONTENT {content} RETURN NONE;\n",
                    table = E::KIND.table()
                )
            };
            sql.push_str(&write);
            sql.push_str(&audit_statement(audit, &mut params)?);
        }
        sql.push_str("COMMIT TRANSACTION;");
        self.run(&sql, params).await.map(|_| ())
    }

    /// Replaces a record if it is still at `expected_version`.
    pub async fn replace<E: Entity>(
        &self,
        record: &Record<E>,
        expected_version: i64,
        audit: &AuditEntry,
    ) -> Result<(), StoreError> {
        let doc = document(record)?;
        let mut params = base_params::<E>(&record.id, audit)?;
        let version = version_check(&mut params, expected_version);
        let checks =
            reference_checks::<E>(&doc, &mut params) + &endpoint_checks(record, &mut params);
        params.set("doc", content(record, doc));
        let sql = format!(
            "BEGIN TRANSACTION;\n{version}{checks}UPDATE type::record($tb, $id) CONTENT $doc RETURN NONE;\n{AUDIT}COMMIT TRANSACTION;"
        );
        self.run(&sql, params).await.map(|_| ())
    }

    /// Deletes a record at `expected_version` that nothing references any more.
    pub async fn delete<E: Entity>(
        &self,
        id: &EntityId,
        expected_version: i64,
        audit: &AuditEntry,
    ) -> Result<(), StoreError> {
        let mut params = base_params::<E>(id, audit)?;
        let version = version_check(&mut params, expected_version);
        let mut checks = String::new();
        for (kind, path) in referrers(E::KIND) {
            checks.push_str(&format!(
                "IF array::len(SELECT VALUE id FROM {table} WHERE {path} = $id LIMIT 1) > 0 {{ THROW '{IN_USE}:{kind}/{path}' }};\n",
                table = kind.table(),
            ));
        }
        if E::KIND != EntityKind::Relationship {
            let relationships = EntityKind::Relationship.table();
            checks.push_str(&format!(
                "IF array::len(SELECT VALUE id FROM {relationships} WHERE in = type::record($tb, $id) OR out = type::record($tb, $id) LIMIT 1) > 0 \
                 {{ THROW '{IN_USE}:Relationship/source or target' }};\n"
            ));
        }
        let sql = format!(
            "BEGIN TRANSACTION;\n{version}{checks}DELETE type::record($tb, $id) RETURN NONE;\n{AUDIT}COMMIT TRANSACTION;"
        );
        self.run(&sql, params).await.map(|_| ())
    }
}
