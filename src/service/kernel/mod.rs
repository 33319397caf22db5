//! TODO

pub mod books;
pub mod error;
pub mod hierarchy;
pub mod hooks;
pub mod index;
pub mod index_start;
pub mod records;
pub mod register;
pub mod rules;
pub mod tokens;
