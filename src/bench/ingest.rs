//! `assetgraph bench --ingest N`: durable discovery ingestion, batches of 1,000 new records and
//! then the same records again (all UNCHANGED), with the graph index checked against the store.

use std::time::Instant;

use crate::domain::access::Actor;
use crate::domain::discovery::{EndDraft, ObservedDraft, RecordDraft, SoftwareDraft};
use crate::service::discovery::Decision;
use crate::service::kernel::Register;
use crate::store::Store;

/// Records per ingest call, as the command-line import sends them.
const BATCH: usize = 1_000;

/// Record `i` of a deterministic estate: laptops, workstations and servers, and every fourth a
/// virtual machine running on the server just before it; `software` titles each.
pub fn record(i: usize, software: usize) -> RecordDraft {
    let class = ["LAPTOP", "WORKSTATION", "SERVER", "VIRTUAL_MACHINE"][i % 4];
    let makers = [
        "Dell Inc.",
        "Lenovo",
        "HP",
        "Apple",
        "Microsoft Corporation",
    ];
    let mac = format!(
        "02:{:02x}:{:02x}:{:02x}:{:02x}:01",
        (i >> 24) & 0xff,
        (i >> 16) & 0xff,
        (i >> 8) & 0xff,
        i & 0xff
    );
    let runs_on = (class == "VIRTUAL_MACHINE").then(|| {
        vec![ObservedDraft {
            relation: Some("RUNS_ON".into()),
            target: Some(EndDraft {
                hostname: Some(format!("host-{:07}", i - 1)),
                ..Default::default()
            }),
        }]
    });
    RecordDraft {
        source_native_key: Some(format!("agent-{i}")),
        serial_number: (class != "VIRTUAL_MACHINE").then(|| format!("BN{i:09}")),
        manufacturer: Some(makers[i % makers.len()].into()),
        mac_addresses: Some(vec![mac]),
        hostname: Some(format!("host-{i:07}")),
        class: Some(class.into()),
        os: Some(["Windows 11", "Ubuntu 24.04", "macOS 15"][i % 3].into()),
        cpu_cores: Some(4 << (i % 4)),
        memory_mb: Some(8192),
        ip_addresses: Some(vec![format!(
            "10.{}.{}.{}",
            (i >> 16) & 0xff,
            (i >> 8) & 0xff,
            i & 0xff
        )]),
        software: (software > 0).then(|| {
            (0..software)
                .map(|k| SoftwareDraft {
                    publisher: Some("Bench Soft".into()),
                    name: Some(format!("Tool {}", (i + k) % 50)),
                    version: Some("1.0".into()),
                    ..Default::default()
                })
                .collect()
        }),
        relationships: runs_on,
        ..Default::default()
    }
}

/// One pass over every record, each expected to come out as `want`; prints the rate.
async fn pass(
    register: &Register,
    actor: &Actor,
    (records, software): (usize, usize),
    want: Decision,
    seen_at: Option<chrono::DateTime<chrono::Utc>>,
    label: &str,
) -> Result<(), String> {
    let started = Instant::now();
    let mut batch_times = Vec::new();
    for start in (0..records).step_by(BATCH) {
        let drafts: Vec<RecordDraft> = (start..(start + BATCH).min(records))
            .map(|i| RecordDraft {
                seen_at,
                ..record(i, software)
            })
            .collect();
        let began = Instant::now();
        let report = register
            .ingest(actor, "bench", drafts, false)
            .await
            .map_err(|e| e.to_string())?;
        batch_times.push(began.elapsed());
        if let Some(other) = report.outcomes.iter().find(|o| o.decision != want) {
            return Err(format!("expected {want:?}, got {other:?}"));
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    let (p50, p95, max) = crate::bench::timing::percentiles(batch_times);
    println!(
        "| {label}: {records} records in batches of {BATCH} | {seconds:.1} s, **{:.0} records/s** (batch p50 {p50:.0} ms, p95 {p95:.0} ms, max {max:.0} ms) |",
        records as f64 / seconds
    );
    Ok(())
}

pub async fn run(url: &str, records: usize, software: usize) -> Result<(), String> {
    let store = Store::open(url).await.map_err(|e| e.to_string())?;
    if !store.is_empty().await.map_err(|e| e.to_string())? {
        return Err(format!(
            "{url} is not empty; the ingest benchmark needs a fresh store"
        ));
    }
    let register = Register::open(store.clone())
        .await
        .map_err(|e| e.to_string())?;
    let actor = Actor::system("bench");
    println!("| store | {url} |");
    println!(
        "| records | {records}, {software} software titles each, every fourth a VM with RUNS_ON |"
    );
    let size = (records, software);
    // Seen three hours ago, then again now: the third pass moves every last-seen time.
    let earlier = Some(chrono::Utc::now() - chrono::TimeDelta::hours(3));
    pass(
        &register,
        &actor,
        size,
        Decision::Created,
        earlier,
        "new (all CREATED)",
    )
    .await?;
    pass(
        &register,
        &actor,
        size,
        Decision::Unchanged,
        earlier,
        "same again (all UNCHANGED)",
    )
    .await?;
    pass(
        &register,
        &actor,
        size,
        Decision::Unchanged,
        None,
        "same, seen 3 h later (UNCHANGED, every last-seen written)",
    )
    .await?;
    let indexed = register.with_index(|index| index.edge_count());
    let stored = store.count_edges().await.map_err(|e| e.to_string())?;
    println!(
        "| graph index in step with the store | {indexed} relationships indexed, {stored} stored |"
    );
    if indexed != stored {
        return Err("the graph index lost step with the store".into());
    }
    register.close().await;
    Ok(())
}
