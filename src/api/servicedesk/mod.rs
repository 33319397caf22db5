//! Tickets, links, impact assessments, collisions and incident context over GraphQL.

mod tickets;

pub(crate) use tickets::{TicketKind, TicketMutations, TicketQueries, TicketStatus, asset_tickets};
