//! Builds the compliance estate from the register: products ranked by version within their
//! family, entitlements as grants, measured use, installations and people from [`Installs`],
//! and device facts from the [`Ledger`]. Pure, so the server and the benchmark share it.

use rustc_hash::FxHashMap as HashMap;

use crate::domain::finance::Ledger;
use crate::domain::kernel::{EntityId, Record};
use crate::domain::lifecycle::LifecycleStage;
use crate::domain::software::compliance::{
    Cover, DeviceFacts, Estate, GrantFacts, InstallFacts, Num, Options, Position, ProductFacts,
    UsageFacts, positions,
};
use crate::domain::software::entitlement::Entitlement;
use crate::domain::software::installs::Installs;
use crate::domain::software::product::{SoftwareProduct, SoftwareUsage, compare_versions};

/// The licence position of one family under one metric, with the entitlements counted.
#[derive(Debug, Clone)]
pub struct FamilyPosition {
    pub family: String,
    pub position: Position,
    pub entitlements: Vec<EntityId>,
}

/// Dense numbers for ids, in order of first sight.
#[derive(Default)]
struct Numbering {
    numbers: HashMap<EntityId, Num>,
    ids: Vec<EntityId>,
    /// Where numbering starts.
    first: Num,
}

impl Numbering {
    fn number(&mut self, id: &EntityId) -> Num {
        if let Some(n) = self.numbers.get(id) {
            return *n;
        }
        let n = self.first + self.ids.len() as Num;
        self.ids.push(id.clone());
        self.numbers.insert(id.clone(), n);
        n
    }
}

/// A number that is no device in use (a product's, or an asset the ledger does not hold).
const NO_DEVICE: DeviceFacts = DeviceFacts {
    in_use: false,
    user: None,
    cores: 0,
};

/// The records compliance reads from the store (few) beside the in-memory facts (many).
pub struct Catalogue<'a> {
    pub products: &'a [Record<SoftwareProduct>],
    pub entitlements: &'a [Record<Entitlement>],
    pub usage: &'a [Record<SoftwareUsage>],
}

/// Every family's position as of `options.as_of`, sorted by family and metric.
pub fn compliance(
    catalogue: &Catalogue<'_>,
    installs: &Installs,
    ledger: &Ledger,
    options: &Options,
) -> Vec<FamilyPosition> {
    let mut estate = Estate::default();
    let mut family_names: Vec<String> = Vec::new();
    let mut by_family: HashMap<&str, Vec<&Record<SoftwareProduct>>> = HashMap::default();
    for p in catalogue.products {
        by_family.entry(p.data.family.as_str()).or_default().push(p);
    }
    let mut product_numbers: HashMap<&EntityId, Num> = HashMap::default();
    for (name, mut versions) in by_family {
        let version = |p: &Record<SoftwareProduct>| p.data.product_version.clone();
        versions.sort_by(|a, b| compare_versions(version(a).as_deref(), version(b).as_deref()));
        let family = family_names.len() as Num;
        family_names.push(name.to_string());
        let mut rank = 0;
        for (i, p) in versions.iter().enumerate() {
            if i > 0
                && compare_versions(version(versions[i - 1]).as_deref(), version(p).as_deref())
                    .is_lt()
            {
                rank += 1;
            }
            product_numbers.insert(&p.id, estate.products.len() as Num);
            estate.products.push(ProductFacts {
                family,
                rank,
                needs_licence: p.data.needs_licence,
            });
        }
    }
    let mut people = Numbering::default();
    for id in installs.left_by(options.as_of) {
        estate.departed.insert(people.number(id));
    }
    // Devices keep the projection's numbers; devices only named on entitlements come after.
    let given = installs.numbers_given();
    let product_of: Vec<Option<Num>> = (0..given as u32)
        .map(|n| product_numbers.get(installs.id(n)).copied())
        .collect();
    let mut is_device = vec![false; given];
    for install in installs.iter() {
        let Some(product) = product_of[install.product as usize] else {
            continue;
        };
        is_device[install.device as usize] = true;
        estate.installs.push(InstallFacts {
            product,
            device: install.device,
            last_used: install.last_used,
        });
    }
    let mut named = Numbering {
        first: given as Num,
        ..Numbering::default()
    };
    let mut device_number = |id: &EntityId| match installs.number_of(id) {
        Some(n) if is_device[n as usize] => n,
        _ => named.number(id),
    };
    for grant in catalogue.entitlements {
        let e = &grant.data;
        let covered: Vec<&ProductFacts> = e
            .products
            .iter()
            .filter_map(|id| product_numbers.get(id))
            .map(|&n| &estate.products[n as usize])
            .collect();
        let Some(family) = covered.first().map(|p| p.family) else {
            continue;
        };
        let ranks: Vec<u32> = covered.iter().map(|p| p.rank).collect();
        let cover = if e.downgrade_rights {
            Cover::UpTo(ranks.iter().copied().max().unwrap_or(0))
        } else {
            Cover::Exact(ranks)
        };
        let grant = GrantFacts {
            family,
            metric: e.metric,
            quantity: e.quantity,
            cover,
            start: e.term_start,
            end: e.term_end,
            unit_cost: e.unit_cost.clone(),
            people: e.assigned_people.iter().map(|p| people.number(p)).collect(),
            devices: e.assigned_devices.iter().map(&mut device_number).collect(),
        };
        estate.grants.push(grant);
    }
    let mut facts = |id: &EntityId| match ledger.device(id) {
        Some(d) => DeviceFacts {
            in_use: !matches!(d.stage, LifecycleStage::Retired | LifecycleStage::Disposed),
            user: d.user.map(|u| people.number(u)),
            cores: d.cores,
        },
        None => NO_DEVICE,
    };
    estate.devices = (0..given)
        .map(|n| {
            if is_device[n] {
                facts(installs.id(n as u32))
            } else {
                NO_DEVICE
            }
        })
        .collect();
    let named_devices: Vec<DeviceFacts> = named.ids.iter().map(&mut facts).collect();
    estate.devices.extend(named_devices);
    for sample in catalogue.usage {
        if let Some(&product) = product_numbers.get(&sample.data.product) {
            estate.usage.push(UsageFacts {
                product,
                day: sample.data.measured_at.date_naive(),
                concurrent: sample.data.concurrent_users,
            });
        }
    }
    let mut answer: Vec<FamilyPosition> = positions(&estate, options)
        .into_iter()
        .map(|position| {
            let entitlements = catalogue
                .entitlements
                .iter()
                .filter(|g| {
                    g.data.metric == position.metric
                        && g.data
                            .products
                            .first()
                            .and_then(|p| product_numbers.get(p))
                            .is_some_and(|&n| estate.products[n as usize].family == position.family)
                })
                .map(|g| g.id.clone())
                .collect();
            FamilyPosition {
                family: family_names[position.family as usize].clone(),
                position,
                entitlements,
            }
        })
        .collect();
    answer.sort_by(|a, b| {
        (a.family.as_str(), a.position.metric).cmp(&(b.family.as_str(), b.position.metric))
    });
    answer
}
