//! Mutations: each commits the record change and its audit entry in one transaction.

use crate::domain::kernel::locks;
use serde_json::{Value as Json, json};

use crate::store::kernel::error::{
    CHAIN_MOVED, IN_USE, MISSING_REFERENCE, NOT_FOUND, STALE_VERSION,
};
use std::sync::Arc;

use crate::domain::access::Head;
use crate::domain::access::audit_chain;
use crate::domain::access::rules as access;
use crate::domain::access::{AuditEntry, FieldChange};
use crate::domain::kernel::{reference_fields, referrers};
use crate::store::kernel::params::Params;
use crate::store::{Store, StoreError};
use surrealdb::types::{RecordId, SurrealValue, Value};

use crate::domain::kernel::lookup;
use crate::domain::kernel::{Entity, EntityId, EntityKind, NodeRef, Record};
use crate::domain::relationships::Relationship;

/// The stored document of a record: everything but its id, which is the record key.
pub fn document<E: Entity>(record: &Record<E>) -> Result<Json, StoreError> {
    let mut doc = serde_json::to_value(record).map_err(StoreError::internal)?;
    doc.as_object_mut().map(|m| m.remove("id"));
    Ok(doc)
}

fn link(node: &NodeRef) -> RecordId {
    RecordId::new(node.kind.table(), node.id.as_str())
}

/// A record as one row of a bulk `INSERT`: its content with its record id.
pub fn insert_row<E: Entity>(record: &Record<E>) -> Result<Value, StoreError> {
    let mut value = content(record, document(record)?);
    if let Value::Object(object) = &mut value {
        object.insert(
            "id".to_string(),
            RecordId::new(E::KIND.table(), record.id.as_str()).into_value(),
        );
    }
    Ok(value)
}

/// The content to write: the document, plus the graph links `in` and `out` for relationships.
pub fn content<E: Entity>(record: &Record<E>, doc: Json) -> Value {
    let mut value = doc.into_value();
    if let (Some((source, target)), Value::Object(object)) = (
        record
            .data
            .downcast_ref::<Relationship>()
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
        .downcast_ref::<Relationship>()
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
pub(super) fn audit_document(entry: &AuditEntry) -> Result<Json, StoreError> {
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
    let mut doc = json!({
        "at": entry.at.to_rfc3339(),
        "actor": entry.actor,
        "actorRole": entry.actor_role,
        "chain": entry.chain,
        "requestId": entry.request_id,
        "operation": entry.operation,
        "entityKind": entry.entity_kind.name(),
        "entityId": entry.entity_id,
        "changes": changes,
    });
    if let Some(reason) = &entry.reason {
        doc["reason"] = reason.clone().into();
    }
    if let Some(ticket) = &entry.ticket_ref {
        doc["ticketRef"] = ticket.clone().into();
    }
    if let Some(source) = &entry.source {
        doc["source"] = source.clone().into();
    }
    // Absent, not null, in a schemafull table.
    if let Some(object) = doc.as_object_mut() {
        object.retain(|_, value| !value.is_null());
    }
    Ok(doc)
}

pub fn decode_audit(mut row: Json) -> Result<AuditEntry, StoreError> {
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
        let Some(value) = lookup(doc, field.path) else {
            continue;
        };
        let (table, path) = (field.target.table(), field.path);
        if field.many {
            let Some(keys) = value.as_array().filter(|keys| !keys.is_empty()) else {
                continue;
            };
            let keys = params.add(Json::Array(keys.clone()));
            sql.push_str(&format!(
                "FOR $key IN {keys} {{ IF !record::exists(type::record('{table}', $key)) {{ THROW '{MISSING_REFERENCE}:{path}' }}; }};\n",
            ));
        } else if let Some(key) = value.as_str() {
            let key = params.add(key.to_string());
            sql.push_str(&format!(
                "IF !record::exists(type::record('{table}', {key})) {{ THROW '{MISSING_REFERENCE}:{path}' }};\n",
            ));
        }
    }
    sql
}

/// Statements that abort the transaction when record `id` of `table` is stale or gone.
fn version_check(table: &str, id: &str, expected: i64, params: &mut Params) -> String {
    let (table, id, expected) = (
        params.add(table.to_string()),
        params.add(id.to_string()),
        params.add(expected),
    );
    format!(
        "LET $current = (SELECT VALUE version FROM ONLY type::record({table}, {id}));
         IF $current = NONE {{ THROW '{NOT_FOUND}' }};
         IF $current != {expected} {{ THROW '{STALE_VERSION}' }};\n"
    )
}

/// The statements that write a batch's audit entries, chained after `head`, and move the
/// chain's head record on, failing if another process moved it first.
fn chain_statements(
    audits: &mut [AuditEntry],
    head: &Head,
    params: &mut Params,
) -> Result<(String, Head), StoreError> {
    let mut tail = head.clone();
    let mut docs = Vec::with_capacity(audits.len());
    for audit in audits.iter_mut() {
        audit_chain::link(audit, tail.seq + 1, &tail.hash);
        let link = audit.chain.as_ref().expect("just linked");
        tail = Head {
            seq: link.seq,
            hash: link.hash.clone(),
        };
        let mut value = audit_document(audit)?.into_value();
        if let Value::Object(object) = &mut value {
            object.insert(
                "id".to_string(),
                RecordId::new("audit", audit.id.as_str()).into_value(),
            );
        }
        docs.push(value);
    }
    params
        .set("chain_docs", docs)
        .set("chain_from", head.seq as i64)
        .set("chain_seq", tail.seq as i64)
        .set("chain_hash", tail.hash.clone());
    let sql = format!(
        "IF ((SELECT VALUE seq FROM ONLY audit_head:chain) ?? 0) != $chain_from {{ THROW '{CHAIN_MOVED}' }};
         INSERT INTO audit $chain_docs RETURN NONE;
         UPSERT audit_head:chain CONTENT {{ seq: $chain_seq, hash: $chain_hash }} RETURN NONE;\n"
    );
    Ok((sql, tail))
}

/// Record changes that commit together, each with its audit entry, in one transaction: every
/// check passes and every change is written, or nothing is.
#[derive(Default)]
pub struct Batch {
    sql: String,
    params: Params,
    /// The audit entries written, announced once the batch commits.
    pub(in crate::store) audits: Vec<AuditEntry>,
}

impl Batch {
    /// The query text and parameters, for statements added elsewhere in the store.
    pub(in crate::store) fn parts(&mut self) -> (&mut String, &mut Params) {
        (&mut self.sql, &mut self.params)
    }

    /// Whether nothing has been added.
    pub fn is_empty(&self) -> bool {
        self.sql.is_empty()
    }

    /// Creates a record; the batch fails on a missing reference or a taken unique key.
    pub fn create<E: Entity>(
        &mut self,
        record: &Record<E>,
        audit: &AuditEntry,
    ) -> Result<&mut Self, StoreError> {
        let params = &mut self.params;
        let doc = document(record)?;
        self.sql.push_str(&reference_checks::<E>(&doc, params));
        self.sql.push_str(&endpoint_checks(record, params));
        let content = params.add(content(record, doc));
        if record.data.downcast_ref::<Relationship>().is_some() {
            self.sql.push_str(&format!(
                "INSERT RELATION INTO relationship {content} RETURN NONE;\n"
            ));
        } else {
            let id = params.add(record.id.as_str().to_string());
            self.sql.push_str(&format!(
                "CREATE type::record('{table}', {id}) CONTENT {content} RETURN NONE;\n",
                table = E::KIND.table()
            ));
        }
        self.audits.push(audit.clone());
        Ok(self)
    }

    /// Replaces a record if it is still at `expected_version`.
    pub fn replace<E: Entity>(
        &mut self,
        record: &Record<E>,
        expected_version: i64,
        audit: &AuditEntry,
    ) -> Result<&mut Self, StoreError> {
        let params = &mut self.params;
        let doc = document(record)?;
        let table = E::KIND.table();
        self.sql.push_str(&version_check(
            table,
            record.id.as_str(),
            expected_version,
            params,
        ));
        self.sql.push_str(&reference_checks::<E>(&doc, params));
        self.sql.push_str(&endpoint_checks(record, params));
        let id = params.add(record.id.as_str().to_string());
        let content = params.add(content(record, doc));
        self.sql.push_str(&format!(
            "UPDATE type::record('{table}', {id}) CONTENT {content} RETURN NONE;\n"
        ));
        self.audits.push(audit.clone());
        Ok(self)
    }

    /// Deletes a record at `expected_version` that nothing references any more.
    pub fn delete<E: Entity>(
        &mut self,
        id: &EntityId,
        expected_version: i64,
        audit: &AuditEntry,
    ) -> Result<&mut Self, StoreError> {
        let params = &mut self.params;
        let table = E::KIND.table();
        self.sql
            .push_str(&version_check(table, id.as_str(), expected_version, params));
        let key = params.add(id.as_str().to_string());
        let record = format!("type::record('{table}', {key})");
        for (kind, field) in referrers(E::KIND) {
            let (path, test) = (field.path, if field.many { "CONTAINS" } else { "=" });
            self.sql.push_str(&format!(
                "IF array::len(SELECT VALUE id FROM {referrer} WHERE {path} {test} {key} LIMIT 1) > 0 {{ THROW '{IN_USE}:{kind}/{path}' }};\n",
                referrer = kind.table(),
            ));
        }
        if matches!(E::KIND, EntityKind::Asset | EntityKind::Relationship) {
            self.sql.push_str(&format!(
                "DELETE sighting WHERE subject = {key} RETURN NONE;\n"
            ));
        }
        if E::KIND != EntityKind::Relationship {
            let relationships = EntityKind::Relationship.table();
            self.sql.push_str(&format!(
                "IF array::len(SELECT VALUE id FROM {relationships} WHERE in = {record} OR out = {record} LIMIT 1) > 0 \
                 {{ THROW '{IN_USE}:Relationship/source or target' }};\n"
            ));
        }
        self.sql
            .push_str(&format!("DELETE {record} RETURN NONE;\n"));
        self.audits.push(audit.clone());
        Ok(self)
    }
}

impl Store {
    /// Commits a batch of changes in one transaction, its audit entries chained onto the log.
    /// Refused whole if the actor's role may not make one of its changes.
    pub async fn commit(&self, batch: Batch) -> Result<(), StoreError> {
        let mut batch = batch;
        if let Some(refusal) = batch.audits.iter().find_map(access::refusal) {
            return Err(StoreError::Forbidden(refusal));
        }
        self.add_outbox(&mut batch)?;
        let mut chain = self.chain.lock().await;
        let mut retries = 0;
        loop {
            let head = match chain.as_ref() {
                Some(head) => head.clone(),
                None => self.chain_head().await?,
            };
            let mut audits = batch.audits.clone();
            let mut params = batch.params.clone();
            let (tail_sql, tail) = if audits.is_empty() {
                (String::new(), head)
            } else {
                chain_statements(&mut audits, &head, &mut params)?
            };
            let sql = format!(
                "BEGIN TRANSACTION;\n{}{tail_sql}COMMIT TRANSACTION;",
                batch.sql
            );
            let started = std::time::Instant::now();
            match Box::pin(self.run(&sql, params)).await {
                Ok(response) => {
                    *chain = Some(tail);
                    if started.elapsed() > crate::store::kernel::connection::SLOW_QUERY
                        && tracing::enabled!(tracing::Level::DEBUG)
                    {
                        log_statement_times(response);
                    }
                    for audit in audits {
                        // Nobody listening is fine: events are for whoever follows changes now.
                        let _ = self.events.send(Arc::new(audit));
                    }
                    return Ok(());
                }
                // Another process wrote to a shared store, or a commit in doubt did land; a
                // write conflict wrote nothing and is how the chain moving shows when two
                // commits overlap.
                Err(StoreError::ChainMoved | StoreError::Conflict(_)) if retries < 8 => {
                    *chain = None;
                    retries += 1;
                }
                Err(e) => {
                    // A commit in doubt may have landed: the next one reads where the chain ends.
                    if matches!(
                        e,
                        StoreError::Unavailable(_)
                            | StoreError::Internal(_)
                            | StoreError::Timeout(_)
                    ) {
                        *chain = None;
                    }
                    return Err(e);
                }
            }
        }
    }

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
        let mut batch = Batch::default();
        for (record, audit) in items {
            batch.create(record, audit)?;
        }
        self.commit(batch).await
    }

    /// Replaces a record if it is still at `expected_version`.
    pub async fn replace<E: Entity>(
        &self,
        record: &Record<E>,
        expected_version: i64,
        audit: &AuditEntry,
    ) -> Result<(), StoreError> {
        let mut batch = Batch::default();
        batch.replace(record, expected_version, audit)?;
        self.commit(batch).await
    }

    /// Deletes a record at `expected_version` that nothing references any more.
    pub async fn delete<E: Entity>(
        &self,
        id: &EntityId,
        expected_version: i64,
        audit: &AuditEntry,
    ) -> Result<(), StoreError> {
        let mut batch = Batch::default();
        batch.delete::<E>(id, expected_version, audit)?;
        self.commit(batch).await
    }
}

impl Store {
    /// Adds to the batch the pending deliveries its audit entries owe to webhooks, so they
    /// commit with the change or not at all.
    fn add_outbox(&self, batch: &mut Batch) -> Result<(), StoreError> {
        let Some(route) = locks::read(&self.outbox).clone() else {
            return Ok(());
        };
        let mut docs = Vec::new();
        for audit in &batch.audits {
            for (id, doc) in route(audit) {
                let mut value = doc.into_value();
                if let Value::Object(object) = &mut value {
                    object.insert(
                        "id".to_string(),
                        RecordId::new("delivery", id.as_str()).into_value(),
                    );
                }
                docs.push(value);
            }
        }
        if !docs.is_empty() {
            let (sql, params) = batch.parts();
            let docs = params.add(docs);
            sql.push_str(&format!("INSERT INTO delivery {docs} RETURN NONE;\n"));
        }
        Ok(())
    }
}

/// Says where a slow transaction spent its time, statement by statement, in the order written.
fn log_statement_times(response: surrealdb::IndexedResults) {
    let mut response = surrealdb::method::WithStats(response);
    let statements = response.0.num_statements();
    let ms: Vec<u128> = (0..statements)
        .filter_map(|i| response.take::<Value>(i))
        .map(|(stats, _)| stats.execution_time.unwrap_or_default().as_millis())
        .collect();
    tracing::debug!(?ms, "slow transaction, milliseconds per statement");
}
