//! One lock per idempotency key in use, whose map entry goes with the last request holding it.

use crate::domain::kernel::locks;
use std::collections::HashMap;
use std::sync::Arc;

use tokio::sync::{Mutex, OwnedMutexGuard};

use crate::domain::kernel::EntityId;

/// One lock per key in use, so concurrent retries wait for the first instead of running too.
#[derive(Clone, Default)]
pub struct KeyLocks(Arc<std::sync::Mutex<HashMap<EntityId, Arc<Mutex<()>>>>>);

impl KeyLocks {
    /// Waits for the key's turn. However the request ends (answered, failed, or dropped when
    /// its client goes away, even while still waiting), its guard leaves the map as it found it.
    pub(crate) async fn acquire(&self, slot: &EntityId) -> KeyGuard {
        let entry = Entry {
            locks: self.clone(),
            slot: slot.clone(),
            lock: self.lock_for(slot),
        };
        let held = entry.lock.clone().lock_owned().await;
        KeyGuard {
            _held: held,
            _entry: entry,
        }
    }

    /// How many keys have an entry: what a leak would grow.
    #[cfg(test)]
    pub(crate) fn in_use(&self) -> usize {
        locks::lock(&self.0).len()
    }

    fn lock_for(&self, slot: &EntityId) -> Arc<Mutex<()>> {
        locks::lock(&self.0)
            .entry(slot.clone())
            .or_default()
            .clone()
    }

    fn release(&self, slot: &EntityId, lock: &Arc<Mutex<()>>) {
        let mut map = locks::lock(&self.0);
        // Ours and the map's: nobody else is waiting on this key.
        if Arc::strong_count(lock) <= 2 {
            map.remove(slot);
        }
    }
}

/// A request's claim on a key's map entry, from before it waits until it is done.
struct Entry {
    locks: KeyLocks,
    slot: EntityId,
    lock: Arc<Mutex<()>>,
}

impl Drop for Entry {
    fn drop(&mut self) {
        self.locks.release(&self.slot, &self.lock);
    }
}

/// A key's lock, held: other requests with the key wait until it drops.
pub(crate) struct KeyGuard {
    // Fields drop in order: the lock is let go before the entry counts who still wants it.
    _held: OwnedMutexGuard<()>,
    _entry: Entry,
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[tokio::test]
    async fn the_entry_goes_when_its_last_guard_drops() {
        let locks = KeyLocks::default();
        let key = EntityId::parse("k1").unwrap();
        let first = locks.acquire(&key).await;
        assert_eq!(locks.in_use(), 1);

        // A second request waits, then its client goes away: the first still holds the entry.
        let gave_up = tokio::time::timeout(Duration::from_millis(20), locks.acquire(&key)).await;
        assert!(gave_up.is_err(), "the key is held");
        assert_eq!(locks.in_use(), 1);

        // A third waits while the first is dropped mid-request; it gets the key, then is done.
        let third = tokio::spawn({
            let (locks, key) = (locks.clone(), key.clone());
            async move {
                let _guard = locks.acquire(&key).await;
            }
        });
        tokio::time::sleep(Duration::from_millis(20)).await;
        drop(first);
        third.await.unwrap();
        assert_eq!(locks.in_use(), 0, "nothing left behind");

        let again = locks.acquire(&key).await;
        assert_eq!(locks.in_use(), 1);
        drop(again);
        assert_eq!(locks.in_use(), 0);
    }
}
