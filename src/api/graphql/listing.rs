//! Lists and lookups over any entity kind: a filter input compiled (sub-location trees resolved),
//! a sort, one page from the service; and one entity by global id.

use crate::api::graphql::connection::{Conn, connection};
use crate::api::graphql::context::{fail, register};
use crate::api::graphql::errors::bad_input;
use crate::api::graphql::filters::{FilterInput, Order, OrderField, Subtrees, compile, sort};
use crate::api::graphql::ids;
use crate::api::graphql::loaders::{one, records_of};
use crate::domain::kernel::Page;
use crate::domain::kernel::PageRequest;
use crate::domain::kernel::{Entity, EntityKind, Record};
use async_graphql::{Context, ID, OutputType, Result};
use std::collections::HashSet;

/// Each `locationWithin` costs a query per level of the location tree; this bounds it.
const MAX_SUBTREE_ROOTS: usize = 20;

/// A filtered, sorted page of one kind of entity, as a connection.
pub(crate) async fn list<E: Entity, F: FilterInput, O: OrderField, N: OutputType>(
    ctx: &Context<'_>,
    filter: Option<F>,
    order: Option<Order<O>>,
    default_order: O,
    page: PageRequest,
    wrap: fn(Record<E>) -> N,
) -> Result<Conn<N>> {
    Ok(connection(
        fetch(ctx, filter, order, default_order, page).await?,
        wrap,
    ))
}

/// A filter input as the store and `Filter::matches` take it, with `locationWithin` resolved.
pub async fn compile_filter<F: FilterInput>(
    ctx: &Context<'_>,
    input: &F,
) -> Result<crate::domain::kernel::Filter> {
    let register = register(ctx)?;
    let mut subtrees = Subtrees::new();
    let roots: HashSet<_> = input.subtree_roots().into_iter().collect();
    if roots.len() > MAX_SUBTREE_ROOTS {
        return Err(bad_input(format!(
            "a filter may name at most {MAX_SUBTREE_ROOTS} locationWithin locations"
        )));
    }
    for root in roots {
        let key = ids::decode(EntityKind::Location, &root)
            .ok_or_else(|| bad_input("locationWithin: not a Location id"))?;
        let within = register
            .location_subtree(&key)
            .await
            .map_err(|e| fail(ctx, e))?;
        subtrees.insert(key, within);
    }
    let filter = compile(input, &subtrees)?;
    crate::api::graphql::context::check_fields_used(ctx, &filter.paths())?;
    Ok(filter)
}

/// A filtered, sorted page of one kind of entity.
pub(crate) async fn fetch<E: Entity, F: FilterInput, O: OrderField>(
    ctx: &Context<'_>,
    filter: Option<F>,
    order: Option<Order<O>>,
    default_order: O,
    request: PageRequest,
) -> Result<Page<Record<E>>> {
    let register = register(ctx)?;
    let filter = match filter {
        None => crate::domain::kernel::Filter::everything(),
        Some(input) => compile_filter(ctx, &input).await?,
    };
    let sort = sort(order, default_order);
    crate::api::graphql::context::check_fields_used(ctx, &[sort.path])?;
    let ids = register
        .list_ids(E::KIND, &filter, &sort, &request)
        .await
        .map_err(|e| fail(ctx, e))?;
    records_of::<E>(ctx, ids).await
}

/// One entity by global id; a malformed or foreign id is an error, a missing entity is null.
pub(crate) async fn by_id<E: Entity>(ctx: &Context<'_>, id: &ID) -> Result<Option<Record<E>>> {
    let key = ids::decode(E::KIND, id)
        .ok_or_else(|| bad_input(format!("{:?} is not a {} id", id.as_str(), E::KIND)))?;
    one::<E>(ctx, Some(&key)).await
}
