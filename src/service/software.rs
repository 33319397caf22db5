//! Software asset management over the register: licence compliance from entitlements,
//! installations, measured use and people, and the rules entitlements must meet across entities.

use std::collections::HashSet;

use futures_util::StreamExt;

use crate::domain::kernel::entity::{Entity, Record};
use crate::domain::kernel::validation::ErrorCode;
use crate::domain::software::compliance::Options;
use crate::domain::software::entitlement::Entitlement;
use crate::domain::software::licensing;
use crate::domain::software::licensing::Catalogue;
use crate::domain::software::product::{SoftwareProduct, SoftwareUsage};
use crate::service::{Register, ServiceError};
use crate::store::Store;

pub use crate::domain::software::licensing::FamilyPosition;

/// Every record of a kind, gathered from the store's batched scan.
pub(super) async fn all<E: Entity>(store: &Store) -> Result<Vec<Record<E>>, ServiceError> {
    let mut records = Vec::new();
    let mut batches = std::pin::pin!(store.scan_all::<E>());
    while let Some(batch) = batches.next().await {
        records.extend(batch?);
    }
    Ok(records)
}

impl Register {
    /// The licence position of every product family (or of `family` only) as of `options.as_of`:
    /// the catalogue (products, entitlements, measured use) from the store, installations,
    /// leavers and devices from memory.
    pub async fn license_compliance(
        &self,
        options: Options,
        family: Option<&str>,
    ) -> Result<Vec<FamilyPosition>, ServiceError> {
        let products = all::<SoftwareProduct>(&self.store).await?;
        let entitlements = all::<Entitlement>(&self.store).await?;
        let usage = all::<SoftwareUsage>(&self.store).await?;
        let catalogue = Catalogue {
            products: &products,
            entitlements: &entitlements,
            usage: &usage,
        };
        let mut positions = self
            .books
            .read_with_installs(|ledger, installs| {
                licensing::compliance(&catalogue, installs, ledger, &options)
            })
            .await?;
        positions.retain(|p| family.is_none_or(|f| p.family == f));
        Ok(positions)
    }

    /// An entitlement covers versions of one product family, so that compliance can count it.
    pub(super) async fn check_entitlement<E: Entity>(
        &self,
        record: &Record<E>,
    ) -> Result<(), ServiceError> {
        let Some(entitlement) = record.data.downcast_ref::<Entitlement>() else {
            return Ok(());
        };
        let products = self
            .store
            .get_many::<SoftwareProduct>(&entitlement.products)
            .await?;
        if let Some(missing) = entitlement
            .products
            .iter()
            .find(|id| !products.iter().any(|p| &p.id == *id))
        {
            return Err(ServiceError::invalid(
                "products",
                ErrorCode::NotFound,
                format!("no software product {missing}"),
            ));
        }
        let families: HashSet<&str> = products.iter().map(|p| p.data.family.as_str()).collect();
        if families.len() > 1 {
            return Err(ServiceError::invalid(
                "products",
                ErrorCode::NotAllowed,
                "an entitlement covers versions of one product family; record a bundle as one entitlement per family",
            ));
        }
        Ok(())
    }
}
