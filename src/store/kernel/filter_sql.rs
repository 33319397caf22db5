//! Compiles a domain [`Filter`] into a SurrealQL condition whose values are all bound parameters.

use crate::domain::kernel::{Comparison, Condition, Filter};
use crate::store::kernel::params::Params;

/// The condition text for `WHERE`; field paths come from code, values become `$pN` parameters.
pub(super) fn compile(filter: &Filter, params: &mut Params) -> String {
    match filter {
        Filter::All(fs) if fs.is_empty() => "true".into(),
        Filter::Any(fs) if fs.is_empty() => "false".into(),
        Filter::All(fs) => join(fs, " AND ", params),
        Filter::Any(fs) => join(fs, " OR ", params),
        Filter::Not(f) => format!("!({})", compile(f, params)),
        Filter::Where(c) => condition(c, params),
    }
}

fn join(filters: &[Filter], separator: &str, params: &mut Params) -> String {
    let parts: Vec<String> = filters
        .iter()
        .map(|f| format!("({})", compile(f, params)))
        .collect();
    parts.join(separator)
}

fn bound(value: &serde_json::Value, comparison: Comparison, params: &mut Params) -> String {
    let name = params.add(value.clone());
    match comparison {
        Comparison::Text => name,
        Comparison::Decimal => format!("<decimal> {name}"),
        Comparison::Instant => format!("<datetime> {name}"),
    }
}

fn condition(c: &Condition, params: &mut Params) -> String {
    match c {
        Condition::OneOf { path, values } => format!("{path} IN {}", params.add(values.clone())),
        Condition::Holds { path, value } => {
            format!("{path} CONTAINS {}", params.add(value.clone()))
        }
        Condition::Between {
            path,
            min,
            max,
            comparison,
        } => {
            let mut parts = vec![format!("{path} != NONE")];
            if let Some(min) = min {
                parts.push(format!("{path} >= {}", bound(min, *comparison, params)));
            }
            if let Some(max) = max {
                parts.push(format!("{path} <= {}", bound(max, *comparison, params)));
            }
            parts.join(" AND ")
        }
        Condition::Text { paths, needle } => {
            let needle = params.add(needle.to_lowercase());
            let parts: Vec<String> = paths
                .iter()
                .map(|p| {
                    format!("string::contains(string::lowercase(<string> ({p} ?? '')), {needle})")
                })
                .collect();
            parts.join(" OR ")
        }
    }
}
