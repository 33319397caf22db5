//! The demo company and generated estates, loaded through the ordinary write paths.

pub(crate) mod generate;
pub mod seed;

pub(crate) use generate::Phase;
