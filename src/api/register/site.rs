//! Locations: the hierarchy of sites, buildings, floors, rooms and racks, and what is at each.

use async_graphql::{Context, Result};

use crate::api::graphql::Conn;
use crate::api::graphql::LocationKind;
use crate::api::graphql::one;
use crate::domain::register::Asset;
use crate::domain::register::Location;

use crate::api::graphql::AssetNode;
use crate::api::graphql::LocationNode;
use crate::api::graphql::entity_object;
use crate::api::graphql::referring_conn;

entity_object!(
    /// A site, building, floor, room or rack.
    LocationNode(Location) as "Location" {
        async fn name(&self) -> &str { &self.0.data.name }
        async fn kind(&self) -> LocationKind { self.0.data.kind.into() }
        async fn address(&self) -> Option<&str> { self.0.data.address.as_deref() }
        async fn parent(&self, ctx: &Context<'_>) -> Result<Option<LocationNode>> {
            Ok(one::<Location>(ctx, self.0.data.parent.as_ref()).await?.map(LocationNode))
        }
        async fn children(&self, ctx: &Context<'_>, page: Paging) -> Result<Conn<LocationNode>> {
            referring_conn::<Location, _>(ctx, "parent", &self.0.id, LocationNode, &page).await
        }
        /// Assets recorded directly at this location (use `assets(filter: {locationWithin})` to include sub-locations).
        async fn assets(&self, ctx: &Context<'_>, page: Paging) -> Result<Conn<AssetNode>> {
            referring_conn::<Asset, _>(ctx, "location", &self.0.id, AssetNode, &page).await
        }
    }
);
