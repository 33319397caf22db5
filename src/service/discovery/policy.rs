//! The discovery policy: the order of the identification rules and which source may set which
//! field.

use crate::domain::access::Actor;
use crate::domain::discovery::Policy;
use crate::domain::kernel::{EntityId, Record};
use crate::service::kernel::Register;
use crate::service::kernel::ServiceError;
use crate::store::StoreError;
use chrono::DateTime;
use serde_json::{Value as Json, json};

/// The id of the one policy record.
pub const POLICY_ID: &str = "current";

impl Register {
    /// The policy in force: the stored one, or the default until someone changes it.
    pub async fn discovery_policy(&self) -> Result<Record<Policy>, ServiceError> {
        let id = EntityId::parse(POLICY_ID).expect("a valid id");
        Ok(self
            .store
            .get::<Policy>(&id)
            .await?
            .unwrap_or_else(|| Record {
                id,
                version: 0,
                created_at: DateTime::UNIX_EPOCH,
                updated_at: DateTime::UNIX_EPOCH,
                data: Policy::default(),
            }))
    }

    /// Replaces the policy (audited like any change); `expected_version` guards concurrent edits.
    pub async fn update_discovery_policy(
        &self,
        actor: &Actor,
        input: Json,
        expected_version: Option<i64>,
    ) -> Result<Record<Policy>, ServiceError> {
        let current = self.discovery_policy().await?;
        if current.version == 0 {
            if expected_version.is_some_and(|v| v != 0) {
                return Err(ServiceError::from_write::<Policy>(StoreError::StaleVersion));
            }
            return self
                .create_with_id::<Policy>(actor, current.id, input)
                .await;
        }
        let mut whole = json!({"rules": null, "fields": null});
        crate::domain::kernel::merge(&mut whole, &input);
        self.update::<Policy>(actor, &current.id, expected_version, whole)
            .await
    }
}
