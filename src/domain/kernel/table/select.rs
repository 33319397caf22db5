//! Which rows a filter selects, answered from the columns' postings, orders and text runs.

use roaring::RoaringBitmap;
use serde_json::Value;

use crate::domain::kernel::table::grams::SHORTEST;
use crate::domain::kernel::table::key::Key;
use crate::domain::kernel::table::rows::{Role, Table, Unindexed};
use crate::domain::kernel::{Condition, Filter};

impl Table {
    /// The rows the filter selects: the same as `Filter::matches` on each stored document.
    pub fn select(&self, filter: &Filter) -> Result<RoaringBitmap, Unindexed> {
        match filter {
            Filter::All(parts) => {
                let mut sets = parts
                    .iter()
                    .map(|f| self.select(f))
                    .collect::<Result<Vec<_>, _>>()?;
                sets.sort_by_key(RoaringBitmap::len);
                let mut sets = sets.into_iter();
                let Some(mut rows) = sets.next() else {
                    return Ok(self.live.clone());
                };
                for set in sets {
                    if rows.is_empty() {
                        break;
                    }
                    rows &= set;
                }
                Ok(rows)
            }
            Filter::Any(parts) => parts
                .iter()
                .try_fold(RoaringBitmap::new(), |rows, f| Ok(rows | self.select(f)?)),
            Filter::Not(inner) => Ok(&self.live - self.select(inner)?),
            Filter::Where(condition) => self.condition(condition),
        }
    }

    fn condition(&self, condition: &Condition) -> Result<RoaringBitmap, Unindexed> {
        match condition {
            Condition::OneOf { path, values } => {
                let c = self.column(path)?;
                let spec = &self.spec.columns[c];
                let data = &self.columns[c];
                let texts = values.iter().filter_map(Value::as_str);
                if spec.keyed() {
                    return Ok(texts
                        .filter_map(|t| data.postings.get(t))
                        .fold(RoaringBitmap::new(), |rows, p| rows | p));
                }
                if !spec.sorted() || spec.comparison != crate::domain::kernel::Comparison::Text {
                    return Err(self.unindexed(path));
                }
                let mut rows = RoaringBitmap::new();
                for text in texts {
                    let key = Key::Text(text.into());
                    rows |= self.range(c, Some(&key), Some(&key));
                }
                Ok(rows)
            }
            Condition::Holds { path, value } => {
                let c = self.column(path)?;
                if self.spec.columns[c].role != Role::Elements {
                    return Err(self.unindexed(path));
                }
                Ok(value
                    .as_str()
                    .and_then(|v| self.columns[c].postings.get(v))
                    .cloned()
                    .unwrap_or_default())
            }
            Condition::Between {
                path,
                min,
                max,
                comparison,
            } => {
                let c = self.column(path)?;
                if !self.spec.columns[c].sorted() || self.spec.columns[c].comparison != *comparison
                {
                    return Err(self.unindexed(path));
                }
                let bound = |v: &Option<Value>| v.as_ref().map(|v| Key::of(Some(v), *comparison));
                let (min, max) = (bound(min), bound(max));
                if [&min, &max].iter().any(|b| **b == Some(Key::Unset)) {
                    return Ok(RoaringBitmap::new());
                }
                Ok(self.range(c, min.as_ref(), max.as_ref()))
            }
            Condition::Text { paths, needle } => self.text(paths, needle),
        }
    }

    fn unindexed(&self, path: &'static str) -> Unindexed {
        Unindexed {
            table: self.spec.name,
            path,
        }
    }

    /// Rows whose key in column `c` lies within the inclusive bounds.
    fn range(&self, c: usize, min: Option<&Key>, max: Option<&Key>) -> RoaringBitmap {
        let data = &self.columns[c];
        let keys = &data.keys;
        let start = data.order.partition(|r| {
            let k = &keys[r as usize];
            *k == Key::Unset || min.is_some_and(|m| k < m)
        });
        let mut rows: Vec<u32> = data
            .order
            .up_from(start)
            .take_while(|r| max.is_none_or(|m| keys[*r as usize] <= *m))
            .collect();
        rows.sort_unstable();
        RoaringBitmap::from_sorted_iter(rows).unwrap_or_default()
    }

    /// Rows with the needle in one of the searched fields, ignoring case.
    fn text(&self, paths: &[&'static str], needle: &str) -> Result<RoaringBitmap, Unindexed> {
        if let Some(path) = paths.iter().find(|p| !self.spec.text.contains(p)) {
            return Err(self.unindexed(path));
        }
        let fields: Vec<usize> = paths
            .iter()
            .filter_map(|p| self.spec.text.iter().position(|t| t == p))
            .collect();
        let needle = needle.to_lowercase();
        let holds = |row: u32| {
            let texts = &self.texts[row as usize];
            fields.iter().any(|f| texts[*f].contains(needle.as_str()))
        };
        let exact = needle.chars().count() == SHORTEST && fields.len() == self.spec.text.len();
        Ok(match self.grams.candidates(&needle) {
            Some(candidates) if exact => candidates,
            Some(candidates) => candidates.into_iter().filter(|r| holds(*r)).collect(),
            None => self.live.iter().filter(|r| holds(*r)).collect(),
        })
    }
}
