//! Retirement approvals: asked for, decided by someone other than the requester, settled by
//! the transition they approve.

use crate::domain::access::{Actor, AuditEntry, Operation, diff};
use crate::domain::kernel::ErrorCode;
use crate::domain::kernel::Page;
use crate::domain::kernel::PageRequest;
use crate::domain::kernel::{Comparison, Condition, Filter, Sort};
use crate::domain::kernel::{EntityId, EntityKind, Record};
use crate::domain::lifecycle::LifecycleStage;
use crate::domain::lifecycle::stage as lifecycle;
use crate::domain::lifecycle::{ApprovalAction, ApprovalRequest, ApprovalStatus};
use crate::domain::register::Asset;
use crate::service::kernel::Register;
use crate::service::kernel::ServiceError;
use crate::service::kernel::to_json;
use crate::store::Batch;
use chrono::Utc;
use serde_json::{Value as Json, json};

impl Register {
    /// The asset's retirement requests still standing (pending, or approved and not used).
    pub(crate) async fn open_requests(
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
    pub(crate) fn settle_request(
        &self,
        batch: &mut Batch,
        actor: &Actor,
        request: &Record<ApprovalRequest>,
        status: ApprovalStatus,
    ) -> Result<Record<ApprovalRequest>, ServiceError> {
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
        Ok(next)
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
        let decision_note = lifecycle::note("note", note_text)?;
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
        self.apply(Some(&current), Some(&record));
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
}
