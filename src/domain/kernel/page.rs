//! Relay pagination arithmetic: which slice of an ordered result a request asks for.

/// Largest page a client may ask for.
pub const MAX_PAGE: usize = 500;
/// Page size when the client names none.
pub const DEFAULT_PAGE: usize = 50;

/// What a cursor names: an offset in a result built whole for one request (an impact, a
/// history), or a place in a register list, which stays right while the list changes.
#[derive(Debug, Clone, PartialEq)]
pub enum Cursor {
    Offset(usize),
    /// The list's name, the key of its sort field and the id at that place.
    Place {
        list: String,
        key: serde_json::Value,
        id: String,
    },
}

/// The client's arguments, cursors already decoded.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PageRequest {
    pub first: Option<usize>,
    pub after: Option<Cursor>,
    pub last: Option<usize>,
    pub before: Option<Cursor>,
}

/// The slice to fetch: `offset..offset + limit`, and whether anything lies on either side.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub offset: usize,
    pub limit: usize,
    pub has_previous: bool,
    pub has_next: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct PageError(pub String);

impl PageRequest {
    /// Refuses page sizes over [`MAX_PAGE`].
    pub fn check(&self) -> Result<(), PageError> {
        for (name, value) in [("first", self.first), ("last", self.last)] {
            if value.is_some_and(|v| v > MAX_PAGE) {
                return Err(PageError(format!("{name} must be at most {MAX_PAGE}")));
            }
        }
        Ok(())
    }

    /// The request over a result built whole, where cursors are offsets; a register list's
    /// cursor names no offset and is refused.
    pub fn offsets(&self) -> Result<Offsets, PageError> {
        let offset = |cursor: &Option<Cursor>| match cursor {
            None => Ok(None),
            Some(Cursor::Offset(n)) => Ok(Some(*n)),
            Some(Cursor::Place { .. }) => {
                Err(PageError("the cursor belongs to another list".into()))
            }
        };
        Ok(Offsets {
            first: self.first,
            after: offset(&self.after)?,
            last: self.last,
            before: offset(&self.before)?,
        })
    }
}

/// A page request over a result built whole: cursors are offsets in it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Offsets {
    pub first: Option<usize>,
    pub after: Option<usize>,
    pub last: Option<usize>,
    pub before: Option<usize>,
}

impl Offsets {
    /// The Relay "apply cursors, then first, then last" algorithm over `total` ordered items.
    pub fn window(&self, total: usize) -> Window {
        let (after, before) = (self.after, self.before);
        let mut start = after.map_or(0, |a| a.saturating_add(1)).min(total);
        let mut end = before.map_or(total, |b| b.min(total)).max(start);
        let first = match (self.first, self.last) {
            (None, None) => Some(DEFAULT_PAGE),
            (first, _) => first,
        };
        if let Some(first) = first {
            end = end.min(start + first);
        }
        if let Some(last) = self.last {
            start = start.max(end.saturating_sub(last));
        }
        Window {
            offset: start,
            limit: end - start,
            has_previous: start > 0,
            has_next: end < total,
        }
    }
}

/// A page of results, the cursor of each, and the total count of matches.
#[derive(Debug, Clone)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub cursors: Vec<Cursor>,
    pub total: usize,
    pub has_previous: bool,
    pub has_next: bool,
}

impl<T> Page<T> {
    /// The items of `window` in a result of `total` built whole; their cursors are offsets.
    pub fn of_window(items: Vec<T>, total: usize, window: Window) -> Page<T> {
        Page {
            cursors: (window.offset..window.offset + items.len())
                .map(Cursor::Offset)
                .collect(),
            items,
            total,
            has_previous: window.has_previous,
            has_next: window.has_next,
        }
    }

    /// The page a request asks for, cut from a whole result.
    pub fn cut(all: Vec<T>, request: &Offsets) -> Page<T> {
        let total = all.len();
        let window = request.window(total);
        let items = all
            .into_iter()
            .skip(window.offset)
            .take(window.limit)
            .collect();
        Page::of_window(items, total, window)
    }

    pub fn map<U>(self, mut f: impl FnMut(T) -> U) -> Page<U> {
        self.filter_map(|item| Some(f(item)))
    }

    /// The page without the items `f` drops (gone since the list was read), each kept item
    /// with its own cursor.
    pub fn filter_map<U>(self, mut f: impl FnMut(T) -> Option<U>) -> Page<U> {
        let (items, cursors) = self
            .items
            .into_iter()
            .zip(self.cursors)
            .filter_map(|(item, cursor)| f(item).map(|kept| (kept, cursor)))
            .unzip();
        Page {
            items,
            cursors,
            total: self.total,
            has_previous: self.has_previous,
            has_next: self.has_next,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn req(
        first: Option<usize>,
        after: Option<usize>,
        last: Option<usize>,
        before: Option<usize>,
    ) -> Offsets {
        PageRequest {
            first,
            after: after.map(Cursor::Offset),
            last,
            before: before.map(Cursor::Offset),
        }
        .offsets()
        .unwrap()
    }

    #[test]
    fn forwards_and_backwards() {
        assert_eq!(
            req(Some(2), None, None, None).window(5),
            Window {
                offset: 0,
                limit: 2,
                has_previous: false,
                has_next: true
            }
        );
        assert_eq!(
            req(Some(2), Some(3), None, None).window(5),
            Window {
                offset: 4,
                limit: 1,
                has_previous: true,
                has_next: false
            }
        );
        assert_eq!(
            req(None, None, Some(2), None).window(5),
            Window {
                offset: 3,
                limit: 2,
                has_previous: true,
                has_next: false
            }
        );
        assert_eq!(
            req(None, None, Some(2), Some(1)).window(5),
            Window {
                offset: 0,
                limit: 1,
                has_previous: false,
                has_next: true
            }
        );
        assert_eq!(req(None, None, None, None).window(3).limit, 3);
        assert!(
            PageRequest {
                first: Some(501),
                ..Default::default()
            }
            .check()
            .is_err()
        );
    }

    proptest! {
        /// Walking forwards page by page visits every item exactly once, and so does walking backwards.
        #[test]
        fn pages_tile_the_result(total in 0usize..300, size in 1usize..40) {
            let mut seen = Vec::new();
            let mut after = None;
            loop {
                let w = req(Some(size), after, None, None).window(total);
                seen.extend(w.offset..w.offset + w.limit);
                if !w.has_next { break; }
                after = Some(w.offset + w.limit - 1);
            }
            prop_assert_eq!(seen, (0..total).collect::<Vec<_>>());
            let mut back = Vec::new();
            let mut before = None;
            loop {
                let w = req(None, None, Some(size), before).window(total);
                back.splice(0..0, w.offset..w.offset + w.limit);
                if !w.has_previous { break; }
                before = Some(w.offset);
            }
            prop_assert_eq!(back, (0..total).collect::<Vec<_>>());
        }
    }
}
