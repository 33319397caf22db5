//! Money figures: finance summaries and licence compliance over a generated estate, in memory.

use crate::bench::timing::percentiles;
use crate::domain::datasets::{Estate, Layer, Rng};
use crate::domain::depreciation::ModelDefaults;
use crate::domain::finance::{GroupBy, Ledger};
use crate::domain::kernel::{EntityId, EntityKind, NodeRef};
use crate::domain::relationships::RelationType;
use std::time::{Duration, Instant};

/// Installations in the licence benchmark: as many as the estate has assets.
const INSTALLS_PER_ASSET: usize = 1;

/// Licence compliance over a generated software estate: 100 product families of three versions,
/// two entitlements each (every metric), one installation per asset on the estate's devices,
/// servers and virtual machines, timed through the same assembly the server runs.
pub(crate) fn compliance_figures(estate: &Estate, ledger: &Ledger, seed: u64) {
    use crate::domain::relationships::{Installation, Relationship};
    use crate::domain::software::Installs;
    use crate::domain::software::Options;
    use crate::domain::software::{Catalogue, compliance};
    use crate::domain::software::{Entitlement, Metric};
    use crate::domain::software::{SoftwareProduct, SoftwareUsage};

    fn record<T>(id: String, data: T) -> crate::domain::kernel::Record<T> {
        let now = chrono::Utc::now();
        crate::domain::kernel::Record::first(EntityId::parse(&id).expect("bench id"), data, now)
    }
    let today = chrono::Utc::now().date_naive();
    let mut products: Vec<crate::domain::kernel::Record<SoftwareProduct>> = Vec::new();
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
    let usage: Vec<crate::domain::kernel::Record<SoftwareUsage>> = Vec::new();
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
                target: NodeRef::asset(device),
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
pub(crate) fn finance_figures(estate: &Estate) -> Ledger {
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
            asset.depreciation = Some(crate::domain::depreciation::Settings {
                method: Some(crate::domain::depreciation::Method::DecliningBalance),
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
