//! Tickets by key, changes planned in a period, and entities' recent audited changes.

mod tickets;
