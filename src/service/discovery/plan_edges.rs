//! Planning a batch's relationships and installations: reported links resolved to registered
//! assets, software matched to the catalogue, and the report of every record.

use crate::domain::discovery::IdentificationRule;
use crate::domain::discovery::{FoundSoftware, Observed, api_name};
use crate::domain::discovery::{Identification, Identities};
use crate::domain::kernel::{EntityId, EntityKind, NodeRef, Record};
use crate::domain::relationships::{
    Endpoint, Installation, Provenance, RelationType, Relationship,
};
use crate::domain::software::SoftwareProduct;
use crate::service::discovery::outcome::IngestReport;
use crate::service::discovery::plan::Loaded;
use crate::service::discovery::plan::Plan;
use crate::service::discovery::plan::UNRESOLVED;
use crate::service::discovery::plan::Working;
use crate::service::discovery::plan::catalogue_match;
use crate::service::discovery::plan::edge_key;
use crate::service::discovery::plan::identify;
use chrono::{DateTime, Utc};
use std::collections::BTreeSet;

impl Plan {
    /// The relationship of this type between two ends, as the batch sees it now.
    fn edge<'a>(
        &'a self,
        loaded: &'a Loaded,
        key: &(NodeRef, NodeRef, RelationType),
    ) -> Option<&'a Record<Relationship>> {
        self.working_edges
            .get(key)
            .map(|w| &w.after)
            .or_else(|| loaded.edges.get(key))
    }

    fn put_edge(&mut self, loaded: &Loaded, record: Record<Relationship>) {
        let key = edge_key(&record.data);
        match self.working_edges.get_mut(&key) {
            Some(w) => w.after = record,
            None => {
                self.relationships.push(key.clone());
                self.working_edges.insert(
                    key.clone(),
                    Working {
                        before: loaded.edges.get(&key).cloned(),
                        after: record,
                    },
                );
            }
        }
    }

    fn new_edge(
        source: &str,
        from: NodeRef,
        to: NodeRef,
        relation: RelationType,
        installation: Option<Installation>,
        now: DateTime<Utc>,
    ) -> Record<Relationship> {
        Record {
            id: EntityId::generate(),
            version: 1,
            created_at: now,
            updated_at: now,
            data: Relationship {
                source: from,
                target: to,
                relation,
                criticality: None,
                redundancy_group: None,
                min_up: None,
                allocation_percent: None,
                provenance: Some(Provenance {
                    source: source.to_string(),
                    first_seen: Some(now),
                    last_seen: Some(now),
                }),
                valid_from: None,
                valid_to: None,
                note: None,
                installation,
                ticket_role: None,
            },
        }
    }

    /// Installations of the titles found; returns the changed-field labels.
    pub(crate) fn software(
        &mut self,
        loaded: &Loaded,
        source: &str,
        asset: &EntityId,
        found: &[FoundSoftware],
        now: DateTime<Utc>,
        reported: &mut Vec<EntityId>,
    ) -> Vec<String> {
        let mut changed = BTreeSet::new();
        for title in found {
            let product =
                match catalogue_match(loaded.catalogue.iter().chain(&self.products), title) {
                    Some(p) => p.id.clone(),
                    None => {
                        let product = SoftwareProduct {
                            family: format!("{} {}", title.publisher, title.name),
                            publisher: title.publisher.clone(),
                            name: title.name.clone(),
                            product_version: title.version.clone(),
                            edition: None,
                            tag_id: None,
                            end_of_life: None,
                            end_of_support: None,
                            needs_licence: true,
                        };
                        let record = Record::first(EntityId::generate(), product, now);
                        let id = record.id.clone();
                        self.products.push(record);
                        id
                    }
                };
            let key = (
                NodeRef {
                    kind: EntityKind::SoftwareProduct,
                    id: product,
                },
                NodeRef::asset(asset),
                RelationType::InstalledOn,
            );
            let installation = Installation {
                version: title.version.clone(),
                installed_on: title.installed_on,
                last_used: title.last_used,
            };
            match self.edge(loaded, &key).cloned() {
                None => {
                    let edge = Plan::new_edge(
                        source,
                        key.0.clone(),
                        key.1.clone(),
                        RelationType::InstalledOn,
                        Some(installation),
                        now,
                    );
                    reported.push(edge.id.clone());
                    self.put_edge(loaded, edge);
                    changed.insert("installations".to_string());
                }
                Some(mut existing) => {
                    reported.push(existing.id.clone());
                    let had = existing.data.installation.clone().unwrap_or(Installation {
                        version: None,
                        installed_on: None,
                        last_used: None,
                    });
                    let merged = Installation {
                        version: installation.version.or(had.version.clone()),
                        installed_on: installation.installed_on.or(had.installed_on),
                        // Usage only moves forward: an older report does not undo a newer one.
                        last_used: installation.last_used.max(had.last_used),
                    };
                    if Some(&merged) != existing.data.installation.as_ref() {
                        existing.data.installation = Some(merged);
                        existing.updated_at = now;
                        self.put_edge(loaded, existing);
                        changed.insert("installations".to_string());
                    }
                }
            }
        }
        changed.into_iter().collect()
    }

    /// Relationships seen from this asset to others found by their identifiers.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn observe(
        &mut self,
        identities: &Identities,
        loaded: &Loaded,
        (source, rules): (&str, &[IdentificationRule]),
        asset: &EntityId,
        observed: &[Observed],
        now: DateTime<Utc>,
        (notes, reported): (&mut Vec<String>, &mut Vec<EntityId>),
    ) -> Vec<String> {
        let mut changed = BTreeSet::new();
        let class_of = |plan: &Plan, id: &EntityId| {
            plan.working
                .get(id)
                .map(|w| w.after.data.class)
                .or_else(|| identities.class(id))
        };
        for seen in observed {
            let (identification, _) =
                identify(identities, &self.overlay, source, &seen.target, rules);
            let target = match identification {
                Identification::Match { asset: target, .. } => target,
                Identification::New => {
                    notes.push(format!(
                        "{}: no asset matches the other end{UNRESOLVED}",
                        api_name(&seen.relation)
                    ));
                    continue;
                }
                Identification::Conflict(_) => {
                    notes.push(format!(
                        "{}: the other end matches several assets; not recorded",
                        api_name(&seen.relation)
                    ));
                    continue;
                }
            };
            let (Some(from), Some(to)) = (class_of(self, asset), class_of(self, &target)) else {
                continue;
            };
            if target == *asset {
                notes.push(format!(
                    "{}: the other end is this asset; not recorded",
                    api_name(&seen.relation)
                ));
                continue;
            }
            if !seen
                .relation
                .allows(Endpoint::Asset(from), Endpoint::Asset(to))
            {
                notes.push(format!(
                    "{} cannot join {} to {}; not recorded",
                    api_name(&seen.relation),
                    api_name(&from),
                    api_name(&to)
                ));
                continue;
            }
            let key = (
                NodeRef::asset(asset),
                NodeRef::asset(&target),
                seen.relation,
            );
            match self.edge(loaded, &key) {
                Some(existing) => reported.push(existing.id.clone()),
                None => {
                    let edge = Plan::new_edge(source, key.0, key.1, seen.relation, None, now);
                    reported.push(edge.id.clone());
                    self.put_edge(loaded, edge);
                    changed.insert(format!("relationships.{}", api_name(&seen.relation)));
                }
            }
        }
        changed.into_iter().collect()
    }

    pub(crate) fn report(&self, source: &str, dry_run: bool) -> IngestReport {
        let created = |kind: &dyn Fn(&Relationship) -> bool| {
            self.working_edges
                .values()
                .filter(|w| w.before.is_none() && kind(&w.after.data))
                .count()
        };
        IngestReport {
            source: source.to_string(),
            dry_run,
            outcomes: self.outcomes.clone(),
            relationships_created: created(&|r| r.relation != RelationType::InstalledOn),
            installations_created: created(&|r| r.relation == RelationType::InstalledOn),
            installations_updated: self
                .working_edges
                .values()
                .filter(|w| w.before.is_some())
                .count(),
            products_created: self.products.len(),
        }
    }
}
