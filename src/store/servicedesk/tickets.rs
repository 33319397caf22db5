//! What tickets need of the store beyond plain records: lookup by the ticketing system's key,
//! changes planned within a period, and an entity set's recent audited changes.

use chrono::{DateTime, Utc};

use crate::domain::access::AuditEntry;
use crate::domain::kernel::{EntityId, EntityKind, Record};
use crate::domain::servicedesk::Ticket;
use crate::store::kernel::Params;
use crate::store::kernel::decode;
use crate::store::kernel::writes;
use crate::store::{Store, StoreError};

impl Store {
    /// The ticket `key` of `system`, by the unique index on both.
    pub async fn ticket_by_key(
        &self,
        system: &str,
        key: &str,
    ) -> Result<Option<Record<Ticket>>, StoreError> {
        let mut params = Params::default();
        params
            .set("system", system.to_string())
            .set("key", key.to_string());
        let rows = self
            .rows(
                "SELECT *, record::id(id) AS id FROM ticket WHERE system = $system AND key = $key",
                params,
            )
            .await?;
        rows.into_iter().map(decode).next().transpose()
    }

    /// Changes whose planned window shares time with `[from, to)`, earliest start first.
    pub async fn changes_between(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<Record<Ticket>>, StoreError> {
        let mut params = Params::default();
        params
            .set("from", from.to_rfc3339())
            .set("to", to.to_rfc3339());
        let rows = self
            .rows(
                "SELECT *, record::id(id) AS id FROM ticket
                 WHERE kind = 'CHANGE' AND plannedStart < <datetime> $to AND plannedEnd > <datetime> $from
                 ORDER BY plannedStart ASC, id ASC",
                params,
            )
            .await?;
        rows.into_iter().map(decode).collect()
    }

    /// The latest `limit` audited changes of some entities of one kind since `since`, newest
    /// first.
    pub async fn recent_changes(
        &self,
        kind: EntityKind,
        ids: &[EntityId],
        since: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut params = Params::default();
        params
            .set("kind", kind.name().to_string())
            .set(
                "entities",
                ids.iter().map(|id| id.to_string()).collect::<Vec<_>>(),
            )
            .set("at", since.to_rfc3339())
            .set("limit", limit as i64);
        let rows = self
            .rows(
                "SELECT *, record::id(id) AS id FROM audit
                 WHERE entityKind = $kind AND entityId IN $entities AND at >= <datetime> $at
                 ORDER BY at DESC, id DESC LIMIT $limit",
                params,
            )
            .await?;
        rows.into_iter().map(writes::decode_audit).collect()
    }
}
