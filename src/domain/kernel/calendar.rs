//! The dates the register accepts and date arithmetic that answers an error instead of panicking.

use chrono::{Datelike, Days, NaiveDate};

use super::validation::{ErrorCode, FieldError};

/// The first year a date may carry: older than any IT asset, recent enough for every calendar.
pub const FIRST_YEAR: i32 = 1900;
/// The last year a date may carry: past any lease, warranty or depreciation schedule we write.
pub const LAST_YEAR: i32 = 2200;

/// Whether a date lies within the years the register accepts.
pub fn in_range(date: NaiveDate) -> bool {
    (FIRST_YEAR..=LAST_YEAR).contains(&date.year())
}

/// Refuses a date outside the accepted years, naming the field.
pub fn checked_date(field: &str, date: NaiveDate) -> Result<NaiveDate, FieldError> {
    if in_range(date) {
        Ok(date)
    } else {
        Err(out_of_range(field, date))
    }
}

fn out_of_range(field: &str, date: impl std::fmt::Display) -> FieldError {
    FieldError::new(
        field,
        ErrorCode::Invalid,
        format!("{date} is outside the years {FIRST_YEAR} to {LAST_YEAR}"),
    )
}

/// `date` moved by `days` (either way), refused when it would leave the accepted years.
pub fn shift_days(field: &str, date: NaiveDate, days: i64) -> Result<NaiveDate, FieldError> {
    let moved = if days >= 0 {
        date.checked_add_days(Days::new(days.unsigned_abs()))
    } else {
        date.checked_sub_days(Days::new(days.unsigned_abs()))
    };
    moved
        .filter(|d| in_range(*d))
        .ok_or_else(|| out_of_range(field, format_args!("{date} moved by {days} days")))
}

/// Parses an optional ISO date (`YYYY-MM-DD`).
pub fn optional_date(field: &str, value: Option<&str>) -> Result<Option<NaiveDate>, FieldError> {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(text) => {
            let date = NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| {
                FieldError::new(
                    field,
                    ErrorCode::Invalid,
                    format!("{text:?} is not a date (YYYY-MM-DD)"),
                )
            })?;
            checked_date(field, date).map(Some)
        }
    }
}

/// Parses a required ISO date.
pub fn required_date(field: &str, value: Option<&str>) -> Result<NaiveDate, FieldError> {
    optional_date(field, value)?
        .ok_or_else(|| FieldError::new(field, ErrorCode::Required, format!("{field} is required")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    #[test]
    fn the_edges_of_the_accepted_years_are_in_and_one_day_past_is_out() {
        assert!(checked_date("asOf", date("1900-01-01")).is_ok());
        assert!(checked_date("asOf", date("2200-12-31")).is_ok());
        let refused = checked_date("asOf", date("2201-01-01")).unwrap_err();
        assert_eq!(
            (refused.field.as_str(), refused.code),
            ("asOf", ErrorCode::Invalid)
        );
        assert!(checked_date("asOf", date("1899-12-31")).is_err());
    }

    #[test]
    fn shifting_past_the_calendar_answers_an_error_not_a_panic() {
        assert_eq!(
            shift_days("withinDays", date("2024-02-28"), 2).unwrap(),
            date("2024-03-01")
        );
        assert_eq!(
            shift_days("days", date("2024-03-01"), -1).unwrap(),
            date("2024-02-29")
        );
        assert!(shift_days("withinDays", date("2200-12-31"), 1).is_err());
        assert!(shift_days("withinDays", NaiveDate::MAX, i64::MAX).is_err());
        assert!(shift_days("days", NaiveDate::MIN, i64::MIN).is_err());
    }
}
