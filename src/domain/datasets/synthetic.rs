//! A deterministic, layered synthetic estate (services → apps → VMs/containers → hosts → network,
//! storage, power) for scale tests and benchmarks: same size and seed, same estate.

use std::ops::Range;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

use crate::domain::kernel::AssetClass;
use crate::domain::kernel::{Currency, Money};
use crate::domain::kernel::{EntityId, NodeRef, Record};
use crate::domain::lifecycle::LifecycleStage;
use crate::domain::register::Team;
use crate::domain::register::Vendor;
use crate::domain::register::{Asset, OperationalStatus, Owner, Purchase};
use crate::domain::register::{Location, LocationKind};
use crate::domain::relationships::{RelationType, Relationship};

/// SplitMix64: tiny, fast, and the same sequence on every platform, which is all synthetic data needs.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n` > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    /// A random id shaped like the register's own (32 hex digits).
    fn id(&mut self) -> EntityId {
        let text = format!("{:016x}{:016x}", self.next_u64(), self.next_u64());
        EntityId::parse(&text).expect("hex digits make a valid id")
    }
}

/// One layer of the estate: a class, a name prefix, and how many assets it has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layer {
    /// The single internet edge router every network path goes through: the worst hub.
    EdgeRouter,
    Firewalls,
    CoreSwitches,
    DistributionSwitches,
    Power,
    RackSwitches,
    Storage,
    Hosts,
    AccessPoints,
    VirtualMachines,
    Containers,
    Applications,
    Services,
    Devices,
}

impl Layer {
    const ALL: [Layer; 14] = [
        Layer::EdgeRouter,
        Layer::Firewalls,
        Layer::CoreSwitches,
        Layer::DistributionSwitches,
        Layer::Power,
        Layer::RackSwitches,
        Layer::Storage,
        Layer::Hosts,
        Layer::AccessPoints,
        Layer::VirtualMachines,
        Layer::Containers,
        Layer::Applications,
        Layer::Services,
        Layer::Devices,
    ];

    fn prefix(self) -> &'static str {
        match self {
            Layer::EdgeRouter => "edge-router",
            Layer::Firewalls => "fw",
            Layer::CoreSwitches => "core-sw",
            Layer::DistributionSwitches => "dist-sw",
            Layer::Power => "pdu",
            Layer::RackSwitches => "tor-sw",
            Layer::Storage => "san",
            Layer::Hosts => "esx",
            Layer::AccessPoints => "ap",
            Layer::VirtualMachines => "vm",
            Layer::Containers => "pod",
            Layer::Applications => "app",
            Layer::Services => "svc",
            Layer::Devices => "dev",
        }
    }

    fn class(self, rng: &mut Rng) -> AssetClass {
        match self {
            Layer::EdgeRouter => AssetClass::Router,
            Layer::Firewalls => AssetClass::Firewall,
            Layer::CoreSwitches | Layer::DistributionSwitches | Layer::RackSwitches => {
                AssetClass::Switch
            }
            // The register has no facilities class; rack power distribution units are peripherals.
            Layer::Power => AssetClass::Peripheral,
            Layer::Storage => AssetClass::Storage,
            Layer::Hosts => AssetClass::Server,
            Layer::AccessPoints => AssetClass::AccessPoint,
            Layer::VirtualMachines => AssetClass::VirtualMachine,
            Layer::Containers => AssetClass::Container,
            Layer::Applications => AssetClass::SoftwareApplication,
            Layer::Services => AssetClass::BusinessService,
            Layer::Devices => [
                AssetClass::Laptop,
                AssetClass::Laptop,
                AssetClass::Workstation,
                AssetClass::Phone,
                AssetClass::Tablet,
                AssetClass::Printer,
            ][rng.below(6)],
        }
    }

    /// Relative price of one asset of the layer, in euros.
    fn price(self) -> Option<i64> {
        match self {
            Layer::EdgeRouter => Some(48_000),
            Layer::Firewalls => Some(36_000),
            Layer::CoreSwitches => Some(42_000),
            Layer::DistributionSwitches => Some(18_000),
            Layer::Power => Some(1_400),
            Layer::RackSwitches => Some(7_500),
            Layer::Storage => Some(120_000),
            Layer::Hosts => Some(14_000),
            Layer::AccessPoints => Some(650),
            Layer::Devices => Some(1_200),
            _ => None,
        }
    }
}

/// Hosts per rack; each rack has two switches and two power feeds.
const HOSTS_PER_RACK: usize = 20;
/// Racks per pair of distribution switches.
const RACKS_PER_POD: usize = 25;
/// Shared platform applications (identity, DNS, registry, …) that most others depend on.
const PLATFORM_APPS: usize = 10;

/// The organisation around an estate: teams owning assets, vendors supplying them, sites and
/// their server rooms holding them.
#[derive(Debug, Clone)]
pub struct Organisation {
    pub teams: Vec<Record<Team>>,
    pub vendors: Vec<Record<Vendor>>,
    /// Sites first, then one server room per site.
    pub locations: Vec<Record<Location>>,
}

/// The shape of an estate of a given size: which asset numbers each layer owns.
#[derive(Debug, Clone)]
pub struct Estate {
    seed: u64,
    layers: Vec<(Layer, Range<usize>)>,
    ids: Vec<EntityId>,
    at: DateTime<Utc>,
    organisation: Organisation,
}

/// Vendors in every estate.
const VENDORS: usize = 24;

impl Estate {
    /// Plans `assets` assets (at least 200) for `seed`; `at` stamps every record.
    pub fn plan(assets: usize, seed: u64, at: DateTime<Utc>) -> Estate {
        let n = assets.max(200);
        let racks = (n * 4 / 100 / HOSTS_PER_RACK).max(1);
        let pods = racks.div_ceil(RACKS_PER_POD);
        let fixed = [
            (Layer::EdgeRouter, 1),
            (Layer::Firewalls, 2),
            (Layer::CoreSwitches, 2),
            (Layer::DistributionSwitches, 2 * pods),
            (Layer::Power, 2 * racks),
            (Layer::RackSwitches, 2 * racks),
            (Layer::Storage, (n / 2_000).max(2)),
            (Layer::Hosts, racks * HOSTS_PER_RACK),
            (Layer::AccessPoints, (n * 3 / 1_000).max(1)),
            (Layer::Containers, n / 4),
            (Layer::Applications, (n / 20).max(PLATFORM_APPS + 2)),
            (Layer::Services, (n / 200).max(2)),
            (Layer::Devices, n * 14 / 100),
        ];
        let taken: usize = fixed.iter().map(|(_, c)| c).sum();
        let mut counts: Vec<(Layer, usize)> = Vec::new();
        for layer in Layer::ALL {
            let count = match fixed.iter().find(|(l, _)| *l == layer) {
                Some((_, c)) => *c,
                None => n.saturating_sub(taken).max(1),
            };
            counts.push((layer, count));
        }
        let mut layers = Vec::new();
        let mut start = 0;
        for (layer, count) in counts {
            layers.push((layer, start..start + count));
            start += count;
        }
        let mut rng = Rng::new(seed);
        let ids = (0..start).map(|_| rng.id()).collect();
        let organisation = Estate::organisation(n, seed, at);
        Estate {
            seed,
            layers,
            ids,
            at,
            organisation,
        }
    }

    /// About one team per 5,000 assets (at least 10), one site per 100,000 (at least 2).
    fn organisation(n: usize, seed: u64, at: DateTime<Utc>) -> Organisation {
        let mut rng = Rng::new(seed ^ 0x005E_ED0F_0126);
        fn record<T>(rng: &mut Rng, at: DateTime<Utc>, data: T) -> Record<T> {
            Record::first(rng.id(), data, at)
        }
        let teams = (0..(n / 5_000).max(10))
            .map(|k| {
                let team = Team {
                    name: format!("Team {k:04}"),
                    cost_centre: Some(format!("CC-{:04}", 1000 + k)),
                    parent: None,
                };
                record(&mut rng, at, team)
            })
            .collect();
        let vendors = (0..VENDORS)
            .map(|k| {
                let vendor = Vendor {
                    name: format!("Vendor {k:02}"),
                    website: None,
                    support_email: None,
                    support_phone: None,
                };
                record(&mut rng, at, vendor)
            })
            .collect();
        let sites: Vec<Record<Location>> = (0..(n / 100_000).max(2))
            .map(|k| {
                let site = Location {
                    name: format!("Site {k:02}"),
                    kind: LocationKind::Site,
                    parent: None,
                    address: None,
                };
                record(&mut rng, at, site)
            })
            .collect();
        let rooms: Vec<Record<Location>> = sites
            .iter()
            .map(|site| {
                let room = Location {
                    name: format!("{} server room", site.data.name),
                    kind: LocationKind::Room,
                    parent: Some(site.id.clone()),
                    address: None,
                };
                record(&mut rng, at, room)
            })
            .collect();
        Organisation {
            teams,
            vendors,
            locations: sites.into_iter().chain(rooms).collect(),
        }
    }

    pub fn organisation_records(&self) -> &Organisation {
        &self.organisation
    }

    pub fn asset_count(&self) -> usize {
        self.ids.len()
    }

    pub fn range(&self, layer: Layer) -> Range<usize> {
        self.layers
            .iter()
            .find(|(l, _)| *l == layer)
            .map(|(_, r)| r.clone())
            .expect("every layer is planned")
    }

    pub fn id(&self, number: usize) -> &EntityId {
        &self.ids[number]
    }

    fn layer_of(&self, number: usize) -> Layer {
        self.layers
            .iter()
            .find(|(_, r)| r.contains(&number))
            .map(|(l, _)| *l)
            .expect("numbers come from the plan")
    }

    fn record<T>(&self, id: EntityId, data: T) -> Record<T> {
        Record {
            id,
            version: 1,
            created_at: self.at,
            updated_at: self.at,
            data,
        }
    }

    /// Asset number `number`, always the same for the same plan.
    pub fn asset(&self, number: usize) -> Record<Asset> {
        let layer = self.layer_of(number);
        let mut rng = Rng::new(self.seed ^ (number as u64).wrapping_mul(0xA24B_AED4_963E_E407));
        let class = layer.class(&mut rng);
        let local = number - self.range(layer).start;
        let physical = class.is_physical();
        // Bought within the last six years, with three years of warranty for hardware.
        let bought = (self.at - chrono::Days::new(rng.below(6 * 365) as u64)).date_naive();
        let purchase = layer.price().map(|price| Purchase {
            date: Some(bought),
            cost: Some(Money {
                amount: Decimal::from(price),
                currency: Currency::parse("EUR").expect("EUR is ISO 4217"),
            }),
            ..Purchase::default()
        });
        let org = &self.organisation;
        let team = org.teams[rng.below(org.teams.len())].id.clone();
        let rooms = &org.locations[org.locations.len() / 2..];
        let room = rooms[local % rooms.len()].id.clone();
        let vendor = org.vendors[rng.below(org.vendors.len())].id.clone();
        let asset = Asset {
            name: format!("{}-{local:07}", layer.prefix()),
            asset_tag: format!("SYN-{number:08}"),
            serial_number: physical.then(|| format!("SYN{number:010}")),
            manufacturer: physical.then(|| "Synthetic Systems".to_string()),
            class,
            category: class.category(),
            model: None,
            lifecycle_stage: LifecycleStage::Deployed,
            status: OperationalStatus::Operational,
            owner: Some(Owner::Team(team)),
            assignee: None,
            location: physical.then_some(room),
            vendor: purchase.is_some().then_some(vendor),
            warranty_start: (physical && purchase.is_some()).then_some(bought),
            warranty_end: (physical && purchase.is_some())
                .then(|| bought + chrono::Months::new(36)),
            purchase,
            end_of_life: None,
            end_of_support: None,
            depreciation: None,
            disposal: None,
            custody: None,
            notes: None,
            tags: vec!["synthetic".to_string()],
            attributes: serde_json::Map::new(),
            external_ids: Vec::new(),
            managed: true,
            field_sources: Default::default(),
            distinct_from: Vec::new(),
            merged_from: Vec::new(),
        };
        self.record(self.id(number).clone(), asset)
    }

    /// The relationships whose source is asset `number`, always the same for the same plan.
    pub fn relationships_of(&self, number: usize) -> Vec<Record<Relationship>> {
        let layer = self.layer_of(number);
        let local = number - self.range(layer).start;
        let mut rng = Rng::new(!self.seed ^ (number as u64).wrapping_mul(0x9FB2_1C65_1E98_DF25));
        let mut edges = Edges::new(self, number, &mut rng);
        let rack = |local: usize| local / HOSTS_PER_RACK;
        match layer {
            Layer::EdgeRouter | Layer::Power => {}
            Layer::Firewalls => {
                edges.single(RelationType::ConnectedTo, self.first(Layer::EdgeRouter))
            }
            Layer::CoreSwitches => {
                edges.single(RelationType::ConnectedTo, self.first(Layer::EdgeRouter));
                edges.group(
                    RelationType::ConnectedTo,
                    "firewalls",
                    1,
                    self.pair(Layer::Firewalls, 0),
                );
            }
            Layer::DistributionSwitches => {
                edges.group(
                    RelationType::ConnectedTo,
                    "uplinks",
                    1,
                    self.pair(Layer::CoreSwitches, 0),
                );
            }
            Layer::RackSwitches => {
                let pod = local / 2 / RACKS_PER_POD;
                edges.group(
                    RelationType::ConnectedTo,
                    "uplinks",
                    1,
                    self.pair(Layer::DistributionSwitches, pod),
                );
                edges.group(
                    RelationType::DependsOn,
                    "power",
                    1,
                    self.pair(Layer::Power, local / 2),
                );
            }
            Layer::Storage => {
                let pods = self.range(Layer::DistributionSwitches).len() / 2;
                edges.group(
                    RelationType::ConnectedTo,
                    "uplinks",
                    1,
                    self.pair(Layer::DistributionSwitches, local % pods),
                );
                let racks = self.range(Layer::Power).len() / 2;
                edges.group(
                    RelationType::DependsOn,
                    "power",
                    1,
                    self.pair(Layer::Power, local % racks),
                );
            }
            Layer::Hosts => {
                edges.group(
                    RelationType::ConnectedTo,
                    "uplinks",
                    1,
                    self.pair(Layer::RackSwitches, rack(local)),
                );
                edges.group(
                    RelationType::DependsOn,
                    "power",
                    1,
                    self.pair(Layer::Power, rack(local)),
                );
                let arrays = self.range(Layer::Storage).len() / 2;
                edges.group(
                    RelationType::DependsOn,
                    "san",
                    1,
                    self.pair(Layer::Storage, rack(local) % arrays),
                );
            }
            Layer::AccessPoints => {
                let switches = self.range(Layer::RackSwitches);
                let switch = switches.start + edges.pick(switches.len());
                edges.single(RelationType::ConnectedTo, switch);
            }
            Layer::VirtualMachines => {
                // A VM can fail over within its three-host cluster, and its disks sit on a mirrored pair.
                let hosts = self.range(Layer::Hosts);
                let cluster = edges.pick(hosts.len()) / 3 * 3;
                let members: Vec<usize> = (0..3)
                    .map(|i| hosts.start + (cluster + i).min(hosts.len() - 1))
                    .collect();
                edges.group(RelationType::HostedOn, "cluster", 1, members);
                let arrays = self.range(Layer::Storage);
                let array = edges.pick(arrays.len()) / 2 * 2;
                edges.group(
                    RelationType::DependsOn,
                    "datastore",
                    1,
                    vec![
                        arrays.start + array,
                        arrays.start + (array + 1).min(arrays.len() - 1),
                    ],
                );
            }
            Layer::Containers => {
                let vms = self.range(Layer::VirtualMachines);
                let node = edges.pick(vms.len());
                let members = (0..3).map(|i| vms.start + (node + i) % vms.len()).collect();
                edges.group(RelationType::RunsOn, "nodes", 1, members);
                let apps = self.range(Layer::Applications);
                for _ in 0..2 {
                    let platform = apps.start + edges.pick(PLATFORM_APPS);
                    edges.single(RelationType::DependsOn, platform);
                }
            }
            Layer::Applications => {
                let containers = self.range(Layer::Containers);
                let first = edges.pick(containers.len());
                let members = (0..3)
                    .map(|i| containers.start + (first + i) % containers.len())
                    .collect();
                edges.group(RelationType::RunsOn, "replicas", 2, members);
                let apps = self.range(Layer::Applications);
                if local >= PLATFORM_APPS {
                    let platform = apps.start + edges.pick(PLATFORM_APPS);
                    edges.single(RelationType::DependsOn, platform);
                    for _ in 0..2 {
                        // Mostly on older applications; one in fifty on a newer one, so cycles occur as in real CMDBs.
                        let other = if edges.pick(50) == 0 {
                            PLATFORM_APPS + edges.pick(apps.len() - PLATFORM_APPS)
                        } else {
                            edges.pick(local)
                        };
                        edges.single(RelationType::DependsOn, apps.start + other);
                    }
                }
            }
            Layer::Services => {
                let apps = self.range(Layer::Applications);
                for _ in 0..5 {
                    let app = apps.start + edges.pick(apps.len());
                    edges.single(RelationType::DependsOn, app);
                }
            }
            Layer::Devices => {
                let aps = self.range(Layer::AccessPoints);
                let ap = aps.start + edges.pick(aps.len());
                edges.single(RelationType::ConnectedTo, ap);
                let services = self.range(Layer::Services);
                for _ in 0..3 {
                    let service = services.start + edges.pick(services.len());
                    edges.single(RelationType::DependsOn, service);
                }
            }
        }
        edges.records
    }

    fn first(&self, layer: Layer) -> usize {
        self.range(layer).start
    }

    /// The `index`-th pair of a layer laid out in pairs (the last pair wraps onto the first).
    fn pair(&self, layer: Layer, index: usize) -> Vec<usize> {
        let range = self.range(layer);
        let pairs = (range.len() / 2).max(1);
        let first = range.start + (index % pairs) * 2;
        vec![first, (first + 1).min(range.end - 1)]
    }
}

/// The relationships of one source asset under construction; repeated targets are dropped.
struct Edges<'a> {
    estate: &'a Estate,
    source: usize,
    rng: &'a mut Rng,
    records: Vec<Record<Relationship>>,
}

impl<'a> Edges<'a> {
    fn new(estate: &'a Estate, source: usize, rng: &'a mut Rng) -> Edges<'a> {
        Edges {
            estate,
            source,
            rng,
            records: Vec::new(),
        }
    }

    fn pick(&mut self, n: usize) -> usize {
        self.rng.below(n.max(1))
    }

    fn node(&self, number: usize) -> NodeRef {
        NodeRef::asset(self.estate.id(number))
    }

    fn add(&mut self, relation: RelationType, target: usize, group: Option<(&str, u16)>) {
        let taken = self
            .records
            .iter()
            .any(|r| r.data.relation == relation && r.data.target.id == *self.estate.id(target));
        if target == self.source || taken {
            return;
        }
        let relationship = Relationship {
            source: self.node(self.source),
            target: self.node(target),
            relation,
            criticality: Some(1 + self.rng.below(5) as u8),
            redundancy_group: group.map(|(name, _)| name.to_string()),
            min_up: group.map(|(_, min_up)| min_up),
            allocation_percent: None,
            provenance: None,
            valid_from: None,
            valid_to: None,
            note: None,
            installation: None,
            ticket_role: None,
        };
        let id = self.rng.id();
        self.records.push(self.estate.record(id, relationship));
    }

    fn single(&mut self, relation: RelationType, target: usize) {
        self.add(relation, target, None);
    }

    fn group(&mut self, relation: RelationType, name: &str, min_up: u16, members: Vec<usize>) {
        let distinct = {
            let mut m = members.clone();
            m.sort_unstable();
            m.dedup();
            m.retain(|n| *n != self.source);
            m.len()
        };
        // A group smaller than its threshold would make the source DOWN with nothing failed.
        let min_up = min_up.min(distinct as u16).max(1);
        for target in members {
            self.add(relation, target, Some((name, min_up)));
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::{HashMap, HashSet};

    use super::*;
    use crate::domain::relationships::Endpoint;

    fn estate(n: usize, seed: u64) -> Estate {
        Estate::plan(n, seed, DateTime::UNIX_EPOCH)
    }

    #[test]
    fn the_same_plan_gives_the_same_estate() {
        let (a, b) = (estate(3_000, 7), estate(3_000, 7));
        for n in [0, 5, 1_500, 2_999] {
            assert_eq!(a.asset(n), b.asset(n));
            assert_eq!(a.relationships_of(n), b.relationships_of(n));
        }
        assert_ne!(estate(3_000, 8).id(5), a.id(5));
    }

    #[test]
    fn every_asset_passes_the_register_rules_and_refers_to_its_organisation() {
        use crate::domain::kernel::Entity;
        let estate = estate(5_000, 2);
        let org = estate.organisation_records();
        let known: HashSet<&EntityId> = org
            .teams
            .iter()
            .map(|r| &r.id)
            .chain(org.vendors.iter().map(|r| &r.id))
            .chain(org.locations.iter().map(|r| &r.id))
            .collect();
        for n in (0..estate.asset_count()).step_by(7) {
            let asset = estate.asset(n).data;
            let doc = serde_json::to_value(&asset).unwrap();
            let checked = Asset::validate(serde_json::from_value(doc).unwrap());
            assert_eq!(
                checked.as_ref().ok(),
                Some(&asset),
                "asset {n}: {checked:?}"
            );
            let refs = [asset.location.as_ref(), asset.vendor.as_ref()];
            assert!(refs.into_iter().flatten().all(|id| known.contains(id)));
        }
    }

    #[test]
    fn every_edge_is_allowed_unique_and_about_five_per_asset() {
        let estate = estate(20_000, 3);
        assert_eq!(estate.asset_count(), 20_000);
        let classes: Vec<AssetClass> = (0..estate.asset_count())
            .map(|n| estate.asset(n).data.class)
            .collect();
        let number: HashMap<&EntityId, usize> = (0..estate.asset_count())
            .map(|n| (estate.id(n), n))
            .collect();
        let mut seen = HashSet::new();
        let mut groups: HashMap<(usize, String), (usize, u16)> = HashMap::new();
        let mut edges = 0;
        for source in 0..estate.asset_count() {
            for r in estate.relationships_of(source) {
                let r = r.data;
                let target = number[&r.target.id];
                assert_eq!(number[&r.source.id], source);
                assert_ne!(source, target);
                assert!(
                    r.relation.allows(
                        Endpoint::Asset(classes[source]),
                        Endpoint::Asset(classes[target])
                    ),
                    "{:?} from {:?} to {:?}",
                    r.relation,
                    classes[source],
                    classes[target]
                );
                assert!(seen.insert((source, target, r.relation)));
                if let Some(group) = r.redundancy_group {
                    let entry = groups.entry((source, group)).or_insert((0, 0));
                    entry.0 += 1;
                    entry.1 = r.min_up.expect("grouped edges carry minUp");
                }
                edges += 1;
            }
        }
        assert!(
            groups
                .values()
                .all(|(members, min_up)| usize::from(*min_up) <= *members)
        );
        let per_asset = edges as f64 / estate.asset_count() as f64;
        assert!(
            (4.5..5.5).contains(&per_asset),
            "{per_asset} edges per asset"
        );
    }
}
