//! Lifecycle operations: stage transitions with the facts each stage needs, retirement
//! approvals, custody (check-out and check-in) and maintenance records; and their histories.

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::{Value as Json, json};

use crate::domain::access::audit::{Actor, AuditEntry, FieldChange, Operation, diff, set_field};
use crate::domain::kernel::entity::{EntityId, EntityKind, NodeRef, Record};
use crate::domain::kernel::page::Page;
use crate::domain::kernel::page::PageRequest;
use crate::domain::kernel::query::{Comparison, Condition, Filter, Sort};
use crate::domain::kernel::validation::ErrorCode;
use crate::domain::lifecycle::approval::{ApprovalAction, ApprovalRequest, ApprovalStatus};
use crate::domain::lifecycle::custody;
use crate::domain::lifecycle::custody::Custody;
use crate::domain::lifecycle::maintenance::Maintenance;
use crate::domain::lifecycle::stage as lifecycle;
use crate::domain::lifecycle::stage::LifecycleStage;
use crate::domain::register::asset::Asset;
use crate::service::{Register, ServiceError, to_json};
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

/// One loan of an asset, from its audit trail.
#[derive(Debug, Clone, PartialEq)]
pub struct Loan {
    pub custody: Custody,
    pub checked_out_by: String,
    /// `None` while the loan runs.
    pub checked_in_at: Option<DateTime<Utc>>,
    pub checked_in_by: Option<String>,
    pub check_in_note: Option<String>,
}

fn note(field: &str, value: Option<&str>) -> Result<Option<String>, ServiceError> {
    lifecycle::note(field, value).map_err(|e| ServiceError::Invalid(vec![e]))
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
        let reason = note("reason", step.reason.as_deref())?;
        let ticket_ref = note("ticketRef", step.ticket_ref.as_deref())?;
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
                self.settle_request(&mut batch, actor, approved, ApprovalStatus::Completed)?;
            }
            (LifecycleStage::Retiring, _) => {
                for request in &open {
                    self.settle_request(&mut batch, actor, request, ApprovalStatus::Withdrawn)?;
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
        Ok(record)
    }

    /// The asset's retirement requests still standing (pending, or approved and not used).
    async fn open_requests(
        &self,
        asset: &EntityId,
    ) -> Result<Vec<Record<ApprovalRequest>>, ServiceError> {
        let requests = self
            .store
            .find_by::<ApprovalRequest>("asset", vec![Json::from(asset.as_str())])
            .await?;
        Ok(requests
            .into_iter()
            .filter(|r| r.data.action == ApprovalAction::Retirement && r.data.status.is_open())
            .collect())
    }

    /// Adds to `batch` the request's move to `status`, audited.
    fn settle_request(
        &self,
        batch: &mut Batch,
        actor: &Actor,
        request: &Record<ApprovalRequest>,
        status: ApprovalStatus,
    ) -> Result<(), ServiceError> {
        let mut next = request.clone();
        next.version += 1;
        next.updated_at = Utc::now();
        next.data.status = status;
        let changes = diff(&to_json(&request.data)?, &to_json(&next.data)?);
        let audit = AuditEntry::new(
            actor,
            Operation::Update,
            EntityKind::Approval,
            &request.id,
            changes,
        );
        batch
            .replace(&next, request.version, &audit)
            .map_err(ServiceError::from_write::<ApprovalRequest>)?;
        Ok(())
    }

    /// Opens a retirement request for an asset that is on its way out or still in use; one
    /// request per asset stands at a time.
    pub async fn request_retirement(
        &self,
        actor: &Actor,
        asset: &EntityId,
        reason: Option<&str>,
        ticket_ref: Option<&str>,
    ) -> Result<Record<ApprovalRequest>, ServiceError> {
        let current =
            self.store.get::<Asset>(asset).await?.ok_or_else(|| {
                ServiceError::invalid("asset", ErrorCode::NotFound, "no such asset")
            })?;
        let stage = current.data.lifecycle_stage;
        if stage != LifecycleStage::Retiring && !lifecycle::allowed(stage, LifecycleStage::Retiring)
        {
            return Err(ServiceError::invalid(
                "asset",
                ErrorCode::InvalidTransition,
                format!("an asset in {stage:?} cannot be retired"),
            ));
        }
        if !self.open_requests(asset).await?.is_empty() {
            return Err(ServiceError::invalid(
                "asset",
                ErrorCode::Conflict,
                "this asset already has a retirement request standing",
            ));
        }
        let input = json!({
            "asset": asset,
            "action": ApprovalAction::Retirement,
            "status": ApprovalStatus::Pending,
            "requestedBy": actor.name,
            "reason": reason,
            "ticketRef": ticket_ref,
        });
        self.create::<ApprovalRequest>(actor, input).await
    }

    /// Approves or rejects a pending request; the approver may not be the requester.
    pub async fn decide(
        &self,
        actor: &Actor,
        id: &EntityId,
        approve: bool,
        note_text: Option<&str>,
    ) -> Result<Record<ApprovalRequest>, ServiceError> {
        let decision_note = note("note", note_text)?;
        let current = self.existing::<ApprovalRequest>(id, None).await?;
        if current.data.status != ApprovalStatus::Pending {
            return Err(ServiceError::invalid(
                "id",
                ErrorCode::Conflict,
                format!("this request is already {:?}", current.data.status),
            ));
        }
        if current.data.requested_by == actor.name {
            return Err(ServiceError::invalid(
                "id",
                ErrorCode::NotAllowed,
                "the approver may not be the requester",
            ));
        }
        let patch = json!({
            "status": if approve { ApprovalStatus::Approved } else { ApprovalStatus::Rejected },
            "decidedBy": actor.name,
            "decidedAt": Utc::now(),
            "decisionNote": decision_note,
        });
        let (record, changes) = self
            .revise(&current, &patch)
            .await?
            .expect("status changes");
        let audit = AuditEntry::new(actor, Operation::Update, EntityKind::Approval, id, changes);
        self.store
            .replace(&record, current.version, &audit)
            .await
            .map_err(ServiceError::from_write::<ApprovalRequest>)?;
        Ok(record)
    }

    /// Requests waiting for a decision, oldest first.
    pub async fn pending_approvals(
        &self,
        page: &PageRequest,
    ) -> Result<Page<Record<ApprovalRequest>>, ServiceError> {
        let pending = Filter::Where(Condition::OneOf {
            path: "status",
            values: vec![to_json(&ApprovalStatus::Pending)?],
        });
        let oldest_first = Sort {
            path: "createdAt",
            comparison: Comparison::Instant,
            descending: false,
        };
        self.list(&pending, &oldest_first, page).await
    }

    /// Lends an asset to a person, a location or another asset.
    pub async fn check_out(
        &self,
        actor: &Actor,
        id: &EntityId,
        to: NodeRef,
        expected_return: Option<NaiveDate>,
        note_text: Option<&str>,
        expected_version: Option<i64>,
    ) -> Result<Record<Asset>, ServiceError> {
        let current = self.existing::<Asset>(id, expected_version).await?;
        if current.data.custody.is_some() {
            return Err(ServiceError::invalid(
                "id",
                ErrorCode::Conflict,
                "this asset is already checked out; check it in first",
            ));
        }
        let stage = current.data.lifecycle_stage;
        if !custody::can_check_out(stage) {
            return Err(ServiceError::invalid(
                "id",
                ErrorCode::InvalidTransition,
                format!("an asset in {stage:?} cannot be checked out"),
            ));
        }
        if to.kind == EntityKind::Asset && to.id == *id {
            return Err(ServiceError::invalid(
                "to",
                ErrorCode::SelfLoop,
                "an asset cannot hold itself",
            ));
        }
        let loan = custody::check_out(to.clone(), Utc::now(), expected_return, note_text)
            .map_err(ServiceError::Invalid)?;
        if !self.exists(&to).await? {
            return Err(ServiceError::invalid(
                "to",
                ErrorCode::NotFound,
                format!("no {} has this id", to.kind),
            ));
        }
        let reason = loan.note.clone();
        self.change_custody(actor, &current, Some(loan), reason)
            .await
    }

    /// Ends an asset's loan.
    pub async fn check_in(
        &self,
        actor: &Actor,
        id: &EntityId,
        note_text: Option<&str>,
        expected_version: Option<i64>,
    ) -> Result<Record<Asset>, ServiceError> {
        let reason = note("note", note_text)?;
        let current = self.existing::<Asset>(id, expected_version).await?;
        if current.data.custody.is_none() {
            return Err(ServiceError::invalid(
                "id",
                ErrorCode::Conflict,
                "this asset is not checked out",
            ));
        }
        self.change_custody(actor, &current, None, reason).await
    }

    async fn change_custody(
        &self,
        actor: &Actor,
        current: &Record<Asset>,
        custody: Option<Custody>,
        reason: Option<String>,
    ) -> Result<Record<Asset>, ServiceError> {
        let patch = json!({ "custody": custody.as_ref().map(to_json).transpose()? });
        let (record, changes) = self
            .revise(current, &patch)
            .await?
            .expect("custody changes");
        let audit = AuditEntry::new(
            actor,
            Operation::Update,
            EntityKind::Asset,
            &current.id,
            changes,
        )
        .because(reason, None);
        self.store
            .replace(&record, current.version, &audit)
            .await
            .map_err(ServiceError::from_write::<Asset>)?;
        self.apply(Some(current), Some(&record));
        Ok(record)
    }

    async fn exists(&self, node: &NodeRef) -> Result<bool, ServiceError> {
        use crate::domain::register::party::Person;
        use crate::domain::register::site::Location;
        Ok(match node.kind {
            EntityKind::Person => self.store.get::<Person>(&node.id).await?.is_some(),
            EntityKind::Location => self.store.get::<Location>(&node.id).await?.is_some(),
            EntityKind::Asset => self.store.get::<Asset>(&node.id).await?.is_some(),
            _ => false,
        })
    }

    /// Assets checked out past their expected return, most overdue first.
    pub async fn overdue_checkouts(
        &self,
        today: NaiveDate,
        page: &PageRequest,
    ) -> Result<Page<Record<Asset>>, ServiceError> {
        let overdue = Filter::Where(Condition::Between {
            path: "custody.expectedReturn",
            min: None,
            max: Some(Json::from(today.pred_opt().unwrap_or(today).to_string())),
            comparison: Comparison::Text,
        });
        let most_overdue_first = Sort {
            path: "custody.expectedReturn",
            comparison: Comparison::Text,
            descending: false,
        };
        self.list(&overdue, &most_overdue_first, page).await
    }

    /// Records maintenance done on an asset (not on a disposed one).
    pub async fn record_maintenance(
        &self,
        actor: &Actor,
        input: Json,
    ) -> Result<Record<Maintenance>, ServiceError> {
        if let Some(asset) = input
            .get("asset")
            .and_then(Json::as_str)
            .and_then(EntityId::parse)
            && let Some(record) = self.store.get::<Asset>(&asset).await?
            && record.data.lifecycle_stage == LifecycleStage::Disposed
        {
            return Err(ServiceError::invalid(
                "asset",
                ErrorCode::InvalidTransition,
                "a disposed asset is no longer maintained",
            ));
        }
        self.create::<Maintenance>(actor, input).await
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

    /// The asset's loans, oldest first, each closed by its check-in if it has one.
    pub async fn custody_history(&self, id: &EntityId) -> Result<Vec<Loan>, ServiceError> {
        let entries = self.store.trail(EntityKind::Asset, id).await?;
        let mut loans: Vec<Loan> = Vec::new();
        for entry in entries {
            let within = |side: fn(&FieldChange) -> Option<&Json>| {
                let mut doc = json!({});
                let mut any = false;
                for change in &entry.changes {
                    if let (Some(path), Some(value)) =
                        (change.field.strip_prefix("custody."), side(change))
                    {
                        set_field(&mut doc, path, value.clone());
                        any = true;
                    }
                }
                any.then(|| serde_json::from_value::<Custody>(doc).ok())
                    .flatten()
            };
            let opened = within(|c| c.after.as_ref());
            let closed = within(|c| c.before.as_ref());
            if closed.is_some()
                && let Some(loan) = loans.last_mut().filter(|l| l.checked_in_at.is_none())
            {
                loan.checked_in_at = Some(entry.at);
                loan.checked_in_by = Some(entry.actor.clone());
                loan.check_in_note = entry.reason.clone();
            }
            if let Some(custody) = opened {
                loans.push(Loan {
                    custody,
                    checked_out_by: entry.actor.clone(),
                    checked_in_at: None,
                    checked_in_by: None,
                    check_in_note: None,
                });
            }
        }
        Ok(loans)
    }
}
