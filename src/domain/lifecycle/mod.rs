//! TODO

pub mod approval;
pub mod custody;
pub mod maintenance;
pub mod stage;
