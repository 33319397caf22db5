//! Typed, directed relationships: the relation types, the ends each allows, the edge attributes.

mod relation;

pub(crate) use relation::{
    Endpoint, Installation, Provenance, RelationType, Relationship, TicketRole,
};
