//! What an asset's depreciation is set to (method, life, salvage, convention; its own, its
//! model's, its class's) and the profile those resolve to.

use crate::domain::kernel::optional_date;
use crate::domain::kernel::{AssetClass, Category};
use crate::domain::kernel::{ErrorCode, FieldError, Problems};
use crate::domain::kernel::{Money, MoneyDraft};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::str::FromStr;

/// How the depreciable amount (cost less salvage) is spread over the useful life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Method {
    /// The same amount every month.
    StraightLine,
    /// A fixed rate (factor ÷ life in years) of the value at the start of each recovery year:
    /// twelve months from the start of depreciation under FULL_MONTH, the fiscal year under
    /// HALF_YEAR and MID_QUARTER (as MACRS does).
    DecliningBalance,
    /// Life year k of n gets (n − k + 1) ÷ (1 + 2 + … + n) of the amount.
    SumOfYearsDigits,
    /// Not depreciated: book value stays at cost.
    None,
}

/// When depreciation starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Convention {
    /// In the month the asset enters service, which counts in full.
    FullMonth,
    /// In the middle of the fiscal year it enters service: the first fiscal year gets half a
    /// year, and one more fiscal year at the end gets the other half.
    HalfYear,
    /// In the middle of the quarter of the fiscal year it enters service: the first fiscal year
    /// gets 10.5, 7.5, 4.5 or 1.5 months (first to fourth quarter), and one more fiscal year at
    /// the end gets the rest.
    MidQuarter,
}

/// Everything that decides an asset's depreciation besides its cost.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    pub method: Method,
    /// Declining balance: the multiple of the straight-line rate (2 is double declining).
    pub factor: Decimal,
    /// Declining balance: change to straight line over the remaining life in the first
    /// recovery year where that gives more.
    pub switch_to_straight_line: bool,
    pub useful_life_months: u32,
    /// Value at the end of the useful life, in the cost's currency.
    pub salvage: Decimal,
    pub in_service: NaiveDate,
    pub convention: Convention,
    /// First month (1–12) of the fiscal year.
    pub fiscal_year_start_month: u32,
}

/// Why a profile cannot depreciate a cost; the field is the profile's input name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct ProfileError {
    pub field: &'static str,
    pub message: String,
}

pub(crate) fn invalid(field: &'static str, message: impl Into<String>) -> ProfileError {
    ProfileError {
        field,
        message: message.into(),
    }
}

/// Longest useful life accepted: fifty years.
pub const MAX_LIFE_MONTHS: u32 = 600;

/// An asset's own depreciation settings. Whatever is left out comes from its model, then from
/// its class; the in-service date defaults to the purchase date.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Settings {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub method: Option<Method>,
    #[serde(
        skip_serializing_if = "Option::is_none",
        with = "rust_decimal::serde::str_option",
        default
    )]
    pub factor: Option<Decimal>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub switch_to_straight_line: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub useful_life_months: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub salvage: Option<Money>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub in_service_date: Option<NaiveDate>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub convention: Option<Convention>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SettingsDraft {
    pub method: Option<Method>,
    pub factor: Option<String>,
    pub switch_to_straight_line: Option<bool>,
    pub useful_life_months: Option<i64>,
    pub salvage: Option<MoneyDraft>,
    pub in_service_date: Option<String>,
    pub convention: Option<Convention>,
}

/// Checks each setting on its own; how they fit the cost is checked with the asset.
pub fn settings(d: Option<SettingsDraft>) -> Result<Option<Settings>, Vec<FieldError>> {
    let Some(d) = d else { return Ok(None) };
    let mut p = Problems::default();
    let factor = match d.factor.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(text) => match Decimal::from_str(text) {
            Ok(f) if f > Decimal::ZERO && f <= Decimal::TEN => Some(f.normalize()),
            _ => {
                p.push(FieldError::new(
                    "depreciation.factor",
                    ErrorCode::Invalid,
                    "the declining-balance factor is a decimal above 0 and at most 10",
                ));
                None
            }
        },
    };
    let useful_life_months = match d.useful_life_months {
        None => None,
        Some(m) if (1..=i64::from(MAX_LIFE_MONTHS)).contains(&m) => Some(m as u32),
        Some(m) => {
            p.push(FieldError::new(
                "depreciation.usefulLifeMonths",
                if m < 0 {
                    ErrorCode::Negative
                } else {
                    ErrorCode::Invalid
                },
                format!("the useful life runs from 1 to {MAX_LIFE_MONTHS} months"),
            ));
            None
        }
    };
    let salvage = d
        .salvage
        .as_ref()
        .and_then(|m| p.take(Money::parse("depreciation.salvage", m)));
    let in_service_date = p
        .take(optional_date(
            "depreciation.inServiceDate",
            d.in_service_date.as_deref(),
        ))
        .flatten();
    let settings = Settings {
        method: d.method,
        factor,
        switch_to_straight_line: d.switch_to_straight_line,
        useful_life_months,
        salvage,
        in_service_date,
        convention: d.convention,
    };
    p.finish(|| (settings != Settings::default()).then_some(settings))
}

/// How an asset of a class depreciates when neither it nor its model says otherwise: devices
/// over their usual replacement cycle; software, cloud resources and services not at all (their
/// cost is expensed or subscribed).
pub fn class_default(class: AssetClass) -> (Method, u32) {
    use AssetClass::*;
    match class {
        Phone | Tablet => (Method::StraightLine, 24),
        Laptop => (Method::StraightLine, 36),
        Workstation | Monitor | Printer | Peripheral => (Method::StraightLine, 48),
        Server | Storage | Router | Switch | Firewall | AccessPoint | LoadBalancer => {
            (Method::StraightLine, 60)
        }
        _ => {
            debug_assert!(!matches!(
                class.category(),
                Category::Hardware | Category::Mobile | Category::Network
            ));
            (Method::None, 36)
        }
    }
}

/// What a model says about depreciating its instances.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ModelDefaults {
    pub method: Option<Method>,
    pub useful_life_months: Option<u32>,
}

/// The profile of one asset: its settings, else its model's, else its class's; `None` when it
/// has nothing to depreciate from (no in-service or purchase date).
pub fn resolve(
    class: AssetClass,
    settings: Option<&Settings>,
    model: ModelDefaults,
    purchase_date: Option<NaiveDate>,
    fiscal_year_start_month: u32,
) -> Option<Profile> {
    let (class_method, class_life) = class_default(class);
    let in_service = settings.and_then(|s| s.in_service_date).or(purchase_date)?;
    Some(Profile {
        method: settings
            .and_then(|s| s.method)
            .or(model.method)
            .unwrap_or(class_method),
        factor: settings.and_then(|s| s.factor).unwrap_or(Decimal::TWO),
        switch_to_straight_line: settings
            .and_then(|s| s.switch_to_straight_line)
            .unwrap_or(true),
        useful_life_months: settings
            .and_then(|s| s.useful_life_months)
            .or(model.useful_life_months)
            .unwrap_or(class_life),
        salvage: settings
            .and_then(|s| s.salvage.as_ref())
            .map_or(Decimal::ZERO, |m| m.amount),
        in_service,
        convention: settings
            .and_then(|s| s.convention)
            .unwrap_or(Convention::FullMonth),
        fiscal_year_start_month,
    })
}
