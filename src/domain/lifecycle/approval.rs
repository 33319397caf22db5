//! Approval requests: a second person's consent before an irreversible step (retiring an asset).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::kernel::required_ref;
use crate::domain::kernel::{Entity, EntityId, EntityKind};
use crate::domain::kernel::{
    ErrorCode, FieldError, MAX_NAME, MAX_TEXT, Problems, optional_text, required_text,
};

/// What is asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ApprovalAction {
    /// Moving the asset from RETIRING to RETIRED.
    Retirement,
}

/// Where a request stands. Pending requests are decided once; an approved one is completed by
/// the step it allowed, or withdrawn when the asset goes back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ApprovalStatus {
    Pending,
    Approved,
    Rejected,
    Completed,
    Withdrawn,
}

impl ApprovalStatus {
    /// Still standing: pending, or approved and not yet used.
    pub fn is_open(self) -> bool {
        matches!(self, ApprovalStatus::Pending | ApprovalStatus::Approved)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApprovalRequest {
    pub asset: EntityId,
    pub action: ApprovalAction,
    pub status: ApprovalStatus,
    pub requested_by: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ticket_ref: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decided_by: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decided_at: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decision_note: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApprovalRequestDraft {
    pub asset: Option<String>,
    pub action: Option<ApprovalAction>,
    pub status: Option<ApprovalStatus>,
    pub requested_by: Option<String>,
    pub reason: Option<String>,
    pub ticket_ref: Option<String>,
    pub decided_by: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
    pub decision_note: Option<String>,
}

impl Entity for ApprovalRequest {
    const KIND: EntityKind = EntityKind::Approval;
    type Draft = ApprovalRequestDraft;
    // Only requesting and deciding change a request.
    const MANAGED: &'static [&'static str] = &[
        "asset",
        "action",
        "status",
        "requestedBy",
        "decidedBy",
        "decidedAt",
    ];

    fn validate(d: ApprovalRequestDraft) -> Result<ApprovalRequest, Vec<FieldError>> {
        let mut p = Problems::default();
        let asset = p.take(required_ref("asset", d.asset.as_deref()));
        let requested_by = p.take(required_text(
            "requestedBy",
            d.requested_by.as_deref(),
            MAX_NAME,
        ));
        let reason = p
            .take(optional_text("reason", d.reason.as_deref(), MAX_TEXT))
            .flatten();
        let ticket_ref = p
            .take(optional_text(
                "ticketRef",
                d.ticket_ref.as_deref(),
                MAX_NAME,
            ))
            .flatten();
        let decided_by = p
            .take(optional_text(
                "decidedBy",
                d.decided_by.as_deref(),
                MAX_NAME,
            ))
            .flatten();
        let decision_note = p
            .take(optional_text("note", d.decision_note.as_deref(), MAX_TEXT))
            .flatten();
        let status = d.status.unwrap_or(ApprovalStatus::Pending);
        let decided = !matches!(status, ApprovalStatus::Pending);
        if decided && (decided_by.is_none() || d.decided_at.is_none()) {
            p.push(FieldError::new(
                "status",
                ErrorCode::Invalid,
                "a decided request records who decided and when",
            ));
        }
        if decided_by.is_some() && decided_by == requested_by {
            p.push(FieldError::new(
                "decidedBy",
                ErrorCode::NotAllowed,
                "the approver may not be the requester",
            ));
        }
        p.finish(|| ApprovalRequest {
            asset: asset.expect("checked"),
            action: d.action.unwrap_or(ApprovalAction::Retirement),
            status,
            requested_by: requested_by.expect("checked"),
            reason,
            ticket_ref,
            decided_by,
            decided_at: d.decided_at,
            decision_note,
        })
    }
}
