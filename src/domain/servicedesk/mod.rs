//! TODO

pub(crate) mod ticket;

pub(crate) use ticket::{
    Amendment, Mark, Severity, Ticket, TicketKind, TicketStatus, Window, assess, note,
};
