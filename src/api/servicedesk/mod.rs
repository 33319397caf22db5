//! TODO

mod tickets;

pub(crate) use tickets::{TicketKind, TicketMutations, TicketQueries, TicketStatus, asset_tickets};
