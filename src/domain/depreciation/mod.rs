//! Depreciation: the terms an asset or model records, and the exact schedule and book value.

mod schedule;
mod terms;

pub(crate) use schedule::{Depreciation, check_against_cost};
pub(crate) use terms::{
    Convention, Method, ModelDefaults, Profile, Settings, SettingsDraft, resolve, settings,
};
