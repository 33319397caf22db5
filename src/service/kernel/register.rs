//! The register: the store handle and the in-memory projections every request reads, kept
//! current by every committed change.

use crate::service::kernel::CpuPool;
use crate::service::kernel::WebhookTargets;

use futures_util::StreamExt;

use crate::domain::kernel::{Entity, NodeRef, Record};
use crate::graph::GraphIndex;
use crate::service::kernel::books::{Books, SharedBooks};
use crate::service::kernel::documents::Documents;
use crate::service::kernel::error::ServiceError;
use crate::service::kernel::hooks::Hooks;
use crate::service::kernel::index::{Graph, Origin, SharedIndex};
use crate::service::kernel::index_start::build;
use crate::service::kernel::tables::{SharedTables, Tables};
use crate::service::kernel::tokens::TokenCache;
use crate::store::Store;
use std::sync::Arc;

/// The register's operations over one store.
#[derive(Clone)]
pub struct Register {
    pub(crate) store: Store,
    pub(crate) graph: SharedIndex,
    /// The finance ledger, kept current like the graph index.
    pub(crate) books: SharedBooks,
    /// The register's lists, kept current like the graph index.
    pub(crate) tables: SharedTables,
    /// Records recently read or written, for reads by id.
    pub(crate) documents: Arc<Documents>,
    /// First month (1–12) of the organisation's fiscal year.
    pub(crate) fiscal_year_start: u32,
    /// The webhooks, routing every commit's changes to deliveries.
    pub(crate) hooks: Hooks,
    /// Tokens recently presented, so authenticating costs no round trip.
    pub(crate) tokens: TokenCache,
    /// Where webhooks may be sent.
    pub(crate) targets: WebhookTargets,
    /// The threads CPU-heavy questions run on.
    pub(crate) cpu: CpuPool,
}

impl Register {
    /// The register over a connected store, with the relationship index built from it. On a
    /// shared store the index also follows changes other servers commit.
    pub async fn open(store: Store) -> Result<Register, ServiceError> {
        let follow = store.is_shared();
        Register::assemble(store, follow).await
    }

    /// The register with an index that also follows relationship changes committed by other
    /// processes on the same store.
    pub async fn open_following(store: Store) -> Result<Register, ServiceError> {
        Register::assemble(store, true).await
    }

    /// Builds the projections from the store; a follower subscribes to relationship changes
    /// before it reads the index, so no change falls between.
    async fn assemble(store: Store, follow: bool) -> Result<Register, ServiceError> {
        let changes = match follow {
            true => Some(store.follow_edges().await?),
            false => None,
        };
        let register = Register {
            graph: build(&store).await?,
            books: Books::load(&store),
            tables: Tables::load(&store),
            documents: Arc::new(Documents::new(!store.is_shared())),
            hooks: Hooks::load(&store).await?,
            tokens: TokenCache::default(),
            targets: WebhookTargets::default(),
            cpu: CpuPool::default(),
            fiscal_year_start: 1,
            store,
        };
        if let Some(changes) = changes {
            let graph = register.graph.clone();
            tokio::spawn(async move {
                let mut changes = std::pin::pin!(changes);
                while let Some(change) = changes.next().await {
                    match change {
                        Ok(change) => graph.apply_change(change),
                        Err(e) => tracing::warn!(error = %e, "unreadable relationship change"),
                    }
                }
                tracing::error!(
                    "the store's change feed ended; this server's index no longer follows others"
                );
            });
        }
        Ok(register)
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The same register with the organisation's fiscal year starting in `month` (1–12).
    pub fn with_fiscal_year_start(mut self, month: u32) -> Result<Register, ServiceError> {
        if !(1..=12).contains(&month) {
            return Err(ServiceError::BadRequest(
                "the fiscal year starts in a month from 1 to 12".into(),
            ));
        }
        self.fiscal_year_start = month;
        Ok(self)
    }

    /// The same register sending webhooks only where `targets` allows.
    pub fn with_webhook_targets(mut self, targets: WebhookTargets) -> Register {
        self.targets = targets;
        self
    }

    /// The same register answering graph questions from `index` rather than from the stored
    /// relationships: for measuring the query path at sizes a debug build cannot write.
    pub fn with_graph(mut self, index: GraphIndex<NodeRef>) -> Register {
        self.graph = Graph::new(index, Origin::Scan);
        self
    }

    /// The same register running CPU-heavy questions on at most `threads` threads at once.
    pub fn with_query_threads(mut self, threads: usize) -> Register {
        self.cpu = CpuPool::new(threads);
        self
    }

    pub fn fiscal_year_start(&self) -> u32 {
        self.fiscal_year_start
    }

    /// Closes the store in order (see [`Store::close`]) once this is the last handle to it.
    pub async fn close(self) {
        self.store.close().await
    }

    /// Every change committed from now on, as its audit entry (for live subscriptions).
    pub fn changes(
        &self,
    ) -> tokio::sync::broadcast::Receiver<Arc<crate::domain::access::AuditEntry>> {
        self.store.changes()
    }

    pub async fn ready(&self) -> Result<(), ServiceError> {
        Ok(self.store.ping().await?)
    }

    /// Whether the register's lists have loaded; until then lists answer UNAVAILABLE, so a
    /// balancer should send requests elsewhere.
    pub fn lists_loaded(&self) -> bool {
        self.tables.is_loaded()
    }
}

impl Register {
    /// Brings every projection in line with a committed change of an entity.
    pub(crate) fn apply<E: Entity>(&self, before: Option<&Record<E>>, after: Option<&Record<E>>) {
        if let Some(id) = after.or(before).map(|r| &r.id) {
            self.books.apply(id, after);
            self.hooks.apply(id, after);
        }
        self.tables.apply(before, after);
        self.documents.apply(before, after);
        self.graph.apply(before, after);
    }

    /// Runs `read` on the current index (for measurements and diagnostics).
    pub fn with_index<R>(&self, read: impl FnOnce(&GraphIndex<NodeRef>) -> R) -> R {
        read(&self.index())
    }

    pub(crate) fn index(&self) -> Arc<GraphIndex<NodeRef>> {
        self.graph.read()
    }

    /// How the index was built at start.
    pub fn index_origin(&self) -> Origin {
        self.graph.origin
    }
}
