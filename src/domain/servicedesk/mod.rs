//! Service-desk tickets and the impact assessment of a change.

pub(crate) mod ticket;

pub(crate) use ticket::{
    Amendment, Mark, Severity, Ticket, TicketKind, TicketStatus, Window, assess, note,
};
