//! Software asset management over the register: licence compliance from entitlements,
//! installations, measured use and people, and the rules entitlements must meet across entities.

use crate::domain::software::Catalogue;
use crate::domain::software::Entitlement;
use crate::domain::software::Options;
use crate::domain::software::licensing;
use crate::domain::software::{SoftwareProduct, SoftwareUsage};
use crate::service::kernel::Register;
use crate::service::kernel::ServiceError;

use crate::domain::software::FamilyPosition;

impl Register {
    /// The licence position of every product family (or of `family` only) as of `options.as_of`:
    /// the catalogue (products, entitlements, measured use) from the store, installations,
    /// leavers and devices from memory.
    pub async fn license_compliance(
        &self,
        options: Options,
        family: Option<&str>,
    ) -> Result<Vec<FamilyPosition>, ServiceError> {
        let products = self.store.all_of::<SoftwareProduct>().await?;
        let entitlements = self.store.all_of::<Entitlement>().await?;
        let usage = self.store.all_of::<SoftwareUsage>().await?;
        let (ledger, installs) = self.books.with_installs().await?;
        let mut positions = self
            .cpu
            .run(move || {
                let catalogue = Catalogue {
                    products: &products,
                    entitlements: &entitlements,
                    usage: &usage,
                };
                licensing::compliance(&catalogue, &installs, &ledger, &options)
            })
            .await?;
        positions.retain(|p| family.is_none_or(|f| p.family == f));
        Ok(positions)
    }
}
