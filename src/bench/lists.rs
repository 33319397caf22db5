//! Register lists in memory over a generated estate: pages with any filters, any sort, text
//! search and counts, and one asset's hop in the index.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::bench::timing::{mb, ms, resident_bytes};
use crate::domain::datasets::{Estate, Rng};
use crate::domain::kernel::table::{self, Table};
use crate::domain::kernel::{
    Comparison, Condition, Cursor, EntityKind, Filter, NodeRef, PageRequest, Sort,
};
use crate::graph::GraphIndex;

/// The fields a list may sort assets on (as `AssetOrderField` names them).
const SORTS: [(&str, Comparison); 10] = [
    ("name", Comparison::Text),
    ("assetTag", Comparison::Text),
    ("class", Comparison::Text),
    ("lifecycleStage", Comparison::Text),
    ("status", Comparison::Text),
    ("purchase.date", Comparison::Text),
    ("purchase.cost.amount", Comparison::Decimal),
    ("warrantyEnd", Comparison::Text),
    ("createdAt", Comparison::Instant),
    ("updatedAt", Comparison::Instant),
];

/// Fields a filter tests by equality, with values seen in the estate.
const EQUALS: [&str; 6] = [
    "class",
    "status",
    "lifecycleStage",
    "owner.team",
    "location",
    "model",
];

/// The median, the 99th percentile and the maximum, in milliseconds.
fn p50_p99_max(mut timings: Vec<Duration>) -> (f64, f64, f64) {
    timings.sort();
    let at = |q: f64| ms(timings[((timings.len() - 1) as f64 * q).round() as usize]);
    (at(0.5), at(0.99), at(1.0))
}

/// Builds the assets' table from the generator and times pages over it.
pub(crate) fn list_figures(estate: &Estate, seed: u64) {
    let spec = table::spec(EntityKind::Asset).expect("assets have a list");
    let before = resident_bytes();
    let started = Instant::now();
    let mut assets = Table::new(spec);
    let mut sample: Vec<Value> = Vec::new();
    for n in 0..estate.asset_count() {
        let record = estate.asset(n);
        let doc = serde_json::to_value(&record).expect("an asset serialises");
        assets.put(record.id.as_str(), record.version, &doc);
        if n % 97 == 0 && sample.len() < 2000 {
            sample.push(doc);
        }
    }
    assets.settle();
    println!(
        "| register lists: asset table built from the generator ({} assets) | {:.2} s, resident growth {:.0} MB |",
        assets.len(),
        started.elapsed().as_secs_f64(),
        mb(resident_bytes().saturating_sub(before))
    );
    let mut rng = Rng::new(seed);
    let mut pick = |items: &[Value]| items[rng.below(items.len())].clone();
    let values = |path: &str| -> Vec<Value> {
        let mut v: Vec<Value> = sample
            .iter()
            .filter_map(|d| crate::domain::kernel::lookup(d, path).cloned())
            .collect();
        v.sort_by_key(Value::to_string);
        v.dedup();
        v
    };
    let equals: Vec<(&'static str, Vec<Value>)> = EQUALS.iter().map(|p| (*p, values(p))).collect();
    let names = values("name");
    let costs = values("purchase.cost.amount");
    let mut queries: Vec<(Filter, Sort, &'static str)> = Vec::new();
    for i in 0..400 {
        let mut parts = Vec::new();
        for (path, seen) in &equals {
            if !seen.is_empty() && pick(&[json!(true), json!(false), json!(false)]) == json!(true) {
                parts.push(Filter::Where(Condition::OneOf {
                    path,
                    values: vec![pick(seen)],
                }));
            }
        }
        if !costs.is_empty() && i % 4 == 1 {
            parts.push(Filter::Where(Condition::Between {
                path: "purchase.cost.amount",
                min: Some(pick(&costs)),
                max: None,
                comparison: Comparison::Decimal,
            }));
        }
        let kind = if i % 3 == 0 && !names.is_empty() {
            let name = pick(&names);
            let name = name.as_str().unwrap_or("srv");
            let chars: Vec<char> = name.chars().collect();
            let len = 3 + (i % 5).min(chars.len().saturating_sub(3));
            let at = (i * 7) % (chars.len() - len + 1).max(1);
            parts.push(Filter::Where(Condition::Text {
                paths: &["name", "assetTag", "serialNumber", "attributes.hostname"],
                needle: chars[at..at + len.min(chars.len())].iter().collect(),
            }));
            "text"
        } else {
            "filters"
        };
        let (path, comparison) = SORTS[i % SORTS.len()];
        let sort = Sort {
            path,
            comparison,
            descending: i % 2 == 1,
        };
        queries.push((Filter::All(parts), sort, kind));
    }
    let first_page = PageRequest {
        first: Some(50),
        ..PageRequest::default()
    };
    let mut timings: Vec<(Duration, &str)> = Vec::new();
    for (filter, sort, kind) in &queries {
        let started = Instant::now();
        let rows = assets.select(filter).expect("indexed");
        let page = assets.page(&rows, sort, &first_page).expect("a page");
        timings.push((started.elapsed(), kind));
        // The next page, by the cursor of the last row: what a client scrolling does.
        if let Some((id, at)) = page.items.last() {
            let next = PageRequest {
                first: Some(50),
                after: Some(Cursor::Place {
                    list: page.list.clone(),
                    key: at.key.to_json(),
                    id: id.to_string(),
                }),
                ..PageRequest::default()
            };
            let started = Instant::now();
            let rows = assets.select(filter).expect("indexed");
            assets.page(&rows, sort, &next).expect("a page");
            timings.push((started.elapsed(), "next"));
        }
    }
    let all: Vec<Duration> = timings.iter().map(|(t, _)| *t).collect();
    let (p50, p99, max) = p50_p99_max(all);
    println!(
        "| register list page of 50 in memory, random filters + sort + totalCount ({} pages, text search in a third) | p50 {p50:.3} ms, p99 {p99:.3} ms, max {max:.3} ms |",
        timings.len()
    );
    let text: Vec<Duration> = timings
        .iter()
        .filter(|(_, k)| *k == "text")
        .map(|(t, _)| *t)
        .collect();
    let (p50, p99, max) = p50_p99_max(text);
    println!(
        "| … of which text search (3–7 characters of a name) | p50 {p50:.3} ms, p99 {p99:.3} ms, max {max:.3} ms |"
    );
}

/// One asset's hop (dependencies and dependents with their counts) in the index, for random
/// assets and the hub.
pub(crate) fn hop_figures(index: &GraphIndex<NodeRef>, estate: &Estate, hub: &NodeRef, seed: u64) {
    let mut rng = Rng::new(seed);
    let dependency =
        |t: crate::domain::relationships::RelationType, _: &NodeRef| t.carries_failure();
    let mut timings = Vec::new();
    for _ in 0..2000 {
        let asset = NodeRef::asset(estate.id(rng.below(estate.asset_count())));
        let started = Instant::now();
        if let Some(node) = index.number(&asset) {
            let leaving = index.adjacent(node, true, false, dependency);
            let reaching = index.adjacent(node, false, true, dependency);
            std::hint::black_box((leaving.len(), reaching.iter().take(10).count()));
        }
        timings.push(started.elapsed());
    }
    let (p50, p99, max) = p50_p99_max(timings);
    println!(
        "| one asset's dependencies and dependents with counts, in the index (2,000 random assets) | p50 {p50:.4} ms, p99 {p99:.4} ms, max {max:.4} ms |"
    );
    if let Some(node) = index.number(hub) {
        let started = Instant::now();
        let reaching = index.adjacent(node, false, true, dependency);
        println!(
            "| the hub's dependents with count ({} of them), in the index | {:.3} ms |",
            reaching.len(),
            ms(started.elapsed())
        );
    }
}
