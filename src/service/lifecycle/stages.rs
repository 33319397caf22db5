//! Lifecycle operations: stage transitions with the facts each stage needs, retirement
//! approvals, custody (check-out and check-in) and maintenance records; and their histories.

use chrono::{DateTime, Utc};
use serde_json::{Value as Json, json};

use crate::domain::access::{Actor, AuditEntry, Operation};
use crate::domain::kernel::ErrorCode;
use crate::domain::kernel::{EntityId, EntityKind, Record};
use crate::domain::lifecycle::ApprovalStatus;
use crate::domain::lifecycle::LifecycleStage;
use crate::domain::lifecycle::stage as lifecycle;
use crate::domain::register::Asset;
use crate::service::kernel::Register;
use crate::service::kernel::ServiceError;
use crate::service::kernel::to_json;
use crate::store::Batch;

/// Fields a transition may set together with the move: the facts the new stage needs.
const TRANSITION_FIELDS: [&str; 5] = ["assignee", "location", "vendor", "purchase", "disposal"];

/// A lifecycle move as asked for.
#[derive(Debug, Clone)]
pub struct Move {
    pub to: LifecycleStage,
    pub reason: Option<String>,
    pub ticket_ref: Option<String>,
    pub expected_version: Option<i64>,
    /// Document fields set with the move (see `TRANSITION_FIELDS`; `purchase` only its order number).
    pub set: Json,
}

/// One lifecycle step of an asset, from its audit trail.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    /// `None` for the stage the asset was registered in.
    pub from: Option<LifecycleStage>,
    pub to: LifecycleStage,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub reason: Option<String>,
    pub ticket_ref: Option<String>,
}

fn stage_of(value: Option<&Json>) -> Option<LifecycleStage> {
    value.and_then(|v| serde_json::from_value(v.clone()).ok())
}

impl Register {
    /// Moves an asset to another lifecycle stage, with the facts that stage needs, audited with
    /// the reason and ticket. RETIRING → RETIRED consumes an approved retirement request;
    /// going back from RETIRING withdraws any open one.
    pub async fn transition(
        &self,
        actor: &Actor,
        id: &EntityId,
        step: Move,
    ) -> Result<Record<Asset>, ServiceError> {
        let reason = lifecycle::note("reason", step.reason.as_deref())?;
        let ticket_ref = lifecycle::note("ticketRef", step.ticket_ref.as_deref())?;
        if let Some(field) = step.set.as_object().and_then(|set| {
            set.keys()
                .find(|k| !TRANSITION_FIELDS.contains(&k.as_str()))
        }) {
            return Err(ServiceError::BadRequest(format!(
                "a transition cannot set {field}"
            )));
        }
        let current = self.existing::<Asset>(id, step.expected_version).await?;
        let from = current.data.lifecycle_stage;
        if !lifecycle::allowed(from, step.to) {
            return Err(ServiceError::invalid(
                "to",
                ErrorCode::InvalidTransition,
                format!("an asset cannot go from {from:?} to {:?}", step.to),
            ));
        }
        let mut batch = Batch::default();
        let open = self.open_requests(id).await?;
        // Requests this step settles, as they were and as they will be.
        let mut settled = Vec::new();
        match (from, step.to) {
            (LifecycleStage::Retiring, LifecycleStage::Retired) => {
                let Some(approved) = open
                    .iter()
                    .find(|r| r.data.status == ApprovalStatus::Approved)
                else {
                    return Err(ServiceError::invalid(
                        "to",
                        ErrorCode::ApprovalRequired,
                        "retiring an asset needs an approved retirement request",
                    ));
                };
                let next =
                    self.settle_request(&mut batch, actor, approved, ApprovalStatus::Completed)?;
                settled.push((approved.clone(), next));
            }
            (LifecycleStage::Retiring, _) => {
                for request in &open {
                    let next =
                        self.settle_request(&mut batch, actor, request, ApprovalStatus::Withdrawn)?;
                    settled.push((request.clone(), next));
                }
            }
            _ => {}
        }
        let mut patch = step.set.clone();
        if !patch.is_object() {
            patch = json!({});
        }
        patch["lifecycleStage"] = to_json(&step.to)?;
        let (record, changes) = self
            .revise(&current, &patch)
            .await?
            .expect("the stage changes");
        let audit = AuditEntry::new(actor, Operation::Update, EntityKind::Asset, id, changes)
            .because(reason, ticket_ref);
        batch
            .replace(&record, current.version, &audit)
            .map_err(ServiceError::from_write::<Asset>)?;
        self.store
            .commit(batch)
            .await
            .map_err(ServiceError::from_write::<Asset>)?;
        self.apply(Some(&current), Some(&record));
        for (before, after) in &settled {
            self.apply(Some(before), Some(after));
        }
        Ok(record)
    }

    /// The asset's lifecycle, oldest first: every change of its stage, with who, when and why.
    pub async fn lifecycle_history(&self, id: &EntityId) -> Result<Vec<Step>, ServiceError> {
        let entries = self.store.trail(EntityKind::Asset, id).await?;
        Ok(entries
            .into_iter()
            .filter_map(|entry| {
                let change = entry.changes.iter().find(|c| c.field == "lifecycleStage")?;
                Some(Step {
                    from: stage_of(change.before.as_ref()),
                    to: stage_of(change.after.as_ref())?,
                    at: entry.at,
                    actor: entry.actor.clone(),
                    reason: entry.reason.clone(),
                    ticket_ref: entry.ticket_ref.clone(),
                })
            })
            .collect())
    }
}
