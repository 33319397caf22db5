//! Query parameters: every value a query uses is bound by name, never formatted into its text.

use std::collections::BTreeMap;

use surrealdb::types::{SurrealValue, Value};

/// Named query parameters, always bound, never formatted into the query text.
#[derive(Default, Clone)]
pub struct Params(pub BTreeMap<String, Value>);

impl Params {
    pub fn set(&mut self, name: impl Into<String>, value: impl SurrealValue) -> &mut Self {
        self.0.insert(name.into(), value.into_value());
        self
    }

    /// Binds a fresh parameter and returns its `$name` for the query text.
    pub fn add(&mut self, value: impl SurrealValue) -> String {
        let name = format!("p{}", self.0.len());
        self.set(name.clone(), value);
        format!("${name}")
    }
}
