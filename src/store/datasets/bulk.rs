//! Bulk loading for synthetic estates: many records per transaction, no per-record audit entry.

use crate::domain::kernel::{Entity, EntityKind, Record};
use crate::store::kernel::Params;
use crate::store::kernel::insert_row;
use crate::store::{Store, StoreError};

impl Store {
    /// Writes `records` in one transaction; fails as a whole on a taken unique key.
    pub async fn insert_bulk<E: Entity>(&self, records: &[Record<E>]) -> Result<(), StoreError> {
        if records.is_empty() {
            return Ok(());
        }
        let mut docs = Vec::with_capacity(records.len());
        for record in records {
            let value = insert_row(record)?;
            docs.push(value);
        }
        let mut params = Params::default();
        params.set("docs", docs);
        // Table names come from the entity kind, never from input.
        let relation = if E::KIND == EntityKind::Relationship {
            "RELATION "
        } else {
            ""
        };
        let sql = format!(
            "INSERT {relation}INTO {table} $docs RETURN VALUE id;",
            table = E::KIND.table()
        );
        let written = self.rows(&sql, params).await?.len();
        // A bulk insert has been seen to report success yet write fewer rows: never accept that.
        if written != records.len() {
            return Err(StoreError::internal(format!(
                "bulk insert wrote {written} of {} {} records",
                records.len(),
                E::KIND.table()
            )));
        }
        Ok(())
    }
}
