//! A kind's documents reduced to their indexed fields: the rows, their keys, postings and
//! text runs, kept in step with every change.

use std::sync::Arc;

use roaring::RoaringBitmap;
use rustc_hash::{FxHashMap, FxHashSet};
use serde_json::Value;

use crate::domain::kernel::Comparison;
use crate::domain::kernel::json_path::lookup;
use crate::domain::kernel::table::blocks::Blocks;
use crate::domain::kernel::table::grams::Grams;
use crate::domain::kernel::table::key::Key;

/// Below this many selected rows a page sorts them outright; above it, it walks the column's
/// order, skipping rows not selected (a walk of about `page × rows / selected`).
const SORT_OUTRIGHT: u64 = 2048;

/// How a table indexes one field of its documents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Sorted, for ordering and ranges.
    Sorted,
    /// Rows by value, for equality (references and short lists of values).
    Keyed,
    /// Both.
    SortedKeyed,
    /// An array: rows by each of its elements (tags).
    Elements,
}

/// One indexed field: its path in the stored document and how its values compare.
#[derive(Debug, Clone, Copy)]
pub struct Column {
    pub path: &'static str,
    pub comparison: Comparison,
    pub role: Role,
}

impl Column {
    pub const fn new(path: &'static str, comparison: Comparison, role: Role) -> Column {
        Column {
            path,
            comparison,
            role,
        }
    }

    pub(super) fn sorted(&self) -> bool {
        matches!(self.role, Role::Sorted | Role::SortedKeyed)
    }

    pub(super) fn keyed(&self) -> bool {
        matches!(self.role, Role::Keyed | Role::SortedKeyed)
    }
}

/// What a kind's table indexes: its columns, and the fields that text search looks in.
#[derive(Debug)]
pub struct Spec {
    /// Names the table in cursors, so a cursor of one list is refused by another.
    pub name: &'static str,
    pub columns: &'static [Column],
    pub text: &'static [&'static str],
}

/// The indexed values of one column, per row.
#[derive(Debug, Clone, Default)]
pub(super) struct ColumnData {
    pub(super) keys: Vec<Key>,
    pub(super) order: Blocks,
    /// Keyed and Elements columns: rows by value.
    pub(super) postings: FxHashMap<Arc<str>, RoaringBitmap>,
    /// Elements columns: each row's values.
    pub(super) elements: Vec<Vec<Arc<str>>>,
    /// One copy of each value of a keyed column, shared by its rows.
    pub(super) interned: FxHashSet<Arc<str>>,
}

/// One entity kind's documents, reduced to their indexed fields.
#[derive(Debug, Clone)]
pub struct Table {
    pub(super) spec: &'static Spec,
    pub(super) ids: Vec<Arc<str>>,
    pub(super) versions: Vec<i64>,
    pub(super) rows: FxHashMap<Arc<str>, u32>,
    pub(super) live: RoaringBitmap,
    pub(super) free: Vec<u32>,
    pub(super) columns: Vec<ColumnData>,
    pub(super) texts: Vec<Box<[Box<str>]>>,
    pub(super) grams: Grams,
    /// Entities deleted while the table was loading, with their last version: an older copy
    /// read by the load must not bring them back.
    pub(super) gone: Option<FxHashMap<Arc<str>, i64>>,
    /// Up to this many selected rows, a page sorts them rather than walk the column's order.
    pub(super) sort_outright: u64,
}

/// A filter or sort names a field this table does not index.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the {table} list cannot filter or sort on {path}")]
pub struct Unindexed {
    pub table: &'static str,
    pub path: &'static str,
}

impl Table {
    /// An empty table that is loading: deletions are remembered until [`Table::settle`].
    pub fn new(spec: &'static Spec) -> Table {
        Table {
            spec,
            ids: Vec::new(),
            versions: Vec::new(),
            rows: FxHashMap::default(),
            live: RoaringBitmap::new(),
            free: Vec::new(),
            columns: vec![ColumnData::default(); spec.columns.len()],
            texts: Vec::new(),
            grams: Grams::default(),
            gone: Some(FxHashMap::default()),
            sort_outright: SORT_OUTRIGHT,
        }
    }

    /// How many entities the table holds.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// The load is over: each column is sorted once (rather than row by row while loading),
    /// and deletions need no remembering any more.
    pub fn settle(&mut self) {
        if self.gone.take().is_none() {
            return;
        }
        let rows: Vec<u32> = self.live.iter().collect();
        for data in self
            .columns
            .iter_mut()
            .zip(self.spec.columns)
            .filter(|(_, c)| c.sorted())
            .map(|(d, _)| d)
        {
            let (keys, ids) = (&data.keys, &self.ids);
            data.order = Blocks::build(rows.clone(), |a, b| by_key(keys, ids, a, b));
        }
    }

    fn loading(&self) -> bool {
        self.gone.is_some()
    }

    /// Takes an entity's document as it now is; an older version than the one held (or than
    /// the one deleted during the load) changes nothing.
    pub fn put(&mut self, id: &str, version: i64, doc: &Value) {
        if self
            .gone
            .as_ref()
            .and_then(|g| g.get(id))
            .is_some_and(|v| *v >= version)
        {
            return;
        }
        let row = match self.rows.get(id) {
            Some(row) if self.versions[*row as usize] > version => return,
            Some(row) => {
                let row = *row;
                self.unindex(row);
                row
            }
            None => self.allot(id),
        };
        self.versions[row as usize] = version;
        self.index(row, doc);
    }

    /// Forgets an entity deleted at `version`.
    pub fn remove(&mut self, id: &str, version: i64) {
        if let Some(gone) = &mut self.gone {
            gone.insert(Arc::from(id), version);
        }
        let Some(row) = self.rows.remove(id) else {
            return;
        };
        self.unindex(row);
        self.live.remove(row);
        self.free.push(row);
    }

    fn allot(&mut self, id: &str) -> u32 {
        let id: Arc<str> = Arc::from(id);
        let row = match self.free.pop() {
            Some(row) => {
                self.ids[row as usize] = id.clone();
                row
            }
            None => {
                let row = u32::try_from(self.ids.len()).expect("fewer than 4 billion rows");
                self.ids.push(id.clone());
                self.versions.push(0);
                self.texts.push(Box::default());
                // A column holds only what its role needs: a key, or an array's elements.
                for (spec, column) in self.spec.columns.iter().zip(&mut self.columns) {
                    match spec.role {
                        Role::Elements => column.elements.push(Vec::new()),
                        _ => column.keys.push(Key::Unset),
                    }
                }
                row
            }
        };
        self.rows.insert(id, row);
        self.live.insert(row);
        row
    }

    /// Sets a row's keys, postings and text from a document, leaving the orders alone.
    fn fill(&mut self, row: u32, doc: &Value) {
        let r = row as usize;
        for (spec, data) in self.spec.columns.iter().zip(&mut self.columns) {
            let value = lookup(doc, spec.path);
            if spec.role == Role::Elements {
                let items: Vec<Arc<str>> = value
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                    .map(|s| intern(&mut data.interned, s))
                    .collect();
                for item in &items {
                    data.postings.entry(item.clone()).or_default().insert(row);
                }
                data.elements[r] = items;
                continue;
            }
            let mut key = Key::of(value, spec.comparison);
            if spec.keyed()
                && let Key::Text(text) = &key
            {
                let text = intern(&mut data.interned, text);
                data.postings.entry(text.clone()).or_default().insert(row);
                key = Key::Text(text);
            }
            data.keys[r] = key;
        }
        let texts: Box<[Box<str>]> = self
            .spec
            .text
            .iter()
            .map(|p| {
                lookup(doc, p)
                    .and_then(Value::as_str)
                    .map_or_else(Box::default, |s| s.to_lowercase().into_boxed_str())
            })
            .collect();
        self.grams.add(row, &texts);
        self.texts[r] = texts;
    }

    fn index(&mut self, row: u32, doc: &Value) {
        self.fill(row, doc);
        if self.loading() {
            return;
        }
        for (data, _) in self
            .columns
            .iter_mut()
            .zip(self.spec.columns)
            .filter(|(_, c)| c.sorted())
        {
            let (keys, ids) = (&data.keys, &self.ids);
            data.order.insert(row, |a, b| by_key(keys, ids, a, b));
        }
    }

    fn unindex(&mut self, row: u32) {
        let r = row as usize;
        let loading = self.loading();
        for (spec, data) in self.spec.columns.iter().zip(&mut self.columns) {
            if spec.sorted() && !loading {
                let (keys, ids) = (&data.keys, &self.ids);
                data.order.remove(row, |a, b| by_key(keys, ids, a, b));
            }
            let held: Vec<Arc<str>> = match spec.role {
                Role::Elements => std::mem::take(&mut data.elements[r]),
                _ => match std::mem::replace(&mut data.keys[r], Key::Unset) {
                    Key::Text(t) if spec.keyed() => vec![t],
                    _ => Vec::new(),
                },
            };
            for value in held {
                if let Some(rows) = data.postings.get_mut(&value) {
                    rows.remove(row);
                    if rows.is_empty() {
                        data.postings.remove(&value);
                        data.interned.remove(&value);
                    }
                }
            }
        }
        let texts = std::mem::take(&mut self.texts[r]);
        self.grams.remove(row, &texts);
    }

    pub(super) fn column(&self, path: &'static str) -> Result<usize, Unindexed> {
        self.spec
            .columns
            .iter()
            .position(|c| c.path == path)
            .ok_or(Unindexed {
                table: self.spec.name,
                path,
            })
    }

    /// The value of an indexed field of an entity, as the table holds it.
    #[cfg(test)]
    pub fn key(&self, id: &str, path: &'static str) -> Option<&Key> {
        let row = *self.rows.get(id)?;
        let column = self.column(path).ok()?;
        Some(&self.columns[column].keys[row as usize])
    }
}

/// Rows in the order of a column: by its key, then by id.
pub(super) fn by_key(keys: &[Key], ids: &[Arc<str>], a: u32, b: u32) -> std::cmp::Ordering {
    (&keys[a as usize], &*ids[a as usize]).cmp(&(&keys[b as usize], &*ids[b as usize]))
}

fn intern(set: &mut FxHashSet<Arc<str>>, text: &str) -> Arc<str> {
    match set.get(text) {
        Some(held) => held.clone(),
        None => {
            let held: Arc<str> = Arc::from(text);
            set.insert(held.clone());
            held
        }
    }
}
