//! TODO

mod relation;

pub(crate) use relation::{
    Endpoint, Installation, Provenance, RelationType, Relationship, TicketRole,
};
