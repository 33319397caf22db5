//! Generated estates written in bulk.

mod bulk;
