//! Every date and number argument in the committed SDL, fed extreme and malformed values: each
//! request gets an answer or a clear, coded error (never `INTERNAL`, never a dropped connection),
//! and the server goes on serving.

use std::collections::{HashMap, HashSet};

use async_graphql::parser::parse_schema;
use async_graphql::parser::types::{
    BaseType, FieldDefinition, InputValueDefinition, Type, TypeKind, TypeSystemDefinition,
};
use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_demo_app};

/// The schema's types, as far as generating requests needs them.
struct Sdl {
    objects: HashMap<String, Vec<FieldDefinition>>,
    inputs: HashMap<String, Vec<InputValueDefinition>>,
    enums: HashMap<String, Vec<String>>,
    nodes: HashSet<String>,
}

impl Sdl {
    fn read() -> Sdl {
        let text = include_str!("../../schema/assetgraph.graphql");
        let document = parse_schema(text).expect("the committed SDL parses");
        let mut sdl = Sdl {
            objects: HashMap::new(),
            inputs: HashMap::new(),
            enums: HashMap::new(),
            nodes: HashSet::new(),
        };
        for definition in document.definitions {
            let TypeSystemDefinition::Type(t) = definition else {
                continue;
            };
            let name = t.node.name.node.to_string();
            match t.node.kind {
                TypeKind::Object(object) => {
                    if object.implements.iter().any(|i| i.node == "Node") {
                        sdl.nodes.insert(name.clone());
                    }
                    let fields = object.fields.into_iter().map(|f| f.node).collect();
                    sdl.objects.insert(name, fields);
                }
                TypeKind::InputObject(input) => {
                    let fields = input.fields.into_iter().map(|f| f.node).collect();
                    sdl.inputs.insert(name, fields);
                }
                TypeKind::Enum(e) => {
                    let values = e.values.iter().map(|v| v.node.value.node.to_string());
                    sdl.enums.insert(name, values.collect());
                }
                _ => {}
            }
        }
        sdl
    }

    /// A valid-looking value for a required input of type `ty` named `name`.
    fn baseline(&self, ty: &Type, name: &str, ids: &Ids, depth: usize) -> Value {
        match &ty.base {
            BaseType::List(inner) => json!([self.baseline(inner, name, ids, depth)]),
            BaseType::Named(named) => match named.as_str() {
                "String" if numeric(name) => json!("1"),
                "String" => json!("extreme-values"),
                "ID" => json!(ids.for_argument(name)),
                "Int" => json!(1),
                "Float" => json!(1.0),
                "Boolean" => json!(false),
                "NaiveDate" => json!("2024-06-30"),
                "DateTime" => json!("2024-06-30T12:00:00Z"),
                "JSON" => json!({}),
                other => match (self.enums.get(other), self.inputs.get(other)) {
                    (Some(values), _) => json!(values[0]),
                    (_, Some(fields)) if depth < 4 => {
                        let required = fields.iter().filter(|f| !f.ty.node.nullable);
                        let object = required.map(|f| {
                            let value = self.baseline(&f.ty.node, &f.name.node, ids, depth + 1);
                            (f.name.node.to_string(), value)
                        });
                        Value::Object(object.collect())
                    }
                    _ => json!({}),
                },
            },
        }
    }

    /// Every path from an argument of type `ty` down to a date or number it carries.
    fn targets(&self, ty: &Type, name: &str, seen: &mut Vec<String>) -> Vec<(Vec<Step>, Kind)> {
        match &ty.base {
            BaseType::List(inner) => self
                .targets(inner, name, seen)
                .into_iter()
                .map(|(mut path, kind)| {
                    path.insert(0, Step::Item);
                    (path, kind)
                })
                .collect(),
            BaseType::Named(named) => {
                if let Some(kind) = Kind::of(named, name) {
                    return vec![(Vec::new(), kind)];
                }
                let Some(fields) = self.inputs.get(named.as_str()) else {
                    return Vec::new();
                };
                // Recursive filters (`and`, `or`, `not`) are walked once.
                if seen.iter().any(|s| s == named.as_str()) {
                    return Vec::new();
                }
                seen.push(named.to_string());
                let mut found = Vec::new();
                for field in fields {
                    for (mut path, kind) in self.targets(&field.ty.node, &field.name.node, seen) {
                        path.insert(0, Step::Field(field.name.node.to_string()));
                        found.push((path, kind));
                    }
                }
                seen.pop();
                found
            }
        }
    }

    /// The input object type at `ty`, once lists are unwrapped.
    fn named(ty: &Type) -> &str {
        match &ty.base {
            BaseType::List(inner) => Sdl::named(inner),
            BaseType::Named(name) => name.as_str(),
        }
    }

    /// `value` with `extreme` put at `path`, building what lies on the way.
    fn place(&self, ty: &Type, value: Value, path: &[Step], extreme: &Value, ids: &Ids) -> Value {
        let Some((step, rest)) = path.split_first() else {
            return extreme.clone();
        };
        match (step, &ty.base) {
            (Step::Item, BaseType::List(inner)) => {
                let first = value
                    .as_array()
                    .and_then(|items| items.first().cloned())
                    .unwrap_or_else(|| self.baseline(inner, "", ids, 0));
                json!([self.place(inner, first, rest, extreme, ids)])
            }
            (Step::Field(field), _) => {
                let fields = &self.inputs[Sdl::named(ty)];
                let definition = fields.iter().find(|f| f.name.node == field.as_str());
                let definition = definition.expect("a field of the input");
                let mut object = match value {
                    Value::Object(object) => object,
                    _ => serde_json::Map::new(),
                };
                let inner = object
                    .remove(field.as_str())
                    .unwrap_or_else(|| self.baseline(&definition.ty.node, field, ids, 0));
                let placed = self.place(&definition.ty.node, inner, rest, extreme, ids);
                object.insert(field.clone(), placed);
                Value::Object(object)
            }
            _ => extreme.clone(),
        }
    }

    /// The selection a field of type `ty` needs: none for leaves, `__typename` for the rest.
    fn selection(&self, ty: &Type) -> &'static str {
        let name = Sdl::named(ty);
        let leaf = self.enums.contains_key(name)
            || [
                "String",
                "ID",
                "Int",
                "Float",
                "Boolean",
                "NaiveDate",
                "DateTime",
                "JSON",
            ]
            .contains(&name);
        if leaf { "" } else { " { __typename }" }
    }
}

/// Strings that carry numbers: money amounts, factors and percentages.
fn numeric(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    ["amount", "factor", "percent"]
        .iter()
        .any(|n| name.contains(n))
}

#[derive(Clone, Debug)]
enum Step {
    Field(String),
    Item,
}

#[derive(Clone, Copy, Debug)]
enum Kind {
    Date,
    DateTime,
    Int,
    Float,
    Decimal,
}

impl Kind {
    fn of(type_name: &str, field: &str) -> Option<Kind> {
        match type_name {
            "NaiveDate" => Some(Kind::Date),
            "DateTime" => Some(Kind::DateTime),
            "Int" => Some(Kind::Int),
            "Float" => Some(Kind::Float),
            "String" if numeric(field) => Some(Kind::Decimal),
            _ => None,
        }
    }

    fn extremes(self) -> Vec<Value> {
        match self {
            Kind::Date => vec![
                json!("+262142-12-31"),
                json!("-262143-01-01"),
                json!("0000-01-01"),
                json!("1899-12-31"),
                json!("1900-01-01"),
                json!("2200-12-31"),
                json!("2201-01-01"),
                json!("2024-02-30"),
                json!(""),
                json!("soon"),
                json!(20240101),
            ],
            Kind::DateTime => vec![
                json!("+262142-12-31T23:59:59Z"),
                json!("9999-12-31T23:59:59-23:59"),
                json!("1900-01-01T00:00:00+23:59"),
                json!("2200-12-31T23:59:59Z"),
                json!("2024-13-01T00:00:00Z"),
                json!(""),
                json!(0),
            ],
            Kind::Int => vec![
                json!(i32::MAX),
                json!(i32::MIN),
                json!(0),
                json!(-1),
                json!(i64::from(i32::MAX) + 1),
                json!(1.5),
                json!("1"),
            ],
            Kind::Float => vec![
                json!(f64::MAX),
                json!(f64::MIN),
                json!(0.0),
                json!(-1.0),
                json!(f64::MIN_POSITIVE),
            ],
            Kind::Decimal => vec![
                json!("79228162514264337593543950336"),
                json!("-79228162514264337593543950335"),
                json!("1e30"),
                json!("0.0000000000000000000000000001"),
                json!("NaN"),
                json!("-0"),
                json!("1,5"),
                json!(""),
            ],
        }
    }
}

/// A real id of each entity type, so that arguments reach the code behind the lookups.
struct Ids(HashMap<String, String>);

impl Ids {
    async fn of_demo(app: &TestApp, sdl: &Sdl) -> Ids {
        let mut ids = HashMap::new();
        for field in &sdl.objects["Query"] {
            let connection = Sdl::named(&field.ty.node);
            let nodes = sdl
                .objects
                .get(connection)
                .and_then(|fields| fields.iter().find(|f| f.name.node == "nodes"));
            let Some(nodes) = nodes else { continue };
            let node_type = Sdl::named(&nodes.ty.node);
            let free = field.arguments.iter().all(|a| a.node.ty.node.nullable);
            if !free || !sdl.nodes.contains(node_type) || ids.contains_key(node_type) {
                continue;
            }
            let query = format!("{{ {}(first: 1) {{ nodes {{ id }} }} }}", field.name.node);
            let answer = app.post(&query, json!({})).await;
            if let Some(id) = answer["data"][field.name.node.as_str()]["nodes"][0]["id"].as_str() {
                ids.insert(node_type.to_string(), id.to_string());
            }
        }
        Ids(ids)
    }

    /// The id an argument named `name` most likely wants: `assetId` an asset's, `owner` a team's…
    fn for_argument(&self, name: &str) -> String {
        let name = name.to_ascii_lowercase();
        let mut kinds: Vec<(&String, &String)> = self.0.iter().collect();
        // Longer type names first, so `SoftwareProduct` wins over `Software…` prefixes.
        kinds.sort_by_key(|(kind, _)| std::cmp::Reverse(kind.len()));
        kinds
            .iter()
            .find(|(kind, _)| name.starts_with(&kind.to_ascii_lowercase()))
            .or_else(|| kinds.iter().find(|(kind, _)| kind.as_str() == "Asset"))
            .map(|(_, id)| (*id).clone())
            .unwrap_or_default()
    }
}

/// One generated request: which argument, which value, and the document and variables to send.
struct Probe {
    label: String,
    query: String,
    variables: Value,
}

/// Requests for each date or number reachable from the arguments of `field`, reached from the
/// root by `wrap` (which receives the field call and returns the whole operation body).
fn probes(
    sdl: &Sdl,
    ids: &Ids,
    operation: &str,
    field: &FieldDefinition,
    extra_variables: &[(&str, &str, Value)],
    wrap: &dyn Fn(&str) -> String,
) -> Vec<Probe> {
    let mut out = Vec::new();
    for (index, argument) in field.arguments.iter().enumerate() {
        let argument = &argument.node;
        for (path, kind) in sdl.targets(&argument.ty.node, &argument.name.node, &mut Vec::new()) {
            for extreme in kind.extremes() {
                let mut declared: Vec<String> = Vec::new();
                let mut passed: Vec<String> = Vec::new();
                let mut variables = serde_json::Map::new();
                for (name, ty, value) in extra_variables {
                    declared.push(format!("${name}: {ty}"));
                    variables.insert((*name).to_string(), value.clone());
                }
                for (other_index, other) in field.arguments.iter().enumerate() {
                    let other = &other.node;
                    let ty = &other.ty.node;
                    let value = if other_index == index {
                        let start = if ty.nullable && path.is_empty() {
                            Value::Null
                        } else {
                            sdl.baseline(ty, &other.name.node, ids, 0)
                        };
                        sdl.place(ty, start, &path, &extreme, ids)
                    } else if ty.nullable {
                        continue;
                    } else {
                        sdl.baseline(ty, &other.name.node, ids, 0)
                    };
                    let variable = format!("a_{}", other.name.node);
                    declared.push(format!("${variable}: {ty}"));
                    passed.push(format!("{}: ${variable}", other.name.node));
                    variables.insert(variable, value);
                }
                let arguments = if passed.is_empty() {
                    String::new()
                } else {
                    format!("({})", passed.join(", "))
                };
                let call = format!(
                    "{}{arguments}{}",
                    field.name.node,
                    sdl.selection(&field.ty.node)
                );
                let path_text: Vec<String> = path
                    .iter()
                    .map(|s| match s {
                        Step::Field(f) => f.clone(),
                        Step::Item => "[0]".into(),
                    })
                    .collect();
                out.push(Probe {
                    label: format!(
                        "{}({}.{}) = {extreme}",
                        field.name.node,
                        argument.name.node,
                        path_text.join(".")
                    ),
                    query: format!("{operation}({}) {{ {} }}", declared.join(", "), wrap(&call)),
                    variables: Value::Object(variables),
                });
            }
        }
    }
    out
}

/// Sends a probe; a failure is described, an answer is `None`.
async fn run(app: &TestApp, secret: &str, probe: &Probe) -> Option<String> {
    let sent = app
        .client
        .post(app.url("/graphql"))
        .bearer_auth(secret)
        .json(&json!({"query": probe.query, "variables": probe.variables}))
        .send()
        .await;
    let response = match sent {
        Ok(response) => response,
        Err(e) => return Some(format!("{}: no answer ({e})", probe.label)),
    };
    let status = response.status();
    let body: Value = match response.json().await {
        Ok(body) => body,
        Err(e) => {
            return Some(format!(
                "{}: {status} without a JSON body ({e})",
                probe.label
            ));
        }
    };
    let errors = body["errors"].as_array().cloned().unwrap_or_default();
    for error in errors {
        match error["extensions"]["code"].as_str() {
            None | Some("") => {
                return Some(format!("{}: an error without a code: {error}", probe.label));
            }
            Some("INTERNAL") => return Some(format!("{}: INTERNAL: {error}", probe.label)),
            Some(_) => {}
        }
    }
    None
}

#[tokio::test]
async fn every_date_and_number_argument_answers_extreme_values_with_a_clear_error() {
    let app = spawn_demo_app().await;
    let secret = app
        .token("extremes", assetgraph::domain::access::Role::Admin)
        .await;
    let sdl = Sdl::read();
    let ids = Ids::of_demo(&app, &sdl).await;
    assert!(ids.0.len() >= 10, "ids found for {:?}", ids.0.keys());

    let mut all = Vec::new();
    // Fields of entity types, through `node(id:)` with a real id of that type.
    let mut node_types: Vec<&String> = sdl.nodes.iter().collect();
    node_types.sort();
    for node_type in node_types {
        let Some(id) = ids.0.get(node_type) else {
            continue;
        };
        for field in &sdl.objects[node_type.as_str()] {
            let wrap =
                |call: &str| format!("node(id: $nodeId) {{ ... on {node_type} {{ {call} }} }}");
            let extra = [("nodeId", "ID!", json!(id))];
            all.extend(probes(&sdl, &ids, "query", field, &extra, &wrap));
        }
    }
    // Root queries, then mutations (which may change the demo the queries read).
    for field in &sdl.objects["Query"] {
        all.extend(probes(&sdl, &ids, "query", field, &[], &|call| {
            call.to_string()
        }));
    }
    for field in &sdl.objects["Mutation"] {
        all.extend(probes(&sdl, &ids, "mutation", field, &[], &|call| {
            call.to_string()
        }));
    }
    assert!(all.len() > 1000, "only {} probes generated", all.len());

    let mut failures = Vec::new();
    for probe in &all {
        if let Some(failure) = run(&app, &secret, probe).await {
            failures.push(failure);
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} probes failed; the first:\n{}",
        failures.len(),
        all.len(),
        failures
            .iter()
            .take(25)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
    let me = app.data("{ me { name } }", json!({})).await;
    assert_eq!(me["me"]["name"], "tester");
}
