//! TODO

mod bulk;
