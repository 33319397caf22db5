//! Idempotency keys as the API needs them: what is remembered under a key, and keeping answers.

use crate::domain::access::Remembered;
use crate::domain::kernel::EntityId;
use crate::service::kernel::Register;
use crate::service::kernel::ServiceError;

impl Register {
    pub async fn remembered(&self, slot: &EntityId) -> Result<Option<Remembered>, ServiceError> {
        Ok(self.store.remembered(slot).await?)
    }

    pub async fn remember(
        &self,
        slot: &EntityId,
        remembered: &Remembered,
    ) -> Result<(), ServiceError> {
        Ok(self.store.remember(slot, remembered).await?)
    }

    pub async fn forget(&self, slot: &EntityId) -> Result<(), ServiceError> {
        Ok(self.store.forget(slot).await?)
    }
}
