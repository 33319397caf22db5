//! Recently read and written records, so that reading one by id (`asset(id)`, the loaders) does
//! not go to the store each time; kept by every committed change like the other projections.

use std::any::Any;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use crate::domain::kernel::locks;
use crate::domain::kernel::{Entity, EntityId, EntityKind, Record};

/// How many records the cache holds at most (about 2 KB each).
const CAPACITY: usize = 50_000;

type Held = Arc<dyn Any + Send + Sync>;

/// Records by kind and id. A record read from the store is kept only if no change was applied
/// while it was read, so a slow read never puts back what a change replaced or deleted.
#[derive(Default)]
pub struct Documents {
    held: RwLock<HashMap<(EntityKind, EntityId), Held>>,
    /// Counts applied changes; a read notes it before going to the store.
    generation: AtomicU64,
    /// Off on a shared store, where other servers' changes do not reach this one.
    disabled: bool,
}

impl Documents {
    pub(super) fn new(enabled: bool) -> Documents {
        Documents {
            disabled: !enabled,
            ..Documents::default()
        }
    }

    /// The records held of these ids, and the ids to read from the store, with the generation
    /// to hand back to [`Documents::fill`].
    pub(super) fn lookup<E: Entity>(
        &self,
        ids: &[EntityId],
    ) -> (Vec<Record<E>>, Vec<EntityId>, u64) {
        let generation = self.generation.load(Ordering::Acquire);
        if self.disabled || !cached(E::KIND) {
            return (Vec::new(), ids.to_vec(), generation);
        }
        let held = locks::read(&self.held);
        let (mut found, mut missing) = (Vec::new(), Vec::new());
        for id in ids {
            match held
                .get(&(E::KIND, id.clone()))
                .and_then(|h| h.downcast_ref::<Record<E>>())
            {
                Some(record) => found.push(record.clone()),
                None => missing.push(id.clone()),
            }
        }
        (found, missing, generation)
    }

    /// Keeps records read from the store, unless a change was applied since `generation`.
    pub(super) fn fill<E: Entity>(&self, records: &[Record<E>], generation: u64) {
        if self.disabled || !cached(E::KIND) {
            return;
        }
        let mut held = locks::write(&self.held);
        if self.generation.load(Ordering::Acquire) != generation {
            return;
        }
        for record in records {
            if held.len() >= CAPACITY {
                break;
            }
            held.insert((E::KIND, record.id.clone()), Arc::new(record.clone()));
        }
    }

    /// Brings the cache in line with a committed change.
    pub(super) fn apply<E: Entity>(&self, before: Option<&Record<E>>, after: Option<&Record<E>>) {
        if self.disabled || !cached(E::KIND) {
            return;
        }
        let mut held = locks::write(&self.held);
        self.generation.fetch_add(1, Ordering::AcqRel);
        match (before, after) {
            (_, Some(after)) => {
                let key = (E::KIND, after.id.clone());
                if held.contains_key(&key) || held.len() < CAPACITY {
                    held.insert(key, Arc::new(after.clone()));
                }
            }
            (Some(before), None) => {
                held.remove(&(E::KIND, before.id.clone()));
            }
            (None, None) => {}
        }
    }
}

/// The register's own kinds, which change only by commits that reach [`Documents::apply`]
/// (tokens, deliveries and the like are also written by the store's own bookkeeping).
fn cached(kind: EntityKind) -> bool {
    crate::domain::kernel::table::spec(kind).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::register::Vendor;

    fn vendor(name: &str, version: i64) -> Record<Vendor> {
        let data = Vendor {
            name: name.into(),
            website: None,
            support_email: None,
            support_phone: None,
        };
        let mut record = Record::first(EntityId::parse("v1").unwrap(), data, chrono::Utc::now());
        record.version = version;
        record
    }

    #[test]
    fn a_read_overtaken_by_a_change_is_not_kept() {
        let documents = Documents::new(true);
        let id = EntityId::parse("v1").unwrap();
        let (_, missing, generation) = documents.lookup::<Vendor>(std::slice::from_ref(&id));
        assert_eq!(missing, std::slice::from_ref(&id));
        // While the read is under way, the vendor is deleted.
        documents.apply(Some(&vendor("old", 1)), None);
        documents.fill(&[vendor("old", 1)], generation);
        assert_eq!(
            documents.lookup::<Vendor>(std::slice::from_ref(&id)).1,
            std::slice::from_ref(&id)
        );
        // A change is held as committed; a read after it is kept.
        documents.apply(None, Some(&vendor("new", 2)));
        let (found, _, _) = documents.lookup::<Vendor>(std::slice::from_ref(&id));
        assert_eq!(found[0].data.name, "new");
        let off = Documents::new(false);
        off.apply(None, Some(&vendor("new", 2)));
        assert!(
            off.lookup::<Vendor>(&[id]).0.is_empty(),
            "off on a shared store"
        );
    }
}
