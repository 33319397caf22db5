//! Stage transitions, retirement approvals, custody and maintenance, and their histories.

mod approvals;
mod custody;
mod maintenance;
mod stages;

pub(crate) use custody::Loan;
pub(crate) use stages::{Move, Step};
