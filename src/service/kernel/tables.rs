//! The register's lists in memory: one table per listed kind, loaded in the background at start
//! and fed by every committed change, so lists, counts and searches never scan the store.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use futures_util::StreamExt;
use roaring::RoaringBitmap;
use tokio::sync::watch;

use crate::domain::kernel::locks;
use crate::domain::kernel::table::{self, PageFailure, Paged, Table};
use crate::domain::kernel::{Entity, EntityKind, Filter, PageRequest, Record, Sort};
use crate::domain::lifecycle::ApprovalRequest;
use crate::domain::register::{Asset, Location, Model, Person, Team, Vendor};
use crate::domain::software::{Contract, Entitlement, SoftwareProduct, Subscription};
use crate::service::kernel::error::ServiceError;
use crate::store::Store;

/// How long a list waits for the tables to load before answering UNAVAILABLE.
const LOAD_WAIT: Duration = Duration::from_secs(10);

/// One place where a projection differs from the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Difference {
    /// Which projection: a kind's list, or the relationship index.
    pub projection: String,
    /// The entity's store key, or the edge as `source TYPE target`.
    pub entity: String,
    pub problem: String,
}

/// A table for each listed kind, and whether they have loaded.
pub struct Tables {
    tables: HashMap<EntityKind, RwLock<Table>>,
    loaded: watch::Sender<bool>,
}

pub type SharedTables = Arc<Tables>;

impl Tables {
    fn empty() -> Tables {
        Tables {
            tables: table::listed()
                .filter_map(|k| Some((k, RwLock::new(Table::new(table::spec(k)?)))))
                .collect(),
            loaded: watch::Sender::new(false),
        }
    }

    /// Empty tables that fill from the store in the background while changes keep arriving
    /// through [`Tables::apply`].
    pub(super) fn load(store: &Store) -> SharedTables {
        let tables = Arc::new(Tables::empty());
        let (store, filling) = (store.clone(), tables.clone());
        tokio::spawn(async move {
            match filling.fill(&store).await {
                Ok(()) => {
                    for table in filling.tables.values() {
                        locks::write(table).settle();
                    }
                    filling.loaded.send_replace(true);
                }
                Err(e) => tracing::error!(error = %e, "could not load the register's lists"),
            }
        });
        tables
    }

    async fn fill(&self, store: &Store) -> Result<(), ServiceError> {
        self.fill_kind::<Asset>(store).await?;
        self.fill_kind::<Person>(store).await?;
        self.fill_kind::<Team>(store).await?;
        self.fill_kind::<Location>(store).await?;
        self.fill_kind::<Vendor>(store).await?;
        self.fill_kind::<Model>(store).await?;
        self.fill_kind::<SoftwareProduct>(store).await?;
        self.fill_kind::<Entitlement>(store).await?;
        self.fill_kind::<Subscription>(store).await?;
        self.fill_kind::<Contract>(store).await?;
        self.fill_kind::<ApprovalRequest>(store).await
    }

    async fn fill_kind<E: Entity>(&self, store: &Store) -> Result<(), ServiceError> {
        let Some(table) = self.tables.get(&E::KIND) else {
            return Ok(());
        };
        let mut batches = std::pin::pin!(store.scan_all::<E>());
        while let Some(batch) = batches.next().await {
            let docs = batch?
                .iter()
                .map(|r| Ok((r.id.clone(), r.version, to_json(r)?)))
                .collect::<Result<Vec<_>, ServiceError>>()?;
            let mut table = locks::write(table);
            for (id, version, doc) in &docs {
                table.put(id.as_str(), *version, doc);
            }
        }
        Ok(())
    }

    /// Where each table differs from the same kind loaded afresh from the store.
    pub(super) async fn differences(&self, store: &Store) -> Result<Vec<Difference>, ServiceError> {
        let truth = Tables::empty();
        truth.fill(store).await?;
        let mut found = Vec::new();
        for (kind, held) in &self.tables {
            let mut fresh = locks::write(&truth.tables[kind]);
            fresh.settle();
            let problems = locks::read(held).differences(&fresh);
            found.extend(problems.into_iter().map(|(entity, problem)| Difference {
                projection: format!("{kind} list"),
                entity,
                problem,
            }));
        }
        Ok(found)
    }

    /// Brings a kind's table in line with a committed change of one of its entities.
    pub(super) fn apply<E: Entity>(&self, before: Option<&Record<E>>, after: Option<&Record<E>>) {
        let Some(table) = self.tables.get(&E::KIND) else {
            return;
        };
        match (before, after) {
            (_, Some(after)) => match to_json(after) {
                Ok(doc) => locks::write(table).put(after.id.as_str(), after.version, &doc),
                Err(e) => tracing::error!(error = %e, "a committed record would not serialise"),
            },
            (Some(before), None) => locks::write(table).remove(before.id.as_str(), before.version),
            (None, None) => {}
        }
    }

    pub(crate) fn is_loaded(&self) -> bool {
        *self.loaded.borrow()
    }

    /// The page of a kind's entities that match `filter`, in `sort` order.
    pub(crate) async fn page(
        &self,
        kind: EntityKind,
        filter: &Filter,
        sort: &Sort,
        request: &PageRequest,
    ) -> Result<Paged, ServiceError> {
        let table = self.loaded(kind).await?;
        let table = locks::read(table);
        let rows: RoaringBitmap = table.select(filter).map_err(unindexed)?;
        table.page(&rows, sort, request).map_err(|e| match e {
            PageFailure::Request(e) => ServiceError::BadRequest(e.0),
            PageFailure::Unindexed(e) => unindexed(e),
        })
    }

    /// A kind's table once every table has loaded (waiting for that a while).
    async fn loaded(&self, kind: EntityKind) -> Result<&RwLock<Table>, ServiceError> {
        let table = self
            .tables
            .get(&kind)
            .ok_or_else(|| ServiceError::Internal(format!("{kind} has no list")))?;
        let mut loaded = self.loaded.subscribe();
        if tokio::time::timeout(LOAD_WAIT, loaded.wait_for(|done| *done))
            .await
            .is_err()
        {
            return Err(ServiceError::Unavailable(format!(
                "the register's lists are still loading ({} {kind} so far); try again shortly",
                locks::read(table).len()
            )));
        }
        Ok(table)
    }
}

fn to_json<E: Entity>(record: &Record<E>) -> Result<serde_json::Value, ServiceError> {
    serde_json::to_value(record).map_err(|e| ServiceError::Internal(e.to_string()))
}

/// A filter or sort the code builds names a field no table indexes: a defect, not the caller's.
fn unindexed(e: table::Unindexed) -> ServiceError {
    ServiceError::Internal(e.to_string())
}
