//! Licence compliance, renewals, seat use, coverage and duplicate purchases.

mod compliance;
mod contracts;

pub(crate) use contracts::Duplicate;
