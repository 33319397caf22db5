//! The demo company and generated estates, loaded through the ordinary write paths.

pub mod generate;
pub mod seed;

pub(crate) use generate::Phase;
