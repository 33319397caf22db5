//! `assetgraph bench`: measures the graph index and impact analysis on a store, over HTTP too,
//! side by side with SurrealDB's own recursive graph query, and prints a table.

use std::time::{Duration, Instant};

use serde_json::json;

use crate::bench::impact::Measured;
use crate::bench::impact::compare_with_store;
use crate::bench::impact::index_figures;
use crate::bench::impact::time_http;
use crate::bench::money::compliance_figures;
use crate::bench::money::finance_figures;
use crate::bench::timing::mb;
use crate::bench::timing::ms;
use crate::bench::timing::percentiles;
use crate::bench::timing::resident_bytes;
use crate::config::BenchConfig;
use crate::domain::datasets::{Estate, Layer};
use crate::domain::kernel::NodeRef;
use crate::domain::register::Asset;
use crate::graph::GraphIndex;
use crate::service::kernel::Origin;
use crate::service::kernel::Register;
use crate::store::Store;

pub async fn run(config: BenchConfig) -> Result<(), String> {
    println!("| measure | value |");
    println!("|---|---|");
    if let Some(assets) = config.synthetic {
        return synthetic(assets, &config);
    }
    if let Some(records) = config.ingest {
        return crate::bench::ingest::run(&config.store.url, records, config.ingest_software).await;
    }
    let started = Instant::now();
    let store = Store::open(&config.store.url)
        .await
        .map_err(|e| e.to_string())?;
    let opened = started.elapsed();
    println!("| store | {} |", config.store.url);
    println!(
        "| store opened (SurrealDB start, including its log replay) | {:.2} s |",
        opened.as_secs_f64()
    );
    if config.scan {
        store.drop_checkpoint().await.map_err(|e| e.to_string())?;
    }
    let before = resident_bytes();
    let started = Instant::now();
    let mut register = Register::open(store.clone())
        .await
        .map_err(|e| e.to_string())?;
    let mut build = started.elapsed();
    let after = resident_bytes();
    if register.index_origin() == Origin::Scan {
        println!(
            "| index: built from the store at start by a scan of every relationship | {:.2} s |",
            build.as_secs_f64()
        );
        let started = Instant::now();
        let written = register
            .checkpoint()
            .await
            .map_err(|e| e.to_string())?
            .ok_or("the index never settled for a checkpoint")?;
        println!(
            "| index checkpoint written ({:.1} MB) | {:.2} s |",
            mb(written.bytes),
            started.elapsed().as_secs_f64()
        );
        drop(register);
        let started = Instant::now();
        register = Register::open(store.clone())
            .await
            .map_err(|e| e.to_string())?;
        build = started.elapsed();
    }
    if let Origin::Checkpoint { replayed } = register.index_origin() {
        println!(
            "| index: built from the store at start from its checkpoint ({replayed} later changes replayed) | {:.2} s |",
            build.as_secs_f64()
        );
    }
    let stored = store.count_edges().await.map_err(|e| e.to_string())?;
    let indexed = register.with_index(|index| index.edge_count());
    println!("| relationships in the store / in the index | {stored} / {indexed} |");
    if stored != indexed {
        return Err(format!(
            "the index holds {indexed} relationships but the store {stored}"
        ));
    }
    println!(
        "| process: resident growth while indexing (SurrealDB's block cache included) | {:.0} MB |",
        mb(after.saturating_sub(before))
    );
    let hub = store
        .find_by::<Asset>("assetTag", vec![json!(config.hub)])
        .await
        .map_err(|e| e.to_string())?
        .into_iter()
        .next()
        .map(|a| a.id);
    let typical = register.with_index(|index| index_figures(index, &config, hub.as_ref()));

    let ledger_wait = Instant::now();
    while !register.ledger_loaded() {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    println!(
        "| finance ledger loaded from the store in the background (after the index) | {:.1} s |",
        ledger_wait.elapsed().as_secs_f64()
    );
    let http = time_http(&register, &typical[..typical.len().min(100)]).await?;
    crate::bench::throughput::throughput_figures(&register).await?;
    let (p50, p95, max) = percentiles(http);
    println!(
        "| impact over HTTP/GraphQL, first 100 affected with paths | p50 {p50:.2} ms, p95 {p95:.2} ms, max {max:.2} ms |"
    );
    if let Some(hub) = &hub {
        let walk_started = Instant::now();
        let walk = register
            .impact(&[NodeRef::asset(hub)], None, None)
            .await
            .map_err(|e| e.to_string())?;
        println!(
            "| impact of the hub with every affected entity resolved to its id ({} affected) | {:.1} ms |",
            walk.hits.len(),
            ms(walk_started.elapsed())
        );
    }

    // The largest typical failures make the fairest comparison: the store walks the same set.
    let mut compared: Vec<&Measured> = typical.iter().collect();
    compared.sort_by_key(|m| std::cmp::Reverse(m.affected));
    for sample in compared.iter().take(config.store_samples) {
        let (theirs, ours, count, same) =
            compare_with_store(&store, &register, &sample.asset).await?;
        println!(
            "| SurrealDB `{{..+collect}}` vs index, {count} affected | {:.1} ms vs {:.3} ms = {:.0}× faster; same set: {same} |",
            ms(theirs),
            ms(ours),
            theirs.as_secs_f64() / ours.as_secs_f64().max(1e-9)
        );
        if !same {
            return Err(format!("affected sets differ for asset {}", sample.asset));
        }
    }
    if config.store_hub
        && let Some(hub) = &hub
    {
        let (theirs, ours, count, same) = compare_with_store(&store, &register, hub).await?;
        println!(
            "| SurrealDB `{{..+collect}}` vs index, hub, {count} affected | {:.1} ms vs {:.1} ms = {:.0}× faster; same set: {same} |",
            ms(theirs),
            ms(ours),
            theirs.as_secs_f64() / ours.as_secs_f64().max(1e-9)
        );
    }
    drop(register);
    let started = Instant::now();
    store.close().await;
    println!(
        "| store closed (SurrealDB writing out its memory table) | {:.2} s |",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// The index figures for a generated estate built straight from the generator, no store.
fn synthetic(assets: usize, config: &BenchConfig) -> Result<(), String> {
    let estate = Estate::plan(assets, config.estate_seed, chrono::Utc::now());
    let before = resident_bytes();
    let started = Instant::now();
    let edges = (0..estate.asset_count()).flat_map(|n| {
        estate
            .relationships_of(n)
            .into_iter()
            .map(|r| crate::service::kernel::edge(&r.data))
    });
    let mut index = GraphIndex::build(std::iter::empty(), edges).map_err(|e| e.to_string())?;
    // As the server does after its scan.
    index.relayout();
    println!(
        "| estate | generated in memory: {} assets, seed {} |",
        estate.asset_count(),
        config.estate_seed
    );
    println!(
        "| index: built from the generator (no store) | {:.2} s |",
        started.elapsed().as_secs_f64()
    );
    println!(
        "| process: resident growth while building | {:.0} MB |",
        mb(resident_bytes().saturating_sub(before))
    );
    let hub = estate.id(estate.range(Layer::EdgeRouter).start).clone();
    index_figures(&index, config, Some(&hub));
    crate::bench::lists::hop_figures(&index, &estate, &NodeRef::asset(&hub), config.seed);
    drop(index);
    crate::bench::lists::list_figures(&estate, config.seed);
    let ledger = finance_figures(&estate);
    compliance_figures(&estate, &ledger, config.estate_seed);
    Ok(())
}
