//! Reading records of any kind: by id, in key-range batches, by field, and one filtered, sorted
//! page at a time.

use crate::domain::kernel::Entity;
use crate::domain::kernel::EntityId;
use crate::domain::kernel::Filter;
use crate::domain::kernel::Page;
use crate::domain::kernel::PageRequest;
use crate::domain::kernel::Record;
use crate::domain::kernel::Sort;
use crate::domain::kernel::Window;
use crate::store::kernel::connection::Store;
use crate::store::kernel::connection::json_docs;
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

    /// One page of the records matching `filter` in `sort` order, and the total count, in one round trip.
    pub async fn list<E: Entity>(
        &self,
        filter: &Filter,
        sort: &Sort,
        page: &PageRequest,
    ) -> Result<Page<Record<E>>, StoreError> {
        // The window depends on the total; ask for the widest slice the request allows and cut after.
        let widest = page.window(usize::MAX / 2);
        let (select, condition, params) = page_query::<E>(filter, sort, widest);
        let sql = format!(
            "SELECT count() AS n FROM type::table($tb) WHERE {condition} GROUP ALL;\n{select}"
        );
        let mut response = self.run(&sql, params).await?;
        let count: Vec<Json> = response.take(0).map_err(StoreError::internal)?;
        let total = count
            .first()
            .and_then(|c| c.get("n"))
            .and_then(Json::as_u64)
            .unwrap_or(0) as usize;
        let window = page.window(total);
        let rows: Vec<Json> = if window.offset == widest.offset {
            response.take(1).map_err(StoreError::internal)?
        } else {
            // `last` without `before`: the slice is only known once the total is.
            let (select, _, params) = page_query::<E>(filter, sort, window);
            self.run(&select, params)
                .await?
                .take(0)
                .map_err(StoreError::internal)?
        };
        let items = json_docs(rows)
            .into_iter()
            .take(window.limit)
            .map(decode)
            .collect::<Result<_, _>>()?;
        Ok(Page {
            items,
            total,
            window,
        })
    }

    /// Whether the store holds no register data yet (decides whether `--demo` seeds).
    pub async fn is_empty(&self) -> Result<bool, StoreError> {
        let rows = self
            .rows("SELECT VALUE id FROM asset LIMIT 1", Params::default())
            .await?;
        Ok(rows.is_empty())
    }
}

/// The query for one window of the filtered, sorted records, its `WHERE` condition, and the parameters.
fn page_query<E: Entity>(filter: &Filter, sort: &Sort, window: Window) -> (String, String, Params) {
    let mut params = Params::default();
    params
        .set("tb", E::KIND.table().to_string())
        .set("offset", window.offset as i64)
        .set("limit", window.limit as i64);
    let condition = crate::store::kernel::filter_sql::compile(filter, &mut params);
    let direction = if sort.descending { "DESC" } else { "ASC" };
    let sql = format!(
        "SELECT *, record::id(id) AS id FROM type::table($tb) WHERE {condition}
           ORDER BY {path} {direction}, id ASC LIMIT $limit START $offset;",
        path = sort.path
    );
    (sql, condition, params)
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
