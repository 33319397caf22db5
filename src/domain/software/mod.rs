//! Software assets: products, entitlements, subscriptions, contracts and the licence engine.

mod compliance;
mod contract;
mod entitlement;
mod installs;
pub(crate) mod licensing;
mod product;
pub(crate) mod renewal;
mod subscription;

pub(crate) use compliance::{Options, Status};
pub(crate) use contract::{Contract, ContractKind, Period};
pub(crate) use entitlement::{Entitlement, Metric};
pub(crate) use installs::Installs;
pub(crate) use licensing::{Catalogue, FamilyPosition, compliance};
pub(crate) use product::{SoftwareProduct, SoftwareUsage};
pub(crate) use renewal::Renewal;
pub(crate) use subscription::{BillingModel, Subscription, Utilization};
