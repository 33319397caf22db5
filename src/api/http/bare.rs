//! The yardstick `assetgraph bench` measures the register's read path against: a bare
//! async-graphql + axum server answering `asset(id)` of the same shape from a hash map, with
//! none of the register's checks, loaders or store.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::{Context, EmptyMutation, EmptySubscription, ID, Object, Schema, SimpleObject};
use async_graphql_axum::GraphQL;
use axum::Router;
use axum::routing::post_service;

/// What the bare server answers for one asset.
#[derive(SimpleObject, Clone)]
pub struct BareAsset {
    pub id: ID,
    pub name: String,
    pub asset_tag: String,
    pub cost: Option<String>,
}

struct Query;

#[Object]
impl Query {
    async fn asset(&self, ctx: &Context<'_>, id: ID) -> Option<BareAsset> {
        ctx.data_unchecked::<Arc<HashMap<ID, BareAsset>>>()
            .get(&id)
            .cloned()
    }
}

/// Serves `assets` at `/graphql` on `listener` until the runtime stops.
pub fn spawn_bare(listener: tokio::net::TcpListener, assets: Vec<BareAsset>) {
    let by_id: HashMap<ID, BareAsset> = assets.into_iter().map(|a| (a.id.clone(), a)).collect();
    let schema = Schema::build(Query, EmptyMutation, EmptySubscription)
        .data(Arc::new(by_id))
        .finish();
    let app = Router::new().route("/graphql", post_service(GraphQL::new(schema)));
    tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, app).await {
            tracing::error!(error = %e, "the bare yardstick server stopped");
        }
    });
}
