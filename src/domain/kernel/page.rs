//! Relay pagination arithmetic: which slice of an ordered result a request asks for.

/// Largest page a client may ask for.
pub const MAX_PAGE: usize = 500;
/// Page size when the client names none.
pub const DEFAULT_PAGE: usize = 50;

/// The client's arguments, cursors already decoded to positions in the ordered result.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PageRequest {
    pub first: Option<usize>,
    pub after: Option<usize>,
    pub last: Option<usize>,
    pub before: Option<usize>,
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

    /// The Relay "apply cursors, then first, then last" algorithm over `total` ordered items.
    pub fn window(&self, total: usize) -> Window {
        let mut start = self.after.map_or(0, |a| a.saturating_add(1)).min(total);
        let mut end = self.before.map_or(total, |b| b.min(total)).max(start);
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

/// A page of results with the total count of matches.
#[derive(Debug, Clone)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: usize,
    pub window: Window,
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
    ) -> PageRequest {
        PageRequest {
            first,
            after,
            last,
            before,
        }
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
        assert!(req(Some(501), None, None, None).check().is_err());
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
