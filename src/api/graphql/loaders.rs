//! DataLoaders: every relation field batches its lookups so a page costs a constant number of queries.

use std::collections::{HashMap, HashSet};
use std::marker::PhantomData;

use async_graphql::dataloader::{DataLoader, HashMapCache, Loader};
use async_graphql::{Context, Request};
use serde_json::Value as Json;

use crate::api::graphql::connection::Conn;
use crate::api::graphql::connection::connection;
use crate::api::graphql::context::Readiness;
use crate::api::graphql::context::{fail, register};
use crate::domain::discovery::Policy;
use crate::domain::discovery::ReconciliationItem;
use crate::domain::kernel::Page;
use crate::domain::kernel::PageRequest;
use crate::domain::kernel::lookup;
use crate::domain::kernel::{Entity, EntityId, Record};
use crate::domain::lifecycle::ApprovalRequest;
use crate::domain::lifecycle::Maintenance;
use crate::domain::register::Location;
use crate::domain::register::{Asset, Owner};
use crate::domain::register::{Model, Vendor};
use crate::domain::register::{Person, Team};
use crate::domain::relationships::Relationship;
use crate::domain::software::Contract;
use crate::domain::software::Entitlement;
use crate::domain::software::Subscription;
use crate::domain::software::{SoftwareProduct, SoftwareUsage};
use crate::service::kernel::Register;
use crate::service::kernel::ServiceError;
use crate::service::relationships::Hop;

/// The register, or UNAVAILABLE while the store is not connected.
fn connected(readiness: &Readiness) -> Result<&Register, ServiceError> {
    readiness
        .get()
        .ok_or_else(|| ServiceError::Unavailable("store not connected".into()))
}

/// Loads entities of one kind by id.
pub struct ById<E> {
    readiness: Readiness,
    kind: PhantomData<E>,
}

impl<E: Entity> Loader<EntityId> for ById<E> {
    type Value = Record<E>;
    type Error = ServiceError;

    async fn load(&self, keys: &[EntityId]) -> Result<HashMap<EntityId, Record<E>>, ServiceError> {
        let records = connected(&self.readiness)?.get_many::<E>(keys).await?;
        Ok(records.into_iter().map(|r| (r.id.clone(), r)).collect())
    }
}

/// Entities of one kind whose `path` field holds a given id (team members, child locations, …).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Referring {
    pub path: &'static str,
    pub id: EntityId,
}

pub struct ByReference<E> {
    readiness: Readiness,
    kind: PhantomData<E>,
}

impl<E: Entity> Loader<Referring> for ByReference<E> {
    type Value = Vec<Record<E>>;
    type Error = ServiceError;

    async fn load(
        &self,
        keys: &[Referring],
    ) -> Result<HashMap<Referring, Vec<Record<E>>>, ServiceError> {
        let mut by_path: HashMap<&'static str, Vec<Json>> = HashMap::new();
        for key in keys {
            by_path
                .entry(key.path)
                .or_default()
                .push(Json::String(key.id.as_str().to_string()));
        }
        let mut found: HashMap<Referring, Vec<Record<E>>> =
            keys.iter().map(|k| (k.clone(), Vec::new())).collect();
        for (path, values) in by_path {
            for record in connected(&self.readiness)?
                .find_by::<E>(path, values)
                .await?
            {
                let data = serde_json::to_value(&record.data)
                    .map_err(|e| ServiceError::Internal(e.to_string()))?;
                let Some(id) = lookup(&data, path)
                    .and_then(Json::as_str)
                    .and_then(EntityId::parse)
                else {
                    continue;
                };
                if let Some(list) = found.get_mut(&Referring { path, id }) {
                    list.push(record);
                }
            }
        }
        Ok(found)
    }
}

/// Loads relationships by their ends and type (a page of one hop from the index).
pub struct ByEnds {
    readiness: Readiness,
}

impl Loader<Hop> for ByEnds {
    type Value = Record<Relationship>;
    type Error = ServiceError;

    async fn load(&self, keys: &[Hop]) -> Result<HashMap<Hop, Record<Relationship>>, ServiceError> {
        let records = connected(&self.readiness)?
            .relationships_between(keys)
            .await?;
        Ok(records
            .into_iter()
            .map(|r| {
                (
                    (
                        r.data.source.clone(),
                        r.data.target.clone(),
                        r.data.relation,
                    ),
                    r,
                )
            })
            .collect())
    }
}

/// The stored relationships of a page of hops, batched with every other such page of the
/// request; a relationship gone since the index was read is left out.
pub async fn relationships_of(
    ctx: &Context<'_>,
    hops: Page<Hop>,
) -> async_graphql::Result<Page<Record<Relationship>>> {
    let loader = ctx.data_unchecked::<Cached<ByEnds>>();
    let mut found = loader
        .load_many(hops.items.iter().cloned())
        .await
        .map_err(|e| fail(ctx, e))?;
    Ok(hops.filter_map(|hop| found.remove(&hop)))
}

type Cached<L> = DataLoader<L, HashMapCache>;

/// Loaders cache for the length of one request, so prefetched relations are not queried again.
fn add<E: Entity>(request: Request, readiness: &Readiness, cache: bool) -> Request {
    let by_id = ById::<E> {
        readiness: readiness.clone(),
        kind: PhantomData,
    };
    let by_reference = ByReference::<E> {
        readiness: readiness.clone(),
        kind: PhantomData,
    };
    let by_id = DataLoader::with_cache(by_id, tokio::spawn, HashMapCache::default());
    let by_reference = DataLoader::with_cache(by_reference, tokio::spawn, HashMapCache::default());
    by_id.enable_all_cache(cache);
    by_reference.enable_all_cache(cache);
    request.data(by_id).data(by_reference)
}

/// Fresh loaders for one request, so nothing is cached across requests.
pub fn attach(request: Request, readiness: &Readiness) -> Request {
    attach_with(request, readiness, true)
}

/// Loaders that batch but never cache, for long-lived operations (subscriptions), whose
/// events must see related entities as they are at the time.
pub fn attach_uncached(request: Request, readiness: &Readiness) -> Request {
    attach_with(request, readiness, false)
}

fn attach_with(request: Request, readiness: &Readiness, cache: bool) -> Request {
    let by_ends = DataLoader::with_cache(
        ByEnds {
            readiness: readiness.clone(),
        },
        tokio::spawn,
        HashMapCache::default(),
    );
    by_ends.enable_all_cache(cache);
    let request = request.data(by_ends);
    let request = add::<Asset>(request, readiness, cache);
    let request = add::<Person>(request, readiness, cache);
    let request = add::<Team>(request, readiness, cache);
    let request = add::<Location>(request, readiness, cache);
    let request = add::<Vendor>(request, readiness, cache);
    let request = add::<Relationship>(request, readiness, cache);
    let request = add::<ApprovalRequest>(request, readiness, cache);
    let request = add::<Maintenance>(request, readiness, cache);
    let request = add::<SoftwareProduct>(request, readiness, cache);
    let request = add::<SoftwareUsage>(request, readiness, cache);
    let request = add::<Entitlement>(request, readiness, cache);
    let request = add::<Subscription>(request, readiness, cache);
    let request = add::<Contract>(request, readiness, cache);
    let request = add::<ReconciliationItem>(request, readiness, cache);
    let request = add::<Policy>(request, readiness, cache);
    let request = add::<crate::domain::servicedesk::Ticket>(request, readiness, cache);
    let request = add::<crate::domain::events::Webhook>(request, readiness, cache);
    add::<Model>(request, readiness, cache)
}

/// Loads one entity by id through the request's loader.
pub async fn one<E: Entity>(
    ctx: &Context<'_>,
    id: Option<&EntityId>,
) -> async_graphql::Result<Option<Record<E>>> {
    let Some(id) = id else { return Ok(None) };
    let loader = ctx.data_unchecked::<Cached<ById<E>>>();
    loader.load_one(id.clone()).await.map_err(|e| fail(ctx, e))
}

/// Loads the entities whose `path` refers to `id` through the request's loader.
pub async fn referring<E: Entity>(
    ctx: &Context<'_>,
    path: &'static str,
    id: &EntityId,
) -> async_graphql::Result<Vec<Record<E>>> {
    let loader = ctx.data_unchecked::<Cached<ByReference<E>>>();
    let found = loader
        .load_one(Referring {
            path,
            id: id.clone(),
        })
        .await
        .map_err(|e| fail(ctx, e))?;
    Ok(found.unwrap_or_default())
}

/// Loads many entities by id in one batch (and into the request's cache), in the order given.
pub async fn many<E: Entity>(
    ctx: &Context<'_>,
    ids: impl IntoIterator<Item = EntityId>,
) -> async_graphql::Result<Vec<Record<E>>> {
    let mut seen = HashSet::new();
    let ids: Vec<EntityId> = ids
        .into_iter()
        .filter(|id| seen.insert(id.clone()))
        .collect();
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let loader = ctx.data_unchecked::<Cached<ById<E>>>();
    let mut found = loader
        .load_many(ids.iter().cloned())
        .await
        .map_err(|e| fail(ctx, e))?;
    Ok(ids.iter().filter_map(|id| found.remove(id)).collect())
}

/// The records of a page of ids, loaded with every other page of the request in one batch; an
/// entity deleted since the page was chosen is left out.
pub async fn records_of<E: Entity>(
    ctx: &Context<'_>,
    ids: Page<EntityId>,
) -> async_graphql::Result<Page<Record<E>>> {
    let mut found: HashMap<EntityId, Record<E>> = many::<E>(ctx, ids.items.iter().cloned())
        .await?
        .into_iter()
        .map(|r| (r.id.clone(), r))
        .collect();
    Ok(ids.filter_map(|id| found.remove(&id)))
}

/// Fetches every relation a page of assets will show, one query per kind and level, before the
/// items resolve. Batching by timing alone splits large pages when resolving them takes longer
/// than the loader's window; this keeps the cost of a page constant whatever its size.
pub async fn prefetch_asset_relations(
    ctx: &Context<'_>,
    assets: &[Record<Asset>],
) -> async_graphql::Result<()> {
    let node = ctx.look_ahead().field("edges").field("node");
    if !node.exists() {
        return Ok(());
    }
    let data = assets.iter().map(|a| &a.data);
    let owner = node.field("owner");
    let teams = data.clone().filter_map(|a| match &a.owner {
        Some(Owner::Team(id)) if owner.exists() => Some(id.clone()),
        _ => None,
    });
    let people = data.clone().filter_map(|a| match &a.owner {
        Some(Owner::Person(id)) if owner.exists() => Some(id.clone()),
        _ => None,
    });
    let assignees = data
        .clone()
        .filter_map(|a| a.assignee.clone())
        .filter(|_| node.field("assignee").exists());
    let locations = data
        .clone()
        .filter_map(|a| a.location.clone())
        .filter(|_| node.field("location").exists());
    let models = data
        .clone()
        .filter_map(|a| a.model.clone())
        .filter(|_| node.field("model").exists());
    let vendors = data
        .clone()
        .filter_map(|a| a.vendor.clone())
        .filter(|_| node.field("vendor").exists());
    let (_, people, locations, models, _) = futures_util::try_join!(
        many::<Team>(ctx, teams),
        many::<Person>(ctx, people.chain(assignees)),
        many::<Location>(ctx, locations),
        many::<Model>(ctx, models),
        many::<Vendor>(ctx, vendors),
    )?;
    let teams = people
        .iter()
        .filter_map(|p| p.data.team.clone())
        .filter(|_| node.field("assignee").field("team").exists());
    let parents = locations
        .iter()
        .filter_map(|l| l.data.parent.clone())
        .filter(|_| node.field("location").field("parent").exists());
    let vendors = models
        .iter()
        .filter_map(|m| m.data.vendor.clone())
        .filter(|_| node.field("model").field("vendor").exists());
    futures_util::try_join!(
        many::<Team>(ctx, teams),
        many::<Location>(ctx, parents),
        many::<Vendor>(ctx, vendors)
    )?;
    Ok(())
}

/// The entities whose `path` points at `id`, as a connection.
pub async fn referring_conn<E: Entity, N: async_graphql::OutputType>(
    ctx: &Context<'_>,
    path: &'static str,
    id: &EntityId,
    wrap: fn(Record<E>) -> N,
    request: &PageRequest,
) -> async_graphql::Result<Conn<N>> {
    let ids = register(ctx)?
        .referring(E::KIND, path, id, request)
        .await
        .map_err(|e| fail(ctx, e))?;
    Ok(connection(records_of::<E>(ctx, ids).await?, wrap))
}

/// One page of a list of asset ids with something each, the page's assets loaded in one batch.
pub(crate) async fn page_of<X: Clone, N: async_graphql::OutputType>(
    ctx: &Context<'_>,
    items: Vec<(EntityId, X)>,
    request: &PageRequest,
    wrap: impl Fn(Record<Asset>, X) -> N,
) -> async_graphql::Result<Conn<N>> {
    let page = Page::cut(items, &crate::api::graphql::offsets(request)?);
    let loaded = many::<Asset>(ctx, page.items.iter().map(|(id, _)| id.clone())).await?;
    let mut by_id: HashMap<EntityId, Record<Asset>> =
        loaded.into_iter().map(|r| (r.id.clone(), r)).collect();
    Ok(connection(
        page.filter_map(|(id, x)| by_id.remove(&id).map(|asset| wrap(asset, x))),
        |n| n,
    ))
}
