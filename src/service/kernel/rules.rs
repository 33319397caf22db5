use crate::domain::kernel::ErrorCode;
use crate::domain::kernel::{Entity, Record};
use crate::domain::software::Entitlement;
use crate::domain::software::SoftwareProduct;
use crate::service::kernel::error::ServiceError;
use crate::service::kernel::register::Register;
use crate::store::Store;
use std::collections::HashSet;

use crate::domain::kernel::EntityKind;
use crate::domain::register::Asset;
use crate::domain::relationships::{Endpoint, Relationship};

impl Register {
    /// The rules a relationship must meet beyond its own fields: allowed ends, fixed identity.
    pub(super) async fn check_relationship<E: Entity>(
        &self,
        before: Option<&Record<E>>,
        after: &Record<E>,
    ) -> Result<(), ServiceError> {
        let Some(new) = after.data.downcast_ref::<Relationship>() else {
            return Ok(());
        };
        match before.and_then(|r| r.data.downcast_ref::<Relationship>()) {
            // The ends were checked when the relationship was made and cannot change since.
            Some(old)
                if old.source == new.source
                    && old.target == new.target
                    && old.relation == new.relation =>
            {
                Ok(())
            }
            Some(_) => Err(ServiceError::invalid(
                "type",
                ErrorCode::Invalid,
                "source, target and type of a relationship are fixed; unrelate and relate instead",
            )),
            None if self
                .index()
                .has_edge(&new.source, &new.target, new.relation) =>
            {
                Err(ServiceError::invalid(
                    "type",
                    ErrorCode::Conflict,
                    "these two already have a relationship of this type",
                ))
            }
            None => check_endpoints(&self.store, new).await,
        }
    }
}

impl Register {
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

/// Refuses a relationship whose ends are not of the kinds its type allows.
async fn check_endpoints(store: &Store, relationship: &Relationship) -> Result<(), ServiceError> {
    let mut ends = Vec::new();
    for (field, node) in [
        ("source", &relationship.source),
        ("target", &relationship.target),
    ] {
        let endpoint = if node.kind == EntityKind::Asset {
            let asset = store.get::<Asset>(&node.id).await?;
            let asset = asset.ok_or_else(|| {
                ServiceError::invalid(field, ErrorCode::NotFound, "no Asset has this id")
            })?;
            Endpoint::Asset(asset.data.class)
        } else {
            Endpoint::Entity(node.kind)
        };
        ends.push(endpoint);
    }
    if relationship.relation.allows(ends[0], ends[1]) {
        Ok(())
    } else {
        Err(ServiceError::invalid(
            "type",
            ErrorCode::NotAllowed,
            format!(
                "{:?} is not allowed from a {:?} to a {:?}",
                relationship.relation, ends[0], ends[1]
            ),
        ))
    }
}
