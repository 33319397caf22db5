//! Money over the register: cost of ownership, cost roll-ups, the ledger behind summaries.

pub(crate) mod cost;
pub(crate) mod ledger;

pub(crate) use cost::{AgreementKind, AgreementShare, Amounts, CostEdge, Rollup};
pub(crate) use ledger::{Candidate, Group, GroupBy, GroupKey, Ledger, Reason};
