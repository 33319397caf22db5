//! Checks a GraphQL document before it runs, in time linear in its size: brackets nested too
//! deep are refused before parsing; then one walk over the parsed document, fragments expanded
//! within a budget, counts depth, aliases, directives and the estimated cost. A hostile
//! document is refused before the executor's own (fragment-expanding) validation sees it.

use async_graphql::parser::types::{
    ExecutableDocument, Field, OperationType, Selection, SelectionSet,
};
use async_graphql::{Value, Variables};

use crate::api::graphql::limits::Limits;

/// Whether `document` nests brackets deeper than `limit`, ignoring brackets inside strings
/// (`"…"`, with escapes, and `"""…"""` blocks) and comments.
pub fn too_deep(document: &str, limit: usize) -> bool {
    let bytes = document.as_bytes();
    let (mut depth, mut i) = (0usize, 0usize);
    while i < bytes.len() {
        match bytes[i] {
            b'#' => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b'"' if bytes[i..].starts_with(b"\"\"\"") => {
                i += 3;
                while i < bytes.len() && !bytes[i..].starts_with(b"\"\"\"") {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
                i += 2;
            }
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' && bytes[i] != b'\n' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
            }
            b'{' | b'[' | b'(' => {
                depth += 1;
                if depth > limit {
                    return true;
                }
            }
            b'}' | b']' | b')' => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    false
}

/// Which limit a document breaks, and how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Breach {
    /// The limit's name: `nesting`, `depth`, `complexity`, `aliases`, `directives`, `fields`.
    pub limit: &'static str,
    pub message: String,
}

fn breach(limit: &'static str, message: String) -> Breach {
    Breach { limit, message }
}

/// What running a document that keeps every limit involves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Analysis {
    /// Estimated cost: one per field, list fields `first` × their fields.
    pub cost: u64,
    /// Whether an operation in it is a mutation (never cut off half-way).
    pub writes: bool,
}

/// What a document that keeps every limit involves, or the first limit it breaks. Documents
/// that do not parse are left to the executor, which explains them.
pub fn analyse(query: &str, variables: &Variables, limits: &Limits) -> Result<Analysis, Breach> {
    if too_deep(query, limits.nesting) {
        return Err(breach(
            "nesting",
            format!("the document nests brackets deeper than {}", limits.nesting),
        ));
    }
    let Ok(document) = async_graphql::parser::parse_query(query) else {
        return Ok(Analysis {
            cost: 0,
            writes: false,
        });
    };
    let mut walk = Walk {
        document: &document,
        variables,
        limits,
        fields: 0,
        aliases: 0,
        directives: 0,
        spreading: Vec::new(),
    };
    let (mut cost, mut writes) = (0u64, false);
    for (_, operation) in document.operations.iter() {
        writes |= operation.node.ty == OperationType::Mutation;
        walk.directives += operation.node.directives.len();
        cost = cost.saturating_add(walk.cost(&operation.node.selection_set.node, 1)?);
    }
    if cost > limits.complexity {
        return Err(breach(
            "complexity",
            format!(
                "the query's estimated cost {cost} exceeds {} (list fields cost first × their fields; ask for smaller pages)",
                limits.complexity
            ),
        ));
    }
    Ok(Analysis { cost, writes })
}

struct Walk<'a> {
    document: &'a ExecutableDocument,
    variables: &'a Variables,
    limits: &'a Limits,
    fields: usize,
    aliases: usize,
    directives: usize,
    /// Fragments being expanded on the current path (a cycle is the validator's to report).
    spreading: Vec<&'a str>,
}

impl<'a> Walk<'a> {
    fn cost(&mut self, set: &'a SelectionSet, depth: usize) -> Result<u64, Breach> {
        let mut cost = 0u64;
        for selection in &set.items {
            match &selection.node {
                Selection::Field(field) => {
                    let field = &field.node;
                    self.fields += 1;
                    if self.fields > self.limits.fields {
                        return Err(breach(
                            "fields",
                            format!(
                                "the document selects more than {} fields once its fragments are expanded",
                                self.limits.fields
                            ),
                        ));
                    }
                    if depth > self.limits.depth {
                        return Err(breach(
                            "depth",
                            format!("the query nests fields deeper than {}", self.limits.depth),
                        ));
                    }
                    if field.alias.is_some() {
                        self.aliases += 1;
                        if self.aliases > self.limits.aliases {
                            return Err(breach(
                                "aliases",
                                format!(
                                    "the document has more than {} aliases",
                                    self.limits.aliases
                                ),
                            ));
                        }
                    }
                    self.count_directives(field.directives.len())?;
                    let children = self.cost(&field.selection_set.node, depth + 1)?;
                    let page = self.page_size(field);
                    cost = cost.saturating_add(1 + page.saturating_mul(children));
                }
                Selection::FragmentSpread(spread) => {
                    self.count_directives(spread.node.directives.len())?;
                    let name = spread.node.fragment_name.node.as_str();
                    let Some(fragment) = self.document.fragments.get(name) else {
                        continue;
                    };
                    if self.spreading.contains(&name) {
                        continue;
                    }
                    self.spreading.push(name);
                    let spread_cost = self.cost(&fragment.node.selection_set.node, depth);
                    self.spreading.pop();
                    cost = cost.saturating_add(spread_cost?);
                }
                Selection::InlineFragment(inline) => {
                    self.count_directives(inline.node.directives.len())?;
                    cost = cost.saturating_add(self.cost(&inline.node.selection_set.node, depth)?);
                }
            }
        }
        Ok(cost)
    }

    fn count_directives(&mut self, count: usize) -> Result<(), Breach> {
        self.directives += count;
        if self.directives > self.limits.directives {
            return Err(breach(
                "directives",
                format!(
                    "the document has more than {} directives",
                    self.limits.directives
                ),
            ));
        }
        Ok(())
    }

    /// The page a field asks for (`first` or `last`, literal or variable); 1 for other fields.
    fn page_size(&self, field: &Field) -> u64 {
        field
            .arguments
            .iter()
            .filter(|(name, _)| matches!(name.node.as_str(), "first" | "last"))
            .filter_map(|(_, value)| {
                let value = value
                    .node
                    .clone()
                    .into_const_with(|name| self.variables.get(&name).cloned().ok_or(()))
                    .ok()?;
                match value {
                    Value::Number(n) => n.as_u64(),
                    _ => None,
                }
            })
            .max()
            .unwrap_or(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(query: &str) -> Result<u64, Breach> {
        analyse(query, &Variables::default(), &Limits::default()).map(|a| a.cost)
    }

    #[test]
    fn lists_cost_their_page_size_times_their_fields() {
        assert_eq!(check("{ a b }"), Ok(2));
        assert_eq!(
            check("{ assets(first: 10) { edges { node { id name } } } }"),
            Ok(1 + 10 * 4)
        );
        let variables = Variables::from_json(serde_json::json!({"n": 100}));
        let analysis = analyse(
            "query($n: Int) { assets(first: $n) { id } }",
            &variables,
            &Limits::default(),
        );
        assert_eq!(analysis.map(|a| a.cost), Ok(101));
        let write = analyse("mutation { a }", &variables, &Limits::default()).unwrap();
        assert!(write.writes);
        assert_eq!(
            check("{ assets(first: 99999999) { id } }")
                .unwrap_err()
                .limit,
            "complexity"
        );
    }

    #[test]
    fn hostile_documents_are_refused_by_the_limit_they_break() {
        let deep = format!("{}{}", "{ a ".repeat(40), "}".repeat(40));
        assert_eq!(check(&deep).unwrap_err().limit, "depth");
        let aliases: String = (0..10_000).map(|i| format!("a{i}: name ")).collect();
        assert_eq!(
            check(&format!("{{ {aliases} }}")).unwrap_err().limit,
            "aliases"
        );
        let directives = "a @skip(if: false) ".repeat(60);
        assert_eq!(
            check(&format!("{{ {directives} }}")).unwrap_err().limit,
            "directives"
        );
        // Thirty fragments, each spreading the next twice: 2^30 fields if expanded naively.
        let mut fragments = String::from("query { ...F0 }\n");
        for i in 0..30 {
            fragments.push_str(&format!(
                "fragment F{i} on Query {{ ...F{} ...F{} }}\n",
                i + 1,
                i + 1
            ));
        }
        fragments.push_str("fragment F30 on Query { name }\n");
        let started = std::time::Instant::now();
        assert_eq!(check(&fragments).unwrap_err().limit, "fields");
        assert!(started.elapsed() < std::time::Duration::from_secs(1));
        assert_eq!(check(&"[".repeat(1_000_000)).unwrap_err().limit, "nesting");
    }

    #[test]
    fn fragment_cycles_are_left_to_the_validator() {
        assert!(check("query { ...A } fragment A on Query { ...A name }").is_ok());
    }

    #[test]
    fn counts_brackets_outside_strings_and_comments() {
        assert!(!too_deep("{ assets { edges { node { id } } } }", 4));
        assert!(too_deep("{ assets { edges { node { id } } } }", 3));
        assert!(!too_deep(r#"{ a(x: "[[[[[[") }"#, 2));
        assert!(!too_deep("{ a(x: \"\"\"[[[[\\\"\"\"[\"\"\") }", 2));
        assert!(!too_deep("# [[[[[[\n{ a }", 1));
        assert!(too_deep(&"[".repeat(1_000_000), 64));
        assert!(!too_deep(&"[]".repeat(1_000_000), 64));
    }
}
