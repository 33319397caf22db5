//! GraphQL mirrors of the domain enums (the domain stays free of async-graphql).

use async_graphql::Enum;
use serde::Serialize;

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug, Serialize)]
#[graphql(remote = "crate::domain::kernel::class::AssetClass")]
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
#[graphql(remote = "crate::domain::kernel::class::Category")]
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
#[graphql(remote = "crate::domain::lifecycle::stage::LifecycleStage")]
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
#[graphql(remote = "crate::domain::register::asset::OperationalStatus")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum OperationalStatus {
    Operational,
    Degraded,
    Down,
    Unknown,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug, Serialize)]
#[graphql(remote = "crate::domain::register::site::LocationKind")]
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
#[graphql(remote = "crate::domain::access::audit::Operation")]
pub enum AuditOperation {
    Create,
    Update,
    Delete,
}

/// A relationship type, named from the source's side (`app RUNS_ON vm`).
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug, Serialize)]
#[graphql(remote = "crate::domain::relationships::relation::RelationType")]
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
#[graphql(remote = "crate::domain::depreciation::terms::Method")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum DepreciationMethod {
    StraightLine,
    DecliningBalance,
    SumOfYearsDigits,
    None,
}

/// When depreciation starts: the month of service, or the middle of its fiscal year.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug, Serialize)]
#[graphql(remote = "crate::domain::depreciation::terms::Convention")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum DepreciationConvention {
    FullMonth,
    HalfYear,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug, Serialize)]
#[graphql(remote = "crate::domain::lifecycle::stage::DisposalMethod")]
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
#[graphql(remote = "crate::domain::lifecycle::stage::SanitisationMethod")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SanitisationMethod {
    Clear,
    Purge,
    Destroy,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug, Serialize)]
#[graphql(remote = "crate::domain::lifecycle::approval::ApprovalAction")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ApprovalAction {
    Retirement,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug, Serialize)]
#[graphql(remote = "crate::domain::lifecycle::approval::ApprovalStatus")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ApprovalStatus {
    Pending,
    Approved,
    Rejected,
    Completed,
    Withdrawn,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug, Serialize)]
#[graphql(remote = "crate::domain::lifecycle::maintenance::MaintenanceKind")]
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
#[graphql(remote = "crate::domain::software::entitlement::Metric")]
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
#[graphql(remote = "crate::domain::software::contract::ContractKind")]
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
#[graphql(remote = "crate::domain::software::contract::Period")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum BillingPeriod {
    Monthly,
    Quarterly,
    Annual,
    OneTime,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug, Serialize)]
#[graphql(remote = "crate::domain::software::subscription::BillingModel")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum BillingModel {
    PerSeat,
    UsageBased,
    Flat,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug, Serialize)]
#[graphql(remote = "crate::domain::software::compliance::Status")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ComplianceStatus {
    Compliant,
    UnderLicensed,
    OverLicensed,
}

/// What a linked asset is to a ticket.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug, Serialize)]
#[graphql(remote = "crate::domain::relationships::relation::TicketRole")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TicketRole {
    Affected,
    Cause,
    Changed,
}
