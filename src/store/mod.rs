//! The SurrealDB store: the source of truth. The only module that speaks SurrealQL.

mod audit_log;
mod bulk;
mod checkpoint;
mod discovery;
mod edges;
mod error;
mod filter_sql;
mod idempotency;
mod migrate;
mod tickets;
mod tokens;
mod webhooks;
mod writes;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use chrono::{DateTime, Utc};
use serde_json::Value as Json;
use surrealdb::Surreal;
use surrealdb::engine::any::{Any, connect};
use surrealdb::types::{RecordId, SurrealValue, Value};

pub use audit_log::AuditFilter;
pub use checkpoint::Checkpoint;
pub use discovery::SightingRow;
pub use edges::{EdgeChange, EdgeRow};
pub use error::StoreError;
pub use writes::Batch;

use crate::domain::access::audit::AuditEntry;
use crate::domain::kernel::entity::{Entity, EntityId, EntityKind, Record};
use crate::domain::kernel::page::{PageRequest, Window};
use crate::domain::kernel::query::{Filter, Sort};

const NAMESPACE: &str = "assetgraph";
/// How long closing waits for an embedded engine to write out its memory table.
const CLOSE_WAIT: std::time::Duration = std::time::Duration::from_secs(60);
const DATABASE: &str = "register";
/// Queries slower than this are logged at debug level (with the start of their text).
const SLOW_QUERY: std::time::Duration = std::time::Duration::from_millis(50);

/// A page of results with the total count of matches.
#[derive(Debug, Clone)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: usize,
    pub window: Window,
}

/// Named query parameters, always bound, never formatted into the query text.
#[derive(Default, Clone)]
struct Params(BTreeMap<String, Value>);

impl Params {
    fn set(&mut self, name: impl Into<String>, value: impl SurrealValue) -> &mut Self {
        self.0.insert(name.into(), value.into_value());
        self
    }

    /// Binds a fresh parameter and returns its `$name` for the query text.
    fn add(&mut self, value: impl SurrealValue) -> String {
        let name = format!("p{}", self.0.len());
        self.set(name.clone(), value);
        format!("${name}")
    }
}

/// A connected, migrated store handle. Clone it freely: clones share one session.
#[derive(Clone)]
pub struct Store {
    db: Surreal<Any>,
    round_trips: Arc<AtomicU64>,
    /// A server other processes may write to as well (not an embedded engine).
    shared: bool,
    /// Data kept beyond this process (anything but `mem://`).
    durable: bool,
    /// The lock file of an embedded engine on disk, free again once the engine has closed.
    lock_file: Option<PathBuf>,
    /// Every committed audit entry, for whoever follows changes live.
    events: tokio::sync::broadcast::Sender<Arc<AuditEntry>>,
    /// What each committed audit entry owes webhooks: pending deliveries (id, document).
    outbox: Arc<std::sync::RwLock<Option<OutboxRoute>>>,
    /// Where the audit chain ends, once read: audited commits take turns extending it.
    chain: Arc<tokio::sync::Mutex<Option<crate::domain::access::audit_chain::Head>>>,
}

/// Decides the deliveries an audit entry owes, written in the entry's own transaction.
pub type OutboxRoute = Arc<dyn Fn(&AuditEntry) -> Vec<(EntityId, Json)> + Send + Sync>;

/// Committed changes a slow follower may fall behind by before it misses some (and is told so).
const EVENT_BACKLOG: usize = 4096;

/// Makes surrealkv commits durable unless the URL already chooses a sync mode.
fn durable_url(url: &str) -> String {
    if url.starts_with("surrealkv://") && !url.contains("sync=") {
        let sep = if url.contains('?') { '&' } else { '?' };
        format!("{url}{sep}sync=every")
    } else {
        url.to_string()
    }
}

fn json_docs(rows: Vec<Json>) -> Vec<Json> {
    rows.into_iter().filter(|r| !r.is_null()).collect()
}

impl Store {
    /// Connects to `url` (`mem://`, `surrealkv://dir`, `ws://host:port`) and applies migrations.
    pub async fn open(url: &str) -> Result<Store, StoreError> {
        let db = connect(durable_url(url))
            .await
            .map_err(StoreError::unavailable)?;
        db.use_ns(NAMESPACE)
            .use_db(DATABASE)
            .await
            .map_err(StoreError::unavailable)?;
        let shared = ["ws://", "wss://", "http://", "https://"]
            .iter()
            .any(|scheme| url.starts_with(scheme));
        let store = Store {
            db,
            round_trips: Arc::new(AtomicU64::new(0)),
            shared,
            durable: !url.starts_with("mem://") && !url.starts_with("memory"),
            lock_file: url.strip_prefix("surrealkv://").map(|rest| {
                let dir = rest.split_once('?').map_or(rest, |(dir, _)| dir);
                PathBuf::from(dir).join("LOCK")
            }),
            events: tokio::sync::broadcast::channel(EVENT_BACKLOG).0,
            outbox: Arc::default(),
            chain: Arc::default(),
        };
        migrate::apply(&store).await?;
        Ok(store)
    }

    /// Lets an embedded engine on disk shut down in order once this, its last handle, is gone:
    /// it writes out its memory table, so the next start need not replay its log. Waits for
    /// that (the engine's lock file comes free) at most `CLOSE_WAIT`; other engines need nothing.
    pub async fn close(self) {
        let Some(lock_file) = self.lock_file.clone() else {
            return;
        };
        drop(self);
        let deadline = std::time::Instant::now() + CLOSE_WAIT;
        while std::time::Instant::now() < deadline {
            let free = std::fs::File::open(&lock_file).is_ok_and(|f| f.try_lock().is_ok());
            if free {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        tracing::warn!("the store did not close in time; its next start replays its log");
    }

    /// Whether this is an embedded engine on disk: its data outlives the process, and no other
    /// process writes it meanwhile (what may keep index checkpoints in it).
    pub fn owns_durable_data(&self) -> bool {
        self.durable && !self.shared
    }

    /// The same store, its queries not counted with the requests' round trips (background work).
    pub fn uncounted(&self) -> Store {
        Store {
            round_trips: Arc::new(AtomicU64::new(0)),
            ..self.clone()
        }
    }

    /// Every audit entry committed from now on (by this process).
    pub fn changes(&self) -> tokio::sync::broadcast::Receiver<Arc<AuditEntry>> {
        self.events.subscribe()
    }

    /// Routes every later commit's audit entries to webhook deliveries written with them.
    pub fn set_outbox(&self, route: OutboxRoute) {
        *self.outbox.write().expect("outbox lock") = Some(route);
    }

    /// Whether other processes may change this store (a SurrealDB server), so caches must follow it.
    pub fn is_shared(&self) -> bool {
        self.shared
    }

    /// How many queries this handle has sent: what the N+1 tests count.
    pub fn round_trips(&self) -> u64 {
        self.round_trips.load(Ordering::Relaxed)
    }

    /// Sends one query (possibly several statements) and fails on the first failed statement.
    async fn run(
        &self,
        sql: &str,
        params: Params,
    ) -> Result<surrealdb::IndexedResults, StoreError> {
        self.round_trips.fetch_add(1, Ordering::Relaxed);
        tracing::trace!(sql, "store query");
        let started = std::time::Instant::now();
        let mut response = self
            .db
            .query(sql)
            .bind(params.0)
            .await
            .map_err(StoreError::classify)?;
        let took = started.elapsed();
        if took > SLOW_QUERY {
            let head: String = sql.chars().take(120).collect();
            tracing::debug!(ms = took.as_millis() as u64, sql = %head, "slow store query");
        }
        let mut errors: Vec<(usize, surrealdb::Error)> =
            response.take_errors().into_iter().collect();
        // In a failed transaction every statement reports an error; the cause is the one that is not "not executed".
        errors.sort_by_key(|(index, e)| (e.is_query(), *index));
        match errors.into_iter().next() {
            Some((_, e)) => Err(StoreError::classify(e)),
            None => Ok(response),
        }
    }

    async fn rows(&self, sql: &str, params: Params) -> Result<Vec<Json>, StoreError> {
        let mut response = self.run(sql, params).await?;
        let rows: Vec<Json> = response.take(0).map_err(StoreError::internal)?;
        Ok(json_docs(rows))
    }

    /// Answers whether the store can be queried now.
    pub async fn ping(&self) -> Result<(), StoreError> {
        self.run("RETURN 1", Params::default()).await.map(|_| ())
    }

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
        use futures_util::StreamExt;
        futures_util::stream::iter(edges::key_ranges())
            .map(move |range| {
                let store = self.clone();
                async move {
                    let mut params = Params::default();
                    params.set(
                        "part",
                        RecordId::new(
                            E::KIND.table(),
                            surrealdb::types::RecordIdKey::Range(Box::new(range)),
                        ),
                    );
                    let sql =
                        format!("SELECT *, record::id(id) AS id FROM $part WHERE {condition}");
                    let rows = store.rows(&sql, params).await?;
                    rows.into_iter().map(decode).collect::<Result<Vec<_>, _>>()
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

    /// The audit trail of some entities (one, or an asset and those merged into it), oldest
    /// first, one page of it, in one round trip.
    pub async fn history(
        &self,
        kind: EntityKind,
        ids: &[EntityId],
        page: &PageRequest,
    ) -> Result<Page<AuditEntry>, StoreError> {
        let mut params = Params::default();
        params.set("kind", kind.name().to_string()).set(
            "entities",
            ids.iter()
                .map(|id| id.as_str().to_string())
                .collect::<Vec<_>>(),
        );
        let rows = self
            .rows(
                "SELECT *, record::id(id) AS id FROM audit WHERE entityKind = $kind AND entityId IN $entities ORDER BY at ASC, id ASC",
                params,
            )
            .await?;
        let entries: Vec<AuditEntry> = rows
            .into_iter()
            .map(writes::decode_audit)
            .collect::<Result<_, _>>()?;
        let total = entries.len();
        let window = page.window(total);
        let items = entries
            .into_iter()
            .skip(window.offset)
            .take(window.limit)
            .collect();
        Ok(Page {
            items,
            total,
            window,
        })
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
    let condition = filter_sql::compile(filter, &mut params);
    let direction = if sort.descending { "DESC" } else { "ASC" };
    let sql = format!(
        "SELECT *, record::id(id) AS id FROM type::table($tb) WHERE {condition}
           ORDER BY {path} {direction}, id ASC LIMIT $limit START $offset;",
        path = sort.path
    );
    (sql, condition, params)
}

/// Reads a stored document back into a record.
fn decode<E: Entity>(row: Json) -> Result<Record<E>, StoreError> {
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
