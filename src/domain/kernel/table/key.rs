//! What a table compares: one field's value reduced to a totally ordered key.

use std::cmp::Ordering;
use std::str::FromStr;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde_json::Value;

use crate::domain::kernel::Comparison;

/// A field's value as a table orders it. A value that is missing, null or not of the field's
/// comparison (text that is no decimal, say) is `Unset`: it sorts first and is in no range.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Key {
    Unset,
    Text(Arc<str>),
    Decimal(Decimal),
    /// Nanoseconds since the epoch (the calendar's years all fit).
    Instant(i64),
}

impl Key {
    /// The key of a document's value compared as `comparison`.
    pub fn of(value: Option<&Value>, comparison: Comparison) -> Key {
        let Some(Value::String(text)) = value else {
            return Key::Unset;
        };
        match comparison {
            Comparison::Text => Key::Text(Arc::from(text.as_str())),
            Comparison::Decimal => Decimal::from_str(text).map_or(Key::Unset, Key::Decimal),
            Comparison::Instant => DateTime::parse_from_rfc3339(text)
                .ok()
                .and_then(|t| t.with_timezone(&Utc).timestamp_nanos_opt())
                .map_or(Key::Unset, Key::Instant),
        }
    }

    /// The key as a cursor carries it; [`Key::of`] reads it back.
    pub fn to_json(&self) -> Value {
        match self {
            Key::Unset => Value::Null,
            Key::Text(t) => Value::from(t.as_ref()),
            Key::Decimal(d) => Value::from(d.to_string()),
            Key::Instant(nanos) => Value::from(
                DateTime::<Utc>::from_timestamp_nanos(*nanos)
                    .to_rfc3339_opts(chrono::SecondsFormat::Nanos, true),
            ),
        }
    }
}

/// A place in an ordered list: the key of the field it is sorted on and the entity's id, which
/// breaks ties.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Position {
    pub key: Key,
    pub id: Arc<str>,
}

impl Position {
    pub fn cmp_parts(&self, key: &Key, id: &str) -> Ordering {
        (&self.key, self.id.as_ref()).cmp(&(key, id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn keys_compare_by_their_kind_and_round_trip_through_cursors() {
        let d = |s: &str| Key::of(Some(&json!(s)), Comparison::Decimal);
        assert!(d("90.5") < d("100"), "decimals compare as numbers");
        assert_eq!(d("1.50"), d("1.5"));
        assert_eq!(d("abc"), Key::Unset);
        let t = Key::of(
            Some(&json!("2026-01-02T03:04:05.123456789Z")),
            Comparison::Instant,
        );
        assert_eq!(Key::of(Some(&t.to_json()), Comparison::Instant), t);
        assert_eq!(Key::of(Some(&json!(5)), Comparison::Text), Key::Unset);
        assert!(Key::Unset < Key::Text("".into()));
    }
}
