//! The in-memory projections of the register that money, licence and discovery questions read
//! (the ledger, the installations, the identities and sightings), loaded in the background at
//! start and fed by every committed change.

use crate::domain::discovery::{AssetIdentity, Identities};
use crate::domain::finance::Ledger;
use crate::domain::kernel::locks::{self, Change, Snapshots};
use crate::domain::kernel::{Entity, EntityId, EntityKind, Record};
use crate::domain::register::Asset;
use crate::domain::register::Model;
use crate::domain::register::Person;
use crate::domain::relationships::Relationship;
use crate::domain::software::Installs;
use crate::service::kernel::error::ServiceError;
use crate::store::SightingRow;
use crate::store::Store;
use futures_util::StreamExt;
use std::sync::{Arc, RwLock};
use std::time::Duration;
use tokio::sync::watch;

/// How long a question waits for the ledger to finish loading before answering UNAVAILABLE.
const LOAD_WAIT: Duration = Duration::from_secs(10);

/// The in-memory projections shared by every request (the ledger, the installations, the
/// identities discovery matches against), and whether they have loaded.
pub struct Books {
    ledger: Snapshots<Ledger>,
    installs: Snapshots<Installs>,
    identities: RwLock<Identities>,
    pub(crate) loaded: watch::Sender<bool>,
    /// Sightings load after the ledger and identities, before the installations.
    sightings_loaded: watch::Sender<bool>,
    /// Installations load last, so money questions need not wait for them.
    installs_loaded: watch::Sender<bool>,
    /// One discovery batch at a time: each is planned against the identities it then changes.
    pub(crate) ingesting: tokio::sync::Mutex<()>,
}

pub type SharedBooks = Arc<Books>;

impl Books {
    /// An empty ledger that loads every asset and model from the store in the background, while
    /// changes keep arriving through [`Register::apply`].
    pub(super) fn load(store: &Store) -> SharedBooks {
        let books = Arc::new(Books {
            ledger: Snapshots::default(),
            installs: Snapshots::default(),
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
                note_sighting(&mut identities, &row);
            }
        }
        Ok(())
    }

    pub(crate) fn identities_mut(&self) -> std::sync::RwLockWriteGuard<'_, Identities> {
        locks::write(&self.identities)
    }

    /// The identities, once assets and sightings have loaded (waiting for them a while).
    pub(crate) async fn identities(
        &self,
    ) -> Result<std::sync::RwLockReadGuard<'_, Identities>, ServiceError> {
        if !loaded_in_time(&self.sightings_loaded).await {
            return Err(ServiceError::Unavailable(
                "discovery identities are still loading; try again shortly".into(),
            ));
        }
        Ok(locks::read(&self.identities))
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

    fn installs_mut(&self) -> Change<'_, Installs> {
        self.installs.write()
    }

    fn write(&self) -> Change<'_, Ledger> {
        self.ledger.write()
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
            let asset = record.with_data(asset.clone());
            self.write().put_asset(&asset);
            self.identities_mut().put(&AssetIdentity::of(&asset));
        } else if let Some(model) = record.data.downcast_ref::<Model>() {
            self.write().put_model(&record.with_data(model.clone()));
        } else if let Some(relationship) = record.data.downcast_ref::<Relationship>() {
            self.installs_mut()
                .put(&record.with_data(relationship.clone()));
        } else if let Some(person) = record.data.downcast_ref::<Person>() {
            self.installs_mut()
                .put_person(&record.with_data(person.clone()));
        }
    }

    /// The loaded ledger and installations, as they stand, for as long as the caller needs them.
    pub(crate) async fn with_installs(&self) -> Result<(Arc<Ledger>, Arc<Installs>), ServiceError> {
        if !loaded_in_time(&self.installs_loaded).await {
            return Err(ServiceError::Unavailable(
                "installations are still loading; try again shortly".into(),
            ));
        }
        Ok((self.ledger().await?, self.installs.current()))
    }

    /// Runs `read` on the loaded ledger and installations together.
    pub(crate) async fn read_with_installs<R>(
        &self,
        read: impl FnOnce(&Ledger, &Installs) -> R,
    ) -> Result<R, ServiceError> {
        let (ledger, installs) = self.with_installs().await?;
        Ok(read(&ledger, &installs))
    }

    /// The loaded ledger as it stands (waiting for it to load for a while); no lock is held.
    pub(crate) async fn ledger(&self) -> Result<Arc<Ledger>, ServiceError> {
        if !loaded_in_time(&self.loaded).await {
            return Err(ServiceError::Unavailable(format!(
                "the finance ledger is still loading ({} assets so far); try again shortly",
                self.ledger.current().len()
            )));
        }
        Ok(self.ledger.current())
    }

    /// Runs `read` on the loaded ledger, waiting for it to load for a while.
    pub(crate) async fn read<R>(&self, read: impl FnOnce(&Ledger) -> R) -> Result<R, ServiceError> {
        Ok(read(&*self.ledger().await?))
    }
}

/// Whether a background load has finished, waiting for it up to [`LOAD_WAIT`].
async fn loaded_in_time(loaded: &watch::Sender<bool>) -> bool {
    let mut loaded = loaded.subscribe();
    tokio::time::timeout(LOAD_WAIT, loaded.wait_for(|done| *done))
        .await
        .is_ok()
}

/// Takes one stored sighting into the identities: of an asset, or of a relationship through the
/// asset whose record reported it.
pub(crate) fn note_sighting(identities: &mut Identities, row: &SightingRow) {
    match (row.kind, &row.via) {
        (EntityKind::Relationship, Some(via)) => {
            identities.put_relationship_sighting(&row.subject, &row.source, via, row.sighting)
        }
        _ => identities.put_sighting(&row.subject, &row.source, row.sighting),
    }
}
