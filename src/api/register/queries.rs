//! Read operations: lookups by id and key, and filtered, sorted, paginated lists.

use crate::api::graphql::paged_object;

use async_graphql::{Context, ID, Object, Result};

pub(crate) use crate::api::graphql::by_id;
use crate::api::graphql::fetch;
pub(crate) use crate::api::graphql::list;
use crate::api::graphql::prefetch_asset_relations;
use crate::api::graphql::{
    AssetFilter, AssetOrderField, LocationFilter, ModelFilter, NamedOrderField, Order,
    PersonFilter, PersonOrderField, TeamFilter, VendorFilter,
};
use crate::api::graphql::{AssetNode, LocationNode, ModelNode, PersonNode, TeamNode, VendorNode};
use crate::api::graphql::{Conn, connection};
use crate::api::graphql::{fail, register};
use crate::domain::register::Asset;
use crate::domain::register::Location;
use crate::domain::register::{Model, Vendor};
use crate::domain::register::{Person, Team};

#[derive(Default)]
pub struct RegisterQueries;

paged_object! {
#[Object]
impl RegisterQueries {
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
    async fn assets(&self, ctx: &Context<'_>, page: Paging, filter: Option<AssetFilter>, order_by: Option<Order<AssetOrderField>>) -> Result<Conn<AssetNode>> {
        let page = fetch::<Asset, _, _>(
            ctx,
            filter,
            order_by,
            AssetOrderField::Name,
            page,
        )
        .await?;
        prefetch_asset_relations(ctx, &page.items).await?;
        Ok(connection(page, AssetNode))
    }

    async fn person(&self, ctx: &Context<'_>, id: ID) -> Result<Option<PersonNode>> {
        Ok(by_id::<Person>(ctx, &id).await?.map(PersonNode))
    }
    async fn people(&self, ctx: &Context<'_>, page: Paging, filter: Option<PersonFilter>, order_by: Option<Order<PersonOrderField>>) -> Result<Conn<PersonNode>> {
        list(
            ctx,
            filter,
            order_by,
            PersonOrderField::Name,
            page,
            PersonNode,
        )
        .await
    }

    async fn team(&self, ctx: &Context<'_>, id: ID) -> Result<Option<TeamNode>> {
        Ok(by_id::<Team>(ctx, &id).await?.map(TeamNode))
    }
    async fn teams(&self, ctx: &Context<'_>, page: Paging, filter: Option<TeamFilter>, order_by: Option<Order<NamedOrderField>>) -> Result<Conn<TeamNode>> {
        list(
            ctx,
            filter,
            order_by,
            NamedOrderField::Name,
            page,
            TeamNode,
        )
        .await
    }

    async fn location(&self, ctx: &Context<'_>, id: ID) -> Result<Option<LocationNode>> {
        Ok(by_id::<Location>(ctx, &id).await?.map(LocationNode))
    }
    async fn locations(&self, ctx: &Context<'_>, page: Paging, filter: Option<LocationFilter>, order_by: Option<Order<NamedOrderField>>) -> Result<Conn<LocationNode>> {
        list(
            ctx,
            filter,
            order_by,
            NamedOrderField::Name,
            page,
            LocationNode,
        )
        .await
    }

    async fn vendor(&self, ctx: &Context<'_>, id: ID) -> Result<Option<VendorNode>> {
        Ok(by_id::<Vendor>(ctx, &id).await?.map(VendorNode))
    }
    async fn vendors(&self, ctx: &Context<'_>, page: Paging, filter: Option<VendorFilter>, order_by: Option<Order<NamedOrderField>>) -> Result<Conn<VendorNode>> {
        list(
            ctx,
            filter,
            order_by,
            NamedOrderField::Name,
            page,
            VendorNode,
        )
        .await
    }

    async fn model(&self, ctx: &Context<'_>, id: ID) -> Result<Option<ModelNode>> {
        Ok(by_id::<Model>(ctx, &id).await?.map(ModelNode))
    }
    async fn models(&self, ctx: &Context<'_>, page: Paging, filter: Option<ModelFilter>, order_by: Option<Order<NamedOrderField>>) -> Result<Conn<ModelNode>> {
        list(
            ctx,
            filter,
            order_by,
            NamedOrderField::Name,
            page,
            ModelNode,
        )
        .await
    }
}
}
