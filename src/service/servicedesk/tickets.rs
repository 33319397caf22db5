//! Service-desk tickets: blind upserts from ticketing systems, links to assets, a change's
//! impact and its recorded assessment, colliding changes, and an incident's likely causes.

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, TimeDelta, Utc};
use serde_json::{Value as Json, json};

use crate::domain::access::{Actor, AuditEntry, Operation, diff};
use crate::domain::kernel::{EntityId, EntityKind, NodeRef, Record};
use crate::domain::kernel::{ErrorCode, FieldError};
use crate::domain::relationships::TicketRole;
use crate::domain::relationships::{RelationType, Relationship};
use crate::domain::servicedesk::{Amendment, Severity, Ticket, TicketKind, Window, assess, note};
use crate::graph::{RelationMask, State};
use crate::service::kernel::Register;
use crate::service::kernel::ServiceError;
use crate::service::kernel::{draft_from, to_json};
use crate::service::relationships::Walk;

/// An asset added to or excluded from an assessment, with the board's note.
pub type Correction = (EntityId, Option<String>);

/// Most assets one link or unlink call names.
pub const MAX_LINKED: usize = 1000;
/// Longest period a change calendar covers.
const MAX_CALENDAR_DAYS: i64 = 366;
/// Most entries of each list in an incident's context.
const CONTEXT_LIMIT: usize = 50;

/// Another change planned at an overlapping time that touches some of the same assets.
#[derive(Debug, Clone)]
pub struct Collision {
    pub other: Record<Ticket>,
    pub overlap: Window,
    /// Assets both changes change or impact.
    pub shared: Vec<EntityId>,
}

/// What was happening around an incident's assets: the likely causes.
#[derive(Debug, Clone, Default)]
pub struct IncidentContext {
    pub assets: Vec<EntityId>,
    /// What the incident's assets rely on, nearest first.
    pub dependencies: Vec<NodeRef>,
    /// Audited changes of the incident's assets and their dependencies in the period, newest first.
    pub recent_changes: Vec<AuditEntry>,
    /// Change tickets on those assets whose window or closing falls in the period.
    pub recent_change_tickets: Vec<Record<Ticket>>,
    /// Other open incidents on the same assets, what they rely on, or what relies on them.
    pub related_incidents: Vec<Record<Ticket>>,
}

impl Register {
    /// Creates the ticket `(system, key)` or brings it up to date with what was sent (a merge:
    /// absent fields keep their values). Sending the same again changes nothing and writes no
    /// audit entry, so a ticketing system can push every update blindly.
    pub async fn upsert_ticket(
        &self,
        actor: &Actor,
        input: Json,
    ) -> Result<Record<Ticket>, ServiceError> {
        if input.get("assessment").is_some() {
            return Err(ServiceError::invalid(
                "assessment",
                ErrorCode::NotAllowed,
                "an assessment is recorded with recordImpactAssessment",
            ));
        }
        let draft = draft_from::<Ticket>(input.clone())?;
        let (system, key) = (
            draft.system.unwrap_or_default(),
            draft.key.unwrap_or_default(),
        );
        for attempt in 0..2 {
            let existing = match (system.trim(), key.trim()) {
                ("", _) | (_, "") => None,
                (system, key) => self.store.ticket_by_key(system, key).await?,
            };
            let result = match existing {
                None => self.create::<Ticket>(actor, input.clone()).await,
                Some(current) => {
                    let mut patch = input.clone();
                    // The identity stays as stored (the lookup trimmed what was sent).
                    patch["system"] = json!(current.data.system);
                    patch["key"] = json!(current.data.key);
                    self.update::<Ticket>(actor, &current.id, None, patch).await
                }
            };
            match result {
                // Another push of the same ticket created it meanwhile: update that one.
                Err(ServiceError::Invalid(errors))
                    if attempt == 0
                        && errors
                            .iter()
                            .any(|e| e.code == ErrorCode::Conflict && e.field == "key") =>
                {
                    continue;
                }
                other => return other,
            }
        }
        unreachable!("the second attempt returns")
    }

    pub async fn ticket_by_key(
        &self,
        system: &str,
        key: &str,
    ) -> Result<Option<Record<Ticket>>, ServiceError> {
        Ok(self.store.ticket_by_key(system.trim(), key.trim()).await?)
    }

    async fn ticket(&self, id: &EntityId) -> Result<Record<Ticket>, ServiceError> {
        self.store
            .get::<Ticket>(id)
            .await?
            .ok_or(ServiceError::NotFound {
                kind: EntityKind::Ticket,
            })
    }

    /// The AFFECTS relationships of a ticket.
    pub async fn ticket_links(
        &self,
        ticket: &EntityId,
    ) -> Result<Vec<Record<Relationship>>, ServiceError> {
        let mut links = self
            .store
            .find_by::<Relationship>("source.id", vec![Json::from(ticket.as_str())])
            .await?;
        links.retain(|r| {
            r.data.relation == RelationType::Affects && r.data.source.kind == EntityKind::Ticket
        });
        Ok(links)
    }

    /// Links assets to a ticket in one transaction; an asset already linked takes the new role.
    pub async fn link_ticket(
        &self,
        actor: &Actor,
        ticket: &EntityId,
        assets: &[EntityId],
        role: TicketRole,
    ) -> Result<Vec<Record<Relationship>>, ServiceError> {
        self.ticket(ticket).await?;
        let assets = self.named_assets(assets).await?;
        let links = self.ticket_links(ticket).await?;
        let mut batch = crate::store::Batch::default();
        let mut written = Vec::new();
        for asset in &assets {
            match links.iter().find(|l| &l.data.target.id == asset) {
                Some(link) if link.data.ticket_role == Some(role) => {
                    written.push((None, link.clone(), false))
                }
                Some(link) => {
                    let mut next = link.clone();
                    next.data.ticket_role = Some(role);
                    next.version += 1;
                    next.updated_at = Utc::now();
                    let changes = diff(&to_json(&link.data)?, &to_json(&next.data)?);
                    let audit = AuditEntry::new(
                        actor,
                        Operation::Update,
                        EntityKind::Relationship,
                        &link.id,
                        changes,
                    );
                    batch
                        .replace(&next, link.version, &audit)
                        .map_err(ServiceError::from_write::<Relationship>)?;
                    written.push((Some(link.clone()), next, true));
                }
                None => {
                    let input = json!({
                        "source": {"kind": "Ticket", "id": ticket},
                        "target": {"kind": "Asset", "id": asset},
                        "type": "AFFECTS",
                        "ticketRole": role,
                    });
                    let (record, audit) = self
                        .prepare_create::<Relationship>(actor, EntityId::generate(), input)
                        .await?;
                    batch
                        .create(&record, &audit)
                        .map_err(ServiceError::from_write::<Relationship>)?;
                    written.push((None, record, true));
                }
            }
        }
        if !batch.is_empty() {
            let _pending = self.graph.pending::<Relationship>();
            self.store
                .commit(batch)
                .await
                .map_err(ServiceError::from_write::<Relationship>)?;
            for (before, after, _) in written.iter().filter(|(_, _, changed)| *changed) {
                self.apply(before.as_ref(), Some(after));
            }
        }
        Ok(written.into_iter().map(|(_, after, _)| after).collect())
    }

    /// Removes assets from a ticket in one transaction; every one must be linked.
    pub async fn unlink_ticket(
        &self,
        actor: &Actor,
        ticket: &EntityId,
        assets: &[EntityId],
    ) -> Result<Vec<Record<Relationship>>, ServiceError> {
        self.ticket(ticket).await?;
        check_count(assets)?;
        let links = self.ticket_links(ticket).await?;
        let mut gone = Vec::new();
        let mut problems = Vec::new();
        for (i, asset) in assets.iter().enumerate() {
            match links.iter().find(|l| &l.data.target.id == asset) {
                Some(link) if !gone.iter().any(|g: &Record<Relationship>| g.id == link.id) => {
                    gone.push(link.clone())
                }
                Some(_) => {}
                None => problems.push(FieldError::new(
                    format!("assets.{i}"),
                    ErrorCode::NotFound,
                    "this asset is not linked to the ticket",
                )),
            }
        }
        if !problems.is_empty() {
            return Err(ServiceError::Invalid(problems));
        }
        let mut batch = crate::store::Batch::default();
        for link in &gone {
            let changes = diff(&to_json(&link.data)?, &json!({}));
            let audit = AuditEntry::new(
                actor,
                Operation::Delete,
                EntityKind::Relationship,
                &link.id,
                changes,
            );
            batch
                .delete::<Relationship>(&link.id, link.version, &audit)
                .map_err(ServiceError::from_write::<Relationship>)?;
        }
        let _pending = self.graph.pending::<Relationship>();
        self.store
            .commit(batch)
            .await
            .map_err(ServiceError::from_write::<Relationship>)?;
        for link in &gone {
            self.apply(Some(link), None);
        }
        Ok(gone)
    }

    /// The ids, checked: at most [`MAX_LINKED`], each an existing asset, each once.
    async fn named_assets(&self, assets: &[EntityId]) -> Result<Vec<EntityId>, ServiceError> {
        check_count(assets)?;
        let found = self
            .store
            .get_many::<crate::domain::register::Asset>(assets)
            .await?;
        let problems: Vec<FieldError> = assets
            .iter()
            .enumerate()
            .filter(|(_, id)| !found.iter().any(|a| &a.id == *id))
            .map(|(i, _)| {
                FieldError::new(format!("assets.{i}"), ErrorCode::NotFound, "no such asset")
            })
            .collect();
        if !problems.is_empty() {
            return Err(ServiceError::Invalid(problems));
        }
        let mut seen = BTreeSet::new();
        Ok(assets.iter().filter(|a| seen.insert(*a)).cloned().collect())
    }

    /// Tickets linked to an asset, from the relationship index.
    pub fn tickets_linked_to(&self, assets: &[EntityId]) -> Vec<EntityId> {
        let affects = RelationMask::of(&[RelationType::Affects]);
        self.with_index(|index| {
            let mut found = BTreeSet::new();
            for asset in assets {
                let Some(node) = index.number(&NodeRef::asset(asset)) else {
                    continue;
                };
                for (source, packed) in index.incoming(node) {
                    if affects.contains(*packed)
                        && let Some(key) = index.key(*source)
                    {
                        found.insert(key.id.clone());
                    }
                }
            }
            found.into_iter().collect()
        })
    }

    /// The assets a ticket's impact starts from: the ones it changes, or else all it is linked to.
    pub async fn impact_start(&self, ticket: &EntityId) -> Result<Vec<EntityId>, ServiceError> {
        let links = self.ticket_links(ticket).await?;
        let changed: Vec<EntityId> = links
            .iter()
            .filter(|l| l.data.ticket_role == Some(TicketRole::Changed))
            .map(|l| l.data.target.id.clone())
            .collect();
        Ok(if changed.is_empty() {
            links.into_iter().map(|l| l.data.target.id).collect()
        } else {
            changed
        })
    }

    /// Everything hit if the ticket's starting assets fail (an empty walk when it has none).
    pub async fn ticket_impact(&self, ticket: &EntityId) -> Result<Walk, ServiceError> {
        self.ticket(ticket).await?;
        let start: Vec<NodeRef> = self
            .impact_start(ticket)
            .await?
            .iter()
            .map(NodeRef::asset)
            .collect();
        if start.is_empty() {
            return Ok(Walk::default());
        }
        self.impact(&start, None, None).await
    }

    /// Freezes the ticket's impact as computed now, with hand-made additions and exclusions,
    /// on the ticket (audited), so the change board's decision can be traced to what it saw.
    pub async fn record_impact_assessment(
        &self,
        actor: &Actor,
        ticket: &EntityId,
        expected_version: Option<i64>,
        corrections: (Vec<Correction>, Vec<Correction>),
    ) -> Result<Record<Ticket>, ServiceError> {
        let current = self.existing::<Ticket>(ticket, expected_version).await?;
        let (added, excluded) = corrections;
        let amendments = |list: Vec<Correction>, field: &str| {
            list.into_iter()
                .enumerate()
                .map(|(i, (asset, text))| {
                    Ok(Amendment {
                        asset,
                        note: note(&format!("{field}.{i}.note"), text.as_deref())?,
                    })
                })
                .collect::<Result<Vec<_>, ServiceError>>()
        };
        let added = amendments(added, "add")?;
        let excluded = amendments(excluded, "exclude")?;
        let manual: Vec<EntityId> = added.iter().map(|a| a.asset.clone()).collect();
        if !manual.is_empty() {
            self.named_assets(&manual).await?;
        }
        let changed = self.impact_start(ticket).await?;
        let walk = self.ticket_impact(ticket).await?;
        let computed = walk
            .hits
            .iter()
            .filter(|h| h.node.kind == EntityKind::Asset)
            .map(|h| {
                let severity = match h.state {
                    State::Down => Severity::Down,
                    _ => Severity::Degraded,
                };
                (h.node.id.clone(), severity, h.depth)
            })
            .collect();
        let now = Utc::now();
        let assessment = assess(
            changed,
            computed,
            added,
            excluded,
            (now, actor.name.clone()),
        )
        .map_err(ServiceError::Invalid)?;
        let mut next = current.clone();
        next.data.assessment = Some(assessment);
        next.version += 1;
        next.updated_at = now;
        let changes = diff(&to_json(&current.data)?, &to_json(&next.data)?);
        let audit = AuditEntry::new(
            actor,
            Operation::Update,
            EntityKind::Ticket,
            ticket,
            changes,
        )
        .because(Some("impact assessment recorded".into()), None);
        self.store
            .replace(&next, current.version, &audit)
            .await
            .map_err(ServiceError::from_write::<Ticket>)?;
        self.apply(Some(&current), Some(&next));
        Ok(next)
    }

    /// Assets a change works on or hits.
    async fn change_scope(&self, ticket: &EntityId) -> Result<BTreeSet<EntityId>, ServiceError> {
        let mut scope: BTreeSet<EntityId> = self.impact_start(ticket).await?.into_iter().collect();
        let walk = self.ticket_impact(ticket).await?;
        scope.extend(
            walk.hits
                .into_iter()
                .filter(|h| h.node.kind == EntityKind::Asset)
                .map(|h| h.node.id),
        );
        Ok(scope)
    }

    /// Other open changes whose window overlaps this change's and that change or hit some of the
    /// same assets.
    pub async fn change_conflicts(
        &self,
        ticket: &EntityId,
    ) -> Result<Vec<Collision>, ServiceError> {
        let change = self.ticket(ticket).await?;
        let window = change
            .data
            .window()
            .filter(|_| change.data.kind == TicketKind::Change);
        let Some(window) = window else {
            return Err(ServiceError::invalid(
                "ticket",
                ErrorCode::Invalid,
                "only a change with a planned window can collide with others",
            ));
        };
        let others = self.store.changes_between(window.start, window.end).await?;
        let mut scopes = HashMap::new();
        scopes.insert(change.id.clone(), self.change_scope(&change.id).await?);
        let mut found = Vec::new();
        for other in others {
            if let Some(collision) = self.collision(&change, &other, &mut scopes).await? {
                found.push(collision);
            }
        }
        Ok(found)
    }

    async fn collision(
        &self,
        one: &Record<Ticket>,
        other: &Record<Ticket>,
        scopes: &mut HashMap<EntityId, BTreeSet<EntityId>>,
    ) -> Result<Option<Collision>, ServiceError> {
        let (Some(a), Some(b)) = (one.data.window(), other.data.window()) else {
            return Ok(None);
        };
        if one.id == other.id || !other.data.status.is_open() || !a.overlaps(&b) {
            return Ok(None);
        }
        for id in [&one.id, &other.id] {
            if !scopes.contains_key(id) {
                let scope = self.change_scope(id).await?;
                scopes.insert(id.clone(), scope);
            }
        }
        let shared: Vec<EntityId> = scopes[&one.id]
            .intersection(&scopes[&other.id])
            .cloned()
            .collect();
        Ok((!shared.is_empty()).then(|| Collision {
            other: other.clone(),
            overlap: Window {
                start: a.start.max(b.start),
                end: a.end.min(b.end),
            },
            shared,
        }))
    }

    /// Changes planned in `[from, to)`, earliest first, each with the others it collides with.
    pub async fn change_calendar(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<(Record<Ticket>, Vec<Collision>)>, ServiceError> {
        if to <= from {
            return Err(ServiceError::invalid(
                "to",
                ErrorCode::Invalid,
                "to must come after from",
            ));
        }
        if to - from > TimeDelta::days(MAX_CALENDAR_DAYS) {
            return Err(ServiceError::invalid(
                "to",
                ErrorCode::Invalid,
                format!("a calendar covers at most {MAX_CALENDAR_DAYS} days"),
            ));
        }
        let changes = self.store.changes_between(from, to).await?;
        let mut scopes = HashMap::new();
        let mut calendar = Vec::with_capacity(changes.len());
        for change in &changes {
            let mut collisions = Vec::new();
            if change.data.status.is_open() {
                for other in &changes {
                    if let Some(c) = self.collision(change, other, &mut scopes).await? {
                        collisions.push(c);
                    }
                }
            }
            calendar.push((change.clone(), collisions));
        }
        Ok(calendar)
    }

    /// An incident's likely causes over the last `days`: recent changes on its assets and on
    /// what they rely on, change tickets there, and other open incidents nearby.
    pub async fn incident_context(
        &self,
        ticket: &EntityId,
        days: u32,
    ) -> Result<IncidentContext, ServiceError> {
        if !(1..=365).contains(&days) {
            return Err(ServiceError::BadRequest("days runs from 1 to 365".into()));
        }
        self.ticket(ticket).await?;
        let since = Utc::now() - TimeDelta::days(days.into());
        let assets: Vec<EntityId> = self
            .ticket_links(ticket)
            .await?
            .into_iter()
            .map(|l| l.data.target.id)
            .collect();
        let start: Vec<NodeRef> = assets.iter().map(NodeRef::asset).collect();
        let dependencies: Vec<NodeRef> = self
            .upstream(&start, None, None)
            .await?
            .hits
            .into_iter()
            .map(|h| h.node)
            .collect();
        let dependants: Vec<NodeRef> = self
            .impact(&start, None, None)
            .await?
            .hits
            .into_iter()
            .map(|h| h.node)
            .collect();
        let mut watched: Vec<EntityId> = assets.clone();
        watched.extend(
            dependencies
                .iter()
                .filter(|n| n.kind == EntityKind::Asset)
                .map(|n| n.id.clone()),
        );
        let recent_changes = self
            .store
            .recent_changes(EntityKind::Asset, &watched, since, CONTEXT_LIMIT)
            .await?;
        let linked = self
            .store
            .get_many::<Ticket>(&self.tickets_linked_to(&watched))
            .await?;
        let recent_change_tickets = linked
            .into_iter()
            .filter(|t| t.data.kind == TicketKind::Change && t.id != *ticket)
            .filter(|t| {
                let moments = [t.data.planned_start, t.data.planned_end, t.data.closed_at];
                moments
                    .iter()
                    .flatten()
                    .any(|m| *m >= since && *m <= Utc::now())
            })
            .take(CONTEXT_LIMIT)
            .collect();
        let mut nearby = watched.clone();
        nearby.extend(
            dependants
                .iter()
                .filter(|n| n.kind == EntityKind::Asset)
                .map(|n| n.id.clone()),
        );
        let related_incidents = self
            .store
            .get_many::<Ticket>(&self.tickets_linked_to(&nearby))
            .await?
            .into_iter()
            .filter(|t| {
                t.id != *ticket && t.data.kind == TicketKind::Incident && t.data.status.is_open()
            })
            .take(CONTEXT_LIMIT)
            .collect();
        Ok(IncidentContext {
            assets,
            dependencies,
            recent_changes,
            recent_change_tickets,
            related_incidents,
        })
    }
}

fn check_count(assets: &[EntityId]) -> Result<(), ServiceError> {
    if assets.is_empty() || assets.len() > MAX_LINKED {
        return Err(ServiceError::invalid(
            "assets",
            ErrorCode::Invalid,
            format!("name 1 to {MAX_LINKED} assets"),
        ));
    }
    Ok(())
}
