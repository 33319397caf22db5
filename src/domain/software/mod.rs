//! TODO

pub mod compliance;
pub mod contract;
pub mod entitlement;
pub mod installs;
pub mod licensing;
pub mod product;
pub mod renewal;
pub mod subscription;
