//! `assetgraph import` and `assetgraph export`: discovery records from CSV or JSON files into a
//! store (embedded, or a running server over GraphQL), and the register back out as records.

pub mod format;

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Instant;

use clap::Args;
use serde_json::{Value as Json, json};

use crate::domain::access::Actor;
use crate::domain::discovery::{
    EndDraft, OBSERVABLE, Observation, ObservedDraft, RecordDraft, SoftwareDraft,
};
use crate::domain::kernel::{EntityKind, Record};
use crate::domain::register::Asset;
use crate::domain::relationships::{RelationType, Relationship};
use crate::domain::software::SoftwareProduct;
use crate::progress::Progress;
use crate::service::discovery::{Decision, IngestReport};
use crate::service::kernel::Register;
use crate::store::Store;
use format::{Format, Row};

/// Records sent per ingest call.
const BATCH: usize = 1_000;

#[derive(Debug, Clone, Args)]
pub struct ImportConfig {
    /// The discovery source the records come from (sccm, nmap, aws, …).
    #[arg(long)]
    pub source: String,
    #[arg(long, value_enum)]
    pub format: Format,
    /// The file to read (`-` for standard input).
    pub file: PathBuf,
    /// Report what would happen and change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// All or nothing: check the whole file first and write nothing if any row is refused.
    #[arg(long)]
    pub atomic: bool,
    /// Write into this store directly (the server must not be running on it).
    #[arg(
        long = "db",
        env = "ASSETGRAPH_DB",
        default_value = "surrealkv://./data",
        conflicts_with = "server"
    )]
    pub db: String,
    /// Send the records to a running server instead, e.g. http://localhost:8080.
    #[arg(long)]
    pub server: Option<String>,
    /// Who the audit trail names when writing into the store directly (with `--server`, the
    /// token names the actor).
    #[arg(long, default_value = "import")]
    pub actor: String,
    /// Bearer token for `--server`.
    #[arg(long, env = "ASSETGRAPH_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
}

#[derive(Debug, Clone, Args)]
pub struct ExportConfig {
    #[arg(long, value_enum)]
    pub format: Format,
    /// Where to write (standard output when absent).
    pub file: Option<PathBuf>,
    #[arg(
        long = "db",
        env = "ASSETGRAPH_DB",
        default_value = "surrealkv://./data"
    )]
    pub db: String,
}

/// One record's outcome, whichever way it was sent.
struct RowOutcome {
    line: usize,
    decision: String,
    detail: String,
}

/// Where records go: the embedded store, or a server over GraphQL.
enum Target {
    Embedded {
        register: Register,
        actor: Actor,
    },
    Server {
        client: reqwest::Client,
        url: String,
        token: Option<String>,
    },
}

const REPORT_SELECTION: &str = "report { records { decision rule assetId errors { field message } notes candidates { asset { id } rules } } } userErrors { field message code }";

impl Target {
    async fn ingest(
        &self,
        source: &str,
        records: Vec<RecordDraft>,
        dry_run: bool,
    ) -> Result<Vec<(String, String)>, String> {
        match self {
            Target::Embedded { register, actor } => {
                let report = register
                    .ingest(actor, source, records, dry_run)
                    .await
                    .map_err(|e| e.to_string())?;
                Ok(describe(&report))
            }
            Target::Server { client, url, token } => {
                let query = format!(
                    "mutation($input: IngestDiscoveryInput!) {{ ingestDiscovery(input: $input) {{ {REPORT_SELECTION} }} }}"
                );
                let body = json!({"query": query, "variables": {"input": {"source": source, "records": records, "dryRun": dry_run}}});
                let mut request = client
                    .post(format!("{}/graphql", url.trim_end_matches('/')))
                    .json(&body);
                if let Some(token) = token {
                    request = request.bearer_auth(token);
                }
                let response: Json = request
                    .send()
                    .await
                    .map_err(|e| format!("cannot reach {url}: {e}"))?
                    .json()
                    .await
                    .map_err(|e| e.to_string())?;
                if let Some(errors) = response.get("errors") {
                    return Err(format!("the server refused the batch: {errors}"));
                }
                let payload = &response["data"]["ingestDiscovery"];
                if let Some(problem) = payload["userErrors"].as_array().and_then(|e| e.first()) {
                    return Err(format!(
                        "the server refused the batch: {}",
                        problem["message"]
                    ));
                }
                Ok(payload["report"]["records"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|r| {
                        let decision = r["decision"].as_str().unwrap_or("?").to_string();
                        let detail = match decision.as_str() {
                            "REJECTED" => r["errors"]
                                .as_array()
                                .into_iter()
                                .flatten()
                                .map(|e| {
                                    format!(
                                        "{}: {}",
                                        e["field"].as_str().unwrap_or(""),
                                        e["message"].as_str().unwrap_or("")
                                    )
                                })
                                .collect::<Vec<_>>()
                                .join("; "),
                            "CONFLICT" => r["candidates"]
                                .as_array()
                                .into_iter()
                                .flatten()
                                .map(|c| {
                                    format!(
                                        "{} by {}",
                                        c["asset"]["id"].as_str().unwrap_or("?"),
                                        c["rules"]
                                    )
                                })
                                .collect::<Vec<_>>()
                                .join(", "),
                            _ => r["assetId"].as_str().unwrap_or("").to_string(),
                        };
                        (decision, detail)
                    })
                    .collect())
            }
        }
    }
}

/// Decision and a one-line detail per record of a report.
fn describe(report: &IngestReport) -> Vec<(String, String)> {
    report
        .outcomes
        .iter()
        .map(|o| {
            let decision = format!("{:?}", o.decision).to_uppercase();
            let detail = match o.decision {
                Decision::Rejected => o
                    .errors
                    .iter()
                    .map(|e| format!("{}: {}", e.field, e.message))
                    .collect::<Vec<_>>()
                    .join("; "),
                Decision::Conflict => o
                    .candidates
                    .iter()
                    .map(|c| format!("asset {} by {:?}", c.asset, c.rules))
                    .collect::<Vec<_>>()
                    .join(", "),
                _ => o.asset.as_ref().map(|a| a.to_string()).unwrap_or_default(),
            };
            (decision, detail)
        })
        .collect()
}

fn read_rows(config: &ImportConfig) -> Result<Vec<Row>, String> {
    let text = if config.file.as_os_str() == "-" {
        std::io::read_to_string(std::io::stdin()).map_err(|e| e.to_string())?
    } else {
        std::fs::read_to_string(&config.file)
            .map_err(|e| format!("cannot read {}: {e}", config.file.display()))?
    };
    match config.format {
        Format::Csv => format::read_csv(&text),
        Format::Json => format::read_json(&text),
    }
}

/// Sends every good row in batches; returns each row's outcome.
async fn send(
    target: &Target,
    config: &ImportConfig,
    rows: &[(usize, RecordDraft)],
    dry_run: bool,
    bar: &mut Progress,
) -> Result<Vec<RowOutcome>, String> {
    let mut outcomes = Vec::with_capacity(rows.len());
    for chunk in rows.chunks(BATCH) {
        let records: Vec<RecordDraft> = chunk.iter().map(|(_, r)| r.clone()).collect();
        let results = target.ingest(&config.source, records, dry_run).await?;
        for ((line, _), (decision, detail)) in chunk.iter().zip(results) {
            outcomes.push(RowOutcome {
                line: *line,
                decision,
                detail,
            });
        }
        bar.show(
            if dry_run { "checking" } else { "importing" },
            outcomes.len(),
            rows.len(),
        );
    }
    Ok(outcomes)
}

/// `assetgraph import`: reads the file, sends the records, prints a summary; fails (exit 2)
/// when any row was refused.
pub async fn import(config: ImportConfig) -> Result<bool, String> {
    let rows = read_rows(&config)?;
    let (good, bad): (Vec<_>, Vec<_>) = rows.into_iter().partition(|(_, r)| r.is_ok());
    let good: Vec<(usize, RecordDraft)> = good
        .into_iter()
        .map(|(l, r)| (l, r.expect("partitioned")))
        .collect();
    let bad: Vec<(usize, String)> = bad
        .into_iter()
        .map(|(l, r)| (l, r.expect_err("partitioned")))
        .collect();
    let target = match &config.server {
        Some(url) => Target::Server {
            client: reqwest::Client::new(),
            url: url.clone(),
            token: config.token.clone(),
        },
        None => {
            let store = Store::open(&config.db).await.map_err(|e| e.to_string())?;
            Target::Embedded {
                register: Register::open(store).await.map_err(|e| e.to_string())?,
                // Whoever can open the store's files can do anything: an admin.
                actor: Actor::system(&config.actor),
            }
        }
    };
    let started = Instant::now();
    let mut bar = Progress::default();
    let mut outcomes = Vec::new();
    let mut refused_whole = false;
    if config.atomic && !config.dry_run {
        let checked = send(&target, &config, &good, true, &mut bar).await?;
        refused_whole = !bad.is_empty() || checked.iter().any(|o| o.decision == "REJECTED");
        if refused_whole {
            outcomes = checked;
        }
    }
    if !refused_whole {
        outcomes = send(&target, &config, &good, config.dry_run, &mut bar).await?;
    }
    if let Target::Embedded { register, .. } = target {
        register.close().await;
    }
    summary(
        &config,
        &outcomes,
        &bad,
        refused_whole,
        started.elapsed().as_secs_f64(),
    );
    Ok(bad.is_empty() && outcomes.iter().all(|o| o.decision != "REJECTED"))
}

fn summary(
    config: &ImportConfig,
    outcomes: &[RowOutcome],
    bad: &[(usize, String)],
    refused_whole: bool,
    seconds: f64,
) {
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for o in outcomes {
        *counts.entry(o.decision.as_str()).or_default() += 1;
    }
    let written = if config.dry_run || refused_whole {
        " (nothing written)"
    } else {
        ""
    };
    eprintln!();
    println!(
        "import from {} ({}){written}",
        config.file.display(),
        config.source
    );
    println!("| decision | records |");
    println!("|---|---:|");
    for decision in ["CREATED", "UPDATED", "UNCHANGED", "CONFLICT", "REJECTED"] {
        println!(
            "| {decision} | {} |",
            counts.get(decision).copied().unwrap_or(0)
        );
    }
    println!("| unreadable rows | {} |", bad.len());
    println!(
        "| total | {} rows in {seconds:.1} s ({:.0} records/s) |",
        outcomes.len() + bad.len(),
        outcomes.len() as f64 / seconds.max(1e-9)
    );
    if refused_whole {
        println!("--atomic: some rows were refused, so nothing was written");
    }
    let conflicts: Vec<&RowOutcome> = outcomes
        .iter()
        .filter(|o| o.decision == "CONFLICT")
        .collect();
    if !conflicts.is_empty() {
        println!("first conflicts (resolve them in the reconciliation queue):");
        for o in conflicts.iter().take(10) {
            println!("  line {}: {}", o.line, o.detail);
        }
    }
    let mut refused: Vec<(usize, String)> = bad.to_vec();
    refused.extend(
        outcomes
            .iter()
            .filter(|o| o.decision == "REJECTED")
            .map(|o| (o.line, o.detail.clone())),
    );
    refused.sort();
    if !refused.is_empty() {
        println!("refused rows:");
        for (line, reason) in refused.iter().take(50) {
            println!("  line {line}: {reason}");
        }
        if refused.len() > 50 {
            println!("  … and {} more", refused.len() - 50);
        }
    }
}

/// The record discovery would send for an asset as it stands: re-imported, it changes nothing.
fn record_of(
    asset: &Record<Asset>,
    edges: &[&Record<Relationship>],
    assets: &HashMap<String, &Record<Asset>>,
    products: &HashMap<String, &Record<SoftwareProduct>>,
) -> RecordDraft {
    let a = &asset.data;
    let text = |key: &str| {
        a.attributes
            .get(key)
            .and_then(Json::as_str)
            .map(String::from)
    };
    let texts = |key: &str| {
        a.attributes.get(key).and_then(Json::as_array).map(|items| {
            items
                .iter()
                .filter_map(|i| i.as_str().map(String::from))
                .collect::<Vec<_>>()
        })
    };
    let number = |key: &str| a.attributes.get(key).and_then(Json::as_i64);
    let mut software = Vec::new();
    let mut relationships = Vec::new();
    for edge in edges {
        let r = &edge.data;
        if r.relation == RelationType::InstalledOn && r.target.id == asset.id {
            if let Some(product) = products.get(r.source.id.as_str()) {
                let installation = r.installation.as_ref();
                software.push(SoftwareDraft {
                    publisher: Some(product.data.publisher.clone()),
                    name: Some(product.data.name.clone()),
                    version: installation.and_then(|i| i.version.clone()),
                    installed_on: installation
                        .and_then(|i| i.installed_on)
                        .map(|d| d.to_string()),
                    last_used: installation
                        .and_then(|i| i.last_used)
                        .map(|d| d.to_string()),
                    product_version: product.data.product_version.clone(),
                });
            }
        } else if OBSERVABLE.contains(&r.relation)
            && r.source.id == asset.id
            && r.target.kind == EntityKind::Asset
            && let Some(target) = assets.get(r.target.id.as_str())
        {
            relationships.push(ObservedDraft {
                relation: serde_json::to_value(r.relation)
                    .ok()
                    .and_then(|v| v.as_str().map(String::from)),
                target: Some(EndDraft {
                    asset_tag: Some(target.data.asset_tag.clone()),
                    ..Default::default()
                }),
            });
        }
    }
    let mut draft = RecordDraft {
        asset_tag: Some(a.asset_tag.clone()),
        serial_number: a.serial_number.clone(),
        manufacturer: a.manufacturer.clone(),
        class: serde_json::to_value(a.class)
            .ok()
            .and_then(|v| v.as_str().map(String::from)),
        name: Some(a.name.clone()),
        model: text("model"),
        hostname: text("hostname"),
        fqdn: text("fqdn"),
        mac_addresses: texts("macAddresses"),
        ip_addresses: texts("ipAddresses"),
        cloud_resource_id: text("cloudResourceId"),
        os: text("os"),
        os_version: text("osVersion"),
        cpu_cores: number("cpuCores"),
        memory_mb: number("memoryMb"),
        warranty_end: a.warranty_end.map(|d| d.to_string()),
        purchase_date: a
            .purchase
            .as_ref()
            .and_then(|p| p.date)
            .map(|d| d.to_string()),
        software: (!software.is_empty()).then_some(software),
        relationships: (!relationships.is_empty()).then_some(relationships),
        ..Default::default()
    };
    // Values discovery would refuse (a host name with spaces, a MAC in free text) stay out.
    if Observation::parse(draft.clone()).is_err() {
        draft.hostname = None;
        draft.fqdn = None;
        draft.mac_addresses = None;
        draft.ip_addresses = None;
        draft.cloud_resource_id = None;
        draft.cpu_cores = draft.cpu_cores.filter(|c| *c > 0);
        draft.memory_mb = draft.memory_mb.filter(|m| *m > 0);
    }
    draft
}

/// `assetgraph export`: every asset as a discovery record, with its installations and the
/// relationships discovery observes.
pub async fn export(config: ExportConfig) -> Result<(), String> {
    let store = Store::open(&config.db).await.map_err(|e| e.to_string())?;
    let assets = collect(&store, store.scan_all::<Asset>()).await?;
    let edges = collect(&store, store.scan_all::<Relationship>()).await?;
    let products = store
        .all_of::<SoftwareProduct>()
        .await
        .map_err(|e| e.to_string())?;
    let by_asset: HashMap<String, &Record<Asset>> =
        assets.iter().map(|a| (a.id.to_string(), a)).collect();
    let by_product: HashMap<String, &Record<SoftwareProduct>> =
        products.iter().map(|p| (p.id.to_string(), p)).collect();
    let mut edges_of: HashMap<String, Vec<&Record<Relationship>>> = HashMap::new();
    for edge in &edges {
        for end in [&edge.data.source, &edge.data.target] {
            if end.kind == EntityKind::Asset {
                edges_of.entry(end.id.to_string()).or_default().push(edge);
            }
        }
    }
    let records: Vec<RecordDraft> = assets
        .iter()
        .map(|a| {
            record_of(
                a,
                edges_of.get(a.id.as_str()).map_or(&[][..], |v| v),
                &by_asset,
                &by_product,
            )
        })
        .collect();
    let text = match config.format {
        Format::Csv => format::write_csv(&records)?,
        Format::Json => serde_json::to_string_pretty(&records).map_err(|e| e.to_string())? + "\n",
    };
    match &config.file {
        Some(path) => std::fs::write(path, text)
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?,
        None => print!("{text}"),
    }
    eprintln!("exported {} assets", records.len());
    store.close().await;
    Ok(())
}

async fn collect<E: crate::domain::kernel::Entity>(
    _store: &Store,
    stream: impl futures_util::Stream<Item = Result<Vec<Record<E>>, crate::store::StoreError>>,
) -> Result<Vec<Record<E>>, String> {
    use futures_util::StreamExt;
    let mut all = Vec::new();
    let mut stream = std::pin::pin!(stream);
    while let Some(batch) = stream.next().await {
        all.extend(batch.map_err(|e| e.to_string())?);
    }
    Ok(all)
}
