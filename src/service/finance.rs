//! Finance over the register: the ledger kept current for summaries and watch lists, and cost
//! roll-ups along the relationship graph.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use chrono::NaiveDate;
use futures_util::StreamExt;
use rust_decimal::Decimal;
use serde_json::Value as Json;
use tokio::sync::watch;

use crate::domain::discovery::identities::{AssetIdentity, Identities};
use crate::domain::finance::cost as finance;
use crate::domain::finance::cost::{Amounts, CostEdge, Rollup};
use crate::domain::finance::ledger::{Candidate, Group, GroupBy, Ledger};
use crate::domain::kernel::entity::{Entity, EntityId, EntityKind, NodeRef, Record};
use crate::domain::lifecycle::maintenance::Maintenance;
use crate::domain::register::asset::Asset;
use crate::domain::register::party::Person;
use crate::domain::register::supply::Model;
use crate::domain::relationships::relation::Relationship;
use crate::domain::software::installs::Installs;
use crate::graph::RelationMask;
use crate::service::{Register, ServiceError};
use crate::store::Store;

/// How long a question waits for the ledger to finish loading before answering UNAVAILABLE.
const LOAD_WAIT: Duration = Duration::from_secs(10);

/// The in-memory projections shared by every request (the ledger, the installations, the
/// identities discovery matches against), and whether they have loaded.
pub struct Books {
    ledger: RwLock<Ledger>,
    installs: RwLock<Installs>,
    identities: RwLock<Identities>,
    loaded: watch::Sender<bool>,
    /// Sightings load after the ledger and identities, before the installations.
    sightings_loaded: watch::Sender<bool>,
    /// Installations load last, so money questions need not wait for them.
    installs_loaded: watch::Sender<bool>,
    /// One discovery batch at a time: each is planned against the identities it then changes.
    pub(super) ingesting: tokio::sync::Mutex<()>,
}

pub type SharedBooks = Arc<Books>;

impl Books {
    /// An empty ledger that loads every asset and model from the store in the background, while
    /// changes keep arriving through [`Register::apply`].
    pub(super) fn load(store: &Store) -> SharedBooks {
        let books = Arc::new(Books {
            ledger: RwLock::new(Ledger::default()),
            installs: RwLock::new(Installs::default()),
            identities: RwLock::new(Identities::default()),
            loaded: watch::Sender::new(false),
            sightings_loaded: watch::Sender::new(false),
            installs_loaded: watch::Sender::new(false),
            ingesting: tokio::sync::Mutex::new(()),
        });
        let (store, filling) = (store.clone(), books.clone());
        tokio::spawn(async move {
            match filling.fill(&store).await {
                Ok(()) => {
                    filling.write().settle();
                    filling.loaded.send_replace(true);
                }
                Err(e) => return tracing::error!(error = %e, "could not load the finance ledger"),
            }
            match filling.fill_sightings(&store).await {
                Ok(()) => {
                    filling.sightings_loaded.send_replace(true);
                }
                Err(e) => return tracing::error!(error = %e, "could not load the sightings"),
            }
            match filling.fill_installs(&store).await {
                Ok(()) => {
                    filling.installs_mut().settle();
                    filling.installs_loaded.send_replace(true);
                }
                Err(e) => tracing::error!(error = %e, "could not load the installations"),
            }
        });
        books
    }

    async fn fill(&self, store: &Store) -> Result<(), ServiceError> {
        let mut models = std::pin::pin!(store.scan_all::<Model>());
        while let Some(batch) = models.next().await {
            let mut ledger = self.write();
            batch?.iter().for_each(|m| ledger.put_model(m));
        }
        let mut assets = std::pin::pin!(store.scan_all::<Asset>());
        while let Some(batch) = assets.next().await {
            let batch = batch?;
            let mut ledger = self.write();
            batch.iter().for_each(|a| ledger.put_asset(a));
            drop(ledger);
            let mut identities = self.identities_mut();
            batch
                .iter()
                .for_each(|a| identities.put(&AssetIdentity::of(a)));
        }
        Ok(())
    }

    /// What each discovery source last reported, read after the assets it belongs to.
    async fn fill_sightings(&self, store: &Store) -> Result<(), ServiceError> {
        let mut rows = std::pin::pin!(store.scan_sightings());
        while let Some(batch) = rows.next().await {
            let mut identities = self.identities_mut();
            for row in batch? {
                match (row.kind, &row.via) {
                    (EntityKind::Relationship, Some(via)) => identities.put_relationship_sighting(
                        &row.subject,
                        &row.source,
                        via,
                        row.sighting,
                    ),
                    _ => identities.put_sighting(&row.subject, &row.source, row.sighting),
                }
            }
        }
        Ok(())
    }

    pub(super) fn identities_mut(&self) -> std::sync::RwLockWriteGuard<'_, Identities> {
        self.identities
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The identities, once assets and sightings have loaded (waiting for them a while).
    pub(super) async fn identities(
        &self,
    ) -> Result<std::sync::RwLockReadGuard<'_, Identities>, ServiceError> {
        if !loaded_in_time(&self.sightings_loaded).await {
            return Err(ServiceError::Unavailable(
                "discovery identities are still loading; try again shortly".into(),
            ));
        }
        Ok(self
            .identities
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner()))
    }

    /// Leavers and installations (INSTALLED_ON relationships), read after the ledger.
    async fn fill_installs(&self, store: &Store) -> Result<(), ServiceError> {
        let mut people = std::pin::pin!(store.scan_matching::<Person>("leftOn != NONE"));
        while let Some(batch) = people.next().await {
            let mut installs = self.installs_mut();
            batch?.iter().for_each(|p| installs.put_person(p));
        }
        let mut installations =
            std::pin::pin!(store.scan_matching::<Relationship>("type = 'INSTALLED_ON'"));
        while let Some(batch) = installations.next().await {
            let mut installs = self.installs_mut();
            batch?.iter().for_each(|r| installs.put(r));
        }
        Ok(())
    }

    fn installs_mut(&self) -> std::sync::RwLockWriteGuard<'_, Installs> {
        self.installs
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Ledger> {
        self.ledger
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Brings the ledger and the installations in line with a committed change of an entity
    /// (assets, models, people and installations).
    pub(super) fn apply<E: Entity>(&self, id: &EntityId, after: Option<&Record<E>>) {
        let Some(record) = after else {
            match E::KIND {
                EntityKind::Asset => {
                    self.write().remove_asset(id);
                    self.identities_mut().remove(id);
                }
                EntityKind::Model => self.write().remove_model(id),
                EntityKind::Relationship => {
                    self.installs_mut().remove(id);
                    self.identities_mut().remove_relationship(id);
                }
                EntityKind::Person => self.installs_mut().remove_person(id),
                _ => {}
            }
            return;
        };
        if let Some(asset) = record.data.downcast_ref::<Asset>() {
            let asset = restamp(record, asset.clone());
            self.write().put_asset(&asset);
            self.identities_mut().put(&AssetIdentity::of(&asset));
        } else if let Some(model) = record.data.downcast_ref::<Model>() {
            self.write().put_model(&restamp(record, model.clone()));
        } else if let Some(relationship) = record.data.downcast_ref::<Relationship>() {
            self.installs_mut()
                .put(&restamp(record, relationship.clone()));
        } else if let Some(person) = record.data.downcast_ref::<Person>() {
            self.installs_mut()
                .put_person(&restamp(record, person.clone()));
        }
    }

    /// Runs `read` on the loaded ledger and installations together.
    pub(super) async fn read_with_installs<R>(
        &self,
        read: impl FnOnce(&Ledger, &Installs) -> R,
    ) -> Result<R, ServiceError> {
        if !loaded_in_time(&self.installs_loaded).await {
            return Err(ServiceError::Unavailable(
                "installations are still loading; try again shortly".into(),
            ));
        }
        self.read(|ledger| {
            let installs = self
                .installs
                .read()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            read(ledger, &installs)
        })
        .await
    }

    /// Runs `read` on the loaded ledger, waiting for it to load for a while.
    pub(super) async fn read<R>(&self, read: impl FnOnce(&Ledger) -> R) -> Result<R, ServiceError> {
        if !loaded_in_time(&self.loaded).await {
            return Err(ServiceError::Unavailable(format!(
                "the finance ledger is still loading ({} assets so far); try again shortly",
                self.ledger.read().map_or(0, |l| l.len())
            )));
        }
        let ledger = self
            .ledger
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        Ok(read(&ledger))
    }
}

/// Whether a background load has finished, waiting for it up to [`LOAD_WAIT`].
async fn loaded_in_time(loaded: &watch::Sender<bool>) -> bool {
    let mut loaded = loaded.subscribe();
    tokio::time::timeout(LOAD_WAIT, loaded.wait_for(|done| *done))
        .await
        .is_ok()
}

/// The same record's bookkeeping around other data (the entity seen as its concrete type).
fn restamp<E, T>(record: &Record<E>, data: T) -> Record<T> {
    Record {
        id: record.id.clone(),
        version: record.version,
        created_at: record.created_at,
        updated_at: record.updated_at,
        data,
    }
}

/// Assets with a date, in the order a watch list shows them.
pub type Dated = Vec<(EntityId, NaiveDate)>;

/// A cost roll-up, by asset.
#[derive(Debug, Clone, Default)]
pub struct CostRollup {
    pub rollup: Rollup,
    /// The asset of each share's node.
    pub assets: Vec<EntityId>,
}

impl Register {
    /// Whether the finance ledger has loaded every asset (it loads in the background at start).
    pub fn ledger_loaded(&self) -> bool {
        *self.books.loaded.borrow()
    }

    /// Count, purchase cost, accumulated depreciation and book value per group and currency.
    pub async fn finance_summary(
        &self,
        by: GroupBy,
        as_of: NaiveDate,
    ) -> Result<Vec<Group>, ServiceError> {
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
        self.books
            .read(|ledger| ledger.summary(by, as_of, self.fiscal_year_start, threads))
            .await
    }

    /// Assets whose warranty ends from `today` to `within_days` later, soonest first.
    pub async fn expiring_warranties(
        &self,
        today: NaiveDate,
        within_days: u32,
    ) -> Result<Dated, ServiceError> {
        let until = today + chrono::Days::new(u64::from(within_days));
        self.books
            .read(|ledger| ledger.warranties_ending(today, until))
            .await
    }

    /// Assets whose support ends within `within_days` of `today`, or has already ended.
    pub async fn end_of_support(
        &self,
        today: NaiveDate,
        within_days: u32,
    ) -> Result<Dated, ServiceError> {
        let until = today + chrono::Days::new(u64::from(within_days));
        self.books.read(|ledger| ledger.support_ending(until)).await
    }

    /// Deployed assets due for replacement at `today`, most reasons first.
    pub async fn replacement_candidates(
        &self,
        today: NaiveDate,
    ) -> Result<Vec<Candidate>, ServiceError> {
        self.books
            .read(|ledger| ledger.replacement_candidates(today, self.fiscal_year_start))
            .await
    }

    /// What an asset really costs as of `as_of`: its own total cost of ownership plus its share
    /// of everything it depends on, recursively (shares from `allocationPercent`, else an equal
    /// split among everything that relies on the same asset).
    pub async fn cost_rollup(
        &self,
        asset: &EntityId,
        as_of: NaiveDate,
    ) -> Result<CostRollup, ServiceError> {
        let carries = RelationMask::failure_carrying();
        let root = NodeRef {
            kind: EntityKind::Asset,
            id: asset.clone(),
        };
        // What the asset relies on, and how many rely on each of those, from the index.
        let walked = {
            let index = self.graph.read();
            index.number(&root).map(|start| {
                let reached = index.upstream(&[start], carries, None);
                let mut nodes = vec![root.clone()];
                let mut dependants = vec![0];
                for r in reached {
                    let Some(key) = index.key(r.node) else {
                        continue;
                    };
                    if key.kind != EntityKind::Asset {
                        continue;
                    }
                    nodes.push(key.clone());
                    dependants.push(
                        index
                            .incoming(r.node)
                            .iter()
                            .filter(|(_, p)| carries.contains(*p))
                            .count(),
                    );
                }
                (nodes, dependants)
            })
        };
        let Some((nodes, dependants)) = walked else {
            return self.own_cost_only(asset, as_of).await;
        };
        let ids: Vec<EntityId> = nodes.iter().map(|n| n.id.clone()).collect();
        let position: HashMap<&EntityId, usize> =
            ids.iter().enumerate().map(|(i, id)| (id, i)).collect();
        let edges: Vec<CostEdge> = self
            .store
            .relationships_leaving(&nodes)
            .await?
            .into_iter()
            .filter(|r| r.data.relation.carries_failure())
            .filter_map(|r| {
                Some(CostEdge {
                    from: *position.get(&r.data.source.id)?,
                    to: *position.get(&r.data.target.id)?,
                    allocation_percent: r.data.allocation_percent,
                })
            })
            .collect();
        let costs = self.ownership_costs(&ids, as_of).await?;
        Ok(CostRollup {
            rollup: finance::rollup(&costs, &dependants, &edges),
            assets: ids,
        })
    }

    /// A roll-up of an asset no relationship touches: its own cost.
    async fn own_cost_only(
        &self,
        asset: &EntityId,
        as_of: NaiveDate,
    ) -> Result<CostRollup, ServiceError> {
        let ids = vec![asset.clone()];
        let costs = self.ownership_costs(&ids, as_of).await?;
        Ok(CostRollup {
            rollup: finance::rollup(&costs, &[0], &[]),
            assets: ids,
        })
    }

    /// The total cost of ownership of each asset, in the order given.
    async fn ownership_costs(
        &self,
        ids: &[EntityId],
        as_of: NaiveDate,
    ) -> Result<Vec<Amounts>, ServiceError> {
        let assets: HashMap<EntityId, Asset> = self
            .store
            .get_many::<Asset>(ids)
            .await?
            .into_iter()
            .map(|r| (r.id, r.data))
            .collect();
        let keys = ids.iter().map(|id| Json::from(id.as_str())).collect();
        let mut maintenance: HashMap<EntityId, Vec<Maintenance>> = HashMap::new();
        for record in self.store.find_by::<Maintenance>("asset", keys).await? {
            maintenance
                .entry(record.data.asset.clone())
                .or_default()
                .push(record.data);
        }
        let shares = self.agreement_shares(ids, as_of).await?;
        Ok(ids
            .iter()
            .map(|id| match assets.get(id) {
                Some(asset) => {
                    let records = maintenance.get(id).map_or(&[][..], Vec::as_slice);
                    let shares = shares.get(id).map_or(&[][..], Vec::as_slice);
                    finance::ownership(asset, records, shares, as_of).total
                }
                None => Amounts::default(),
            })
            .collect())
    }
}

/// A fraction as shown to clients: a plain decimal, at most 6 places.
pub fn fraction_text(fraction: Decimal) -> String {
    fraction.round_dp(6).normalize().to_string()
}
