//! Maintenance done on an asset, recorded with its cost.

use crate::domain::access::Actor;
use crate::domain::kernel::ErrorCode;
use crate::domain::kernel::{EntityId, Record};
use crate::domain::lifecycle::LifecycleStage;
use crate::domain::lifecycle::Maintenance;
use crate::domain::register::Asset;
use crate::service::kernel::Register;
use crate::service::kernel::ServiceError;
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
