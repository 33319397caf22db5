//! The lifecycle over GraphQL: transitions, retirement approvals, custody and maintenance, with
//! the types that show them.

use crate::api::graphql::paged_object;
use crate::api::graphql::{Date, Timestamp};
use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};
use chrono::Utc;
use serde::Serialize;
use serde_json::{Value as Json, json};

use crate::api::graphql::ApprovalRequestNode;
use crate::api::graphql::MaintenanceRecordNode;
use crate::api::graphql::MoneyInput;
use crate::api::graphql::ids;
use crate::api::graphql::one;
use crate::api::graphql::{
    ApprovalAction, ApprovalStatus, DisposalMethod, LifecycleStage, MaintenanceKind,
    SanitisationMethod,
};
use crate::api::graphql::{AssetNode, MoneyNode, Node, VendorNode, entity_object, load_node};
use crate::api::graphql::{Conn, connection};
use crate::api::graphql::{Payload, document, outcome, payload};
use crate::api::graphql::{fail, register, request};
use crate::domain::kernel::ErrorCode;
use crate::domain::kernel::{EntityId, EntityKind, Record};
use crate::domain::lifecycle::ApprovalRequest;
use crate::domain::lifecycle::Disposal;
use crate::domain::lifecycle::Maintenance;
use crate::domain::lifecycle::{Custody, HOLDERS};
use crate::domain::register::Asset;
use crate::domain::register::Vendor;
use crate::service::kernel::ServiceError;
use crate::service::lifecycle::Loan;
use crate::service::lifecycle::{Move, Step};

entity_object!(
    /// A request for someone else's consent before an irreversible step (retiring an asset).
    ApprovalRequestNode(ApprovalRequest) as "ApprovalRequest" {
        async fn asset(&self, ctx: &Context<'_>) -> Result<Option<AssetNode>> {
            Ok(one::<Asset>(ctx, Some(&self.0.data.asset)).await?.map(AssetNode))
        }
        async fn action(&self) -> ApprovalAction { self.0.data.action.into() }
        async fn status(&self) -> ApprovalStatus { self.0.data.status.into() }
        async fn requested_by(&self) -> &str { &self.0.data.requested_by }
        async fn reason(&self) -> Option<&str> { self.0.data.reason.as_deref() }
        async fn ticket_ref(&self) -> Option<&str> { self.0.data.ticket_ref.as_deref() }
        async fn decided_by(&self) -> Option<&str> { self.0.data.decided_by.as_deref() }
        async fn decided_at(&self) -> Option<Timestamp> { self.0.data.decided_at.map(Timestamp) }
        async fn decision_note(&self) -> Option<&str> { self.0.data.decision_note.as_deref() }
    }
);

entity_object!(
    /// Work done on an asset: a repair, upgrade, patch, inspection or cleaning, and its cost.
    MaintenanceRecordNode(Maintenance) as "MaintenanceRecord" {
        async fn asset(&self, ctx: &Context<'_>) -> Result<Option<AssetNode>> {
            Ok(one::<Asset>(ctx, Some(&self.0.data.asset)).await?.map(AssetNode))
        }
        async fn kind(&self) -> MaintenanceKind { self.0.data.kind.into() }
        async fn date(&self) -> Date { Date(self.0.data.date) }
        async fn cost(&self) -> Option<MoneyNode> { self.0.data.cost.as_ref().map(MoneyNode::from) }
        async fn vendor(&self, ctx: &Context<'_>) -> Result<Option<VendorNode>> {
            Ok(one::<Vendor>(ctx, self.0.data.vendor.as_ref()).await?.map(VendorNode))
        }
        async fn description(&self) -> Option<&str> { self.0.data.description.as_deref() }
        async fn ticket_ref(&self) -> Option<&str> { self.0.data.ticket_ref.as_deref() }
    }
);

/// One change of an asset's lifecycle stage.
#[derive(SimpleObject)]
pub struct LifecycleStep {
    /// Null for the stage the asset was registered in.
    pub from: Option<LifecycleStage>,
    pub to: LifecycleStage,
    pub at: Timestamp,
    pub actor: String,
    pub reason: Option<String>,
    pub ticket_ref: Option<String>,
}

impl From<Step> for LifecycleStep {
    fn from(s: Step) -> Self {
        LifecycleStep {
            from: s.from.map(Into::into),
            to: s.to.into(),
            at: Timestamp(s.at),
            actor: s.actor,
            reason: s.reason,
            ticket_ref: s.ticket_ref,
        }
    }
}

/// An asset's loan: who or what holds it, since when, until when.
pub struct CustodyNode(pub Custody);

#[Object(name = "Custody")]
impl CustodyNode {
    /// A person, a location or another asset.
    async fn holder(&self, ctx: &Context<'_>) -> Result<Option<Node>> {
        load_node(ctx, self.0.holder.kind, &self.0.holder.id).await
    }
    async fn since(&self) -> Timestamp {
        Timestamp(self.0.since)
    }
    async fn expected_return(&self) -> Option<Date> {
        self.0.expected_return.map(Date)
    }
    async fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }
    /// Whether it is past its expected return today (UTC).
    async fn overdue(&self) -> bool {
        crate::domain::lifecycle::overdue(&self.0, Utc::now().date_naive())
    }
}

/// One loan of an asset, closed by its check-in.
pub struct CheckoutNode(pub Loan);

#[Object(name = "Checkout")]
impl CheckoutNode {
    async fn custody(&self) -> CustodyNode {
        CustodyNode(self.0.custody.clone())
    }
    async fn checked_out_by(&self) -> &str {
        &self.0.checked_out_by
    }
    /// Null while the loan runs.
    async fn checked_in_at(&self) -> Option<Timestamp> {
        self.0.checked_in_at.map(Timestamp)
    }
    async fn checked_in_by(&self) -> Option<&str> {
        self.0.checked_in_by.as_deref()
    }
    async fn check_in_note(&self) -> Option<&str> {
        self.0.check_in_note.as_deref()
    }
}

#[derive(SimpleObject)]
pub struct SanitisationNode {
    pub method: SanitisationMethod,
    pub date: Date,
    pub performed_by: String,
    pub certificate_ref: String,
}

/// How a disposed asset left, and how its data was destroyed.
#[derive(SimpleObject)]
#[graphql(name = "Disposal")]
pub struct DisposalNode {
    pub method: DisposalMethod,
    pub date: Date,
    pub recipient: String,
    pub sanitisation: Option<SanitisationNode>,
}

impl From<&Disposal> for DisposalNode {
    fn from(d: &Disposal) -> Self {
        DisposalNode {
            method: d.method.into(),
            date: Date(d.date),
            recipient: d.recipient.clone(),
            sanitisation: d.sanitisation.as_ref().map(|s| SanitisationNode {
                method: s.method.into(),
                date: Date(s.date),
                performed_by: s.performed_by.clone(),
                certificate_ref: s.certificate_ref.clone(),
            }),
        }
    }
}

#[derive(InputObject, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SanitisationInput {
    pub method: SanitisationMethod,
    pub date: Date,
    pub performed_by: String,
    pub certificate_ref: String,
}

#[derive(InputObject, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DisposalInput {
    pub method: DisposalMethod,
    pub date: Date,
    pub recipient: String,
    /// Required for assets that hold data.
    pub sanitisation: Option<SanitisationInput>,
}

/// A move to another lifecycle stage, with the facts that stage needs set at the same time:
/// ORDERED needs a purchase order number or a vendor; DEPLOYED an assignee or a location (an
/// owner will do for software, cloud resources and services); DISPOSED a disposal record.
#[derive(InputObject)]
pub struct TransitionAssetInput {
    pub asset: ID,
    pub to: LifecycleStage,
    pub reason: Option<String>,
    pub ticket_ref: Option<String>,
    pub expected_version: Option<i64>,
    pub assignee: Option<ID>,
    pub location: Option<ID>,
    pub vendor: Option<ID>,
    pub order_number: Option<String>,
    pub disposal: Option<DisposalInput>,
}

#[derive(InputObject)]
pub struct RequestRetirementInput {
    pub asset: ID,
    pub reason: Option<String>,
    pub ticket_ref: Option<String>,
}

#[derive(InputObject)]
pub struct DecideRequestInput {
    pub request: ID,
    pub note: Option<String>,
}

#[derive(InputObject)]
pub struct CheckOutInput {
    pub asset: ID,
    /// A person, a location or another asset.
    pub to: ID,
    pub expected_return: Option<Date>,
    pub note: Option<String>,
    pub expected_version: Option<i64>,
}

#[derive(InputObject)]
pub struct CheckInInput {
    pub asset: ID,
    pub note: Option<String>,
    pub expected_version: Option<i64>,
}

#[derive(InputObject, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RecordMaintenanceInput {
    pub asset: ID,
    pub kind: MaintenanceKind,
    pub date: Date,
    pub cost: Option<MoneyInput>,
    pub vendor: Option<ID>,
    pub description: Option<String>,
    pub ticket_ref: Option<String>,
}

fn key(kind: EntityKind, field: &str, id: &ID) -> std::result::Result<EntityId, ServiceError> {
    ids::decode(kind, id)
        .ok_or_else(|| ServiceError::invalid(field, ErrorCode::Invalid, format!("not a {kind} id")))
}

/// The transition's document fields, with global ids decoded.
fn transition_fields(input: &TransitionAssetInput) -> std::result::Result<Json, ServiceError> {
    let mut set = json!({});
    for (field, kind, value) in [
        ("assignee", EntityKind::Person, &input.assignee),
        ("location", EntityKind::Location, &input.location),
        ("vendor", EntityKind::Vendor, &input.vendor),
    ] {
        if let Some(id) = value {
            set[field] = json!(key(kind, field, id)?);
        }
    }
    if let Some(order) = &input.order_number {
        set["purchase"] = json!({"orderNumber": order});
    }
    if let Some(disposal) = &input.disposal {
        set["disposal"] =
            serde_json::to_value(disposal).map_err(|e| ServiceError::Internal(e.to_string()))?;
    }
    Ok(set)
}

#[derive(Default)]
pub struct LifecycleMutations;

#[Object]
impl LifecycleMutations {
    /// Moves an asset to another lifecycle stage. Moves the lifecycle does not allow are
    /// refused with INVALID_TRANSITION; RETIRING → RETIRED needs an approved retirement request
    /// (APPROVAL_REQUIRED). Audited with the reason and ticket.
    async fn transition_asset(
        &self,
        ctx: &Context<'_>,
        input: TransitionAssetInput,
    ) -> Result<Payload<AssetNode>> {
        let actor = request(ctx).actor;
        let result = match (
            key(EntityKind::Asset, "asset", &input.asset),
            transition_fields(&input),
        ) {
            (Err(e), _) | (_, Err(e)) => Err(e),
            (Ok(id), Ok(set)) => {
                let step = Move {
                    to: input.to.into(),
                    reason: input.reason,
                    ticket_ref: input.ticket_ref,
                    expected_version: input.expected_version,
                    set,
                };
                register(ctx)?.transition(&actor, &id, step).await
            }
        };
        Ok(payload(outcome(ctx, result)?, AssetNode))
    }

    /// Opens a retirement request; someone other than the requester approves or rejects it.
    async fn request_retirement(
        &self,
        ctx: &Context<'_>,
        input: RequestRetirementInput,
    ) -> Result<Payload<ApprovalRequestNode>> {
        let actor = request(ctx).actor;
        let result = match key(EntityKind::Asset, "asset", &input.asset) {
            Err(e) => Err(e),
            Ok(id) => {
                register(ctx)?
                    .request_retirement(
                        &actor,
                        &id,
                        input.reason.as_deref(),
                        input.ticket_ref.as_deref(),
                    )
                    .await
            }
        };
        Ok(payload(outcome(ctx, result)?, ApprovalRequestNode))
    }

    /// Approves a pending request (not your own).
    async fn approve_request(
        &self,
        ctx: &Context<'_>,
        input: DecideRequestInput,
    ) -> Result<Payload<ApprovalRequestNode>> {
        decide(ctx, input, true).await
    }

    /// Rejects a pending request (not your own).
    async fn reject_request(
        &self,
        ctx: &Context<'_>,
        input: DecideRequestInput,
    ) -> Result<Payload<ApprovalRequestNode>> {
        decide(ctx, input, false).await
    }

    /// Lends an asset (in stock or deployed, not already lent) to a person, a location or
    /// another asset.
    async fn check_out(
        &self,
        ctx: &Context<'_>,
        input: CheckOutInput,
    ) -> Result<Payload<AssetNode>> {
        let actor = request(ctx).actor;
        let holder = ids::decode_any(&input.to)
            .filter(|(kind, _)| HOLDERS.contains(kind))
            .map(|(kind, id)| crate::domain::kernel::NodeRef { kind, id });
        let result = match (key(EntityKind::Asset, "asset", &input.asset), holder) {
            (Err(e), _) => Err(e),
            (_, None) => Err(ServiceError::invalid(
                "to",
                ErrorCode::Invalid,
                "not the id of a person, a location or an asset",
            )),
            (Ok(id), Some(to)) => {
                register(ctx)?
                    .check_out(
                        &actor,
                        &id,
                        to,
                        input.expected_return.map(Into::into),
                        input.note.as_deref(),
                        input.expected_version,
                    )
                    .await
            }
        };
        Ok(payload(outcome(ctx, result)?, AssetNode))
    }

    /// Ends an asset's loan.
    async fn check_in(&self, ctx: &Context<'_>, input: CheckInInput) -> Result<Payload<AssetNode>> {
        let actor = request(ctx).actor;
        let result = match key(EntityKind::Asset, "asset", &input.asset) {
            Err(e) => Err(e),
            Ok(id) => {
                register(ctx)?
                    .check_in(&actor, &id, input.note.as_deref(), input.expected_version)
                    .await
            }
        };
        Ok(payload(outcome(ctx, result)?, AssetNode))
    }

    /// Records maintenance done on an asset; its cost counts in the total cost of ownership.
    async fn record_maintenance(
        &self,
        ctx: &Context<'_>,
        input: RecordMaintenanceInput,
    ) -> Result<Payload<MaintenanceRecordNode>> {
        let actor = request(ctx).actor;
        let result = match document::<Maintenance>(&input) {
            Err(errors) => Err(ServiceError::Invalid(errors)),
            Ok(doc) => register(ctx)?.record_maintenance(&actor, doc).await,
        };
        Ok(payload(outcome(ctx, result)?, MaintenanceRecordNode))
    }
}

async fn decide(
    ctx: &Context<'_>,
    input: DecideRequestInput,
    approve: bool,
) -> Result<Payload<ApprovalRequestNode>> {
    let actor = request(ctx).actor;
    let result = match key(EntityKind::Approval, "request", &input.request) {
        Err(e) => Err(e),
        Ok(id) => {
            register(ctx)?
                .decide(&actor, &id, approve, input.note.as_deref())
                .await
        }
    };
    Ok(payload(outcome(ctx, result)?, ApprovalRequestNode))
}

#[derive(Default)]
pub struct LifecycleQueries;

paged_object! {
#[Object]
impl LifecycleQueries {
    /// Requests waiting for a decision, oldest first.
    async fn pending_approvals(&self, ctx: &Context<'_>, request: Paging) -> Result<Conn<ApprovalRequestNode>> {
        let page = register(ctx)?
            .pending_approvals(&request)
            .await
            .map_err(|e| fail(ctx, e))?;
        Ok(connection(page, ApprovalRequestNode))
    }

    /// Assets checked out past their expected return (today, UTC), most overdue first; each
    /// asset's `custody` names the holder.
    async fn overdue_checkouts(&self, ctx: &Context<'_>, request: Paging) -> Result<Conn<AssetNode>> {
        let page = register(ctx)?
            .overdue_checkouts(Utc::now().date_naive(), &request)
            .await
            .map_err(|e| fail(ctx, e))?;
        Ok(connection(page, AssetNode))
    }
}
}

/// Records of one asset for its `maintenance` connection.
pub async fn maintenance_of(
    ctx: &Context<'_>,
    asset: &EntityId,
) -> Result<Vec<Record<Maintenance>>> {
    let mut records = crate::api::graphql::referring::<Maintenance>(ctx, "asset", asset).await?;
    records.sort_by(|a, b| b.data.date.cmp(&a.data.date).then(b.id.cmp(&a.id)));
    Ok(records)
}
