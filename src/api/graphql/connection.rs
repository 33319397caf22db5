//! Relay cursor connections over pages from the service, with `totalCount`.

use async_graphql::connection::{Connection, Edge};
use async_graphql::{OutputType, SimpleObject};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::api::graphql::errors::bad_input;
use crate::domain::kernel::{Cursor, Offsets, Page, PageRequest};

#[derive(SimpleObject)]
pub struct Totals {
    /// How many items match, across all pages.
    pub total_count: usize,
}

pub type Conn<N> = Connection<String, N, Totals>;

/// Cursors are opaque; inside, an offset in a result built whole (`pos:`) or a place in a
/// register list (`at:` and the list, key and id as JSON).
fn encode_cursor(cursor: &Cursor) -> String {
    let inside = match cursor {
        Cursor::Offset(n) => format!("pos:{n}"),
        Cursor::Place { list, key, id } => format!("at:{}", serde_json::json!([list, key, id])),
    };
    URL_SAFE_NO_PAD.encode(inside)
}

fn decode_cursor(cursor: &str) -> async_graphql::Result<Cursor> {
    let inside = URL_SAFE_NO_PAD
        .decode(cursor)
        .ok()
        .and_then(|b| String::from_utf8(b).ok());
    let decoded = inside.as_deref().and_then(|s| {
        if let Some(n) = s.strip_prefix("pos:") {
            return n.parse().ok().map(Cursor::Offset);
        }
        let parts: (String, serde_json::Value, String) =
            serde_json::from_str(s.strip_prefix("at:")?).ok()?;
        Some(Cursor::Place {
            list: parts.0,
            key: parts.1,
            id: parts.2,
        })
    });
    decoded.ok_or_else(|| bad_input(format!("{cursor:?} is not a cursor from this API")))
}

fn size(name: &str, value: Option<i32>) -> async_graphql::Result<Option<usize>> {
    value
        .map(|v| usize::try_from(v).map_err(|_| bad_input(format!("{name} must not be negative"))))
        .transpose()
}

/// The four Relay arguments, checked.
pub fn page_request(
    first: Option<i32>,
    after: Option<String>,
    last: Option<i32>,
    before: Option<String>,
) -> async_graphql::Result<PageRequest> {
    let request = PageRequest {
        first: size("first", first)?,
        after: after.as_deref().map(decode_cursor).transpose()?,
        last: size("last", last)?,
        before: before.as_deref().map(decode_cursor).transpose()?,
    };
    request.check().map_err(|e| bad_input(e.0))?;
    Ok(request)
}

/// The request over a result built whole, or a clear error for a register list's cursor.
pub fn offsets(request: &PageRequest) -> async_graphql::Result<Offsets> {
    request.offsets().map_err(|e| bad_input(e.0))
}

/// Builds a connection from a page, wrapping each item as a GraphQL node.
pub fn connection<T, N: OutputType>(page: Page<T>, node: impl Fn(T) -> N) -> Conn<N> {
    let mut conn = Connection::with_additional_fields(
        page.has_previous,
        page.has_next,
        Totals {
            total_count: page.total,
        },
    );
    conn.edges.extend(
        page.items
            .into_iter()
            .zip(&page.cursors)
            .map(|(item, cursor)| Edge::new(encode_cursor(cursor), node(item))),
    );
    conn
}

/// A connection over a list already in memory (e.g. loaded through a DataLoader).
pub fn slice<T, N: OutputType>(
    items: Vec<T>,
    request: &PageRequest,
    node: impl Fn(T) -> N,
) -> async_graphql::Result<Conn<N>> {
    Ok(connection(Page::cut(items, &offsets(request)?), node))
}

/// A connection over positions `0..total` of a result held elsewhere; only the page is built.
pub fn positions<N: OutputType>(
    total: usize,
    request: &PageRequest,
    node: impl Fn(usize) -> N,
) -> async_graphql::Result<Conn<N>> {
    let window = offsets(request)?.window(total);
    let items = (window.offset..total).take(window.limit).collect();
    Ok(connection(Page::of_window(items, total, window), node))
}
