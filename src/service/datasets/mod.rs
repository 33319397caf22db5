//! TODO

pub(crate) mod generate;
pub mod seed;

pub(crate) use generate::Phase;
