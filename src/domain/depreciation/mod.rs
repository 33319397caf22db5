//! Depreciation: the terms an asset or model records, and the exact schedule and book value.

#[cfg(test)]
mod macrs_tables;
mod schedule;
mod terms;

pub(crate) use schedule::{Depreciation, check_against_cost};
pub(crate) use terms::{
    Convention, Method, ModelDefaults, Profile, Settings, SettingsDraft, resolve, settings,
};
