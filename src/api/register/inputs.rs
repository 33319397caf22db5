//! The inputs of the register's mutations: assets, people, teams, locations, vendors, models.

use crate::api::graphql::Date;
use crate::api::graphql::{
    AssetClass, Category, DepreciationConvention, DepreciationMethod, LifecycleStage, LocationKind,
    OperationalStatus,
};
use crate::api::graphql::{MoneyInput, Patch, targeted};
use async_graphql::{ID, InputObject, Json, MaybeUndefined};
use serde::Serialize;
use serde_json::Value;

/// In updates, fields left out stay as they are and fields set to null are cleared.
#[derive(InputObject, Serialize, Clone)]
#[serde(rename_all = "camelCase")]
pub struct PurchaseInput {
    #[serde(skip_serializing_if = "MaybeUndefined::is_undefined")]
    pub date: Patch<Date>,
    #[serde(skip_serializing_if = "MaybeUndefined::is_undefined")]
    pub cost: Patch<MoneyInput>,
    #[serde(skip_serializing_if = "MaybeUndefined::is_undefined")]
    pub order_number: Patch<String>,
    #[serde(skip_serializing_if = "MaybeUndefined::is_undefined")]
    pub invoice_number: Patch<String>,
}

/// An asset's own depreciation settings; whatever is left out comes from its model, then its
/// class. `factor` is a decimal string (2 is double declining balance).
#[derive(InputObject, Serialize, Clone)]
#[serde(rename_all = "camelCase")]
pub struct DepreciationInput {
    #[serde(skip_serializing_if = "MaybeUndefined::is_undefined")]
    pub method: Patch<DepreciationMethod>,
    #[serde(skip_serializing_if = "MaybeUndefined::is_undefined")]
    pub factor: Patch<String>,
    #[serde(skip_serializing_if = "MaybeUndefined::is_undefined")]
    pub switch_to_straight_line: Patch<bool>,
    #[serde(skip_serializing_if = "MaybeUndefined::is_undefined")]
    pub useful_life_months: Patch<i32>,
    #[serde(skip_serializing_if = "MaybeUndefined::is_undefined")]
    pub salvage: Patch<MoneyInput>,
    /// Defaults to the purchase date.
    #[serde(skip_serializing_if = "MaybeUndefined::is_undefined")]
    pub in_service_date: Patch<Date>,
    #[serde(skip_serializing_if = "MaybeUndefined::is_undefined")]
    pub convention: Patch<DepreciationConvention>,
}

/// Exactly one of `team` or `person`. Setting an owner replaces the previous one.
#[derive(InputObject, Serialize, Clone)]
pub struct OwnerInput {
    pub team: Option<ID>,
    pub person: Option<ID>,
}

#[derive(InputObject, Serialize, Clone)]
pub struct ExternalIdInput {
    pub source: String,
    pub key: String,
}

#[derive(InputObject, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateAssetInput {
    pub name: String,
    pub asset_tag: String,
    pub serial_number: Option<String>,
    pub manufacturer: Option<String>,
    pub class: AssetClass,
    pub model: Option<ID>,
    /// Defaults to IN_STOCK.
    pub lifecycle_stage: Option<LifecycleStage>,
    /// Defaults to UNKNOWN.
    pub status: Option<OperationalStatus>,
    pub owner: Option<OwnerInput>,
    pub assignee: Option<ID>,
    pub location: Option<ID>,
    pub vendor: Option<ID>,
    pub purchase: Option<PurchaseInput>,
    pub warranty_start: Option<Date>,
    pub warranty_end: Option<Date>,
    /// Overrides the model's end of life.
    pub end_of_life: Option<Date>,
    /// Overrides the model's end of support.
    pub end_of_support: Option<Date>,
    pub depreciation: Option<DepreciationInput>,
    pub notes: Option<String>,
    pub tags: Option<Vec<String>>,
    pub attributes: Option<Json<Value>>,
    pub external_ids: Option<Vec<ExternalIdInput>>,
}

/// Fields left out stay as they are; optional fields set to null are cleared (required ones cannot
/// be); `purchase` and `attributes` merge key by key.
#[derive(InputObject, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateAssetInput {
    #[serde(skip)]
    pub id: ID,
    /// The `version` you last read; the update is refused with CONFLICT if the asset changed since.
    #[serde(skip)]
    pub expected_version: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub asset_tag: Option<String>,
    #[serde(skip_serializing_if = "MaybeUndefined::is_undefined")]
    pub serial_number: Patch<String>,
    #[serde(skip_serializing_if = "MaybeUndefined::is_undefined")]
    pub manufacturer: Patch<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub class: Option<AssetClass>,
    #[serde(skip_serializing_if = "MaybeUndefined::is_undefined")]
    pub model: Patch<ID>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<OperationalStatus>,
    #[serde(skip_serializing_if = "MaybeUndefined::is_undefined")]
    pub owner: Patch<OwnerInput>,
    #[serde(skip_serializing_if = "MaybeUndefined::is_undefined")]
    pub assignee: Patch<ID>,
    #[serde(skip_serializing_if = "MaybeUndefined::is_undefined")]
    pub location: Patch<ID>,
    #[serde(skip_serializing_if = "MaybeUndefined::is_undefined")]
    pub vendor: Patch<ID>,
    #[serde(skip_serializing_if = "MaybeUndefined::is_undefined")]
    pub purchase: Patch<PurchaseInput>,
    #[serde(skip_serializing_if = "MaybeUndefined::is_undefined")]
    pub warranty_start: Patch<Date>,
    #[serde(skip_serializing_if = "MaybeUndefined::is_undefined")]
    pub warranty_end: Patch<Date>,
    #[serde(skip_serializing_if = "MaybeUndefined::is_undefined")]
    pub end_of_life: Patch<Date>,
    #[serde(skip_serializing_if = "MaybeUndefined::is_undefined")]
    pub end_of_support: Patch<Date>,
    /// Merges field by field; null clears a setting (the model's or class's then applies).
    #[serde(skip_serializing_if = "MaybeUndefined::is_undefined")]
    pub depreciation: Patch<DepreciationInput>,
    #[serde(skip_serializing_if = "MaybeUndefined::is_undefined")]
    pub notes: Patch<String>,
    #[serde(skip_serializing_if = "MaybeUndefined::is_undefined")]
    pub tags: Patch<Vec<String>>,
    #[serde(skip_serializing_if = "MaybeUndefined::is_undefined")]
    pub attributes: Patch<Json<Value>>,
    #[serde(skip_serializing_if = "MaybeUndefined::is_undefined")]
    pub external_ids: Patch<Vec<ExternalIdInput>>,
}

#[derive(InputObject, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CreatePersonInput {
    pub name: String,
    pub email: String,
    pub title: Option<String>,
    pub team: Option<ID>,
    pub manager: Option<ID>,
    /// Last working day, for someone who has left.
    pub left_on: Option<Date>,
}

#[derive(InputObject, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdatePersonInput {
    #[serde(skip)]
    pub id: ID,
    #[serde(skip)]
    pub expected_version: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(skip_serializing_if = "MaybeUndefined::is_undefined")]
    pub title: Patch<String>,
    #[serde(skip_serializing_if = "MaybeUndefined::is_undefined")]
    pub team: Patch<ID>,
    #[serde(skip_serializing_if = "MaybeUndefined::is_undefined")]
    pub manager: Patch<ID>,
    #[serde(skip_serializing_if = "MaybeUndefined::is_undefined")]
    pub left_on: Patch<Date>,
}

#[derive(InputObject, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateTeamInput {
    pub name: String,
    pub cost_centre: Option<String>,
    pub parent: Option<ID>,
}

#[derive(InputObject, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateTeamInput {
    #[serde(skip)]
    pub id: ID,
    #[serde(skip)]
    pub expected_version: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "MaybeUndefined::is_undefined")]
    pub cost_centre: Patch<String>,
    #[serde(skip_serializing_if = "MaybeUndefined::is_undefined")]
    pub parent: Patch<ID>,
}

#[derive(InputObject, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateLocationInput {
    pub name: String,
    pub kind: LocationKind,
    pub parent: Option<ID>,
    pub address: Option<String>,
}

#[derive(InputObject, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateLocationInput {
    #[serde(skip)]
    pub id: ID,
    #[serde(skip)]
    pub expected_version: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<LocationKind>,
    #[serde(skip_serializing_if = "MaybeUndefined::is_undefined")]
    pub parent: Patch<ID>,
    #[serde(skip_serializing_if = "MaybeUndefined::is_undefined")]
    pub address: Patch<String>,
}

#[derive(InputObject, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateVendorInput {
    pub name: String,
    pub website: Option<String>,
    pub support_email: Option<String>,
    pub support_phone: Option<String>,
}

#[derive(InputObject, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateVendorInput {
    #[serde(skip)]
    pub id: ID,
    #[serde(skip)]
    pub expected_version: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "MaybeUndefined::is_undefined")]
    pub website: Patch<String>,
    #[serde(skip_serializing_if = "MaybeUndefined::is_undefined")]
    pub support_email: Patch<String>,
    #[serde(skip_serializing_if = "MaybeUndefined::is_undefined")]
    pub support_phone: Patch<String>,
}

#[derive(InputObject, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateModelInput {
    pub name: String,
    pub manufacturer: String,
    pub category: Category,
    pub vendor: Option<ID>,
    pub end_of_life: Option<Date>,
    pub end_of_support: Option<Date>,
    pub useful_life_months: Option<i64>,
    /// How its instances depreciate unless they say otherwise.
    pub depreciation_method: Option<DepreciationMethod>,
}

#[derive(InputObject, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateModelInput {
    #[serde(skip)]
    pub id: ID,
    #[serde(skip)]
    pub expected_version: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub manufacturer: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub category: Option<Category>,
    #[serde(skip_serializing_if = "MaybeUndefined::is_undefined")]
    pub vendor: Patch<ID>,
    #[serde(skip_serializing_if = "MaybeUndefined::is_undefined")]
    pub end_of_life: Patch<Date>,
    #[serde(skip_serializing_if = "MaybeUndefined::is_undefined")]
    pub end_of_support: Patch<Date>,
    #[serde(skip_serializing_if = "MaybeUndefined::is_undefined")]
    pub useful_life_months: Patch<i64>,
    #[serde(skip_serializing_if = "MaybeUndefined::is_undefined")]
    pub depreciation_method: Patch<DepreciationMethod>,
}

targeted!(
    UpdateAssetInput,
    UpdatePersonInput,
    UpdateTeamInput,
    UpdateLocationInput,
    UpdateVendorInput,
    UpdateModelInput
);
