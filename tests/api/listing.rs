//! Filters, sort orders and Relay pagination, checked against a plain in-memory model.

use std::cmp::Ordering;

use base64::Engine;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use rust_decimal::Decimal;
use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app};

/// What the test knows about each asset it created.
#[derive(Debug, Clone)]
struct Known {
    id: String,
    key: String,
    name: String,
    tag: String,
    class: String,
    tags: Vec<String>,
    cost: Option<Decimal>,
    warranty: Option<String>,
}

const NAMES: [&str; 5] = ["alpha", "Beta", "gamma", "Alpha", "delta"];
const CLASSES: [&str; 4] = ["SERVER", "LAPTOP", "PHONE", "VIRTUAL_MACHINE"];

pub(crate) fn store_key(global: &str) -> String {
    let text = String::from_utf8(
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(global)
            .unwrap(),
    )
    .unwrap();
    text.split_once(':').unwrap().1.to_string()
}

/// Creates `n` assets with deliberately repetitive values so sorts have ties and unset fields.
async fn populate(app: &TestApp, n: usize) -> Vec<Known> {
    let mut known = Vec::new();
    for i in 0..n {
        let name = NAMES[(i * 7) % NAMES.len()].to_string();
        let class = CLASSES[(i * 3) % CLASSES.len()].to_string();
        let tags: Vec<String> = ["red", "blue"]
            .iter()
            .enumerate()
            .filter(|(b, _)| (i >> b) & 1 == 1)
            .map(|(_, t)| t.to_string())
            .collect();
        let cost = (i % 4 != 0).then(|| Decimal::new(((i * 37) % 11) as i64 * 1250 + 5, 2));
        let warranty = (i % 3 != 0).then(|| format!("20{:02}-0{}-15", 25 + i % 5, 1 + i % 9));
        let tag = format!("T-{:03}", (i * 13) % n);
        let mut input = json!({"name": name, "assetTag": tag, "class": class, "tags": tags});
        if let Some(cost) = cost {
            input["purchase"] = json!({"cost": {"amount": cost.to_string(), "currency": "EUR"}});
        }
        if let Some(w) = &warranty {
            input["warrantyEnd"] = json!(w);
        }
        let id = app.create("Asset", input).await;
        known.push(Known {
            key: store_key(&id),
            id,
            name,
            tag,
            class,
            tags,
            cost,
            warranty,
        });
    }
    known
}

#[derive(Debug, Clone, Copy)]
enum SortField {
    Name,
    AssetTag,
    PurchaseCost,
    WarrantyEnd,
}

impl SortField {
    fn graphql(self) -> &'static str {
        match self {
            SortField::Name => "NAME",
            SortField::AssetTag => "ASSET_TAG",
            SortField::PurchaseCost => "PURCHASE_COST",
            SortField::WarrantyEnd => "WARRANTY_END",
        }
    }

    /// Unset values first when ascending, ties by store key; descending is the exact reverse.
    fn order(self, a: &Known, b: &Known, descending: bool) -> Ordering {
        let primary = match self {
            SortField::Name => a.name.cmp(&b.name),
            SortField::AssetTag => a.tag.cmp(&b.tag),
            SortField::PurchaseCost => a.cost.cmp(&b.cost),
            SortField::WarrantyEnd => a.warranty.cmp(&b.warranty),
        };
        let ascending = primary.then_with(|| a.key.cmp(&b.key));
        if descending {
            ascending.reverse()
        } else {
            ascending
        }
    }
}

async fn page(app: &TestApp, args: &str, order: &str) -> Value {
    let query = format!(
        "{{ assets({args} orderBy: {order}) {{ totalCount pageInfo {{ hasNextPage hasPreviousPage startCursor endCursor }} edges {{ cursor node {{ id }} }} }} }}"
    );
    app.data(&query, json!({})).await["assets"].clone()
}

fn ids(page: &Value) -> Vec<String> {
    page["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["id"].as_str().unwrap().to_string())
        .collect()
}

/// Walks all pages forwards (first/after) and backwards (last/before).
async fn walk(
    app: &TestApp,
    field: SortField,
    descending: bool,
    size: usize,
) -> (Vec<String>, Vec<String>, Vec<usize>) {
    let order = format!(
        "{{field: {}, direction: {}}}",
        field.graphql(),
        if descending { "DESC" } else { "ASC" }
    );
    let mut forwards = Vec::new();
    let mut after = String::new();
    let mut totals = Vec::new();
    loop {
        let p = page(app, &format!("first: {size} {after}"), &order).await;
        totals.push(p["totalCount"].as_u64().unwrap() as usize);
        forwards.extend(ids(&p));
        if !p["pageInfo"]["hasNextPage"].as_bool().unwrap() {
            break;
        }
        after = format!(
            "after: \"{}\"",
            p["pageInfo"]["endCursor"].as_str().unwrap()
        );
    }
    let mut backwards = Vec::new();
    let mut before = String::new();
    loop {
        let p = page(app, &format!("last: {size} {before}"), &order).await;
        let mut chunk = ids(&p);
        chunk.extend(backwards);
        backwards = chunk;
        if !p["pageInfo"]["hasPreviousPage"].as_bool().unwrap() {
            break;
        }
        before = format!(
            "before: \"{}\"",
            p["pageInfo"]["startCursor"].as_str().unwrap()
        );
    }
    (forwards, backwards, totals)
}

#[test]
fn pagination_visits_every_asset_once_in_sort_order() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (app, known) = runtime.block_on(async {
        let app = spawn_app().await;
        let known = populate(&app, 23).await;
        (app, known)
    });
    let fields = prop_oneof![
        Just(SortField::Name),
        Just(SortField::AssetTag),
        Just(SortField::PurchaseCost),
        Just(SortField::WarrantyEnd)
    ];
    let mut runner = TestRunner::new(Config {
        cases: 24,
        ..Config::default()
    });
    runner
        .run(
            &(fields, any::<bool>(), 1usize..9),
            |(field, descending, size)| {
                let mut expected = known.clone();
                expected.sort_by(|a, b| field.order(a, b, descending));
                let expected: Vec<String> = expected.into_iter().map(|k| k.id).collect();
                let (forwards, backwards, totals) =
                    runtime.block_on(walk(&app, field, descending, size));
                prop_assert!(totals.iter().all(|t| *t == known.len()));
                prop_assert_eq!(&forwards, &expected);
                prop_assert_eq!(&backwards, &expected);
                Ok(())
            },
        )
        .unwrap();
}

/// A filter as both GraphQL input and a predicate on the model.
#[derive(Debug, Clone)]
enum Tree {
    Class(Vec<&'static str>),
    Tag(&'static str),
    Cost(Option<i64>, Option<i64>),
    Text(&'static str),
    And(Vec<Tree>),
    Or(Vec<Tree>),
    Not(Box<Tree>),
}

impl Tree {
    fn graphql(&self) -> Value {
        match self {
            Tree::Class(c) => json!({"class": c}),
            Tree::Tag(t) => json!({"tag": t}),
            Tree::Cost(min, max) => {
                json!({"purchaseCost": {"min": min.map(|m| m.to_string()), "max": max.map(|m| m.to_string())}})
            }
            Tree::Text(t) => json!({"text": t}),
            Tree::And(ts) => json!({"and": ts.iter().map(Tree::graphql).collect::<Vec<_>>()}),
            Tree::Or(ts) => json!({"or": ts.iter().map(Tree::graphql).collect::<Vec<_>>()}),
            Tree::Not(t) => json!({"not": t.graphql()}),
        }
    }

    fn matches(&self, k: &Known) -> bool {
        match self {
            Tree::Class(c) => c.contains(&k.class.as_str()),
            Tree::Tag(t) => k.tags.iter().any(|x| x == t),
            Tree::Cost(min, max) => k.cost.is_some_and(|c| {
                min.is_none_or(|m| c >= Decimal::from(m))
                    && max.is_none_or(|m| c <= Decimal::from(m))
            }),
            Tree::Text(t) => [&k.name, &k.tag]
                .iter()
                .any(|s| s.to_lowercase().contains(&t.to_lowercase())),
            Tree::And(ts) => ts.iter().all(|t| t.matches(k)),
            Tree::Or(ts) => ts.iter().any(|t| t.matches(k)),
            Tree::Not(t) => !t.matches(k),
        }
    }
}

fn tree() -> impl Strategy<Value = Tree> {
    let leaf = prop_oneof![
        prop::sample::subsequence(CLASSES.to_vec(), 1..3).prop_map(Tree::Class),
        prop::sample::select(vec!["red", "blue"]).prop_map(Tree::Tag),
        (prop::option::of(0i64..80), prop::option::of(40i64..140))
            .prop_map(|(a, b)| Tree::Cost(a, b)),
        prop::sample::select(vec!["ALPHA", "t-01", "mm", "x"]).prop_map(Tree::Text),
    ];
    leaf.prop_recursive(2, 8, 3, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 1..3).prop_map(Tree::And),
            prop::collection::vec(inner.clone(), 1..3).prop_map(Tree::Or),
            inner.prop_map(|t| Tree::Not(Box::new(t))),
        ]
    })
}

#[test]
fn filters_select_exactly_what_the_model_selects() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (app, known) = runtime.block_on(async {
        let app = spawn_app().await;
        let known = populate(&app, 19).await;
        (app, known)
    });
    let mut runner = TestRunner::new(Config {
        cases: 48,
        ..Config::default()
    });
    runner
        .run(&tree(), |filter| {
            let mut expected: Vec<String> = known.iter().filter(|k| filter.matches(k)).map(|k| k.id.clone()).collect();
            let data = runtime.block_on(app.data(
                "query($f: AssetFilter) { assets(filter: $f, first: 500) { totalCount edges { node { id } } } }",
                json!({"f": filter.graphql()}),
            ));
            let mut got = ids(&data["assets"]);
            prop_assert_eq!(data["assets"]["totalCount"].as_u64().unwrap() as usize, expected.len());
            got.sort();
            expected.sort();
            prop_assert_eq!(got, expected);
            Ok(())
        })
        .unwrap();
}

#[tokio::test]
async fn register_filters_cover_people_places_and_dates() {
    let app = spawn_app().await;
    let f = crate::helpers::fixture(&app).await;
    let building = app
        .create(
            "Location",
            json!({"name": "Building B", "kind": "BUILDING", "parent": f.site}),
        )
        .await;
    let rack = app
        .create(
            "Location",
            json!({"name": "Rack 1", "kind": "RACK", "parent": f.room}),
        )
        .await;
    let in_rack = app
        .create("Asset", crate::helpers::server_input(&f, "AG-1"))
        .await;
    app.mutate(
        "updateAsset",
        "UpdateAssetInput",
        "node { id }",
        json!({"id": in_rack, "location": rack}),
    )
    .await;
    let mut laptop = json!({"name": "Laptop – Ada", "assetTag": "AG-2", "class": "LAPTOP", "lifecycleStage": "DEPLOYED", "owner": {"person": f.person}, "assignee": f.person,
        "location": building, "purchase": {"date": "2021-05-01", "cost": {"amount": "1400", "currency": "USD"}}, "warrantyEnd": "2024-05-01",
        "attributes": {"hostname": "nw-lap-0002"}});
    let laptop_id = app.create("Asset", laptop.clone()).await;
    laptop["assetTag"] = json!("AG-3");
    laptop["name"] = json!("Spare laptop");
    laptop["lifecycleStage"] = json!("IN_STOCK");
    laptop.as_object_mut().unwrap().remove("assignee");
    laptop["attributes"] = json!({});
    let spare = app.create("Asset", laptop).await;

    let cases = [
        (
            json!({"locationWithin": f.site}),
            vec![&in_rack, &laptop_id, &spare],
        ),
        (json!({"locationWithin": f.room}), vec![&in_rack]),
        (json!({"location": [building]}), vec![&laptop_id, &spare]),
        (json!({"owner": [f.person]}), vec![&laptop_id, &spare]),
        (json!({"owner": [f.team]}), vec![&in_rack]),
        (json!({"assignee": [f.person]}), vec![&in_rack, &laptop_id]),
        (
            json!({"category": ["HARDWARE"], "lifecycleStage": ["IN_STOCK"]}),
            vec![&spare],
        ),
        (json!({"status": ["OPERATIONAL"]}), vec![&in_rack]),
        (json!({"vendor": [f.vendor]}), vec![&in_rack]),
        (json!({"model": [f.model]}), vec![&in_rack]),
        (json!({"tag": "PRODUCTION"}), vec![&in_rack]),
        (json!({"text": "NW-LAP"}), vec![&laptop_id]),
        (json!({"text": "sn-ag"}), vec![&in_rack]),
        (
            json!({"purchaseDate": {"from": "2021-01-01", "to": "2021-12-31"}}),
            vec![&laptop_id, &spare],
        ),
        (
            json!({"warrantyEnd": {"to": "2026-01-01"}}),
            vec![&laptop_id, &spare],
        ),
        (
            json!({"purchaseCost": {"min": "1000", "currency": "usd"}}),
            vec![&laptop_id, &spare],
        ),
        (json!({"not": {"class": ["LAPTOP"]}}), vec![&in_rack]),
    ];
    for (filter, expected) in cases {
        let data = app
            .data(
                "query($f: AssetFilter) { assets(filter: $f) { edges { node { id } } } }",
                json!({"f": filter}),
            )
            .await;
        let mut got = ids(&data["assets"]);
        got.sort();
        let mut expected: Vec<String> = expected.into_iter().cloned().collect();
        expected.sort();
        assert_eq!(got, expected, "filter {filter}");
    }

    let people = app
        .data(
            "query($t: ID!) { people(filter: {team: [$t], text: \"ADA\"}) { totalCount } }",
            json!({"t": f.team}),
        )
        .await;
    assert_eq!(people["people"]["totalCount"], 1);
    let racks = app
        .data(
            "{ locations(filter: {kind: [RACK]}) { edges { node { name } } } }",
            json!({}),
        )
        .await;
    assert_eq!(racks["locations"]["edges"][0]["node"]["name"], "Rack 1");
    let sorted = app
        .data(
            "{ locations(orderBy: {field: NAME, direction: DESC}) { edges { node { name } } } }",
            json!({}),
        )
        .await;
    let names: Vec<&str> = sorted["locations"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Server Room", "Rack 1", "Hamburg HQ", "Building B"]);
    let models = app.data("{ models(filter: {category: [HARDWARE], text: \"edge\"}) { totalCount } vendors(filter: {text: \"dell\"}) { totalCount } teams(filter: {text: \"cc-4000\"}) { totalCount } }", json!({})).await;
    assert_eq!(
        models,
        json!({"models": {"totalCount": 1}, "vendors": {"totalCount": 1}, "teams": {"totalCount": 1}})
    );
}

/// Unset values sort first ascending and last descending; set values follow the field's order.
type Compare = fn(&Value, &Value) -> Ordering;

fn sorted(values: &[Value], descending: bool, compare: Compare) -> bool {
    values.windows(2).all(|w| {
        let order = match (w[0].is_null(), w[1].is_null()) {
            (true, true) => Ordering::Equal,
            (true, false) => Ordering::Less,
            (false, true) => Ordering::Greater,
            (false, false) => compare(&w[0], &w[1]),
        };
        if descending {
            order != Ordering::Less
        } else {
            order != Ordering::Greater
        }
    })
}

fn as_text(a: &Value, b: &Value) -> Ordering {
    a.as_str().cmp(&b.as_str())
}

fn as_decimal(a: &Value, b: &Value) -> Ordering {
    let d = |v: &Value| v.as_str().unwrap().parse::<Decimal>().unwrap();
    d(a).cmp(&d(b))
}

#[tokio::test]
async fn every_sort_order_sorts() {
    let app = spawn_app().await;
    let f = crate::helpers::fixture(&app).await;
    populate(&app, 12).await;
    for (i, stage) in ["DEPLOYED", "RETIRED", "PLANNED"].iter().enumerate() {
        let mut input = crate::helpers::server_input(&f, &format!("S-{i}"));
        input["lifecycleStage"] = json!(stage);
        input["status"] = json!(["DOWN", "OPERATIONAL", "DEGRADED"][i]);
        input["purchase"]["date"] = json!(format!("202{i}-0{}-01", 3 - i));
        app.create("Asset", input).await;
    }
    let fields: [(&str, &str, Compare); 10] = [
        ("NAME", "name", as_text),
        ("ASSET_TAG", "assetTag", as_text),
        ("CLASS", "class", as_text),
        ("LIFECYCLE_STAGE", "lifecycleStage", as_text),
        ("STATUS", "status", as_text),
        ("PURCHASE_DATE", "purchase { date }", as_text),
        ("PURCHASE_COST", "purchase { cost { amount } }", as_decimal),
        ("WARRANTY_END", "warrantyEnd", as_text),
        ("CREATED_AT", "createdAt", as_text),
        ("UPDATED_AT", "updatedAt", as_text),
    ];
    for (field, selection, compare) in fields {
        for direction in ["ASC", "DESC"] {
            let query = format!(
                "{{ assets(first: 500, orderBy: {{field: {field}, direction: {direction}}}) {{ edges {{ node {{ {selection} }} }} }} }}"
            );
            let data = app.data(&query, json!({})).await;
            let values: Vec<Value> = data["assets"]["edges"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| {
                    let node = &e["node"];
                    match field {
                        "PURCHASE_DATE" => node["purchase"]["date"].clone(),
                        "PURCHASE_COST" => node["purchase"]["cost"]["amount"].clone(),
                        _ => node[selection].clone(),
                    }
                })
                .collect();
            assert_eq!(values.len(), 15);
            assert!(
                sorted(&values, direction == "DESC", compare),
                "{field} {direction}: {values:?}"
            );
        }
    }
    for (list, field, selection) in [
        ("people", "EMAIL", "email"),
        ("people", "NAME", "name"),
        ("teams", "NAME", "name"),
        ("vendors", "CREATED_AT", "createdAt"),
        ("models", "UPDATED_AT", "updatedAt"),
    ] {
        for direction in ["ASC", "DESC"] {
            let query = format!(
                "{{ {list}(orderBy: {{field: {field}, direction: {direction}}}) {{ edges {{ node {{ {selection} }} }} }} }}"
            );
            let data = app.data(&query, json!({})).await;
            let values: Vec<Value> = data[list]["edges"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["node"][selection].clone())
                .collect();
            assert!(
                sorted(&values, direction == "DESC", as_text),
                "{list} {field} {direction}"
            );
        }
    }
}
