//! TODO

mod compliance;
mod contracts;

pub(crate) use contracts::Duplicate;
