//! The register: its store, the projections requests read, and any record written by the rules.

mod books;
mod cpu;
mod documents;
mod error;
mod hierarchy;
mod hooks;
mod index;
mod index_start;
mod records;
mod register;
mod rules;
mod tables;
mod targets;
mod tokens;
mod verify;

pub(crate) use books::note_sighting;
pub use cpu::CpuPool;
pub use error::ServiceError;
pub use index::Origin;
pub(crate) use index::edge;
pub(crate) use index_start::relationship_from;
pub(crate) use records::{draft_from, to_json};
pub use register::Register;
pub use tables::Difference;
pub use targets::{Lookup, TargetError, WebhookTargets};
pub(crate) use tokens::{Known, Principal};
