//! Relay cursor connections over pages from the service, with `totalCount`.

use async_graphql::connection::{Connection, Edge};
use async_graphql::{OutputType, SimpleObject};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::api::graphql::errors::bad_input;
use crate::domain::kernel::Page;
use crate::domain::kernel::PageRequest;

#[derive(SimpleObject)]
pub struct Totals {
    /// How many items match, across all pages.
    pub total_count: usize,
}

pub type Conn<N> = Connection<String, N, Totals>;

/// Cursors are opaque; inside they are positions in the ordered result.
fn encode_cursor(position: usize) -> String {
    URL_SAFE_NO_PAD.encode(format!("pos:{position}"))
}

fn decode_cursor(cursor: &str) -> async_graphql::Result<usize> {
    URL_SAFE_NO_PAD
        .decode(cursor)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|s| s.strip_prefix("pos:").and_then(|n| n.parse().ok()))
        .ok_or_else(|| bad_input(format!("{cursor:?} is not a cursor from this API")))
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

/// Builds a connection from a page, wrapping each item as a GraphQL node.
pub fn connection<T, N: OutputType>(page: Page<T>, node: impl Fn(T) -> N) -> Conn<N> {
    let mut conn = Connection::with_additional_fields(
        page.window.has_previous,
        page.window.has_next,
        Totals {
            total_count: page.total,
        },
    );
    conn.edges.extend(
        page.items
            .into_iter()
            .enumerate()
            .map(|(i, item)| Edge::new(encode_cursor(page.window.offset + i), node(item))),
    );
    conn
}

/// A connection over a list already in memory (e.g. loaded through a DataLoader).
pub fn slice<T, N: OutputType>(
    items: Vec<T>,
    request: &PageRequest,
    node: impl Fn(T) -> N,
) -> Conn<N> {
    let total = items.len();
    let window = request.window(total);
    let items = items
        .into_iter()
        .skip(window.offset)
        .take(window.limit)
        .collect();
    connection(
        Page {
            items,
            total,
            window,
        },
        node,
    )
}

/// A connection over positions `0..total` of a result held elsewhere; only the page is built.
pub fn positions<N: OutputType>(
    total: usize,
    request: &PageRequest,
    node: impl Fn(usize) -> N,
) -> Conn<N> {
    let window = request.window(total);
    let items = (window.offset..total).take(window.limit).collect();
    connection(
        Page {
            items,
            total,
            window,
        },
        node,
    )
}
