//! GraphQL mirrors of the domain enums (the domain stays free of async-graphql).

use async_graphql::Enum;
use serde::Serialize;

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug, Serialize)]
#[graphql(remote = "crate::domain::kernel::AssetClass")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AssetClass {
    Server,
    Workstation,
    Laptop,
    Printer,
    Peripheral,
    Monitor,
    Phone,
    Tablet,
    Router,
    Switch,
    Firewall,
    AccessPoint,
    LoadBalancer,
    Storage,
    SoftwareApplication,
    CloudSubscription,
    VirtualMachine,
    Container,
    CloudStorage,
    CloudService,
    BusinessService,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug, Serialize)]
#[graphql(remote = "crate::domain::kernel::Category")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Category {
    Hardware,
    Mobile,
    Network,
    Software,
    Cloud,
    Service,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug, Serialize)]
#[graphql(remote = "crate::domain::lifecycle::LifecycleStage")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum LifecycleStage {
    Planned,
    Ordered,
    InStock,
    Deployed,
    InMaintenance,
    Retiring,
    Retired,
    Disposed,
    Missing,
    Defective,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug, Serialize)]
#[graphql(remote = "crate::domain::register::OperationalStatus")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum OperationalStatus {
    Operational,
    Degraded,
    Down,
    Unknown,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug, Serialize)]
#[graphql(remote = "crate::domain::register::LocationKind")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum LocationKind {
    Site,
    Building,
    Floor,
    Room,
    Rack,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug, Default)]
pub enum OrderDirection {
    #[default]
    Asc,
    Desc,
}

/// The audited operation.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "crate::domain::access::Operation")]
pub enum AuditOperation {
    Create,
    Update,
    Delete,
}

/// A relationship type, named from the source's side (`app RUNS_ON vm`).
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug, Serialize)]
#[graphql(remote = "crate::domain::relationships::RelationType")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RelationType {
    DependsOn,
    RunsOn,
    HostedOn,
    ConnectedTo,
    Contains,
    InstalledOn,
    OwnedBy,
    AssignedTo,
    LocatedAt,
    CoveredBy,
    LicensedBy,
    SuppliedBy,
    Affects,
}

/// How an asset depreciates.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug, Serialize)]
#[graphql(remote = "crate::domain::depreciation::Method")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum DepreciationMethod {
    StraightLine,
    DecliningBalance,
    SumOfYearsDigits,
    None,
}

/// When depreciation starts: the month of service, or the middle of its fiscal year, or the
/// middle of its quarter of the fiscal year.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug, Serialize)]
#[graphql(remote = "crate::domain::depreciation::Convention")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum DepreciationConvention {
    FullMonth,
    HalfYear,
    MidQuarter,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug, Serialize)]
#[graphql(remote = "crate::domain::lifecycle::DisposalMethod")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum DisposalMethod {
    Recycled,
    Resold,
    Donated,
    Destroyed,
    ReturnedToLessor,
}

/// NIST SP 800-88 sanitisation levels.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug, Serialize)]
#[graphql(remote = "crate::domain::lifecycle::SanitisationMethod")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SanitisationMethod {
    Clear,
    Purge,
    Destroy,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug, Serialize)]
#[graphql(remote = "crate::domain::lifecycle::ApprovalAction")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ApprovalAction {
    Retirement,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug, Serialize)]
#[graphql(remote = "crate::domain::lifecycle::ApprovalStatus")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ApprovalStatus {
    Pending,
    Approved,
    Rejected,
    Completed,
    Withdrawn,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug, Serialize)]
#[graphql(remote = "crate::domain::lifecycle::MaintenanceKind")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum MaintenanceKind {
    Repair,
    Upgrade,
    Patch,
    Inspection,
    Cleaning,
}

/// What one licence counts.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug, Serialize)]
#[graphql(remote = "crate::domain::software::Metric")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum LicenseMetric {
    PerDevice,
    PerUser,
    PerCore,
    Concurrent,
    Site,
    SubscriptionSeat,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug, Serialize)]
#[graphql(remote = "crate::domain::software::ContractKind")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ContractKind {
    Purchase,
    Lease,
    Support,
    Warranty,
    Saas,
    Cloud,
}

/// How often a recurring cost falls due.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug, Serialize)]
#[graphql(remote = "crate::domain::software::Period")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum BillingPeriod {
    Monthly,
    Quarterly,
    Annual,
    OneTime,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug, Serialize)]
#[graphql(remote = "crate::domain::software::BillingModel")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum BillingModel {
    PerSeat,
    UsageBased,
    Flat,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug, Serialize)]
#[graphql(remote = "crate::domain::software::Status")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ComplianceStatus {
    Compliant,
    UnderLicensed,
    OverLicensed,
}

/// What a linked asset is to a ticket.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug, Serialize)]
#[graphql(remote = "crate::domain::relationships::TicketRole")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TicketRole {
    Affected,
    Cause,
    Changed,
}

/// Why an input field of a mutation was refused: stable, for programs to act on.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "crate::domain::kernel::ErrorCode")]
pub enum UserErrorCode {
    /// A value is needed.
    Required,
    /// Malformed, out of range, or not one of the values accepted.
    Invalid,
    /// Longer than the field takes.
    TooLong,
    /// Below zero where only zero or more makes sense.
    Negative,
    /// Not an ISO 4217 currency code.
    UnknownCurrency,
    /// No record has this id.
    NotFound,
    /// Clashes with what is recorded: a value another record holds, a change made since it was
    /// read, or a state the operation does not fit.
    Conflict,
    /// Would make a record its own ancestor.
    Cycle,
    /// Still referenced by other records; reassign those first.
    InUse,
    /// Would join a record to itself.
    SelfLoop,
    /// Not allowed here: relationship ends of the wrong kind, approving one's own request, or
    /// changing a field only its own operation changes.
    NotAllowed,
    /// The asset's lifecycle does not allow this move.
    InvalidTransition,
    /// The move needs someone else's approval first.
    ApprovalRequired,
    /// Valid, but not written because another item of an all-or-nothing batch was refused.
    NotApplied,
}
