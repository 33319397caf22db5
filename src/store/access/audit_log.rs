//! Reading the audit log as a whole: filtered pages for auditors, and the chain in order for
//! verification.

use chrono::{DateTime, Utc};
use serde_json::Value as Json;

use crate::domain::access::AuditEntry;
use crate::domain::access::AuditFilter;
use crate::domain::access::Head;
use crate::domain::kernel::Offsets;
use crate::domain::kernel::{EntityId, EntityKind};
use crate::domain::kernel::{Page, Window};
use crate::store::kernel::Params;
use crate::store::kernel::json_docs;
use crate::store::kernel::writes;
use crate::store::{Store, StoreError};
use surrealdb::types::RecordId;

/// The SurrealQL condition, its values bound as parameters.
fn condition(filter: &AuditFilter, params: &mut Params) -> String {
    let mut terms = vec!["true".to_string()];
    if let Some(actor) = &filter.actor {
        terms.push(format!("actor = {}", params.add(actor.clone())));
    }
    if let Some(kind) = filter.entity_kind {
        terms.push(format!(
            "entityKind = {}",
            params.add(kind.name().to_string())
        ));
    }
    if let Some(id) = &filter.entity_id {
        terms.push(format!(
            "entityId = {}",
            params.add(id.as_str().to_string())
        ));
    }
    if let Some(operation) = filter.operation {
        let name = serde_json::to_value(operation)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        terms.push(format!("operation = {}", params.add(name)));
    }
    if let Some(from) = filter.from {
        terms.push(format!(
            "at >= <datetime> {}",
            params.add(from.to_rfc3339())
        ));
    }
    if let Some(to) = filter.to {
        terms.push(format!("at < <datetime> {}", params.add(to.to_rfc3339())));
    }
    terms.join(" AND ")
}
/// The `n` of a `SELECT count() AS n … GROUP ALL` (nothing matched: no row).
pub(super) fn counted(rows: &[Json]) -> usize {
    rows.first()
        .and_then(|c| c.get("n"))
        .and_then(Json::as_u64)
        .unwrap_or(0) as usize
}

fn decode_all(rows: Vec<Json>) -> Result<Vec<AuditEntry>, StoreError> {
    rows.into_iter().map(writes::decode_audit).collect()
}

impl Store {
    /// One page of the entries matching `filter`, oldest first, and how many match.
    pub async fn audit_log(
        &self,
        filter: &AuditFilter,
        page: &Offsets,
    ) -> Result<Page<AuditEntry>, StoreError> {
        let mut params = Params::default();
        let condition = condition(filter, &mut params);
        let count = self
            .rows(
                &format!("SELECT count() AS n FROM audit WHERE {condition} GROUP ALL"),
                params.clone(),
            )
            .await?;
        let total = counted(&count);
        let window = page.window(total);
        params
            .set("limit", window.limit as i64)
            .set("start", window.offset as i64);
        let rows = self
            .rows(
                &format!(
                    "SELECT *, record::id(id) AS id FROM audit WHERE {condition}
                     ORDER BY at ASC, id ASC LIMIT $limit START $start"
                ),
                params,
            )
            .await?;
        Ok(Page::of_window(decode_all(rows)?, total, window))
    }

    /// Where the audit chain ends, as its head record says (the start for an empty log).
    pub async fn chain_head(&self) -> Result<Head, StoreError> {
        let rows = self
            .rows(
                "SELECT seq, hash FROM ONLY audit_head:chain",
                Params::default(),
            )
            .await?;
        Ok(rows
            .first()
            .and_then(|row| {
                Some(Head {
                    seq: row.get("seq")?.as_u64()?,
                    hash: row.get("hash")?.as_str()?.to_string(),
                })
            })
            .unwrap_or_default())
    }

    /// The chained entries at positions after `after`, up to `limit` positions on, in order.
    pub async fn chain_run(&self, after: u64, limit: u64) -> Result<Vec<AuditEntry>, StoreError> {
        let mut params = Params::default();
        params
            .set("after", after as i64)
            .set("upto", (after + limit) as i64);
        let rows = self
            .rows(
                "SELECT *, record::id(id) AS id FROM audit
                 WHERE chain.seq > $after AND chain.seq <= $upto ORDER BY chain.seq ASC",
                params,
            )
            .await?;
        decode_all(rows)
    }

    /// The chained entries past position `after` (entries the head does not account for).
    pub async fn chained_beyond(&self, after: u64) -> Result<usize, StoreError> {
        let mut params = Params::default();
        params.set("after", after as i64);
        let rows = self
            .rows(
                "SELECT count() AS n FROM audit WHERE chain.seq > $after GROUP ALL",
                params,
            )
            .await?;
        Ok(counted(&rows))
    }

    /// Entries written before the chain existed (not part of it).
    pub async fn unchained_entries(&self) -> Result<usize, StoreError> {
        let rows = self
            .rows(
                "SELECT count() AS n FROM audit WHERE chain = NONE GROUP ALL",
                Params::default(),
            )
            .await?;
        Ok(counted(&rows))
    }
}

impl Store {
    /// The audit trail of some entities (one, or an asset and those merged into it), oldest
    /// first: the count and one page, read by the entity index in one round trip (two when
    /// the page is counted from the end).
    pub async fn history(
        &self,
        kind: EntityKind,
        ids: &[EntityId],
        page: &Offsets,
    ) -> Result<Page<AuditEntry>, StoreError> {
        let mut params = Params::default();
        params.set("kind", kind.name().to_string()).set(
            "entities",
            ids.iter()
                .map(|id| id.as_str().to_string())
                .collect::<Vec<_>>(),
        );
        const WHERE: &str = "FROM audit WHERE entityKind = $kind AND entityId IN $entities";
        let slice = |window: Window, params: &mut Params| {
            params
                .set("limit", window.limit as i64)
                .set("start", window.offset as i64);
            format!(
                "SELECT *, record::id(id) AS id {WHERE} ORDER BY at ASC, id ASC LIMIT $limit START $start;"
            )
        };
        // The window depends on the total; ask for the widest the request allows, cut after.
        let widest = page.window(usize::MAX / 2);
        let sql = format!(
            "SELECT count() AS n {WHERE} GROUP ALL;\n{}",
            slice(widest, &mut params)
        );
        let mut response = self.run(&sql, params.clone()).await?;
        let count: Vec<Json> = response.take(0).map_err(StoreError::internal)?;
        let total = counted(&json_docs(count));
        let window = page.window(total);
        let rows: Vec<Json> = if window.offset == widest.offset {
            response.take(1).map_err(StoreError::internal)?
        } else {
            let sql = slice(window, &mut params);
            self.run(&sql, params)
                .await?
                .take(0)
                .map_err(StoreError::internal)?
        };
        let mut entries = decode_all(json_docs(rows))?;
        entries.truncate(window.limit);
        Ok(Page::of_window(entries, total, window))
    }

    /// The whole audit trail of one entity, oldest first.
    pub async fn trail(
        &self,
        kind: EntityKind,
        id: &EntityId,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        let mut params = Params::default();
        params
            .set("kind", kind.name().to_string())
            .set("entity", id.as_str().to_string());
        let rows = self
            .rows(
                "SELECT *, record::id(id) AS id FROM audit WHERE entityKind = $kind AND entityId = $entity ORDER BY at ASC, id ASC",
                params,
            )
            .await?;
        rows.into_iter().map(writes::decode_audit).collect()
    }

    /// One audit entry by its id.
    pub async fn audit_entry(&self, id: &EntityId) -> Result<Option<AuditEntry>, StoreError> {
        let mut params = Params::default();
        params.set("id", RecordId::new("audit", id.as_str()));
        let rows = self
            .rows("SELECT *, record::id(id) AS id FROM $id", params)
            .await?;
        rows.into_iter()
            .map(writes::decode_audit)
            .next()
            .transpose()
    }

    /// The changes of one kind made after `anchor`, newest first.
    pub async fn changes_after(
        &self,
        kind: EntityKind,
        anchor: &AuditEntry,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        let mut entries = self.changes_since(kind, anchor.at).await?;
        // Entries stamped in the same instant as the anchor order by their time-ordered ids.
        entries.retain(|e| e.at > anchor.at || e.id.as_str() > anchor.id.as_str());
        entries.reverse();
        Ok(entries)
    }

    /// The changes of one kind stamped at `since` or later, oldest first.
    pub async fn changes_since(
        &self,
        kind: EntityKind,
        since: DateTime<Utc>,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        let mut params = Params::default();
        params
            .set("kind", kind.name().to_string())
            .set("at", since.to_rfc3339());
        let rows = self
            .rows(
                "SELECT *, record::id(id) AS id FROM audit WHERE entityKind = $kind AND at >= <datetime> $at ORDER BY at ASC, id ASC",
                params,
            )
            .await?;
        rows.into_iter().map(writes::decode_audit).collect()
    }
}
