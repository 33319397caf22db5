//! Read operations: lookups by id and key, and filtered, sorted, paginated lists.

use std::collections::HashSet;

use async_graphql::{Context, ID, Object, OutputType, Result};

use crate::api::connection::{Conn, connection, page_request};
use crate::api::context::{fail, register};
use crate::api::enums::RelationType;
use crate::api::errors::bad_input;
use crate::api::filters::{
    AssetFilter, AssetOrderField, FilterInput, LocationFilter, ModelFilter, NamedOrderField, Order,
    OrderField, PersonFilter, PersonOrderField, Subtrees, TeamFilter, VendorFilter, compile, sort,
};
use crate::api::ids;
use crate::api::impact::{ImpactInput, ImpactReport, dependency_cycles, dependency_path, impact};
use crate::api::loaders::{one, prefetch_asset_relations};
use crate::api::types::{
    AssetNode, LocationNode, ModelNode, Node, PersonNode, TeamNode, VendorNode, load_node,
};
use crate::domain::kernel::entity::{Entity, EntityKind, Record};
use crate::domain::kernel::page::Page;
use crate::domain::register::asset::Asset;
use crate::domain::register::party::{Person, Team};
use crate::domain::register::site::Location;
use crate::domain::register::supply::{Model, Vendor};

#[derive(Default)]
pub struct QueryRoot;

/// The Relay arguments every list takes.
pub struct Window {
    pub first: Option<i32>,
    pub after: Option<String>,
    pub last: Option<i32>,
    pub before: Option<String>,
}

/// Each `locationWithin` costs a query per level of the location tree; this bounds it.
const MAX_SUBTREE_ROOTS: usize = 20;

/// A filtered, sorted page of one kind of entity, as a connection.
pub(super) async fn list<E: Entity, F: FilterInput, O: OrderField, N: OutputType>(
    ctx: &Context<'_>,
    filter: Option<F>,
    order: Option<Order<O>>,
    default_order: O,
    window: Window,
    wrap: fn(Record<E>) -> N,
) -> Result<Conn<N>> {
    Ok(connection(
        fetch(ctx, filter, order, default_order, window).await?,
        wrap,
    ))
}

/// A filter input as the store and `Filter::matches` take it, with `locationWithin` resolved.
pub async fn compile_filter<F: FilterInput>(
    ctx: &Context<'_>,
    input: &F,
) -> Result<crate::domain::kernel::query::Filter> {
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
    crate::api::access::check_fields_used(ctx, &filter.paths())?;
    Ok(filter)
}

/// A filtered, sorted page of one kind of entity.
async fn fetch<E: Entity, F: FilterInput, O: OrderField>(
    ctx: &Context<'_>,
    filter: Option<F>,
    order: Option<Order<O>>,
    default_order: O,
    window: Window,
) -> Result<Page<Record<E>>> {
    let request = page_request(window.first, window.after, window.last, window.before)?;
    let register = register(ctx)?;
    let filter = match filter {
        None => crate::domain::kernel::query::Filter::everything(),
        Some(input) => compile_filter(ctx, &input).await?,
    };
    let sort = sort(order, default_order);
    crate::api::access::check_fields_used(ctx, &[sort.path])?;
    register
        .list::<E>(&filter, &sort, &request)
        .await
        .map_err(|e| fail(ctx, e))
}

/// One entity by global id; a malformed or foreign id is an error, a missing entity is null.
pub(super) async fn by_id<E: Entity>(ctx: &Context<'_>, id: &ID) -> Result<Option<Record<E>>> {
    let key = ids::decode(E::KIND, id)
        .ok_or_else(|| bad_input(format!("{:?} is not a {} id", id.as_str(), E::KIND)))?;
    one::<E>(ctx, Some(&key)).await
}

async fn node(ctx: &Context<'_>, id: &ID) -> Result<Option<Node>> {
    let Some((kind, key)) = ids::decode_any(id) else {
        return Err(bad_input(format!(
            "{:?} is not an id from this API",
            id.as_str()
        )));
    };
    load_node(ctx, kind, &key).await
}

/// Most ids one `nodes` call may ask for.
const MAX_NODES: usize = 500;

#[Object]
impl QueryRoot {
    /// Any entity by its global id.
    async fn node(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Node>> {
        node(ctx, &id).await
    }

    /// Many entities by global id, in the order asked (null where none exists); batched.
    async fn nodes(&self, ctx: &Context<'_>, ids: Vec<ID>) -> Result<Vec<Option<Node>>> {
        if ids.len() > MAX_NODES {
            return Err(bad_input(format!("nodes takes at most {MAX_NODES} ids")));
        }
        futures_util::future::try_join_all(ids.iter().map(|id| node(ctx, id))).await
    }

    /// What is affected, and why, if the given entities fail together: each affected entity with
    /// its state (DOWN or DEGRADED, after redundancy), distance, and one shortest explaining chain.
    async fn impact(&self, ctx: &Context<'_>, input: ImpactInput) -> Result<ImpactReport> {
        impact(ctx, input).await
    }

    /// A shortest chain of dependencies by which `from` relies on `to`; null when it does not.
    async fn dependency_path(
        &self,
        ctx: &Context<'_>,
        from: ID,
        to: ID,
        types: Option<Vec<RelationType>>,
    ) -> Result<Option<Vec<Node>>> {
        dependency_path(ctx, &from, &to, types).await
    }

    /// Circles of entities that depend on each other (strongly connected groups of two or more).
    async fn dependency_cycles(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        types: Option<Vec<RelationType>>,
    ) -> Result<Vec<Vec<Node>>> {
        dependency_cycles(ctx, first, types).await
    }

    async fn asset(&self, ctx: &Context<'_>, id: ID) -> Result<Option<AssetNode>> {
        Ok(by_id::<Asset>(ctx, &id).await?.map(AssetNode))
    }

    /// The asset carrying this asset tag.
    async fn asset_by_tag(&self, ctx: &Context<'_>, tag: String) -> Result<Option<AssetNode>> {
        let found = register(ctx)?
            .asset_by_tag(tag.trim())
            .await
            .map_err(|e| fail(ctx, e))?;
        Ok(found.map(AssetNode))
    }

    /// The asset with this serial number from this manufacturer.
    async fn asset_by_serial(
        &self,
        ctx: &Context<'_>,
        serial: String,
        manufacturer: String,
    ) -> Result<Option<AssetNode>> {
        let found = register(ctx)?
            .asset_by_serial(serial.trim(), manufacturer.trim())
            .await
            .map_err(|e| fail(ctx, e))?;
        Ok(found.map(AssetNode))
    }

    #[allow(clippy::too_many_arguments)]
    async fn assets(
        &self,
        ctx: &Context<'_>,
        filter: Option<AssetFilter>,
        order_by: Option<Order<AssetOrderField>>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Result<Conn<AssetNode>> {
        let page = fetch::<Asset, _, _>(
            ctx,
            filter,
            order_by,
            AssetOrderField::Name,
            Window {
                first,
                after,
                last,
                before,
            },
        )
        .await?;
        prefetch_asset_relations(ctx, &page.items).await?;
        Ok(connection(page, AssetNode))
    }

    async fn person(&self, ctx: &Context<'_>, id: ID) -> Result<Option<PersonNode>> {
        Ok(by_id::<Person>(ctx, &id).await?.map(PersonNode))
    }

    #[allow(clippy::too_many_arguments)]
    async fn people(
        &self,
        ctx: &Context<'_>,
        filter: Option<PersonFilter>,
        order_by: Option<Order<PersonOrderField>>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Result<Conn<PersonNode>> {
        list(
            ctx,
            filter,
            order_by,
            PersonOrderField::Name,
            Window {
                first,
                after,
                last,
                before,
            },
            PersonNode,
        )
        .await
    }

    async fn team(&self, ctx: &Context<'_>, id: ID) -> Result<Option<TeamNode>> {
        Ok(by_id::<Team>(ctx, &id).await?.map(TeamNode))
    }

    #[allow(clippy::too_many_arguments)]
    async fn teams(
        &self,
        ctx: &Context<'_>,
        filter: Option<TeamFilter>,
        order_by: Option<Order<NamedOrderField>>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Result<Conn<TeamNode>> {
        list(
            ctx,
            filter,
            order_by,
            NamedOrderField::Name,
            Window {
                first,
                after,
                last,
                before,
            },
            TeamNode,
        )
        .await
    }

    async fn location(&self, ctx: &Context<'_>, id: ID) -> Result<Option<LocationNode>> {
        Ok(by_id::<Location>(ctx, &id).await?.map(LocationNode))
    }

    #[allow(clippy::too_many_arguments)]
    async fn locations(
        &self,
        ctx: &Context<'_>,
        filter: Option<LocationFilter>,
        order_by: Option<Order<NamedOrderField>>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Result<Conn<LocationNode>> {
        list(
            ctx,
            filter,
            order_by,
            NamedOrderField::Name,
            Window {
                first,
                after,
                last,
                before,
            },
            LocationNode,
        )
        .await
    }

    async fn vendor(&self, ctx: &Context<'_>, id: ID) -> Result<Option<VendorNode>> {
        Ok(by_id::<Vendor>(ctx, &id).await?.map(VendorNode))
    }

    #[allow(clippy::too_many_arguments)]
    async fn vendors(
        &self,
        ctx: &Context<'_>,
        filter: Option<VendorFilter>,
        order_by: Option<Order<NamedOrderField>>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Result<Conn<VendorNode>> {
        list(
            ctx,
            filter,
            order_by,
            NamedOrderField::Name,
            Window {
                first,
                after,
                last,
                before,
            },
            VendorNode,
        )
        .await
    }

    async fn model(&self, ctx: &Context<'_>, id: ID) -> Result<Option<ModelNode>> {
        Ok(by_id::<Model>(ctx, &id).await?.map(ModelNode))
    }

    #[allow(clippy::too_many_arguments)]
    async fn models(
        &self,
        ctx: &Context<'_>,
        filter: Option<ModelFilter>,
        order_by: Option<Order<NamedOrderField>>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Result<Conn<ModelNode>> {
        list(
            ctx,
            filter,
            order_by,
            NamedOrderField::Name,
            Window {
                first,
                after,
                last,
                before,
            },
            ModelNode,
        )
        .await
    }
}
