//! Write operations: create, update and delete for every entity, each one audited service call.

use async_graphql::{Context, Object, Result};

use crate::api::graphql::DeleteInput;
pub(crate) use crate::api::graphql::DeletePayload;
pub(crate) use crate::api::graphql::Payload;
pub(crate) use crate::api::graphql::create;
pub(crate) use crate::api::graphql::delete;
pub(crate) use crate::api::graphql::update;
use crate::api::graphql::{AssetNode, LocationNode, ModelNode, PersonNode, TeamNode, VendorNode};
use crate::api::register::inputs::CreateAssetInput;
use crate::api::register::inputs::CreateLocationInput;
use crate::api::register::inputs::CreateModelInput;
use crate::api::register::inputs::CreatePersonInput;
use crate::api::register::inputs::CreateTeamInput;
use crate::api::register::inputs::CreateVendorInput;
use crate::api::register::inputs::UpdateAssetInput;
use crate::api::register::inputs::UpdateLocationInput;
use crate::api::register::inputs::UpdateModelInput;
use crate::api::register::inputs::UpdatePersonInput;
use crate::api::register::inputs::UpdateTeamInput;
use crate::api::register::inputs::UpdateVendorInput;
use crate::domain::register::Asset;
use crate::domain::register::Location;
use crate::domain::register::{Model, Vendor};
use crate::domain::register::{Person, Team};

#[derive(Default)]
pub struct RegisterMutations;

#[Object]
impl RegisterMutations {
    async fn create_asset(
        &self,
        ctx: &Context<'_>,
        input: CreateAssetInput,
    ) -> Result<Payload<AssetNode>> {
        create::<Asset, _>(ctx, &input, AssetNode).await
    }
    async fn update_asset(
        &self,
        ctx: &Context<'_>,
        input: UpdateAssetInput,
    ) -> Result<Payload<AssetNode>> {
        update::<Asset, _>(ctx, &input, AssetNode).await
    }
    async fn delete_asset(&self, ctx: &Context<'_>, input: DeleteInput) -> Result<DeletePayload> {
        delete::<Asset>(ctx, input).await
    }

    async fn create_person(
        &self,
        ctx: &Context<'_>,
        input: CreatePersonInput,
    ) -> Result<Payload<PersonNode>> {
        create::<Person, _>(ctx, &input, PersonNode).await
    }
    async fn update_person(
        &self,
        ctx: &Context<'_>,
        input: UpdatePersonInput,
    ) -> Result<Payload<PersonNode>> {
        update::<Person, _>(ctx, &input, PersonNode).await
    }
    /// Refused with IN_USE while the person owns, uses or manages anything.
    async fn delete_person(&self, ctx: &Context<'_>, input: DeleteInput) -> Result<DeletePayload> {
        delete::<Person>(ctx, input).await
    }

    async fn create_team(
        &self,
        ctx: &Context<'_>,
        input: CreateTeamInput,
    ) -> Result<Payload<TeamNode>> {
        create::<Team, _>(ctx, &input, TeamNode).await
    }
    async fn update_team(
        &self,
        ctx: &Context<'_>,
        input: UpdateTeamInput,
    ) -> Result<Payload<TeamNode>> {
        update::<Team, _>(ctx, &input, TeamNode).await
    }
    /// Refused with IN_USE while the team owns assets, has members or sub-teams: reassign them first.
    async fn delete_team(&self, ctx: &Context<'_>, input: DeleteInput) -> Result<DeletePayload> {
        delete::<Team>(ctx, input).await
    }

    async fn create_location(
        &self,
        ctx: &Context<'_>,
        input: CreateLocationInput,
    ) -> Result<Payload<LocationNode>> {
        create::<Location, _>(ctx, &input, LocationNode).await
    }
    async fn update_location(
        &self,
        ctx: &Context<'_>,
        input: UpdateLocationInput,
    ) -> Result<Payload<LocationNode>> {
        update::<Location, _>(ctx, &input, LocationNode).await
    }
    /// Refused with IN_USE while assets or sub-locations are recorded there.
    async fn delete_location(
        &self,
        ctx: &Context<'_>,
        input: DeleteInput,
    ) -> Result<DeletePayload> {
        delete::<Location>(ctx, input).await
    }

    async fn create_vendor(
        &self,
        ctx: &Context<'_>,
        input: CreateVendorInput,
    ) -> Result<Payload<VendorNode>> {
        create::<Vendor, _>(ctx, &input, VendorNode).await
    }
    async fn update_vendor(
        &self,
        ctx: &Context<'_>,
        input: UpdateVendorInput,
    ) -> Result<Payload<VendorNode>> {
        update::<Vendor, _>(ctx, &input, VendorNode).await
    }
    async fn delete_vendor(&self, ctx: &Context<'_>, input: DeleteInput) -> Result<DeletePayload> {
        delete::<Vendor>(ctx, input).await
    }

    async fn create_model(
        &self,
        ctx: &Context<'_>,
        input: CreateModelInput,
    ) -> Result<Payload<ModelNode>> {
        create::<Model, _>(ctx, &input, ModelNode).await
    }
    async fn update_model(
        &self,
        ctx: &Context<'_>,
        input: UpdateModelInput,
    ) -> Result<Payload<ModelNode>> {
        update::<Model, _>(ctx, &input, ModelNode).await
    }
    async fn delete_model(&self, ctx: &Context<'_>, input: DeleteInput) -> Result<DeletePayload> {
        delete::<Model>(ctx, input).await
    }
}
