//! Vendors and models: who sells and makes assets, and each model's support horizon.

use crate::api::graphql::Date;
use async_graphql::{Context, Result};

use crate::api::graphql::Conn;
use crate::api::graphql::one;
use crate::api::graphql::{Category, DepreciationMethod};
use crate::domain::register::Asset;
use crate::domain::register::{Model, Vendor};

use crate::api::graphql::AssetNode;
use crate::api::graphql::ModelNode;
use crate::api::graphql::VendorNode;
use crate::api::graphql::entity_object;
use crate::api::graphql::referring_conn;

entity_object!(
    /// A company that sells, supports or makes assets.
    VendorNode(Vendor) as "Vendor" {
        async fn name(&self) -> &str { &self.0.data.name }
        async fn website(&self) -> Option<&str> { self.0.data.website.as_deref() }
        async fn support_email(&self) -> Option<&str> { self.0.data.support_email.as_deref() }
        async fn support_phone(&self) -> Option<&str> { self.0.data.support_phone.as_deref() }
        async fn models(&self, ctx: &Context<'_>, page: Paging) -> Result<Conn<ModelNode>> {
            referring_conn::<Model, _>(ctx, "vendor", &self.0.id, ModelNode, &page).await
        }
        /// Assets bought from this vendor.
        async fn assets(&self, ctx: &Context<'_>, page: Paging) -> Result<Conn<AssetNode>> {
            referring_conn::<Asset, _>(ctx, "vendor", &self.0.id, AssetNode, &page).await
        }
    }
);

entity_object!(
    /// A product model with its support horizon.
    ModelNode(Model) as "Model" {
        async fn name(&self) -> &str { &self.0.data.name }
        async fn manufacturer(&self) -> &str { &self.0.data.manufacturer }
        async fn category(&self) -> Category { self.0.data.category.into() }
        async fn vendor(&self, ctx: &Context<'_>) -> Result<Option<VendorNode>> {
            Ok(one::<Vendor>(ctx, self.0.data.vendor.as_ref()).await?.map(VendorNode))
        }
        async fn end_of_life(&self) -> Option<Date> { self.0.data.end_of_life.map(Date) }
        async fn end_of_support(&self) -> Option<Date> { self.0.data.end_of_support.map(Date) }
        /// Default useful life for depreciation, in months.
        async fn useful_life_months(&self) -> Option<u32> { self.0.data.useful_life_months }
        async fn depreciation_method(&self) -> Option<DepreciationMethod> { self.0.data.depreciation_method.map(Into::into) }
        async fn assets(&self, ctx: &Context<'_>, page: Paging) -> Result<Conn<AssetNode>> {
            referring_conn::<Asset, _>(ctx, "model", &self.0.id, AssetNode, &page).await
        }
    }
);
