//! Impact figures: the index built and walked in memory, over HTTP, and against the store's own
//! recursive query.

use crate::api;
use crate::bench::timing::mb;
use crate::bench::timing::percentiles;
use crate::config::BenchConfig;
use crate::domain::datasets::Rng;
use crate::domain::kernel::{EntityId, EntityKind, NodeRef};
use crate::domain::relationships::RelationType;
use crate::graph::{GraphIndex, ImpactQuery, RelationMask};
use crate::service::kernel::Register;
use crate::store::Store;
use serde_json::{Value as Json, json};
use std::collections::HashSet;
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

/// One failure analysed in the index: how long it took and how much it hit.
pub(crate) struct Measured {
    pub(super) asset: EntityId,
    pub(super) affected: usize,
    took: Duration,
}

fn measure(index: &GraphIndex<NodeRef>, asset: &EntityId) -> Measured {
    let node = NodeRef::asset(asset);
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
pub(crate) fn index_figures(
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
pub(crate) struct Client {
    stream: BufReader<TcpStream>,
    address: String,
    /// The API token's secret every request presents.
    token: String,
}

impl Client {
    pub(crate) async fn connect(address: String, token: String) -> std::io::Result<Client> {
        let stream = BufReader::new(TcpStream::connect(&address).await?);
        Ok(Client {
            stream,
            address,
            token,
        })
    }

    pub(crate) async fn post(&mut self, body: &Json) -> std::io::Result<Json> {
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

pub(crate) async fn time_http(
    register: &Register,
    typical: &[Measured],
) -> Result<Vec<Duration>, String> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|e| e.to_string())?;
    let address = listener.local_addr().map_err(|e| e.to_string())?;
    let server = api::spawn_with(listener, register.clone(), api::Limits::default());
    let (_, token) = register
        .create_token(
            &crate::domain::access::Actor::system("bench"),
            &format!("bench-{}", uuid::Uuid::now_v7().simple()),
            crate::domain::access::Role::Admin,
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
pub(crate) async fn compare_with_store(
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
        .impact(&[NodeRef::asset(asset)], None, None)
        .await
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

/// The most affected entities a "typical" failure has.
const TYPICAL: usize = 10_000;
