//! Reading records of any kind: by id, in key-range batches, by field, and one filtered, sorted
//! page at a time.

use crate::domain::kernel::Entity;
use crate::domain::kernel::EntityId;
use crate::domain::kernel::Record;
use crate::store::kernel::connection::Store;
use crate::store::kernel::error::StoreError;
use crate::store::kernel::params::Params;
use serde_json::Value as Json;
use std::ops::Bound;
use surrealdb::types::RecordId;
use surrealdb::types::{RecordIdKey, RecordIdKeyRange};

/// How many parts a table is read in: enough that each part's rows are a small,
/// short-lived batch, few enough that per-query overhead stays negligible.
const PARTS: usize = 256;

/// Key ranges covering the whole table. Generated ids are hexadecimal, so splitting on the first
/// two digits spreads them evenly; any other key still lands in exactly one part.
pub fn key_ranges() -> Vec<RecordIdKeyRange> {
    let key = |n: usize| RecordIdKey::String(format!("{n:02x}"));
    (0..PARTS)
        .map(|n| RecordIdKeyRange {
            start: if n == 0 {
                Bound::Unbounded
            } else {
                Bound::Included(key(n))
            },
            end: if n + 1 == PARTS {
                Bound::Unbounded
            } else {
                Bound::Excluded(key(n + 1))
            },
        })
        .collect()
}

impl Store {
    pub async fn get<E: Entity>(&self, id: &EntityId) -> Result<Option<Record<E>>, StoreError> {
        Ok(self
            .get_many::<E>(std::slice::from_ref(id))
            .await?
            .into_iter()
            .next())
    }

    /// Loads many records in one round trip; missing ids are simply absent from the result.
    pub async fn get_many<E: Entity>(
        &self,
        ids: &[EntityId],
    ) -> Result<Vec<Record<E>>, StoreError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut params = Params::default();
        let ids: Vec<RecordId> = ids
            .iter()
            .map(|id| RecordId::new(E::KIND.table(), id.as_str()))
            .collect();
        params.set("ids", ids);
        let rows = self
            .rows("SELECT *, record::id(id) AS id FROM $ids", params)
            .await?;
        rows.into_iter().map(decode).collect()
    }

    /// Every record of a kind, in batches (one per key range, a few read at once), so a large
    /// table is never held in memory twice.
    pub fn scan_all<E: Entity>(
        &self,
    ) -> impl futures_util::Stream<Item = Result<Vec<Record<E>>, StoreError>> + '_ {
        self.scan_matching::<E>("true")
    }

    /// Like [`Store::scan_all`], only the records meeting `condition` (SurrealQL from code
    /// constants, never from clients).
    pub fn scan_matching<E: Entity>(
        &self,
        condition: &'static str,
    ) -> impl futures_util::Stream<Item = Result<Vec<Record<E>>, StoreError>> + '_ {
        let sql = format!("SELECT *, record::id(id) AS id FROM $part WHERE {condition}");
        self.scan_parts(E::KIND.table(), sql, |rows| {
            rows.into_iter().map(decode).collect()
        })
    }

    /// Reads `table` one key range at a time (a few ranges at once): `sql` reads the range
    /// `$part`, `rows` turns what it returns into items.
    pub fn scan_parts<T: 'static>(
        &self,
        table: &'static str,
        sql: String,
        rows: fn(Vec<Json>) -> Result<Vec<T>, StoreError>,
    ) -> impl futures_util::Stream<Item = Result<Vec<T>, StoreError>> + '_ {
        use futures_util::StreamExt;
        futures_util::stream::iter(key_ranges())
            .map(move |range| {
                let store = self.clone();
                let sql = sql.clone();
                async move {
                    let mut params = Params::default();
                    params.set(
                        "part",
                        RecordId::new(table, RecordIdKey::Range(Box::new(range))),
                    );
                    rows(store.rows(&sql, params).await?)
                }
            })
            .buffered(3)
    }

    /// Every record of a small kind (a catalogue) in one round trip.
    pub async fn all_of<E: Entity>(&self) -> Result<Vec<Record<E>>, StoreError> {
        let mut params = Params::default();
        params.set("tb", E::KIND.table().to_string());
        let rows = self
            .rows(
                "SELECT *, record::id(id) AS id FROM type::table($tb)",
                params,
            )
            .await?;
        rows.into_iter().map(decode).collect()
    }

    /// Records whose field at `path` equals one of `values` (e.g. people of some teams).
    pub async fn find_by<E: Entity>(
        &self,
        path: &'static str,
        values: Vec<Json>,
    ) -> Result<Vec<Record<E>>, StoreError> {
        if values.is_empty() {
            return Ok(Vec::new());
        }
        let mut params = Params::default();
        params
            .set("tb", E::KIND.table().to_string())
            .set("values", values);
        let sql = format!(
            "SELECT *, record::id(id) AS id FROM type::table($tb) WHERE {path} IN $values ORDER BY id"
        );
        let rows = self.rows(&sql, params).await?;
        rows.into_iter().map(decode).collect()
    }

    /// Whether the store holds no register data yet (decides whether `--demo` seeds).
    pub async fn is_empty(&self) -> Result<bool, StoreError> {
        let rows = self
            .rows("SELECT VALUE id FROM asset LIMIT 1", Params::default())
            .await?;
        Ok(rows.is_empty())
    }
}

/// Reads a stored document back into a record.
pub fn decode<E: Entity>(row: Json) -> Result<Record<E>, StoreError> {
    serde_json::from_value(strip_store_fields(row)).map_err(StoreError::internal)
}

/// Drops the fields the store computes for its own indexes.
fn strip_store_fields(mut row: Json) -> Json {
    if let Some(map) = row.as_object_mut() {
        map.remove("externalKeys");
        map.remove("serialKey");
        map.remove("in");
        map.remove("out");
    }
    row
}
