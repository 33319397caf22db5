//! An asset's life: the stage table and each stage's facts, disposal, custody, approvals, repairs.

mod approval;
pub(crate) mod custody;
mod maintenance;
pub(crate) mod stage;

pub(crate) use approval::{ApprovalAction, ApprovalRequest, ApprovalStatus};
pub(crate) use custody::{Custody, HOLDERS, overdue};
pub(crate) use maintenance::{Maintenance, MaintenanceKind};
pub(crate) use stage::{
    Disposal, DisposalDraft, DisposalMethod, LifecycleStage, SanitisationMethod, StageFacts,
};
