//! Maintenance done on an asset, recorded with its cost.

use crate::domain::access::audit::Actor;
use crate::domain::kernel::entity::{EntityId, Record};
use crate::domain::kernel::validation::ErrorCode;
use crate::domain::lifecycle::maintenance::Maintenance;
use crate::domain::lifecycle::stage::LifecycleStage;
use crate::domain::register::asset::Asset;
use crate::service::kernel::error::ServiceError;
use crate::service::kernel::register::Register;
use serde_json::Value as Json;

impl Register {
    /// Records maintenance done on an asset (not on a disposed one).
    pub async fn record_maintenance(
        &self,
        actor: &Actor,
        input: Json,
    ) -> Result<Record<Maintenance>, ServiceError> {
        if let Some(asset) = input
            .get("asset")
            .and_then(Json::as_str)
            .and_then(EntityId::parse)
            && let Some(record) = self.store.get::<Asset>(&asset).await?
            && record.data.lifecycle_stage == LifecycleStage::Disposed
        {
            return Err(ServiceError::invalid(
                "asset",
                ErrorCode::InvalidTransition,
                "a disposed asset is no longer maintained",
            ));
        }
        self.create::<Maintenance>(actor, input).await
    }
}
