//! The store handle: one shared session on an engine (embedded or a server), counting its round
//! trips, announcing committed audit entries and routing them to the outbox.

use crate::domain::kernel::locks;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::domain::access::AuditEntry;
use crate::domain::kernel::EntityId;
use crate::store::kernel::error::StoreError;
use crate::store::kernel::params::Params;
use serde_json::Value as Json;
use surrealdb::Surreal;
use surrealdb::engine::any::{Any, connect};

const NAMESPACE: &str = "assetgraph";
/// How long closing waits for an embedded engine to write out its memory table.
const CLOSE_WAIT: std::time::Duration = std::time::Duration::from_secs(60);
const DATABASE: &str = "register";
/// Queries slower than this are logged at debug level (with the start of their text).
pub const SLOW_QUERY: std::time::Duration = std::time::Duration::from_millis(50);

/// A connected, migrated store handle. Clone it freely: clones share one session.
#[derive(Clone)]
pub struct Store {
    pub(in crate::store) db: Surreal<Any>,
    round_trips: Arc<AtomicU64>,
    /// A server other processes may write to as well (not an embedded engine).
    shared: bool,
    /// Data kept beyond this process (anything but `mem://`).
    durable: bool,
    /// The lock file of an embedded engine on disk, free again once the engine has closed.
    lock_file: Option<PathBuf>,
    /// Every committed audit entry, for whoever follows changes live.
    pub(in crate::store) events: tokio::sync::broadcast::Sender<Arc<AuditEntry>>,
    /// What each committed audit entry owes webhooks: pending deliveries (id, document).
    pub(in crate::store) outbox: Arc<std::sync::RwLock<Option<OutboxRoute>>>,
    /// Where the audit chain ends, once read: audited commits take turns extending it.
    pub(in crate::store) chain: Arc<tokio::sync::Mutex<Option<crate::domain::access::Head>>>,
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

pub fn json_docs(rows: Vec<Json>) -> Vec<Json> {
    rows.into_iter().filter(|r| !r.is_null()).collect()
}

impl Store {
    /// Connects to `url` (`mem://`, `surrealkv://dir`, `ws://host:port`); `Store::open` also
    /// migrates.
    pub async fn connect(url: &str) -> Result<Store, StoreError> {
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
        *locks::write(&self.outbox) = Some(route);
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
    pub async fn run(
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
        // In a failed transaction every other statement reports "not executed"; the cause is
        // the one that does not (a write conflict is reported by COMMIT, after those).
        errors.sort_by_key(|(index, e)| (StoreError::not_executed(e), *index));
        match errors.into_iter().next() {
            Some((_, e)) => Err(StoreError::classify(e)),
            None => Ok(response),
        }
    }

    pub async fn rows(&self, sql: &str, params: Params) -> Result<Vec<Json>, StoreError> {
        let mut response = self.run(sql, params).await?;
        let rows: Vec<Json> = response.take(0).map_err(StoreError::internal)?;
        Ok(json_docs(rows))
    }

    /// Answers whether the store can be queried now.
    pub async fn ping(&self) -> Result<(), StoreError> {
        self.run("RETURN 1", Params::default()).await.map(|_| ())
    }
}
