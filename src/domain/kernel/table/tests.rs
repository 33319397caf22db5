//! The table against the reference: `Filter::matches` and `Sort::order` over the same documents.

use crate::domain::kernel::Comparison;
use crate::domain::kernel::page::Cursor;
use crate::domain::kernel::table::key::Key;
use crate::domain::kernel::table::paging::{PageFailure, Paged};
use crate::domain::kernel::table::rows::{Column, Role, Spec, Table};
use crate::domain::kernel::{Condition, Filter, PageRequest, Sort};
use proptest::prelude::*;
use serde_json::Value;
use serde_json::json;
use std::cmp::Ordering;

static SPEC: Spec = Spec {
    name: "thing",
    columns: &[
        Column::new("name", Comparison::Text, Role::Sorted),
        Column::new("class", Comparison::Text, Role::SortedKeyed),
        Column::new("owner.team", Comparison::Text, Role::Keyed),
        Column::new("tags", Comparison::Text, Role::Elements),
        Column::new("cost", Comparison::Decimal, Role::Sorted),
        Column::new("day", Comparison::Text, Role::Sorted),
        Column::new("at", Comparison::Instant, Role::Sorted),
    ],
    text: &["name", "serial"],
};

const CLASSES: [&str; 3] = ["SERVER", "LAPTOP", "PHONE"];
const WORDS: [&str; 5] = ["web", "db", "Édge", "esx", "mail"];

fn doc() -> impl Strategy<Value = Value> {
    (
        0usize..5,
        0u32..40,
        proptest::option::of(0usize..3),
        proptest::option::of(0usize..4),
        proptest::collection::vec(0usize..4, 0..3),
        proptest::option::of(0u32..3000),
        proptest::option::of(1u32..28),
        proptest::option::of(0i64..5),
        proptest::option::of(0u32..999),
    )
        .prop_map(|(w, n, class, team, tags, cost, day, at, serial)| {
            let mut d = json!({"name": format!("{}-{n:02}", WORDS[w])});
            let o = d.as_object_mut().unwrap();
            if let Some(c) = class {
                o.insert("class".into(), json!(CLASSES[c]));
            }
            if let Some(t) = team {
                o.insert("owner".into(), json!({"team": format!("t{t}")}));
            }
            o.insert(
                "tags".into(),
                json!(tags.iter().map(|t| format!("g{t}")).collect::<Vec<_>>()),
            );
            if let Some(c) = cost {
                o.insert("cost".into(), json!(format!("{}.{:02}", c / 100, c % 100)));
            }
            if let Some(d) = day {
                o.insert("day".into(), json!(format!("2026-03-{d:02}")));
            }
            if let Some(a) = at {
                o.insert("at".into(), json!(format!("2026-01-01T00:00:0{a}Z")));
            }
            if let Some(s) = serial {
                o.insert("serial".into(), json!(format!("SN{s:03}X")));
            }
            d
        })
}

fn condition() -> impl Strategy<Value = Filter> {
    prop_oneof![
        proptest::collection::vec(0usize..3, 0..3).prop_map(|cs| Filter::Where(Condition::OneOf {
            path: "class",
            values: cs.iter().map(|c| json!(CLASSES[*c])).collect()
        })),
        (0usize..5).prop_map(|t| Filter::Where(Condition::OneOf {
            path: "owner.team",
            values: vec![json!(format!("t{t}"))]
        })),
        (0usize..5, 0u32..40).prop_map(|(w, n)| Filter::Where(Condition::OneOf {
            path: "name",
            values: vec![json!(format!("{}-{n:02}", WORDS[w]))]
        })),
        (0usize..5).prop_map(|t| Filter::Where(Condition::Holds {
            path: "tags",
            value: json!(format!("g{t}"))
        })),
        (
            proptest::option::of(0u32..3000),
            proptest::option::of(0u32..3000)
        )
            .prop_map(|(a, b)| Filter::Where(Condition::Between {
                path: "cost",
                min: a.map(|a| json!(format!("{}.{}", a / 100, a % 100))),
                max: b.map(|b| json!(format!("{}", b / 100))),
                comparison: Comparison::Decimal
            })),
        (0u32..30, 0u32..30).prop_map(|(a, b)| Filter::Where(Condition::Between {
            path: "day",
            min: Some(json!(format!("2026-03-{a:02}"))),
            max: Some(json!(format!("2026-03-{b:02}"))),
            comparison: Comparison::Text
        })),
        (0i64..6).prop_map(|a| Filter::Where(Condition::Between {
            path: "at",
            min: Some(json!(format!("2026-01-01T00:00:0{a}Z"))),
            max: None,
            comparison: Comparison::Instant
        })),
        prop_oneof![
            Just("e"),
            Just("WEB"),
            Just("éd"),
            Just("édge-1"),
            Just("sn1"),
            Just("-0"),
            Just("x"),
            Just("b-3"),
            Just("qqq")
        ]
        .prop_map(|n| Filter::Where(Condition::Text {
            paths: &["name", "serial"],
            needle: n.to_string()
        })),
        Just(Filter::Where(Condition::Text {
            paths: &["serial"],
            needle: "sn0".into()
        })),
    ]
}

fn filter() -> impl Strategy<Value = Filter> {
    condition().prop_recursive(3, 12, 3, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..3).prop_map(Filter::All),
            proptest::collection::vec(inner.clone(), 0..3).prop_map(Filter::Any),
            inner.prop_map(|f| Filter::Not(Box::new(f))),
        ]
    })
}

fn sort() -> impl Strategy<Value = Sort> {
    (0usize..5, any::<bool>()).prop_map(|(c, descending)| {
        let (path, comparison) = [
            ("name", Comparison::Text),
            ("class", Comparison::Text),
            ("cost", Comparison::Decimal),
            ("day", Comparison::Text),
            ("at", Comparison::Instant),
        ][c];
        Sort {
            path,
            comparison,
            descending,
        }
    })
}

/// Documents with their ids, as the reference sees them.
fn with_ids(docs: &[Value]) -> Vec<Value> {
    docs.iter()
        .enumerate()
        .map(|(i, d)| {
            let mut d = d.clone();
            d["id"] = json!(format!("k{i:04}"));
            d
        })
        .collect()
}

fn table_of(docs: &[Value], settle_first: bool) -> Table {
    let mut table = Table::new(&SPEC);
    // Alternate between the two ways of paging, so both meet the reference.
    table.sort_outright = if settle_first { 0 } else { u64::MAX };
    if settle_first {
        table.settle();
    }
    for d in docs {
        table.put(d["id"].as_str().unwrap(), 1, d);
    }
    table.settle();
    table
}

fn cursor(paged: &Paged, i: usize) -> Cursor {
    let (id, p) = &paged.items[i];
    Cursor::Place {
        list: paged.list.clone(),
        key: p.key.to_json(),
        id: id.to_string(),
    }
}

fn ids(paged: &Paged) -> Vec<String> {
    paged.items.iter().map(|(id, _)| id.to_string()).collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// Any filter selects what the reference selects, sorted as the reference sorts, counted
    /// right; paging forwards and backwards by cursor visits every match once, in order.
    #[test]
    fn agrees_with_the_reference(
        docs in proptest::collection::vec(doc(), 0..120),
        filter in filter(),
        sort in sort(),
        settle_first in any::<bool>(),
        size in 1usize..9,
    ) {
        let docs = with_ids(&docs);
        let table = table_of(&docs, settle_first);
        let mut expected: Vec<&Value> = docs.iter().filter(|d| filter.matches(d)).collect();
        expected.sort_by(|a, b| sort.order(a, b));
        let expected: Vec<String> = expected.iter().map(|d| d["id"].as_str().unwrap().to_string()).collect();
        let rows = table.select(&filter).unwrap();
        prop_assert_eq!(rows.len() as usize, expected.len());
        let mut seen = Vec::new();
        let mut after = None;
        loop {
            let request = PageRequest { first: Some(size), after: after.clone(), ..Default::default() };
            let page = table.page(&rows, &sort, &request).unwrap();
            prop_assert_eq!(page.total, expected.len());
            prop_assert_eq!(page.has_previous, after.is_some() && !seen.is_empty());
            seen.extend(ids(&page));
            if !page.has_next { break; }
            after = Some(cursor(&page, page.items.len() - 1));
        }
        prop_assert_eq!(&seen, &expected);
        let mut back: Vec<String> = Vec::new();
        let mut before = None;
        loop {
            let request = PageRequest { last: Some(size), before: before.clone(), ..Default::default() };
            let page = table.page(&rows, &sort, &request).unwrap();
            back.splice(0..0, ids(&page));
            if !page.has_previous { break; }
            before = Some(cursor(&page, 0));
        }
        prop_assert_eq!(&back, &expected);
    }

    /// Changes applied one by one leave the table as a fresh load of the final documents.
    #[test]
    fn changes_equal_a_fresh_load(
        first in proptest::collection::vec(doc(), 1..60),
        second in proptest::collection::vec(proptest::option::of(doc()), 1..60),
        filter in filter(),
        sort in sort(),
    ) {
        let first = with_ids(&first);
        let mut table = table_of(&first, false);
        let mut last: Vec<Option<Value>> = first.iter().cloned().map(Some).collect();
        for (i, change) in second.iter().enumerate() {
            let id = format!("k{i:04}");
            match change {
                Some(d) => {
                    let mut d = d.clone();
                    d["id"] = json!(id);
                    table.put(&id, 2, &d);
                    if i < last.len() { last[i] = Some(d) } else { last.push(Some(d)) }
                }
                None => {
                    table.remove(&id, 2);
                    if i < last.len() { last[i] = None }
                }
            }
        }
        let now: Vec<Value> = last.into_iter().flatten().collect();
        let fresh = table_of(&now, true);
        let all = PageRequest { first: Some(500), ..Default::default() };
        let a = table.page(&table.select(&filter).unwrap(), &sort, &all).unwrap();
        let b = fresh.page(&fresh.select(&filter).unwrap(), &sort, &all).unwrap();
        prop_assert_eq!(ids(&a), ids(&b));
        prop_assert_eq!(table.len(), now.len());
    }
}

#[test]
fn an_older_version_or_a_deleted_entity_does_not_come_back_from_a_load() {
    let mut table = Table::new(&SPEC);
    table.put("a", 3, &json!({"name": "new"}));
    table.put("a", 2, &json!({"name": "old"}));
    table.remove("b", 5);
    table.put("b", 4, &json!({"name": "deleted since"}));
    table.settle();
    assert_eq!(table.len(), 1);
    assert_eq!(table.key("a", "name"), Some(&Key::Text("new".into())));
}

#[test]
fn cursors_of_another_list_and_unindexed_fields_are_refused() {
    let docs = with_ids(&[json!({"name": "a"}), json!({"name": "b"})]);
    let table = table_of(&docs, false);
    let rows = table.select(&Filter::everything()).unwrap();
    let by_name = Sort {
        path: "name",
        comparison: Comparison::Text,
        descending: false,
    };
    let page = table
        .page(
            &rows,
            &by_name,
            &PageRequest {
                first: Some(1),
                ..Default::default()
            },
        )
        .unwrap();
    let by_day = Sort {
        path: "day",
        ..by_name
    };
    let foreign = PageRequest {
        after: Some(cursor(&page, 0)),
        ..Default::default()
    };
    assert!(matches!(
        table.page(&rows, &by_day, &foreign),
        Err(PageFailure::Request(_))
    ));
    let offset = PageRequest {
        after: Some(Cursor::Offset(3)),
        ..Default::default()
    };
    assert!(table.page(&rows, &by_name, &offset).is_err());
    let unknown = Filter::Where(Condition::OneOf {
        path: "colour",
        values: vec![],
    });
    assert!(table.select(&unknown).is_err());
    assert_eq!(by_name.order(&docs[0], &docs[1]), Ordering::Less);
}

#[test]
fn a_page_stays_right_when_rows_arrive_before_it() {
    let docs = with_ids(
        &(0..10)
            .map(|i| json!({"name": format!("n{i}")}))
            .collect::<Vec<_>>(),
    );
    let mut table = table_of(&docs, false);
    let by_name = Sort {
        path: "name",
        comparison: Comparison::Text,
        descending: false,
    };
    let rows = table.select(&Filter::everything()).unwrap();
    let page = table
        .page(
            &rows,
            &by_name,
            &PageRequest {
                first: Some(3),
                ..Default::default()
            },
        )
        .unwrap();
    table.put("new", 1, &json!({"name": "a-first"}));
    table.remove("k0001", 1);
    let rows = table.select(&Filter::everything()).unwrap();
    let next = table
        .page(
            &rows,
            &by_name,
            &PageRequest {
                first: Some(3),
                after: Some(cursor(&page, 2)),
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(ids(&next), ["k0003", "k0004", "k0005"]);
    assert!(next.has_previous);
}

#[test]
fn differences_name_each_entity_and_field_that_strayed() {
    let docs = with_ids(&[
        json!({"name": "a", "class": "SERVER"}),
        json!({"name": "b"}),
    ]);
    let truth = table_of(&docs, false);
    let mut kept = table_of(&docs, false);
    assert!(kept.differences(&truth).is_empty());
    kept.put("k0000", 1, &json!({"name": "a", "class": "LAPTOP"}));
    kept.remove("k0001", 1);
    kept.put("extra", 1, &json!({"name": "x"}));
    assert_eq!(
        kept.differences(&truth),
        [
            (
                "extra".to_string(),
                "held here but not in the store".to_string()
            ),
            ("k0000".to_string(), "class differs".to_string()),
            (
                "k0001".to_string(),
                "in the store but not held here".to_string()
            ),
        ]
    );
}
