//! One page of selected rows in a column's order, between keyset cursors: a page stays right
//! when rows are inserted or deleted before it, which offsets do not.

use std::cmp::Ordering;
use std::sync::Arc;

use roaring::RoaringBitmap;

use crate::domain::kernel::page::{Cursor, DEFAULT_PAGE, PageError};
use crate::domain::kernel::table::key::{Key, Position};
use crate::domain::kernel::table::rows::{Table, Unindexed, by_key};
use crate::domain::kernel::{PageRequest, Sort};

/// A page of ids, each with the place a cursor names, and what lies around it.
#[derive(Debug, Clone, PartialEq)]
pub struct Paged {
    pub items: Vec<(Arc<str>, Position)>,
    pub total: usize,
    pub has_previous: bool,
    pub has_next: bool,
    /// The list the places belong to (a cursor of another list is refused).
    pub list: String,
}

/// Why a page cannot be given.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PageFailure {
    #[error(transparent)]
    Unindexed(#[from] Unindexed),
    #[error(transparent)]
    Request(#[from] PageError),
}

type Walk<'a> = Box<dyn Iterator<Item = u32> + 'a>;

impl Table {
    /// The name cursors of this table's lists sorted on `path` carry.
    pub fn list_name(&self, path: &str) -> String {
        format!("{}.{path}", self.spec.name)
    }

    /// The page of `rows` the request asks for, in `sort` order (descending is the exact
    /// reverse of ascending: by key, then by id).
    pub fn page(
        &self,
        rows: &RoaringBitmap,
        sort: &Sort,
        request: &PageRequest,
    ) -> Result<Paged, PageFailure> {
        let c = self.column(sort.path)?;
        let spec = &self.spec.columns[c];
        if !spec.sorted() || spec.comparison != sort.comparison {
            return Err(Unindexed {
                table: self.spec.name,
                path: sort.path,
            }
            .into());
        }
        let list = self.list_name(sort.path);
        let place = |cursor: &Option<Cursor>| -> Result<Option<Position>, PageError> {
            cursor
                .as_ref()
                .map(|c| match c {
                    Cursor::Place { list: l, key, id } if *l == list => Ok(Position {
                        key: Key::of(Some(key), sort.comparison),
                        id: Arc::from(id.as_str()),
                    }),
                    _ => Err(PageError("the cursor belongs to another list".into())),
                })
                .transpose()
        };
        let (after, before) = (place(&request.after)?, place(&request.before)?);
        let keys = &self.columns[c].keys;
        let at = |r: u32| Position {
            key: keys[r as usize].clone(),
            id: self.ids[r as usize].clone(),
        };
        // Where a row stands against a place, in the list's direction.
        let against = |r: u32, p: &Position| {
            let o = (&keys[r as usize], &*self.ids[r as usize]).cmp(&(&p.key, &*p.id));
            if sort.descending { o.reverse() } else { o }
        };
        let small: Option<Vec<u32>> = (rows.len() <= self.sort_outright).then(|| {
            let mut v: Vec<u32> = rows.iter().collect();
            v.sort_unstable_by(|a, b| by_key(keys, &self.ids, *a, *b));
            v
        });
        // Selected rows above a place in ascending order, nearest first; and below it.
        let up = |p: Option<&Position>| -> Walk<'_> {
            let above = |r: u32| {
                p.is_none_or(|p| {
                    p.cmp_parts(&keys[r as usize], &self.ids[r as usize]) == Ordering::Less
                })
            };
            match &small {
                Some(v) => {
                    let start = v.partition_point(|r| !above(*r));
                    Box::new(v[start..].iter().copied())
                }
                None => {
                    let order = &self.columns[c].order;
                    let start = order.partition(|r| !above(r));
                    Box::new(order.up_from(start).filter(|r| rows.contains(*r)))
                }
            }
        };
        let down = |p: Option<&Position>| -> Walk<'_> {
            let below = |r: u32| {
                p.is_none_or(|p| {
                    p.cmp_parts(&keys[r as usize], &self.ids[r as usize]) == Ordering::Greater
                })
            };
            match &small {
                Some(v) => {
                    let end = v.partition_point(|r| below(*r));
                    Box::new(v[..end].iter().rev().copied())
                }
                None => {
                    let order = &self.columns[c].order;
                    let end = order.partition(below);
                    Box::new(order.down_from(end).filter(|r| rows.contains(*r)))
                }
            }
        };
        // Forwards and backwards in the list's own direction.
        let forward = |p: Option<&Position>| if sort.descending { down(p) } else { up(p) };
        let backward = |p: Option<&Position>| if sort.descending { up(p) } else { down(p) };
        let items: Vec<u32> = match (request.first, request.last) {
            (None, Some(last)) => {
                let mut items: Vec<u32> = backward(before.as_ref())
                    .take_while(|r| {
                        after
                            .as_ref()
                            .is_none_or(|a| against(*r, a) == Ordering::Greater)
                    })
                    .take(last)
                    .collect();
                items.reverse();
                items
            }
            (first, last) => {
                let mut items: Vec<u32> = forward(after.as_ref())
                    .take_while(|r| {
                        before
                            .as_ref()
                            .is_none_or(|b| against(*r, b) == Ordering::Less)
                    })
                    .take(first.unwrap_or(DEFAULT_PAGE))
                    .collect();
                if let Some(last) = last {
                    items.drain(..items.len().saturating_sub(last));
                }
                items
            }
        };
        let at_or_beyond = |p: &Position| {
            forward(Some(p)).next().is_some()
                || self
                    .rows
                    .get(&p.id)
                    .is_some_and(|r| rows.contains(*r) && keys[*r as usize] == p.key)
        };
        let at_or_before = |p: &Position| {
            backward(Some(p)).next().is_some()
                || self
                    .rows
                    .get(&p.id)
                    .is_some_and(|r| rows.contains(*r) && keys[*r as usize] == p.key)
        };
        let (has_previous, has_next) = match (items.first(), items.last()) {
            (Some(first), Some(last)) => (
                backward(Some(&at(*first))).next().is_some(),
                forward(Some(&at(*last))).next().is_some(),
            ),
            _ => (
                after.as_ref().is_some_and(at_or_before),
                before.as_ref().is_some_and(at_or_beyond),
            ),
        };
        Ok(Paged {
            items: items
                .into_iter()
                .map(|r| (self.ids[r as usize].clone(), at(r)))
                .collect(),
            total: rows.len() as usize,
            has_previous,
            has_next,
            list,
        })
    }
}
