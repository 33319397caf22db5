//! Requests per second at 32 connections over HTTP: `asset(id)` against a bare async-graphql +
//! axum server answering the same shape from a hash map, in the same process and run, and a
//! dashboard's mix of requests.

use std::time::{Duration, Instant};

use futures_util::StreamExt;
use serde_json::{Value as Json, json};

use crate::api;
use crate::bench::impact::Client;
use crate::bench::timing::ms;
use crate::domain::access::{Actor, Role};
use crate::domain::kernel::EntityKind;
use crate::domain::register::Asset;
use crate::service::kernel::Register;

const CONNECTIONS: usize = 32;
const RUN: Duration = Duration::from_secs(5);

const ASSET: &str =
    "query($id: ID!) { asset(id: $id) { id name assetTag cost: purchase { cost { amount } } } }";
const BARE_ASSET: &str = "query($id: ID!) { asset(id: $id) { id name assetTag cost } }";

/// Requests answered, and each one's time, by `CONNECTIONS` clients sending `bodies` in turn.
async fn drive(
    address: String,
    token: String,
    bodies: Vec<Json>,
) -> Result<(usize, Vec<Duration>), String> {
    let bodies = std::sync::Arc::new(bodies);
    let deadline = Instant::now() + RUN;
    let mut clients = Vec::new();
    for c in 0..CONNECTIONS {
        let (address, token, bodies) = (address.clone(), token.clone(), bodies.clone());
        clients.push(tokio::spawn(async move {
            let mut client = Client::connect(address, token)
                .await
                .map_err(|e| e.to_string())?;
            let mut timings = Vec::new();
            let mut i = c;
            while Instant::now() < deadline {
                let started = Instant::now();
                let answer = client
                    .post(&bodies[i % bodies.len()])
                    .await
                    .map_err(|e| e.to_string())?;
                timings.push(started.elapsed());
                if answer.get("errors").is_some() || answer["data"].is_null() {
                    return Err(format!("a request failed: {answer}"));
                }
                i += CONNECTIONS;
            }
            Ok::<_, String>(timings)
        }));
    }
    let mut all = Vec::new();
    for client in clients {
        all.extend(client.await.map_err(|e| e.to_string())??);
    }
    Ok((all.len(), all))
}

fn p50_p99(mut timings: Vec<Duration>) -> (f64, f64) {
    timings.sort();
    let at = |q: f64| ms(timings[((timings.len().max(1) - 1) as f64 * q).round() as usize]);
    (at(0.5), at(0.99))
}

/// The figures, on the register's own store.
pub(crate) async fn throughput_figures(register: &Register) -> Result<(), String> {
    let mut sample: Vec<crate::domain::kernel::Record<Asset>> = Vec::new();
    let mut batches = std::pin::pin!(register.store().scan_all::<Asset>());
    while let Some(batch) = batches.next().await {
        sample.extend(batch.map_err(|e| e.to_string())?);
        if sample.len() >= 1000 {
            break;
        }
    }
    if sample.is_empty() {
        return Err("no assets to read".into());
    }
    let bare: Vec<api::BareAsset> = sample
        .iter()
        .map(|a| api::BareAsset {
            id: api::global_id(EntityKind::Asset, &a.id).into(),
            name: a.data.name.clone(),
            asset_tag: a.data.asset_tag.clone(),
            cost: a
                .data
                .purchase
                .as_ref()
                .and_then(|p| p.cost.as_ref())
                .map(|c| c.amount.to_string()),
        })
        .collect();
    let ids: Vec<String> = bare.iter().map(|a| a.id.to_string()).collect();
    let bare_listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|e| e.to_string())?;
    let bare_address = bare_listener.local_addr().map_err(|e| e.to_string())?;
    api::spawn_bare(bare_listener, bare);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|e| e.to_string())?;
    let address = listener.local_addr().map_err(|e| e.to_string())?;
    // Unmetered: the figure is the read path's, not the per-token rate limit's.
    let unmetered = api::Limits {
        rate_per_second: 1 << 40,
        rate_burst: 1 << 40,
        ..api::Limits::default()
    };
    let _server = api::spawn_with(listener, register.clone(), unmetered);
    let (_, token) = register
        .create_token(
            &Actor::system("bench"),
            &format!("bench-{}", uuid::Uuid::now_v7().simple()),
            Role::Admin,
            None,
        )
        .await
        .map_err(|e| e.to_string())?;

    let ours: Vec<Json> = ids
        .iter()
        .map(|id| json!({"query": ASSET, "variables": {"id": id}}))
        .collect();
    let theirs: Vec<Json> = ids
        .iter()
        .map(|id| json!({"query": BARE_ASSET, "variables": {"id": id}}))
        .collect();
    let (bare_count, bare_times) = drive(bare_address.to_string(), String::new(), theirs).await?;
    let (our_count, our_times) = drive(address.to_string(), token.clone(), ours).await?;
    let rate = |n: usize| n as f64 / RUN.as_secs_f64();
    let ((bp50, bp99), (op50, op99)) = (p50_p99(bare_times), p50_p99(our_times));
    println!(
        "| asset(id) at {CONNECTIONS} connections: bare async-graphql + axum from a hash map | {:.0} requests/s, p50 {bp50:.2} ms, p99 {bp99:.2} ms |",
        rate(bare_count)
    );
    println!(
        "| asset(id) at {CONNECTIONS} connections: this server | {:.0} requests/s, p50 {op50:.2} ms, p99 {op99:.2} ms = {:.2}× the bare server |",
        rate(our_count),
        our_count as f64 / bare_count.max(1) as f64
    );

    let team = sample.iter().find_map(|a| match &a.data.owner {
        Some(crate::domain::register::Owner::Team(t)) => Some(api::global_id(EntityKind::Team, t)),
        _ => None,
    });
    let mut mix = Vec::new();
    for (i, id) in ids.iter().take(200).enumerate() {
        let body = match i % 5 {
            0 => {
                json!({"query": "query($t: [ID!]) { assets(first: 50, filter: {class: [SERVER, LAPTOP, VIRTUAL_MACHINE], owner: $t}, orderBy: {field: NAME}) { totalCount edges { node { id name assetTag status owner { ... on Team { name } } location { name } } } } }", "variables": {"t": team.iter().collect::<Vec<_>>()}})
            }
            1 => {
                json!({"query": "query($id: ID!) { asset(id: $id) { id name assetTag status lifecycleStage dependencies(first: 10) { totalCount edges { node { id name } } } dependents(first: 10) { totalCount } relationships(first: 10) { totalCount } } }", "variables": {"id": id}})
            }
            2 => {
                json!({"query": "{ assets(filter: {status: [OPERATIONAL]}) { totalCount } people { totalCount } locations { totalCount } }"})
            }
            3 => {
                json!({"query": "query($n: String) { assets(first: 20, filter: {text: $n}, orderBy: {field: PURCHASE_COST, direction: DESC}) { totalCount edges { node { id name } } } }", "variables": {"n": sample[i % sample.len()].data.name.chars().take(4).collect::<String>()}})
            }
            _ => {
                json!({"query": "query($f: [ID!]!) { impact(input: {failed: $f}) { totals { affected } affected(first: 20) { edges { node { depth state asset { id name } } } } } }", "variables": {"f": [id]}})
            }
        };
        mix.push(body);
    }
    let (count, times) = drive(address.to_string(), token, mix).await?;
    let (p50, p99) = p50_p99(times);
    println!(
        "| dashboard mix at {CONNECTIONS} connections (list pages with filters, details with counts, counts, text search, impact) | {:.0} requests/s, p50 {p50:.2} ms, p99 {p99:.2} ms |",
        rate(count)
    );
    Ok(())
}
