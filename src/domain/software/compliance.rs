//! Licence compliance: what each product family is entitled to against what is installed, used
//! and assigned, per licence metric. Pure and compact, so a million installations take
//! milliseconds; whoever owns the facts numbers them densely and feeds them in.

use std::collections::{BTreeMap, HashSet};

use rustc_hash::FxHashMap as HashMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::domain::kernel::Money;
use crate::domain::software::entitlement::Metric;

/// A dense number given to a product, device, person or family by whoever builds the estate.
pub type Num = u32;

/// A product as compliance sees it: its family and its version's place within the family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProductFacts {
    pub family: Num,
    /// Version order within the family, 0 the oldest (see `software::compare_versions`).
    pub rank: u32,
    /// Free software and the like consume nothing and need no entitlement.
    pub needs_licence: bool,
}

/// A device as compliance sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeviceFacts {
    /// False for retired and disposed devices: their installations consume nothing.
    pub in_use: bool,
    /// The person using it, if recorded.
    pub user: Option<Num>,
    /// Processor cores, for per-core licences (unknown counts as one).
    pub cores: u32,
}

/// One installation of a product on a device.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InstallFacts {
    pub product: Num,
    pub device: Num,
    pub last_used: Option<NaiveDate>,
}

/// Which versions of its family an entitlement covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cover {
    /// Exactly these version ranks.
    Exact(Vec<u32>),
    /// Every version up to and including this rank (downgrade rights).
    UpTo(u32),
}

impl Cover {
    fn covers(&self, rank: u32) -> bool {
        match self {
            Cover::Exact(ranks) => ranks.contains(&rank),
            Cover::UpTo(top) => rank <= *top,
        }
    }

    fn top(&self) -> u32 {
        match self {
            Cover::Exact(ranks) => ranks.iter().copied().max().unwrap_or(0),
            Cover::UpTo(top) => *top,
        }
    }
}

/// An entitlement as compliance sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrantFacts {
    pub family: Num,
    pub metric: Metric,
    /// Licences granted; `None` is unlimited (site licences).
    pub quantity: Option<u64>,
    pub cover: Cover,
    pub start: Option<NaiveDate>,
    /// Last day of the term; `None` is perpetual.
    pub end: Option<NaiveDate>,
    pub unit_cost: Option<Money>,
    /// People and devices the licences are assigned to by name.
    pub people: Vec<Num>,
    pub devices: Vec<Num>,
}

impl GrantFacts {
    fn in_force(&self, day: NaiveDate) -> bool {
        crate::domain::software::entitlement::in_term(self.start, self.end, day)
    }
}

/// Concurrent users of a product measured at one time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UsageFacts {
    pub product: Num,
    pub day: NaiveDate,
    pub concurrent: u32,
}

/// Everything compliance needs, numbered densely.
#[derive(Debug, Clone, Default)]
pub struct Estate {
    pub products: Vec<ProductFacts>,
    pub devices: Vec<DeviceFacts>,
    pub installs: Vec<InstallFacts>,
    pub grants: Vec<GrantFacts>,
    pub usage: Vec<UsageFacts>,
    /// People who have left: their assigned licences can be reclaimed.
    pub departed: HashSet<Num>,
}

/// The knobs of a compliance question.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    pub as_of: NaiveDate,
    /// An installation not used for this many days can be reclaimed.
    pub unused_days: u32,
    /// Peak concurrent use is taken over this many days before `as_of`.
    pub usage_window_days: u32,
    /// A surplus up to this share of the entitlement (percent) still counts as compliant.
    pub headroom_percent: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Status {
    Compliant,
    UnderLicensed,
    OverLicensed,
}

/// The licence position of one product family under one metric.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Position {
    pub family: Num,
    pub metric: Metric,
    /// Licences in force; `None` is unlimited.
    pub entitled: Option<u64>,
    /// Licences the estate needs under this metric.
    pub consumed: u64,
    /// Needed licences no entitlement in force covers (versions included).
    pub shortfall: u64,
    /// Licences in force nothing needs; `None` when unlimited.
    pub surplus: Option<u64>,
    pub status: Status,
    /// The price of one more licence: the unit cost of the newest entitlement in force.
    pub unit_cost: Option<Money>,
    pub true_up_cost: Option<Money>,
    /// Licences held by installations unused for `unused_days` or by people who left.
    pub reclaimable: u64,
    /// What reclaiming those (each frees a licence or avoids buying one) and dropping the
    /// surplus would save.
    pub potential_savings: Option<Money>,
    /// Installations counted (on devices in use).
    pub installations: u64,
    /// Entitlements of this family and metric, in force or not.
    pub entitlements: usize,
}

/// What needs a licence: a device, a person, or a device nobody is recorded as using (counted
/// as one user, since an auditor would).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Unit {
    Device(Num),
    Person(Num),
}

/// One unit's need: the newest version it uses, how many licences it takes, and whether every
/// use is stale.
#[derive(Debug, Clone, Copy)]
struct Need {
    rank: u32,
    weight: u64,
    stale: bool,
}

impl Need {
    fn merge(&mut self, other: Need) {
        self.rank = self.rank.max(other.rank);
        self.weight = self.weight.max(other.weight);
        self.stale &= other.stale;
    }
}

/// The positions of every family that has entitlements, or installations needing a licence, one
/// per metric its entitlements use (families with none are assumed licensed per device).
pub fn positions(estate: &Estate, options: &Options) -> Vec<Position> {
    let stale_before = options
        .as_of
        .checked_sub_days(chrono::Days::new(u64::from(options.unused_days)))
        .unwrap_or(NaiveDate::MIN);
    // Installations on devices in use, by family.
    let mut by_family: HashMap<Num, Vec<&InstallFacts>> = HashMap::default();
    for install in &estate.installs {
        let (Some(product), Some(device)) = (
            estate.products.get(install.product as usize),
            estate.devices.get(install.device as usize),
        ) else {
            continue;
        };
        if device.in_use && product.needs_licence {
            by_family.entry(product.family).or_default().push(install);
        }
    }
    let mut metrics: BTreeMap<(Num, Metric), Vec<&GrantFacts>> = BTreeMap::new();
    for grant in &estate.grants {
        metrics
            .entry((grant.family, grant.metric))
            .or_default()
            .push(grant);
    }
    for family in by_family.keys() {
        if !metrics.keys().any(|(f, _)| f == family) {
            metrics.insert((*family, Metric::PerDevice), Vec::new());
        }
    }
    metrics
        .into_iter()
        .map(|((family, metric), grants)| {
            let installs = by_family.get(&family).map_or(&[][..], Vec::as_slice);
            let needs = needs(
                estate,
                metric,
                family,
                installs,
                &grants,
                options,
                stale_before,
            );
            settle(family, metric, &grants, &needs, installs.len(), options)
        })
        .collect()
}

/// What each unit needs under `metric`.
fn needs(
    estate: &Estate,
    metric: Metric,
    family: Num,
    installs: &[&InstallFacts],
    grants: &[&GrantFacts],
    options: &Options,
    stale_before: NaiveDate,
) -> Vec<Need> {
    let mut units: HashMap<Unit, Need> = HashMap::default();
    units.reserve(installs.len());
    let mut add = |unit: Unit, need: Need| {
        units
            .entry(unit)
            .and_modify(|n| n.merge(need))
            .or_insert(need);
    };
    let counts_installs = matches!(
        metric,
        Metric::PerDevice | Metric::PerUser | Metric::PerCore | Metric::Site
    );
    if counts_installs {
        for install in installs {
            let device = estate.devices[install.device as usize];
            let rank = estate.products[install.product as usize].rank;
            let stale = install.last_used.is_some_and(|d| d < stale_before);
            let (unit, weight) = match metric {
                Metric::PerUser => (
                    device
                        .user
                        .map_or(Unit::Device(install.device), Unit::Person),
                    1,
                ),
                Metric::PerCore => (Unit::Device(install.device), u64::from(device.cores.max(1))),
                _ => (Unit::Device(install.device), 1),
            };
            add(
                unit,
                Need {
                    rank,
                    weight,
                    stale,
                },
            );
        }
    }
    // Named assignments take a licence of their entitlement's newest version; one nobody uses
    // can be reclaimed (a subscription seat is used by being assigned).
    for grant in grants.iter().filter(|g| g.in_force(options.as_of)) {
        let rank = grant.cover.top();
        let unused = metric != Metric::SubscriptionSeat;
        if matches!(metric, Metric::PerUser | Metric::SubscriptionSeat) {
            for person in &grant.people {
                add(
                    Unit::Person(*person),
                    Need {
                        rank,
                        weight: 1,
                        stale: unused,
                    },
                );
            }
        }
        if metric == Metric::PerDevice {
            for device in &grant.devices {
                if estate
                    .devices
                    .get(*device as usize)
                    .is_some_and(|d| d.in_use)
                {
                    add(
                        Unit::Device(*device),
                        Need {
                            rank,
                            weight: 1,
                            stale: true,
                        },
                    );
                }
            }
        }
    }
    if metric == Metric::Concurrent {
        return peak_usage(estate, family, options);
    }
    // A person who has left holds a licence that can be reclaimed, whatever their devices say.
    units
        .into_iter()
        .map(|(unit, mut need)| {
            if let Unit::Person(p) = unit {
                need.stale |= estate.departed.contains(&p);
            }
            need
        })
        .collect()
}

/// Concurrent use: each product's peak within the usage window, at its own version.
fn peak_usage(estate: &Estate, family: Num, options: &Options) -> Vec<Need> {
    let since = options
        .as_of
        .checked_sub_days(chrono::Days::new(u64::from(options.usage_window_days)))
        .unwrap_or(NaiveDate::MIN);
    let mut peaks: HashMap<Num, u32> = HashMap::default();
    for sample in &estate.usage {
        let in_family = estate
            .products
            .get(sample.product as usize)
            .is_some_and(|p| p.family == family);
        if in_family && sample.day >= since && sample.day <= options.as_of {
            let peak = peaks.entry(sample.product).or_default();
            *peak = (*peak).max(sample.concurrent);
        }
    }
    peaks
        .into_iter()
        .map(|(product, peak)| Need {
            rank: estate.products[product as usize].rank,
            weight: u64::from(peak),
            stale: false,
        })
        .collect()
}

/// Allocates the needs to the entitlements in force and prices the outcome.
fn settle(
    family: Num,
    metric: Metric,
    grants: &[&GrantFacts],
    needs: &[Need],
    installations: usize,
    options: &Options,
) -> Position {
    let mut in_force: Vec<&GrantFacts> = grants
        .iter()
        .copied()
        .filter(|g| g.in_force(options.as_of))
        .collect();
    // Narrow entitlements first: exact versions, then downgrade rights from the oldest top
    // version up, so that broad rights stay free for the versions only they cover. Needs are
    // served newest version first; with nested "up to" covers this leaves nothing coverable
    // uncovered.
    in_force.sort_by_key(|g| (matches!(g.cover, Cover::UpTo(_)), g.cover.top()));
    let mut left: Vec<Option<u64>> = in_force.iter().map(|g| g.quantity).collect();
    let mut by_rank: BTreeMap<u32, u64> = BTreeMap::new();
    for need in needs {
        *by_rank.entry(need.rank).or_default() += need.weight;
    }
    let mut shortfall = 0;
    for (&rank, &weight) in by_rank.iter().rev() {
        let mut wanted = weight;
        for (grant, left) in in_force.iter().zip(left.iter_mut()) {
            if wanted == 0 {
                break;
            }
            if !grant.cover.covers(rank) {
                continue;
            }
            match left {
                None => wanted = 0,
                Some(n) => {
                    let take = wanted.min(*n);
                    *n -= take;
                    wanted -= take;
                }
            }
        }
        shortfall += wanted;
    }
    let consumed: u64 = needs.iter().map(|n| n.weight).sum();
    let entitled = in_force
        .iter()
        .try_fold(0u64, |sum, g| g.quantity.map(|q| sum + q));
    let surplus = entitled.map(|e| e.saturating_sub(consumed - shortfall));
    let headroom = entitled.map_or(0, |e| e * u64::from(options.headroom_percent) / 100);
    let status = if shortfall > 0 {
        Status::UnderLicensed
    } else if surplus.is_some_and(|s| s > headroom) {
        Status::OverLicensed
    } else {
        Status::Compliant
    };
    let unit_cost = in_force
        .iter()
        .filter(|g| g.unit_cost.is_some())
        .max_by_key(|g| (g.cover.top(), g.start))
        .and_then(|g| g.unit_cost.clone());
    let reclaimable: u64 = needs.iter().filter(|n| n.stale).map(|n| n.weight).sum();
    let times = |count: u64| {
        unit_cost.as_ref().map(|c| Money {
            amount: c.amount * Decimal::from(count),
            currency: c.currency,
        })
    };
    Position {
        family,
        metric,
        entitled,
        consumed,
        shortfall,
        surplus,
        status,
        true_up_cost: times(shortfall),
        potential_savings: times(reclaimable + surplus.unwrap_or(0)),
        unit_cost,
        reclaimable,
        installations: installations as u64,
        entitlements: grants.len(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::kernel::Currency;
    use proptest::prelude::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn options() -> Options {
        Options {
            as_of: day("2026-12-01"),
            unused_days: 90,
            usage_window_days: 90,
            headroom_percent: 10,
        }
    }

    fn eur(amount: i64) -> Option<Money> {
        Some(Money {
            amount: Decimal::from(amount),
            currency: Currency::parse("EUR").unwrap(),
        })
    }

    /// Family 0 has versions 2019 (product 0, rank 0) and 2021 (product 1, rank 1); family 1 is
    /// free software (product 2). Six devices in use, the last retired.
    fn estate() -> Estate {
        let device = |user, cores| DeviceFacts {
            in_use: true,
            user,
            cores,
        };
        Estate {
            products: vec![
                ProductFacts {
                    family: 0,
                    rank: 0,
                    needs_licence: true,
                },
                ProductFacts {
                    family: 0,
                    rank: 1,
                    needs_licence: true,
                },
                ProductFacts {
                    family: 1,
                    rank: 0,
                    needs_licence: false,
                },
            ],
            devices: vec![
                device(Some(0), 8),
                device(Some(0), 4),
                device(None, 0),
                device(Some(1), 2),
                device(Some(2), 2),
                DeviceFacts {
                    in_use: false,
                    user: Some(3),
                    cores: 64,
                },
            ],
            ..Default::default()
        }
    }

    fn install(product: Num, device: Num, last_used: Option<&str>) -> InstallFacts {
        InstallFacts {
            product,
            device,
            last_used: last_used.map(day),
        }
    }

    fn grant(metric: Metric, quantity: Option<u64>, cover: Cover) -> GrantFacts {
        GrantFacts {
            family: 0,
            metric,
            quantity,
            cover,
            start: Some(day("2025-01-01")),
            end: None,
            unit_cost: eur(100),
            people: vec![],
            devices: vec![],
        }
    }

    fn only(estate: &Estate) -> Position {
        let mut positions = positions(estate, &options());
        positions.retain(|p| p.family == 0);
        assert_eq!(positions.len(), 1, "{positions:?}");
        positions.remove(0)
    }

    #[test]
    fn per_device_counts_devices_in_use_at_their_newest_version() {
        let mut e = estate();
        e.installs = vec![
            install(1, 0, None),
            install(1, 1, None),
            install(0, 2, None),
            install(1, 2, None),
            install(0, 5, None), // retired: consumes nothing
            install(2, 3, None), // free software
        ];
        e.grants = vec![grant(Metric::PerDevice, Some(2), Cover::Exact(vec![1]))];
        let p = only(&e);
        assert_eq!((p.consumed, p.entitled, p.shortfall), (3, Some(2), 1));
        assert_eq!(p.status, Status::UnderLicensed);
        assert_eq!(p.true_up_cost, eur(100));
        assert_eq!(p.installations, 4);
        // Free software makes no row of its own.
        assert_eq!(positions(&e, &options()).len(), 1);
    }

    #[test]
    fn downgrade_rights_cover_earlier_versions_and_exact_rights_do_not() {
        let mut e = estate();
        e.installs = vec![
            install(0, 0, None),
            install(0, 1, None),
            install(1, 2, None),
        ];
        e.grants = vec![grant(Metric::PerDevice, Some(4), Cover::Exact(vec![1]))];
        let exact = only(&e);
        assert_eq!((exact.shortfall, exact.surplus), (2, Some(3)));
        assert_eq!(exact.status, Status::UnderLicensed);
        e.grants = vec![grant(Metric::PerDevice, Some(4), Cover::UpTo(1))];
        let downgrade = only(&e);
        assert_eq!((downgrade.shortfall, downgrade.surplus), (0, Some(1)));
        assert_eq!(downgrade.status, Status::OverLicensed);
        assert_eq!(downgrade.potential_savings, eur(100));
    }

    #[test]
    fn expired_terms_entitle_nothing() {
        let mut e = estate();
        e.installs = vec![install(1, 0, None), install(1, 1, None)];
        let mut expired = grant(Metric::PerDevice, Some(5), Cover::UpTo(1));
        expired.end = Some(day("2026-11-30"));
        e.grants = vec![expired];
        let p = only(&e);
        assert_eq!((p.entitled, p.consumed, p.shortfall), (Some(0), 2, 2));
        assert_eq!(p.entitlements, 1);
        // Without any price in force, a true-up cannot be priced.
        assert_eq!(p.true_up_cost, None);
    }

    #[test]
    fn per_user_counts_people_and_unattributed_devices() {
        let mut e = estate();
        // Person 0 uses devices 0 and 1; device 2 has no user; person 3's device is retired.
        e.installs = vec![
            install(1, 0, None),
            install(1, 1, None),
            install(1, 2, None),
            install(1, 5, None),
        ];
        e.grants = vec![grant(Metric::PerUser, Some(2), Cover::UpTo(1))];
        let p = only(&e);
        assert_eq!(
            (p.consumed, p.shortfall, p.status),
            (2, 0, Status::Compliant)
        );
    }

    #[test]
    fn per_core_sums_cores_and_counts_unknown_as_one() {
        let mut e = estate();
        e.installs = vec![
            install(1, 0, None),
            install(0, 0, None),
            install(1, 2, None),
        ];
        e.grants = vec![grant(Metric::PerCore, Some(8), Cover::UpTo(1))];
        let p = only(&e);
        assert_eq!((p.consumed, p.shortfall), (9, 1));
    }

    #[test]
    fn concurrent_takes_the_peak_within_the_window() {
        let mut e = estate();
        e.usage = vec![
            UsageFacts {
                product: 1,
                day: day("2026-11-20"),
                concurrent: 5,
            },
            UsageFacts {
                product: 1,
                day: day("2026-10-01"),
                concurrent: 12,
            },
            UsageFacts {
                product: 1,
                day: day("2026-05-01"),
                concurrent: 30,
            },
        ];
        e.grants = vec![grant(Metric::Concurrent, Some(10), Cover::UpTo(1))];
        let p = only(&e);
        assert_eq!((p.consumed, p.shortfall), (12, 2));
    }

    #[test]
    fn site_licences_are_unlimited() {
        let mut e = estate();
        e.installs = vec![install(1, 0, None), install(0, 1, None)];
        e.grants = vec![grant(Metric::Site, None, Cover::UpTo(1))];
        let p = only(&e);
        assert_eq!((p.entitled, p.surplus, p.shortfall), (None, None, 0));
        assert_eq!(p.status, Status::Compliant);
    }

    #[test]
    fn seats_of_people_who_left_and_unused_installations_are_reclaimable() {
        let mut e = estate();
        e.departed.insert(2);
        let mut seats = grant(Metric::SubscriptionSeat, Some(5), Cover::UpTo(1));
        seats.people = vec![0, 1, 2];
        e.grants = vec![seats];
        let p = only(&e);
        assert_eq!((p.consumed, p.reclaimable, p.surplus), (3, 1, Some(2)));
        assert_eq!(p.status, Status::OverLicensed);
        assert_eq!(p.potential_savings, eur(300));

        let mut e = estate();
        e.installs = vec![
            install(1, 0, Some("2026-11-30")),
            install(1, 1, Some("2026-08-01")),
            install(1, 2, None),
        ];
        e.grants = vec![grant(Metric::PerDevice, Some(3), Cover::UpTo(1))];
        let p = only(&e);
        assert_eq!((p.consumed, p.reclaimable), (3, 1));
    }

    #[test]
    fn installed_software_without_entitlements_is_counted_per_device() {
        let mut e = estate();
        e.installs = vec![install(0, 0, None), install(0, 1, None)];
        let p = only(&e);
        assert_eq!(p.metric, Metric::PerDevice);
        assert_eq!((p.entitled, p.shortfall, p.entitlements), (Some(0), 2, 0));
    }

    proptest! {
        /// With downgrade rights covering every version, the engine's totals equal a naive
        /// recount: distinct devices (or users) in use with an installation, and the shortfall
        /// is what they exceed the entitlements by.
        #[test]
        fn totals_equal_a_naive_recount(
            devices in proptest::collection::vec((any::<bool>(), proptest::option::of(0u32..5), 0u32..16), 1..30),
            installs in proptest::collection::vec((0u32..4, 0usize..30), 0..80),
            quantities in proptest::collection::vec(0u64..20, 0..4),
            per_user in any::<bool>(),
        ) {
            let products: Vec<ProductFacts> = (0..4)
                .map(|i| ProductFacts { family: 0, rank: i, needs_licence: i != 3 })
                .collect();
            let devices: Vec<DeviceFacts> = devices
                .into_iter()
                .map(|(in_use, user, cores)| DeviceFacts { in_use, user, cores })
                .collect();
            let installs: Vec<InstallFacts> = installs
                .into_iter()
                .map(|(product, d)| install(product, (d % devices.len()) as Num, None))
                .collect();
            let metric = if per_user { Metric::PerUser } else { Metric::PerDevice };
            let grants: Vec<GrantFacts> = quantities
                .iter()
                .map(|q| grant(metric, Some(*q), Cover::UpTo(3)))
                .collect();
            let estate = Estate { products, devices, installs, grants, ..Default::default() };
            // A family without entitlements is counted per device.
            let per_user = per_user && !quantities.is_empty();

            let mut units = HashSet::new();
            for i in &estate.installs {
                let d = estate.devices[i.device as usize];
                if d.in_use && i.product != 3 {
                    units.insert(match (per_user, d.user) {
                        (true, Some(u)) => (1, u),
                        _ => (0, i.device),
                    });
                }
            }
            let consumed = units.len() as u64;
            let entitled: u64 = quantities.iter().sum();
            let all = positions(&estate, &options());
            if consumed == 0 && quantities.is_empty() {
                prop_assert!(all.is_empty());
            } else {
                prop_assert_eq!(all.len(), 1);
                let p = &all[0];
                prop_assert_eq!(p.consumed, consumed);
                prop_assert_eq!(p.shortfall, consumed.saturating_sub(entitled));
                prop_assert_eq!(p.surplus, Some(entitled.saturating_sub(consumed)));
                prop_assert!(p.reclaimable <= p.consumed);
            }
        }
    }
}
