//! TODO

mod catalogue;
mod contracts;

pub(crate) use catalogue::{SoftwareMutations, SoftwareQueries};
pub(crate) use contracts::ContractQueries;
