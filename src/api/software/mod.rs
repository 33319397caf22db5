//! The software catalogue, licences, subscriptions, contracts and compliance over GraphQL.

mod catalogue;
mod contracts;

pub(crate) use catalogue::{SoftwareMutations, SoftwareQueries};
pub(crate) use contracts::ContractQueries;
