//! What discovery needs of the store: sightings (read at start, written on every report), the
//! relationships around some assets, and bulk writes of a whole ingested batch in one transaction.

use chrono::{DateTime, Utc};
use serde_json::{Value as Json, json};
use surrealdb::types::{RecordId, SurrealValue, Value};

use crate::domain::access::AuditEntry;
use crate::domain::discovery::Sighting;
use crate::domain::kernel::{Entity, EntityId, EntityKind, Record};
use crate::domain::relationships::Relationship;
use crate::store::kernel::Params;
use crate::store::kernel::{Batch, content, document, insert_row};
use crate::store::{Store, StoreError};

/// One stored sighting: what `source` last reported of an asset or a relationship.
#[derive(Debug, Clone, PartialEq)]
pub struct SightingRow {
    pub kind: EntityKind,
    pub subject: EntityId,
    pub source: String,
    /// For a relationship: the asset whose record reported it.
    pub via: Option<EntityId>,
    pub sighting: Sighting,
    /// The source's first report of the subject: a plain insert, not an upsert.
    pub first: bool,
}

fn sighting_key(subject: &EntityId, source: &str) -> String {
    format!("{subject}~{source}")
}

impl SightingRow {
    fn document(&self) -> Json {
        let mut doc = json!({
            "subjectKind": self.kind.name(),
            "subject": self.subject,
            "source": self.source,
            "firstSeen": self.sighting.first_seen.to_rfc3339(),
            "lastSeen": self.sighting.last_seen.to_rfc3339(),
            "fingerprint": format!("{:016x}", self.sighting.fingerprint),
            "appliedVersion": self.sighting.applied_version,
        });
        if let Some(via) = &self.via {
            doc["via"] = json!(via);
        }
        doc
    }

    fn decode(row: &Json) -> Option<SightingRow> {
        let text = |f: &str| row.get(f).and_then(Json::as_str);
        let time = |f: &str| {
            text(f)
                .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
                .map(|t| t.with_timezone(&Utc))
        };
        Some(SightingRow {
            kind: EntityKind::from_name(text("subjectKind")?)?,
            subject: EntityId::parse(text("subject")?)?,
            source: text("source")?.to_string(),
            via: text("via").and_then(EntityId::parse),
            sighting: Sighting {
                first_seen: time("firstSeen")?,
                last_seen: time("lastSeen")?,
                fingerprint: u64::from_str_radix(text("fingerprint")?, 16).ok()?,
                applied_version: row.get("appliedVersion").and_then(Json::as_i64)?,
            },
            first: false,
        })
    }
}

impl Store {
    /// Every sighting, in batches by key range.
    pub fn scan_sightings(
        &self,
    ) -> impl futures_util::Stream<Item = Result<Vec<SightingRow>, StoreError>> + '_ {
        self.scan_parts(
            "sighting",
            "SELECT subjectKind, subject, source, via, firstSeen, lastSeen, fingerprint, appliedVersion FROM $part".to_string(),
            |rows| Ok(rows.iter().filter_map(SightingRow::decode).collect()),
        )
    }

    /// Relationships with one of `assets` at either end, in one round trip (both ends indexed).
    pub async fn relationships_touching(
        &self,
        assets: &[EntityId],
    ) -> Result<Vec<Record<Relationship>>, StoreError> {
        if assets.is_empty() {
            return Ok(Vec::new());
        }
        let links: Vec<RecordId> = assets
            .iter()
            .map(|id| RecordId::new("asset", id.as_str()))
            .collect();
        let mut params = Params::default();
        params.set("links", links);
        // One statement per end, so each uses its own index.
        let mut response = self
            .run(
                "SELECT *, record::id(id) AS id FROM relationship WHERE in IN $links;
                 SELECT *, record::id(id) AS id FROM relationship WHERE out IN $links;",
                params,
            )
            .await?;
        let mut rows: Vec<Json> = response.take(0).map_err(StoreError::internal)?;
        let targets: Vec<Json> = response.take(1).map_err(StoreError::internal)?;
        rows.extend(targets);
        let rows = crate::store::kernel::json_docs(rows);
        let mut found: Vec<Record<Relationship>> = rows
            .into_iter()
            .map(crate::store::kernel::decode)
            .collect::<Result<_, _>>()?;
        found.sort_by(|a, b| a.id.cmp(&b.id));
        found.dedup_by(|a, b| a.id == b.id);
        Ok(found)
    }
}

impl Batch {
    /// Creates many records in one statement. Only for records without reference fields (new
    /// discovered assets, products, queue items); relationships get their ends checked.
    pub fn insert_new<E: Entity>(
        &mut self,
        records: &[Record<E>],
    ) -> Result<&mut Self, StoreError> {
        if records.is_empty() {
            return Ok(self);
        }
        let mut docs = Vec::with_capacity(records.len());
        let mut ends = Vec::new();
        for record in records {
            let value = insert_row(record)?;
            if let Some(r) = record.data.downcast_ref::<Relationship>() {
                ends.push(RecordId::new(r.source.kind.table(), r.source.id.as_str()));
                ends.push(RecordId::new(r.target.kind.table(), r.target.id.as_str()));
            }
            docs.push(value);
        }
        let (sql, params) = self.parts();
        if !ends.is_empty() {
            let ends = params.add(ends);
            sql.push_str(&format!(
                "FOR $end IN {ends} {{ IF !record::exists($end) {{ THROW '{}:source or target' }}; }};\n",
                crate::store::kernel::MISSING_REFERENCE
            ));
        }
        let docs = params.add(docs);
        let relation = if E::KIND == EntityKind::Relationship {
            "RELATION "
        } else {
            ""
        };
        sql.push_str(&format!(
            "INSERT {relation}INTO {table} {docs} RETURN NONE;\n",
            table = E::KIND.table()
        ));
        Ok(self)
    }

    /// Replaces many records, each only if still at its expected version.
    pub fn replace_all<E: Entity>(
        &mut self,
        items: &[(Record<E>, i64)],
    ) -> Result<&mut Self, StoreError> {
        if items.is_empty() {
            return Ok(self);
        }
        let mut rows = Vec::with_capacity(items.len());
        for (record, expected) in items {
            let mut row = std::collections::BTreeMap::new();
            row.insert(
                "id".to_string(),
                RecordId::new(E::KIND.table(), record.id.as_str()).into_value(),
            );
            row.insert("expected".to_string(), expected.into_value());
            row.insert("doc".to_string(), content(record, document(record)?));
            rows.push(Value::Object(row.into()));
        }
        let (sql, params) = self.parts();
        let rows = params.add(rows);
        sql.push_str(&format!(
            "FOR $row IN {rows} {{
                 LET $current = (SELECT VALUE version FROM ONLY $row.id);
                 IF $current = NONE {{ THROW '{not_found}' }};
                 IF $current != $row.expected {{ THROW '{stale}' }};
                 UPDATE $row.id CONTENT $row.doc RETURN NONE;
             }};\n",
            not_found = crate::store::kernel::NOT_FOUND,
            stale = crate::store::kernel::STALE_VERSION,
        ));
        Ok(self)
    }

    /// Writes many audit entries (chained and inserted as the batch commits).
    pub fn audit_all(&mut self, entries: &[AuditEntry]) -> Result<&mut Self, StoreError> {
        self.audits.extend(entries.iter().cloned());
        Ok(self)
    }

    /// Writes sightings, replacing what the same source reported of the same subject before.
    pub fn sightings(&mut self, rows: &[SightingRow]) -> &mut Self {
        let document = |row: &SightingRow| {
            let mut value = row.document().into_value();
            if let Value::Object(object) = &mut value {
                object.insert(
                    "id".to_string(),
                    RecordId::new("sighting", sighting_key(&row.subject, &row.source)).into_value(),
                );
            }
            value
        };
        // A first sighting is a plain insert; only later ones need the slower upsert.
        let (first, again): (Vec<&SightingRow>, Vec<&SightingRow>) =
            rows.iter().partition(|row| row.first);
        let (sql, params) = self.parts();
        if !first.is_empty() {
            let first = params.add(first.into_iter().map(document).collect::<Vec<_>>());
            sql.push_str(&format!("INSERT INTO sighting {first} RETURN NONE;\n"));
        }
        if !again.is_empty() {
            let again = params.add(again.into_iter().map(document).collect::<Vec<_>>());
            sql.push_str(&format!(
                "INSERT INTO sighting {again} ON DUPLICATE KEY UPDATE
                     lastSeen = $input.lastSeen, firstSeen = $input.firstSeen, via = $input.via,
                     fingerprint = $input.fingerprint, appliedVersion = $input.appliedVersion
                 RETURN NONE;\n"
            ));
        }
        self
    }
}
