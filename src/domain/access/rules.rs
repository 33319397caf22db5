//! Who may do what: the roles API tokens carry and the rules every read and write is checked
//! against, deny by default.

use crate::domain::access::audit::AuditEntry;
use crate::domain::access::role::Role;
use crate::domain::kernel::EntityKind;

/// Names (path segments) of stored fields that hold money or decide how money is counted.
/// Periods and useful lives are planning facts, not money: editors keep them.
const FINANCIAL_SEGMENTS: [&str; 8] = [
    "cost",
    "unitCost",
    "price",
    "salvage",
    "depreciation",
    "depreciationMethod",
    "allocationPercent",
    "annualCost",
];

/// Whether a stored field (a dotted path such as `purchase.cost.amount`) is financial.
pub fn is_financial_path(path: &str) -> bool {
    path.split('.')
        .any(|segment| FINANCIAL_SEGMENTS.contains(&segment))
}

/// GraphQL types whose every value is financial: a field returning one is guarded.
const FINANCIAL_TYPES: [&str; 9] = [
    "Money",
    "CostRollup",
    "CostShare",
    "TotalCostOfOwnership",
    "DepreciationPeriod",
    "DepreciationProfile",
    "DepreciationMethod",
    "CurrencyTotals",
    "DepreciationConvention",
];

/// Whether a GraphQL field of this return type (as printed: `[Money!]!`) is financial.
pub fn is_financial_type(return_type: &str) -> bool {
    let base = return_type.trim_matches(|c| c == '[' || c == ']' || c == '!');
    FINANCIAL_TYPES.contains(&base)
}

/// Kinds whose every field is commercial, written by finance as well as editors.
const COMMERCIAL: [EntityKind; 3] = [
    EntityKind::Contract,
    EntityKind::Entitlement,
    EntityKind::Subscription,
];

/// Kinds a discovery feed or a ticketing system writes.
const INTEGRATED: [EntityKind; 7] = [
    EntityKind::Asset,
    EntityKind::Relationship,
    EntityKind::SoftwareProduct,
    EntityKind::SoftwareUsage,
    EntityKind::Reconciliation,
    EntityKind::Ticket,
    EntityKind::Webhook,
];

/// Whether `role` may change field `path` of an entity of `kind`: checked on every audited
/// change as it commits, whichever mutation made it.
pub fn may_write(role: Role, kind: EntityKind, path: &str) -> bool {
    let financial = is_financial_path(path);
    match role {
        Role::Admin => true,
        Role::Viewer | Role::Auditor => false,
        Role::Finance => financial || COMMERCIAL.contains(&kind),
        Role::Editor => {
            !financial
                && !matches!(
                    kind,
                    EntityKind::Token | EntityKind::Webhook | EntityKind::DiscoveryPolicy
                )
        }
        Role::Integrator => !financial && INTEGRATED.contains(&kind),
    }
}

/// Why the actor of `entry` may not make it, if they may not: every change it records must be
/// one their role may write (an entry without changes, one the role may make to that kind).
pub fn refusal(entry: &AuditEntry) -> Option<String> {
    let Some(role) = entry.actor_role else {
        return Some("a change without a role is refused".into());
    };
    let kind = entry.entity_kind;
    let refused = |path: &str| {
        let what = if path.is_empty() {
            format!("{kind} records")
        } else {
            format!("{kind} field `{path}`")
        };
        format!("the {} role may not change {what}", role.name())
    };
    if entry.changes.is_empty() {
        return (!may_write(role, kind, "")).then(|| refused(""));
    }
    entry
        .changes
        .iter()
        .find(|change| !may_write(role, kind, &change.field))
        .map(|change| refused(&change.field))
}

/// The roles, besides ADMIN, that may call a mutation; `None` for a mutation nobody but an
/// admin may call (and any mutation this table does not know).
pub fn mutation_roles(name: &str) -> &'static [Role] {
    use Role::*;
    const REGISTER: &[Role] = &[Editor];
    const COMMERCE: &[Role] = &[Editor, Finance];
    const FEED: &[Role] = &[Editor, Integrator];
    match name {
        "createAsset"
        | "deleteAsset"
        | "createLocation"
        | "updateLocation"
        | "deleteLocation"
        | "createPerson"
        | "updatePerson"
        | "deletePerson"
        | "createTeam"
        | "updateTeam"
        | "deleteTeam"
        | "createVendor"
        | "updateVendor"
        | "deleteVendor"
        | "createSoftwareProduct"
        | "updateSoftwareProduct"
        | "deleteSoftwareProduct"
        | "deleteModel"
        | "relate"
        | "relateMany"
        | "unrelate"
        | "transitionAsset"
        | "checkIn"
        | "checkOut"
        | "requestRetirement"
        | "approveRequest"
        | "rejectRequest"
        | "acceptAssets"
        | "resolveConflict"
        | "recordImpactAssessment" => REGISTER,
        // Editors set the technical fields, finance the money; each change is checked per field.
        "updateAsset" | "updateModel" | "createModel" | "updateRelationship"
        | "recordMaintenance" | "createContract" | "updateContract" | "deleteContract"
        | "createEntitlement" | "updateEntitlement" | "deleteEntitlement"
        | "createSubscription" | "updateSubscription" | "deleteSubscription" => COMMERCE,
        "ingestDiscovery"
        | "upsertTicket"
        | "linkTicket"
        | "unlinkTicket"
        | "recordSoftwareUsage" => FEED,
        "createWebhook" | "updateWebhook" | "deleteWebhook" => &[Integrator],
        _ => &[],
    }
}

/// Whether `role` may call mutation `name`.
pub fn may_call_mutation(role: Role, name: &str) -> bool {
    role == Role::Admin || mutation_roles(name).contains(&role)
}

/// Who may read a whole type, when not everyone may (`None`: every role).
fn type_readers(type_name: &str) -> Option<&'static [Role]> {
    match type_name {
        "ApiToken" | "CreatedToken" => Some(&[Role::Admin]),
        "Webhook" | "WebhookDelivery" => Some(&[Role::Admin, Role::Integrator]),
        "AuditVerification" | "AuditBreak" => Some(&[Role::Admin, Role::Auditor]),
        _ => None,
    }
}

/// Who may read one field, when not everyone may (`None`: whoever may read its type).
fn field_readers(parent: &str, field: &str) -> Option<&'static [Role]> {
    match (parent, field) {
        ("Query", "auditLog" | "verifyAuditLog" | "verifyProjections") => {
            Some(&[Role::Admin, Role::Auditor])
        }
        ("Query", "tokens") => Some(&[Role::Admin]),
        ("Query", "financeSummary") => Some(&[Role::Admin, Role::Auditor, Role::Finance]),
        _ => None,
    }
}

/// Whether `role` may read field `field` of type `parent` returning `return_type`.
pub fn may_read(role: Role, parent: &str, field: &str, return_type: &str) -> bool {
    let returned = return_type.trim_matches(|c| c == '[' || c == ']' || c == '!');
    let allowed = |readers: Option<&[Role]>| readers.is_none_or(|r| r.contains(&role));
    allowed(type_readers(parent))
        && allowed(type_readers(returned))
        && allowed(field_readers(parent, field))
        && (role.reads_financial() || !is_financial_type(return_type))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn financial_paths_are_recognised_at_any_depth() {
        assert!(is_financial_path("purchase.cost.amount"));
        assert!(is_financial_path("depreciation.method"));
        assert!(is_financial_path("unitCost"));
        assert!(!is_financial_path("purchase.date"));
        assert!(!is_financial_path("costCentre"));
        assert!(!is_financial_path("attributes.hostname"));
    }

    #[test]
    fn financial_types_are_recognised_through_lists_and_non_null() {
        assert!(is_financial_type("Money"));
        assert!(is_financial_type("[Money!]!"));
        assert!(is_financial_type("CostRollup!"));
        assert!(!is_financial_type("String"));
        assert!(!is_financial_type("MoneyInput"));
    }

    #[test]
    fn writes_follow_the_role_matrix() {
        use EntityKind::*;
        for role in [Role::Viewer, Role::Auditor] {
            assert!(!may_write(role, Asset, "name"));
            assert!(!may_write(role, Asset, "purchase.cost.amount"));
        }
        assert!(may_write(Role::Editor, Asset, "name"));
        assert!(!may_write(Role::Editor, Asset, "purchase.cost.amount"));
        assert!(!may_write(Role::Editor, Token, "name"));
        assert!(may_write(Role::Finance, Asset, "purchase.cost.amount"));
        assert!(!may_write(Role::Finance, Asset, "name"));
        assert!(may_write(Role::Finance, Contract, "name"));
        assert!(may_write(Role::Integrator, Asset, "attributes.os"));
        assert!(!may_write(Role::Integrator, Person, "name"));
        assert!(!may_write(Role::Integrator, Asset, "purchase.cost.amount"));
        for kind in EntityKind::ALL {
            assert!(may_write(Role::Admin, kind, "anything"));
        }
    }

    #[test]
    fn unknown_mutations_are_for_admins_only() {
        for role in Role::ALL {
            assert_eq!(
                may_call_mutation(role, "dropEverything"),
                role == Role::Admin
            );
        }
        assert!(may_call_mutation(Role::Editor, "createAsset"));
        assert!(!may_call_mutation(Role::Viewer, "createAsset"));
        assert!(!may_call_mutation(Role::Auditor, "updateAsset"));
        assert!(may_call_mutation(Role::Finance, "updateAsset"));
        assert!(!may_call_mutation(Role::Finance, "createAsset"));
        assert!(may_call_mutation(Role::Integrator, "ingestDiscovery"));
        assert!(!may_call_mutation(Role::Integrator, "createToken"));
    }

    #[test]
    fn reads_hide_money_and_restricted_types() {
        assert!(!may_read(Role::Viewer, "Asset", "bookValue", "Money"));
        assert!(may_read(Role::Finance, "Asset", "bookValue", "Money"));
        assert!(may_read(Role::Viewer, "Asset", "name", "String!"));
        assert!(!may_read(Role::Viewer, "ApiToken", "name", "String!"));
        assert!(!may_read(
            Role::Editor,
            "Query",
            "auditLog",
            "AuditEntryConnection!"
        ));
        assert!(may_read(
            Role::Auditor,
            "Query",
            "auditLog",
            "AuditEntryConnection!"
        ));
        assert!(may_read(
            Role::Viewer,
            "Asset",
            "history",
            "AuditEntryConnection!"
        ));
        assert!(!may_read(
            Role::Viewer,
            "Query",
            "financeSummary",
            "[FinanceGroup!]!"
        ));
        assert!(!may_read(
            Role::Integrator,
            "Query",
            "tokens",
            "[ApiToken!]!"
        ));
    }

    #[test]
    fn role_names_round_trip() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.name()), Some(role));
        }
        assert_eq!(Role::parse("ROOT"), None);
    }
}
