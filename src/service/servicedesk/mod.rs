//! Tickets linked to assets, their impact, colliding changes and an incident's context.

mod tickets;

pub(crate) use tickets::{Collision, Correction, IncidentContext};
