//! TODO

pub mod approvals;
pub mod custody;
pub mod maintenance;
pub mod stages;
