//! Date scalars bounded to the years the register accepts, so no input reaches date arithmetic
//! that the calendar cannot hold.

use async_graphql::{InputValueError, InputValueResult, Scalar, ScalarType, Value};
use chrono::{DateTime, NaiveDate, Utc};

use crate::domain::kernel::calendar::{FIRST_YEAR, LAST_YEAR, in_range};

/// A calendar date in the register's years.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(transparent)]
pub struct Date(pub NaiveDate);

/// A UTC instant in the register's years.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(transparent)]
pub struct Timestamp(pub DateTime<Utc>);

fn outside(text: &str) -> String {
    format!("{text:?} is outside the years {FIRST_YEAR} to {LAST_YEAR}")
}

/// An ISO 8601 calendar date, `YYYY-MM-DD`, from 1900-01-01 to 2200-12-31.
///
/// # Examples
///
/// * `1994-11-13`
/// * `2000-02-24`
#[Scalar(name = "NaiveDate")]
impl ScalarType for Date {
    fn parse(value: Value) -> InputValueResult<Self> {
        let Value::String(text) = &value else {
            return Err(InputValueError::expected_type(value));
        };
        let date = NaiveDate::parse_from_str(text, "%Y-%m-%d")
            .map_err(|_| InputValueError::custom(format!("{text:?} is not a date (YYYY-MM-DD)")))?;
        if !in_range(date) {
            return Err(InputValueError::custom(outside(text)));
        }
        Ok(Date(date))
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.format("%Y-%m-%d").to_string())
    }
}

/// An RFC 3339 date and time with an offset, e.g. `2026-12-07T09:30:00Z`, in the years 1900 to
/// 2200; answers are in UTC.
#[Scalar(name = "DateTime")]
impl ScalarType for Timestamp {
    fn parse(value: Value) -> InputValueResult<Self> {
        let Value::String(text) = &value else {
            return Err(InputValueError::expected_type(value));
        };
        let at = DateTime::parse_from_rfc3339(text).map_err(|_| {
            InputValueError::custom(format!(
                "{text:?} is not an RFC 3339 date and time (YYYY-MM-DDThh:mm:ssZ)"
            ))
        })?;
        let at = at.with_timezone(&Utc);
        if !in_range(at.date_naive()) {
            return Err(InputValueError::custom(outside(text)));
        }
        Ok(Timestamp(at))
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.to_rfc3339())
    }
}

impl Date {
    /// The date asked for, or today's when none was given.
    pub fn or_today(date: Option<Date>) -> NaiveDate {
        date.map_or_else(|| Utc::now().date_naive(), |d| d.0)
    }
}

impl From<NaiveDate> for Date {
    fn from(date: NaiveDate) -> Self {
        Date(date)
    }
}

impl From<Date> for NaiveDate {
    fn from(date: Date) -> Self {
        date.0
    }
}

impl From<DateTime<Utc>> for Timestamp {
    fn from(at: DateTime<Utc>) -> Self {
        Timestamp(at)
    }
}

impl From<Timestamp> for DateTime<Utc> {
    fn from(at: Timestamp) -> Self {
        at.0
    }
}
