//! `assetgraph bench`: measures the graph index and impact analysis on a store, over HTTP too,
//! side by side with SurrealDB's own recursive graph query, and prints a table.

mod ingest;

use std::collections::HashSet;
use std::time::{Duration, Instant};

use clap::Args;
use serde_json::{Value as Json, json};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

use crate::api;
use crate::config::StoreConfig;
use crate::domain::datasets::synthetic::{Estate, Layer, Rng};
use crate::domain::depreciation::engine as depreciation;
use crate::domain::depreciation::engine::ModelDefaults;
use crate::domain::finance::ledger::{GroupBy, Ledger};
use crate::domain::kernel::entity::{EntityId, EntityKind, NodeRef};
use crate::domain::register::asset::Asset;
use crate::domain::relationships::relation::RelationType;
use crate::graph::{GraphIndex, ImpactQuery, RelationMask};
use crate::service::kernel::index::Origin;
use crate::service::kernel::register::Register;
use crate::store::Store;

#[derive(Debug, Clone, Args)]
pub struct BenchConfig {
    #[command(flatten)]
    pub store: StoreConfig,
    /// Random assets whose failure is analysed.
    #[arg(long, default_value_t = 200)]
    pub samples: usize,
    /// How many of the typical samples SurrealDB's recursive query also answers (it is slow).
    #[arg(long, default_value_t = 5)]
    pub store_samples: usize,
    /// Asset tag of the hub to measure (default: the generated estate's edge router).
    #[arg(long, default_value = "SYN-00000000")]
    pub hub: String,
    /// Also time SurrealDB's recursive query on the hub (can take minutes on a large store).
    #[arg(long)]
    pub store_hub: bool,
    /// Seed for picking the samples.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Skip the store: build the index straight from a generated estate of this many assets.
    #[arg(long)]
    pub synthetic: Option<usize>,
    /// Seed of the generated estate for `--synthetic` (as `generate --seed`).
    #[arg(long, default_value_t = 1)]
    pub estate_seed: u64,
    /// Forget the stored index checkpoint first, so the start is timed with a full scan too.
    #[arg(long)]
    pub scan: bool,
    /// Time discovery ingestion of this many new records, then of the same again, into the
    /// (empty) store given by `--db`.
    #[arg(long)]
    pub ingest: Option<usize>,
    /// Software titles per record for `--ingest`.
    #[arg(long, default_value_t = 0)]
    pub ingest_software: usize,
}

/// The most affected entities a "typical" failure has.
const TYPICAL: usize = 10_000;

/// Resident memory of this process in bytes (Linux), 0 where unknown.
fn resident_bytes() -> usize {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<usize>().ok())
        })
        .map_or(0, |kb| kb * 1024)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// The median and the 95th percentile of some timings, in milliseconds.
fn percentiles(mut timings: Vec<Duration>) -> (f64, f64, f64) {
    if timings.is_empty() {
        return (f64::NAN, f64::NAN, f64::NAN);
    }
    timings.sort();
    let at = |q: f64| ms(timings[((timings.len() - 1) as f64 * q).round() as usize]);
    (at(0.5), at(0.95), ms(*timings.last().expect("not empty")))
}

fn mb(bytes: usize) -> f64 {
    bytes as f64 / 1_048_576.0
}

/// One failure analysed in the index: how long it took and how much it hit.
struct Measured {
    asset: EntityId,
    affected: usize,
    took: Duration,
}

fn measure(index: &GraphIndex<NodeRef>, asset: &EntityId) -> Measured {
    let node = NodeRef::asset(&asset);
    let query = ImpactQuery {
        failed: index.number(&node).into_iter().collect(),
        relations: RelationMask::failure_carrying(),
        max_depth: None,
    };
    let started = Instant::now();
    let impact = index.impact(&query);
    Measured {
        asset: asset.clone(),
        affected: impact.affected.len(),
        took: started.elapsed(),
    }
}

/// Asset ids picked at random among the index's nodes, the same for the same seed.
fn samples(index: &GraphIndex<NodeRef>, count: usize, seed: u64) -> Vec<EntityId> {
    let mut rng = Rng::new(seed);
    let mut picked = Vec::new();
    let mut tries = 0;
    while picked.len() < count && index.capacity() > 0 && tries < count * 100 {
        tries += 1;
        if let Some(key) = index.key(rng.below(index.capacity()) as u32)
            && key.kind == EntityKind::Asset
        {
            picked.push(key.id.clone());
        }
    }
    picked
}

/// Prints the index's size and its impact timings for random assets and the hub; returns the
/// typical samples (at most `TYPICAL` affected) for the measurements that follow.
fn index_figures(
    index: &GraphIndex<NodeRef>,
    config: &BenchConfig,
    hub: Option<&EntityId>,
) -> Vec<Measured> {
    println!(
        "| index: nodes / edges | {} / {} |",
        index.capacity(),
        index.edge_count()
    );
    println!("| index: heap size | {:.1} MB |", mb(index.heap_bytes()));
    let picked = samples(index, config.samples, config.seed);
    // Warm up as a running server is: one walk from the hub touches the whole index and sizes the
    // per-thread scratch. (Memory untouched for a while is slow to touch again on this virtual
    // machine: a first walk over cold pages costs milliseconds more.)
    let warm = hub.or(picked.first());
    if let Some(asset) = warm {
        measure(index, asset);
    }
    let measured: Vec<Measured> = picked.iter().map(|a| measure(index, a)).collect();
    let (typical, large): (Vec<Measured>, Vec<Measured>) =
        measured.into_iter().partition(|m| m.affected <= TYPICAL);
    let (p50, p95, max) = percentiles(typical.iter().map(|m| m.took).collect());
    let mut sizes: Vec<usize> = typical.iter().map(|m| m.affected).collect();
    sizes.sort_unstable();
    println!(
        "| impact in the index, typical asset ({} of {} samples ≤ {TYPICAL} affected; median {} affected, max {}) | p50 {p50:.3} ms, p95 {p95:.3} ms, max {max:.3} ms |",
        typical.len(),
        typical.len() + large.len(),
        sizes.get(sizes.len() / 2).copied().unwrap_or(0),
        sizes.last().copied().unwrap_or(0)
    );
    if !large.is_empty() {
        let (p50, _, max) = percentiles(large.iter().map(|m| m.took).collect());
        println!(
            "| impact in the index, the {} samples with more than {TYPICAL} affected | p50 {p50:.1} ms, max {max:.1} ms |",
            large.len()
        );
    }
    if let Some(hub) = hub {
        let runs: Vec<Measured> = (0..5).map(|_| measure(index, hub)).collect();
        let (p50, _, max) = percentiles(runs.iter().map(|m| m.took).collect());
        println!(
            "| impact in the index, worst hub {} ({} affected) | p50 {p50:.1} ms, max {max:.1} ms |",
            config.hub, runs[0].affected
        );
    }
    typical
}

/// A minimal HTTP/1.1 client on one kept-alive connection: enough to time GraphQL round trips.
struct Client {
    stream: BufReader<TcpStream>,
    address: String,
    /// The API token's secret every request presents.
    token: String,
}

impl Client {
    async fn connect(address: String, token: String) -> std::io::Result<Client> {
        let stream = BufReader::new(TcpStream::connect(&address).await?);
        Ok(Client {
            stream,
            address,
            token,
        })
    }

    async fn post(&mut self, body: &Json) -> std::io::Result<Json> {
        let body = body.to_string();
        let request = format!(
            "POST /graphql HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            self.address,
            self.token,
            body.len()
        );
        self.stream.get_mut().write_all(request.as_bytes()).await?;
        let mut length = 0;
        loop {
            let mut line = String::new();
            self.stream.read_line(&mut line).await?;
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if let Some((name, value)) = line.split_once(':')
                && name.eq_ignore_ascii_case("content-length")
            {
                length = value.trim().parse().unwrap_or(0);
            }
        }
        let mut response = vec![0; length];
        self.stream.read_exact(&mut response).await?;
        serde_json::from_slice(&response).map_err(std::io::Error::other)
    }
}

const HTTP_QUERY: &str = "query($f: [ID!]!) { impact(input: {failed: $f}) { totals { affected } \
    affected(first: 100) { edges { node { depth state asset { id name } path { id } } } } } }";

const SUMMARY_QUERY: &str = "{ financeSummary(groupBy: TEAM) { count team { name } currencies { currency purchaseCost { amount } bookValue { amount } } } }";

async fn time_http(register: &Register, typical: &[Measured]) -> Result<Vec<Duration>, String> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|e| e.to_string())?;
    let address = listener.local_addr().map_err(|e| e.to_string())?;
    let server = api::spawn_with(listener, register.clone());
    let (_, token) = register
        .create_token(
            &crate::domain::access::audit::Actor::system("bench"),
            &format!("bench-{}", uuid::Uuid::now_v7().simple()),
            crate::domain::access::role::Role::Admin,
            None,
        )
        .await
        .map_err(|e| e.to_string())?;
    let mut client = Client::connect(address.to_string(), token)
        .await
        .map_err(|e| e.to_string())?;
    let mut timings = Vec::new();
    for sample in typical {
        let id = api::global_id(EntityKind::Asset, &sample.asset);
        let body = json!({"query": HTTP_QUERY, "variables": {"f": [id]}});
        let started = Instant::now();
        let answer = client.post(&body).await.map_err(|e| e.to_string())?;
        timings.push(started.elapsed());
        let affected = answer["data"]["impact"]["totals"]["affected"].as_u64();
        if affected != Some(sample.affected as u64) {
            return Err(format!("HTTP answer disagrees with the index: {answer}"));
        }
    }
    let mut summaries = Vec::new();
    for _ in 0..5 {
        let started = Instant::now();
        let answer = client
            .post(&json!({"query": SUMMARY_QUERY}))
            .await
            .map_err(|e| e.to_string())?;
        summaries.push(started.elapsed());
        if answer["data"]["financeSummary"].as_array().is_none() {
            return Err(format!("financeSummary failed: {answer}"));
        }
    }
    let (p50, _, max) = percentiles(summaries);
    println!(
        "| financeSummary by team over HTTP/GraphQL (teams resolved) | p50 {p50:.1} ms, max {max:.1} ms |"
    );
    server.abort();
    Ok(timings)
}

/// SurrealDB's answer for one failure, timed, and whether it names the same assets as ours.
async fn compare_with_store(
    store: &Store,
    register: &Register,
    asset: &EntityId,
) -> Result<(Duration, Duration, usize, bool), String> {
    let types: Vec<RelationType> = RelationType::ALL
        .into_iter()
        .filter(|t| t.carries_failure())
        .collect();
    let started = Instant::now();
    let theirs = store
        .dependants_by_recursion(asset, &types)
        .await
        .map_err(|e| e.to_string())?;
    let store_took = started.elapsed();
    let ours = register.with_index(|index| measure(index, asset));
    let walk = register
        .impact(&[NodeRef::asset(&asset)], None, None)
        .map_err(|e| e.to_string())?;
    let ours_set: HashSet<&EntityId> = walk.hits.iter().map(|h| &h.node.id).collect();
    let theirs_set: HashSet<&EntityId> = theirs.iter().filter(|id| *id != asset).collect();
    Ok((
        store_took,
        ours.took,
        theirs_set.len(),
        ours_set == theirs_set,
    ))
}

pub async fn run(config: BenchConfig) -> Result<(), String> {
    println!("| measure | value |");
    println!("|---|---|");
    if let Some(assets) = config.synthetic {
        return synthetic(assets, &config);
    }
    if let Some(records) = config.ingest {
        return ingest::run(&config.store.url, records, config.ingest_software).await;
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
    let (p50, p95, max) = percentiles(http);
    println!(
        "| impact over HTTP/GraphQL, first 100 affected with paths | p50 {p50:.2} ms, p95 {p95:.2} ms, max {max:.2} ms |"
    );
    if let Some(hub) = &hub {
        let walk_started = Instant::now();
        let walk = register
            .impact(&[NodeRef::asset(&hub)], None, None)
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
            .map(|r| crate::service::kernel::index::edge(&r.data))
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
    drop(index);
    let ledger = finance_figures(&estate);
    compliance_figures(&estate, &ledger, config.estate_seed);
    Ok(())
}

/// Installations in the licence benchmark: as many as the estate has assets.
const INSTALLS_PER_ASSET: usize = 1;

/// Licence compliance over a generated software estate: 100 product families of three versions,
/// two entitlements each (every metric), one installation per asset on the estate's devices,
/// servers and virtual machines, timed through the same assembly the server runs.
fn compliance_figures(estate: &Estate, ledger: &Ledger, seed: u64) {
    use crate::domain::relationships::relation::{Installation, Relationship};
    use crate::domain::software::compliance::Options;
    use crate::domain::software::entitlement::{Entitlement, Metric};
    use crate::domain::software::installs::Installs;
    use crate::domain::software::licensing::{Catalogue, compliance};
    use crate::domain::software::product::{SoftwareProduct, SoftwareUsage};

    fn record<T>(id: String, data: T) -> crate::domain::kernel::entity::Record<T> {
        let now = chrono::Utc::now();
        crate::domain::kernel::entity::Record::first(
            EntityId::parse(&id).expect("bench id"),
            data,
            now,
        )
    }
    let today = chrono::Utc::now().date_naive();
    let mut products: Vec<crate::domain::kernel::entity::Record<SoftwareProduct>> = Vec::new();
    for family in 0..100 {
        for version in 0..3 {
            products.push(record(
                format!("bench-p{family}-{version}"),
                SoftwareProduct {
                    publisher: "Bench".into(),
                    name: format!("Product {family}"),
                    product_version: Some(format!("{}", 2020 + 2 * version)),
                    edition: None,
                    family: format!("Bench Product {family}"),
                    tag_id: None,
                    end_of_life: None,
                    end_of_support: None,
                    needs_licence: true,
                },
            ));
        }
    }
    let metrics = [
        Metric::PerDevice,
        Metric::PerUser,
        Metric::PerCore,
        Metric::Concurrent,
        Metric::Site,
    ];
    let entitlements: Vec<_> = (0..200)
        .map(|n| {
            let family = n / 2;
            let metric = metrics[family % metrics.len()];
            record(
                format!("bench-e{n}"),
                Entitlement {
                    name: format!("Entitlement {n}"),
                    products: vec![products[family * 3 + 2 - n % 2].id.clone()],
                    metric,
                    quantity: (metric != Metric::Site).then_some(4_000),
                    unit_cost: None,
                    term_start: None,
                    term_end: None,
                    maintenance_end: None,
                    downgrade_rights: n % 2 == 0,
                    vendor: None,
                    contract: None,
                    team: None,
                    purchase_order: None,
                    assigned_people: Vec::new(),
                    assigned_devices: Vec::new(),
                },
            )
        })
        .collect();
    let usage: Vec<crate::domain::kernel::entity::Record<SoftwareUsage>> = Vec::new();
    let devices: Vec<usize> = [Layer::Devices, Layer::Hosts, Layer::VirtualMachines]
        .into_iter()
        .flat_map(|layer| estate.range(layer))
        .collect();
    let mut rng = Rng::new(seed ^ 0x5A17);
    let started = Instant::now();
    let mut installs = Installs::default();
    let count = estate.asset_count() * INSTALLS_PER_ASSET;
    for n in 0..count {
        let product = &products[rng.below(products.len())];
        let device = estate.id(devices[rng.below(devices.len())]);
        let last_used = today - chrono::Days::new(rng.below(200) as u64);
        installs.put(&record(
            format!("bench-i{n:08x}"),
            Relationship {
                source: NodeRef {
                    kind: EntityKind::SoftwareProduct,
                    id: product.id.clone(),
                },
                target: NodeRef::asset(&device),
                relation: RelationType::InstalledOn,
                criticality: None,
                redundancy_group: None,
                min_up: None,
                allocation_percent: None,
                provenance: None,
                valid_from: None,
                valid_to: None,
                note: None,
                installation: Some(Installation {
                    version: None,
                    installed_on: None,
                    last_used: Some(last_used),
                }),
                ticket_role: None,
            },
        ));
    }
    println!(
        "| installations: {} on {} devices, 300 products, 200 entitlements | held in {:.2} s |",
        installs.len(),
        devices.len(),
        started.elapsed().as_secs_f64()
    );
    let catalogue = Catalogue {
        products: &products,
        entitlements: &entitlements,
        usage: &usage,
    };
    let options = Options {
        as_of: today,
        unused_days: 90,
        usage_window_days: 90,
        headroom_percent: 10,
    };
    let mut rows = 0;
    let runs: Vec<Duration> = (0..5)
        .map(|_| {
            let started = Instant::now();
            rows = compliance(&catalogue, &installs, ledger, &options).len();
            started.elapsed()
        })
        .collect();
    let (p50, _, max) = percentiles(runs);
    println!(
        "| licenseCompliance over every family ({rows} positions) | p50 {p50:.0} ms, max {max:.0} ms |"
    );
}

/// The finance ledger over a generated estate: the summary per grouping, and one asset's book
/// value computed from scratch (profile resolved, schedule built, value read).
fn finance_figures(estate: &Estate) -> Ledger {
    let started = Instant::now();
    let mut ledger = Ledger::default();
    for n in 0..estate.asset_count() {
        ledger.put_asset(&estate.asset(n));
    }
    println!(
        "| ledger: {} assets loaded from the generator | {:.2} s |",
        ledger.len(),
        started.elapsed().as_secs_f64()
    );
    let today = chrono::Utc::now().date_naive();
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    for by in [
        GroupBy::Team,
        GroupBy::Location,
        GroupBy::Class,
        GroupBy::Category,
        GroupBy::Vendor,
    ] {
        let mut groups = 0;
        let runs: Vec<Duration> = (0..5)
            .map(|_| {
                let started = Instant::now();
                groups = ledger.summary(by, today, 1, threads).len();
                started.elapsed()
            })
            .collect();
        let (p50, _, max) = percentiles(runs);
        println!(
            "| financeSummary by {by:?} in the ledger ({groups} groups, {threads} threads) | p50 {p50:.1} ms, max {max:.1} ms |"
        );
    }
    let priced: Vec<_> = (0..estate.asset_count())
        .step_by((estate.asset_count() / 10_000).max(1))
        .map(|n| estate.asset(n).data)
        .filter(|a| a.purchase.as_ref().is_some_and(|p| p.cost.is_some()))
        .collect();
    let declining: Vec<_> = priced
        .iter()
        .cloned()
        .map(|mut asset| {
            asset.depreciation = Some(depreciation::Settings {
                method: Some(depreciation::Method::DecliningBalance),
                useful_life_months: Some(60),
                ..Default::default()
            });
            asset
        })
        .collect();
    for (label, assets) in [
        ("class defaults, straight line", &priced),
        (
            "declining balance switching to straight line, 60 months",
            &declining,
        ),
    ] {
        let started = Instant::now();
        let mut total = rust_decimal::Decimal::ZERO;
        for asset in assets {
            if let Some(Ok((_, dep))) = asset.depreciate(ModelDefaults::default(), 1) {
                total += dep.book_value(today);
            }
        }
        let each = started.elapsed().as_secs_f64() * 1e6 / assets.len().max(1) as f64;
        println!(
            "| bookValue of one asset from scratch, {label} ({} assets, {total} EUR in all) | {each:.2} µs each |",
            assets.len()
        );
    }
    ledger
}
