//! Filters and sort orders over entity documents, independent of how the store runs them.

use std::cmp::Ordering;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde_json::Value;

use crate::domain::kernel::json_path::lookup;

/// How values of a field compare: as text (also right for ISO dates), decimals or instants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Comparison {
    Text,
    Decimal,
    Instant,
}

/// One test on a document field. Paths are fixed by code, never taken from a client.
#[derive(Debug, Clone, PartialEq)]
pub enum Condition {
    /// The field equals one of the values.
    OneOf {
        path: &'static str,
        values: Vec<Value>,
    },
    /// The array field holds the value.
    Holds { path: &'static str, value: Value },
    /// The field is set and lies within the bounds (inclusive).
    Between {
        path: &'static str,
        min: Option<Value>,
        max: Option<Value>,
        comparison: Comparison,
    },
    /// Any of the fields contains the needle, ignoring case.
    Text {
        paths: &'static [&'static str],
        needle: String,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    All(Vec<Filter>),
    Any(Vec<Filter>),
    Not(Box<Filter>),
    Where(Condition),
}

/// Beyond this many conditions a filter is refused: it is abuse, not a question.
pub const MAX_CONDITIONS: usize = 200;

impl Filter {
    pub fn everything() -> Filter {
        Filter::All(Vec::new())
    }

    pub fn condition_count(&self) -> usize {
        match self {
            Filter::All(fs) | Filter::Any(fs) => fs.iter().map(Filter::condition_count).sum(),
            Filter::Not(f) => f.condition_count(),
            Filter::Where(_) => 1,
        }
    }

    /// Every field the filter tests.
    pub fn paths(&self) -> Vec<&'static str> {
        match self {
            Filter::All(fs) | Filter::Any(fs) => fs.iter().flat_map(Filter::paths).collect(),
            Filter::Not(f) => f.paths(),
            Filter::Where(Condition::OneOf { path, .. })
            | Filter::Where(Condition::Holds { path, .. })
            | Filter::Where(Condition::Between { path, .. }) => vec![path],
            Filter::Where(Condition::Text { paths, .. }) => paths.to_vec(),
        }
    }

    /// Evaluates the filter on one document: the reference semantics the store must match.
    pub fn matches(&self, doc: &Value) -> bool {
        match self {
            Filter::All(fs) => fs.iter().all(|f| f.matches(doc)),
            Filter::Any(fs) => fs.iter().any(|f| f.matches(doc)),
            Filter::Not(f) => !f.matches(doc),
            Filter::Where(c) => c.matches(doc),
        }
    }
}

/// Orders two field values the way the store does for that comparison.
pub fn compare(a: &Value, b: &Value, comparison: Comparison) -> Option<Ordering> {
    match comparison {
        Comparison::Text => match (a, b) {
            (Value::String(a), Value::String(b)) => Some(a.cmp(b)),
            (Value::Number(a), Value::Number(b)) => a.as_f64()?.partial_cmp(&b.as_f64()?),
            _ => None,
        },
        Comparison::Decimal => Some(
            Decimal::from_str(a.as_str()?)
                .ok()?
                .cmp(&Decimal::from_str(b.as_str()?).ok()?),
        ),
        Comparison::Instant => {
            let a = DateTime::parse_from_rfc3339(a.as_str()?)
                .ok()?
                .with_timezone(&Utc);
            let b = DateTime::parse_from_rfc3339(b.as_str()?)
                .ok()?
                .with_timezone(&Utc);
            Some(a.cmp(&b))
        }
    }
}

impl Condition {
    fn matches(&self, doc: &Value) -> bool {
        match self {
            Condition::OneOf { path, values } => {
                lookup(doc, path).is_some_and(|v| values.contains(v))
            }
            Condition::Holds { path, value } => lookup(doc, path)
                .and_then(Value::as_array)
                .is_some_and(|items| items.contains(value)),
            Condition::Between {
                path,
                min,
                max,
                comparison,
            } => {
                let Some(v) = lookup(doc, path) else {
                    return false;
                };
                let above = min
                    .as_ref()
                    .is_none_or(|m| compare(v, m, *comparison).is_some_and(Ordering::is_ge));
                let below = max
                    .as_ref()
                    .is_none_or(|m| compare(v, m, *comparison).is_some_and(Ordering::is_le));
                above && below
            }
            Condition::Text { paths, needle } => {
                let needle = needle.to_lowercase();
                paths.iter().any(|p| {
                    lookup(doc, p)
                        .and_then(Value::as_str)
                        .is_some_and(|s| s.to_lowercase().contains(&needle))
                })
            }
        }
    }
}

/// A sort key: a field and a direction; ties are broken by id, and descending is the exact
/// reverse of ascending (so a list walked backwards is the other direction walked forwards).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sort {
    pub path: &'static str,
    pub comparison: Comparison,
    pub descending: bool,
}

impl Sort {
    /// Orders two documents; unset values sort before set ones (ascending), like the store.
    pub fn order(&self, a: &Value, b: &Value) -> Ordering {
        let primary = match (lookup(a, self.path), lookup(b, self.path)) {
            (None, None) => Ordering::Equal,
            (None, Some(_)) => Ordering::Less,
            (Some(_), None) => Ordering::Greater,
            (Some(x), Some(y)) => compare(x, y, self.comparison).unwrap_or(Ordering::Equal),
        };
        let ascending = primary.then_with(|| {
            a.get("id")
                .and_then(Value::as_str)
                .cmp(&b.get("id").and_then(Value::as_str))
        });
        if self.descending {
            ascending.reverse()
        } else {
            ascending
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn asset() -> Value {
        json!({"id": "a1", "name": "Web01", "class": "SERVER", "tags": ["prod"], "purchase": {"cost": {"amount": "900.00"}}})
    }

    #[test]
    fn conditions_follow_their_semantics() {
        let doc = asset();
        let one_of = Filter::Where(Condition::OneOf {
            path: "class",
            values: vec![json!("LAPTOP"), json!("SERVER")],
        });
        assert!(one_of.matches(&doc));
        assert!(
            Filter::Where(Condition::Holds {
                path: "tags",
                value: json!("prod")
            })
            .matches(&doc)
        );
        let cost = |min: &str, max: &str| {
            Filter::Where(Condition::Between {
                path: "purchase.cost.amount",
                min: Some(json!(min)),
                max: Some(json!(max)),
                comparison: Comparison::Decimal,
            })
        };
        assert!(cost("100", "1000").matches(&doc));
        assert!(
            !cost("1000", "2000").matches(&doc),
            "decimals compare numerically, not as text"
        );
        assert!(
            Filter::Where(Condition::Text {
                paths: &["name"],
                needle: "WEB".into()
            })
            .matches(&doc)
        );
        assert!(!Filter::Not(Box::new(one_of.clone())).matches(&doc));
        assert!(Filter::everything().matches(&doc));
        assert!(!Filter::Any(vec![]).matches(&doc));
    }

    #[test]
    fn ranges_never_match_unset_fields() {
        let f = Filter::Where(Condition::Between {
            path: "warrantyEnd",
            min: None,
            max: Some(json!("2030-01-01")),
            comparison: Comparison::Text,
        });
        assert!(!f.matches(&asset()));
    }

    #[test]
    fn sort_puts_unset_first_and_descending_reverses_everything() {
        let sort = Sort {
            path: "purchase.cost.amount",
            comparison: Comparison::Decimal,
            descending: false,
        };
        let a = json!({"id": "b"});
        let b = json!({"id": "a", "purchase": {"cost": {"amount": "10"}}});
        assert_eq!(sort.order(&a, &b), Ordering::Less);
        let name = Sort {
            path: "name",
            comparison: Comparison::Text,
            descending: true,
        };
        assert_eq!(
            name.order(
                &json!({"id": "a", "name": "x"}),
                &json!({"id": "b", "name": "x"})
            ),
            Ordering::Greater,
            "descending reverses the tie-break too"
        );
    }
}
