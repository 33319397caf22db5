//! TODO

mod rollup;
mod summary;

pub(crate) use rollup::fraction_text;
pub(crate) use summary::Dated;
