//! TODO

mod tickets;

pub(crate) use tickets::{Collision, Correction, IncidentContext};
