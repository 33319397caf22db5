//! What every room stands on: entity kinds and ids, records, validation, money, classes, filters.

pub(crate) mod calendar;
mod catalog;
mod class;
mod entity;
mod global_id;
pub(crate) mod json_path;
pub(crate) mod locks;
mod money;
mod page;
pub(crate) mod patch;
mod query;
mod secret;
pub(crate) mod table;
mod validation;

pub(crate) use calendar::{optional_date, required_date};
pub(crate) use catalog::{reference_fields, referrers, unique_keys};
pub(crate) use class::{AssetClass, Category};
pub(crate) use entity::{Entity, Record, optional_ref, required_ref};
pub use entity::{EntityId, EntityKind, NodeRef};
pub use global_id::{from_global_id, global_id};
pub(crate) use json_path::lookup;
pub(crate) use money::{Currency, Money, MoneyDraft};
pub use page::{Cursor, PageRequest};
pub(crate) use page::{Offsets, Page, Window};
pub(crate) use patch::merge;
pub(crate) use query::{Comparison, Condition, Filter, MAX_CONDITIONS, Sort};
pub use secret::Secret;
pub(crate) use validation::{
    ErrorCode, FieldError, MAX_NAME, MAX_TEXT, Problems, http_url, optional_text, required_text,
};
