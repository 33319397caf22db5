//! DataLoaders: every relation field batches its lookups so a page costs a constant number of queries.

use std::collections::HashMap;
use std::marker::PhantomData;

use async_graphql::dataloader::{DataLoader, Loader};
use async_graphql::{Context, Request};
use serde_json::Value as Json;

use crate::domain::entity::{Entity, EntityId, Record};
use crate::domain::party::{Person, Team};
use crate::domain::query::lookup;
use crate::domain::register::Asset;
use crate::domain::site::Location;
use crate::domain::supply::{Model, Vendor};
use crate::service::{Register, ServiceError};

/// Loads entities of one kind by id.
pub struct ById<E> {
    register: Register,
    kind: PhantomData<E>,
}

impl<E: Entity> Loader<EntityId> for ById<E> {
    type Value = Record<E>;
    type Error = ServiceError;

    async fn load(&self, keys: &[EntityId]) -> Result<HashMap<EntityId, Record<E>>, ServiceError> {
        let records = self.register.get_many::<E>(keys).await?;
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
    register: Register,
    kind: PhantomData<E>,
}

impl<E: Entity> Loader<Referring> for ByReference<E> {
    type Value = Vec<Record<E>>;
    type Error = ServiceError;

    async fn load(&self, keys: &[Referring]) -> Result<HashMap<Referring, Vec<Record<E>>>, ServiceError> {
        let mut by_path: HashMap<&'static str, Vec<Json>> = HashMap::new();
        for key in keys {
            by_path.entry(key.path).or_default().push(Json::String(key.id.as_str().to_string()));
        }
        let mut found: HashMap<Referring, Vec<Record<E>>> = keys.iter().map(|k| (k.clone(), Vec::new())).collect();
        for (path, values) in by_path {
            for record in self.register.find_by::<E>(path, values).await? {
                let data = serde_json::to_value(&record.data).map_err(|e| ServiceError::Internal(e.to_string()))?;
                let Some(id) = lookup(&data, path).and_then(Json::as_str).and_then(EntityId::parse) else { continue };
                if let Some(list) = found.get_mut(&Referring { path, id }) {
                    list.push(record);
                }
            }
        }
        Ok(found)
    }
}

fn add<E: Entity>(request: Request, register: &Register) -> Request {
    request
        .data(DataLoader::new(ById::<E> { register: register.clone(), kind: PhantomData }, tokio::spawn))
        .data(DataLoader::new(ByReference::<E> { register: register.clone(), kind: PhantomData }, tokio::spawn))
}

/// Fresh loaders for one request, so nothing is cached across requests.
pub fn attach(request: Request, register: &Register) -> Request {
    let request = add::<Asset>(request, register);
    let request = add::<Person>(request, register);
    let request = add::<Team>(request, register);
    let request = add::<Location>(request, register);
    let request = add::<Vendor>(request, register);
    add::<Model>(request, register)
}

/// Loads one entity by id through the request's loader.
pub async fn one<E: Entity>(ctx: &Context<'_>, id: Option<&EntityId>) -> async_graphql::Result<Option<Record<E>>> {
    let Some(id) = id else { return Ok(None) };
    let loader = ctx.data_unchecked::<DataLoader<ById<E>>>();
    loader.load_one(id.clone()).await.map_err(|e| super::context::fail(ctx, e))
}

/// Loads the entities whose `path` refers to `id` through the request's loader.
pub async fn referring<E: Entity>(ctx: &Context<'_>, path: &'static str, id: &EntityId) -> async_graphql::Result<Vec<Record<E>>> {
    let loader = ctx.data_unchecked::<DataLoader<ByReference<E>>>();
    let found = loader.load_one(Referring { path, id: id.clone() }).await.map_err(|e| super::context::fail(ctx, e))?;
    Ok(found.unwrap_or_default())
}
