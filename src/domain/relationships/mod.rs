//! Typed, directed relationships: the relation types, the ends each allows, the edge attributes.

mod relation;

pub use relation::RelationType;
pub(crate) use relation::{Endpoint, Installation, Provenance, Relationship, TicketRole};
