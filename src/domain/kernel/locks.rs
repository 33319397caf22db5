//! One rule for locks: a poisoned lock is taken as it is, and long reads take a snapshot instead
//! of holding a lock.
//!
//! Every lock in the server guards an in-memory projection or cache of the store (indexes,
//! ledgers, token and hook caches, rate buckets), updated one committed change at a time. A panic
//! while one is held is answered `INTERNAL` and logged by the panic layer; refusing every later
//! request because of it would turn one bad request into an outage, while the data behind the
//! lock stays as current as the last change that finished.

use std::ops::{Deref, DerefMut};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

pub fn read<T>(lock: &RwLock<T>) -> RwLockReadGuard<'_, T> {
    lock.read().unwrap_or_else(PoisonError::into_inner)
}

pub fn write<T>(lock: &RwLock<T>) -> RwLockWriteGuard<'_, T> {
    lock.write().unwrap_or_else(PoisonError::into_inner)
}

pub fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A value read as snapshots: readers hold an `Arc` of the version current when they asked, no
/// lock; a writer changes it in place when no reader holds a snapshot, and a copy when one does.
#[derive(Debug, Default)]
pub struct Snapshots<T>(RwLock<Arc<T>>);

impl<T: Clone> Snapshots<T> {
    pub fn new(value: T) -> Self {
        Snapshots(RwLock::new(Arc::new(value)))
    }

    /// The current version, for as long as the caller needs it.
    pub fn current(&self) -> Arc<T> {
        read(&self.0).clone()
    }

    /// The value for one change; readers wait only for the change itself (or for the copy made
    /// when a reader still holds the version it replaces).
    pub fn write(&self) -> Change<'_, T> {
        Change(write(&self.0))
    }
}

/// A change in progress; see [`Snapshots::write`].
pub struct Change<'a, T>(RwLockWriteGuard<'a, Arc<T>>);

impl<T> Deref for Change<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: Clone> DerefMut for Change<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        Arc::make_mut(&mut self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_snapshot_keeps_its_version_while_writers_move_on() {
        let values = Snapshots::new(vec![1]);
        let before = values.current();
        values.write().push(2);
        assert_eq!(*before, vec![1], "the reader's version is untouched");
        assert_eq!(*values.current(), vec![1, 2]);
        drop(before);
        let unshared = Arc::as_ptr(&values.current());
        values.write().push(3);
        assert_eq!(
            Arc::as_ptr(&values.current()),
            unshared,
            "changed in place once unshared"
        );
    }

    #[test]
    fn a_poisoned_lock_is_taken_as_it_is() {
        let shared = Arc::new(Mutex::new(1));
        let panicking = Arc::clone(&shared);
        let _ = std::thread::spawn(move || {
            let _held = panicking.lock().unwrap();
            panic!("while holding the lock");
        })
        .join();
        assert!(shared.is_poisoned());
        *lock(&shared) += 1;
        assert_eq!(*lock(&shared), 2);
    }
}
