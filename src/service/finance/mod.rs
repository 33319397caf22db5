//! Finance questions: summaries and watch lists from the ledger, roll-ups along the index.

mod rollup;
mod summary;

pub(crate) use rollup::fraction_text;
pub(crate) use summary::Dated;
