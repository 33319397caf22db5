//! Field-level validation problems, collected so one response can report all of them.

use std::fmt;

/// Machine-readable reason an input was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    Required,
    Invalid,
    TooLong,
    Negative,
    UnknownCurrency,
    NotFound,
    Conflict,
    Cycle,
    InUse,
    SelfLoop,
    NotAllowed,
    /// The asset's lifecycle does not allow this move.
    InvalidTransition,
    /// The move needs someone else's approval first.
    ApprovalRequired,
    /// Valid, but not written because another item of an all-or-nothing batch was refused.
    NotApplied,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::Required => "REQUIRED",
            ErrorCode::Invalid => "INVALID",
            ErrorCode::TooLong => "TOO_LONG",
            ErrorCode::Negative => "NEGATIVE",
            ErrorCode::UnknownCurrency => "UNKNOWN_CURRENCY",
            ErrorCode::NotFound => "NOT_FOUND",
            ErrorCode::Conflict => "CONFLICT",
            ErrorCode::Cycle => "CYCLE",
            ErrorCode::InUse => "IN_USE",
            ErrorCode::SelfLoop => "SELF_LOOP",
            ErrorCode::NotAllowed => "NOT_ALLOWED",
            ErrorCode::InvalidTransition => "INVALID_TRANSITION",
            ErrorCode::ApprovalRequired => "APPROVAL_REQUIRED",
            ErrorCode::NotApplied => "NOT_APPLIED",
        }
    }
}

/// One refused field: its path in the input (e.g. `purchase.cost.currency`), why, and a code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub message: String,
    pub code: ErrorCode,
}

impl FieldError {
    pub fn new(field: impl Into<String>, code: ErrorCode, message: impl Into<String>) -> Self {
        FieldError {
            field: field.into(),
            message: message.into(),
            code,
        }
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {} ({})",
            self.field,
            self.message,
            self.code.as_str()
        )
    }
}

/// Accumulates problems while a draft is checked field by field.
#[derive(Debug, Default)]
pub struct Problems(Vec<FieldError>);

impl Problems {
    pub fn push(&mut self, error: FieldError) {
        self.0.push(error);
    }

    /// Records the error of `result`, if any, and hands back its value.
    pub fn take<T>(&mut self, result: Result<T, FieldError>) -> Option<T> {
        result.map_err(|e| self.0.push(e)).ok()
    }

    /// Records every error of `result`, if any, and hands back its value.
    pub fn take_all<T>(&mut self, result: Result<T, Vec<FieldError>>) -> Option<T> {
        result.map_err(|e| self.0.extend(e)).ok()
    }

    pub fn finish<T>(self, value: impl FnOnce() -> T) -> Result<T, Vec<FieldError>> {
        if self.0.is_empty() {
            Ok(value())
        } else {
            Err(self.0)
        }
    }
}

/// Longest free-text field we accept; longer input is a mistake or an attack.
pub const MAX_TEXT: usize = 10_000;
/// Longest name-like field (names, tags, serials, codes).
pub const MAX_NAME: usize = 200;

/// A trimmed, non-empty string of at most `max` characters.
pub fn required_text(field: &str, value: Option<&str>, max: usize) -> Result<String, FieldError> {
    match value.map(str::trim) {
        None | Some("") => Err(FieldError::new(
            field,
            ErrorCode::Required,
            format!("{field} is required"),
        )),
        Some(v) => bounded(field, v, max),
    }
}

/// An http or https URL without blanks, at most 2,048 characters; absent or blank means "not set".
pub fn http_url(field: &str, value: Option<&str>) -> Result<Option<String>, FieldError> {
    let url = optional_text(field, value, 2048)?;
    match &url {
        Some(u)
            if !(u.starts_with("https://") || u.starts_with("http://"))
                || u.len() <= "https://".len()
                || u.contains(char::is_whitespace) =>
        {
            Err(FieldError::new(
                field,
                ErrorCode::Invalid,
                format!("{field} must be an http(s) URL"),
            ))
        }
        _ => Ok(url),
    }
}

/// Like [`required_text`] but absent or blank means "not set".
pub fn optional_text(
    field: &str,
    value: Option<&str>,
    max: usize,
) -> Result<Option<String>, FieldError> {
    match value.map(str::trim) {
        None | Some("") => Ok(None),
        Some(v) => bounded(field, v, max).map(Some),
    }
}

fn bounded(field: &str, value: &str, max: usize) -> Result<String, FieldError> {
    if value.chars().count() > max {
        return Err(FieldError::new(
            field,
            ErrorCode::TooLong,
            format!("{field} is longer than {max} characters"),
        ));
    }
    if value
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        return Err(FieldError::new(
            field,
            ErrorCode::Invalid,
            format!("{field} contains control characters"),
        ));
    }
    Ok(value.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn required_text_trims_and_refuses_blank() {
        assert_eq!(
            required_text("name", Some("  web01 "), 10).unwrap(),
            "web01"
        );
        assert_eq!(
            required_text("name", Some("   "), 10).unwrap_err().code,
            ErrorCode::Required
        );
        assert_eq!(
            required_text("name", None, 10).unwrap_err().code,
            ErrorCode::Required
        );
        assert_eq!(
            required_text("name", Some("abcdefghijk"), 10)
                .unwrap_err()
                .code,
            ErrorCode::TooLong
        );
        assert_eq!(
            required_text("name", Some("a\u{0}b"), 10).unwrap_err().code,
            ErrorCode::Invalid
        );
    }

    #[test]
    fn optional_text_treats_blank_as_unset() {
        assert_eq!(optional_text("notes", Some(" "), 10).unwrap(), None);
        assert_eq!(
            optional_text("notes", Some("x"), 10).unwrap(),
            Some("x".into())
        );
    }
}
