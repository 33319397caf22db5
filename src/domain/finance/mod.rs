//! TODO

pub(crate) mod cost;
pub(crate) mod ledger;

pub(crate) use cost::{AgreementKind, AgreementShare, Amounts, CostEdge, Rollup};
pub(crate) use ledger::{Candidate, Group, GroupBy, GroupKey, Ledger, Reason};
