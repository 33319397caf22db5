//! The register's cross-entity facts: which fields reference which kind, and what must be unique.

use crate::domain::kernel::entity::{EntityKind, ReferenceField};

const fn r(path: &'static str, target: EntityKind) -> ReferenceField {
    ReferenceField {
        path,
        target,
        many: false,
    }
}

/// A field holding a list of ids.
const fn list(path: &'static str, target: EntityKind) -> ReferenceField {
    ReferenceField {
        path,
        target,
        many: true,
    }
}

const ASSET_REFERENCES: &[ReferenceField] = &[
    r("owner.team", EntityKind::Team),
    r("owner.person", EntityKind::Person),
    r("assignee", EntityKind::Person),
    r("location", EntityKind::Location),
    r("vendor", EntityKind::Vendor),
    r("model", EntityKind::Model),
];
const PERSON_REFERENCES: &[ReferenceField] = &[
    r("team", EntityKind::Team),
    r("manager", EntityKind::Person),
];
const TEAM_REFERENCES: &[ReferenceField] = &[r("parent", EntityKind::Team)];
const LOCATION_REFERENCES: &[ReferenceField] = &[r("parent", EntityKind::Location)];
const MODEL_REFERENCES: &[ReferenceField] = &[r("vendor", EntityKind::Vendor)];
const APPROVAL_REFERENCES: &[ReferenceField] = &[r("asset", EntityKind::Asset)];
const MAINTENANCE_REFERENCES: &[ReferenceField] = &[
    r("asset", EntityKind::Asset),
    r("vendor", EntityKind::Vendor),
];
const USAGE_REFERENCES: &[ReferenceField] = &[r("product", EntityKind::SoftwareProduct)];
const ENTITLEMENT_REFERENCES: &[ReferenceField] = &[
    list("products", EntityKind::SoftwareProduct),
    r("vendor", EntityKind::Vendor),
    r("contract", EntityKind::Contract),
    r("team", EntityKind::Team),
    list("assignedPeople", EntityKind::Person),
    list("assignedDevices", EntityKind::Asset),
];
const SUBSCRIPTION_REFERENCES: &[ReferenceField] = &[
    r("vendor", EntityKind::Vendor),
    r("product", EntityKind::SoftwareProduct),
    r("team", EntityKind::Team),
    r("contract", EntityKind::Contract),
    list("users", EntityKind::Person),
];
const CONTRACT_REFERENCES: &[ReferenceField] =
    &[r("vendor", EntityKind::Vendor), r("team", EntityKind::Team)];

/// Fields of `kind` whose value is the id of another entity.
pub fn reference_fields(kind: EntityKind) -> &'static [ReferenceField] {
    match kind {
        EntityKind::Asset => ASSET_REFERENCES,
        EntityKind::Person => PERSON_REFERENCES,
        EntityKind::Team => TEAM_REFERENCES,
        EntityKind::Location => LOCATION_REFERENCES,
        EntityKind::Vendor => &[],
        EntityKind::Model => MODEL_REFERENCES,
        // A relationship's ends can be of any kind; the store checks them as graph links.
        EntityKind::Relationship => &[],
        EntityKind::Approval => APPROVAL_REFERENCES,
        EntityKind::Maintenance => MAINTENANCE_REFERENCES,
        EntityKind::SoftwareProduct => &[],
        EntityKind::SoftwareUsage => USAGE_REFERENCES,
        EntityKind::Entitlement => ENTITLEMENT_REFERENCES,
        EntityKind::Subscription => SUBSCRIPTION_REFERENCES,
        EntityKind::Contract => CONTRACT_REFERENCES,
        // Candidates of a conflict are evidence, not ownership: they never block a deletion.
        EntityKind::Reconciliation | EntityKind::DiscoveryPolicy => &[],
        // A ticket's assets are AFFECTS relationships, checked as graph links.
        EntityKind::Ticket => &[],
        // The entities a webhook listens to are a filter, not ownership.
        EntityKind::Webhook | EntityKind::Token => &[],
    }
}

/// Every (kind, field) that may point at an entity of `target`: what blocks deleting it.
pub fn referrers(target: EntityKind) -> Vec<(EntityKind, ReferenceField)> {
    EntityKind::ALL
        .into_iter()
        .flat_map(|kind| reference_fields(kind).iter().map(move |f| (kind, *f)))
        .filter(|(_, f)| f.target == target)
        .collect()
}

/// A uniqueness rule: the store index that enforces it and the input field to blame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UniqueKey {
    pub index: &'static str,
    pub field: &'static str,
    pub message: &'static str,
}

/// Uniqueness rules per kind; the index names match `schema/surreal`.
pub fn unique_keys(kind: EntityKind) -> &'static [UniqueKey] {
    match kind {
        EntityKind::Asset => &[
            UniqueKey {
                index: "asset_tag_unique",
                field: "assetTag",
                message: "another asset has this asset tag",
            },
            UniqueKey {
                index: "asset_serial_unique",
                field: "serialNumber",
                message: "another asset of this manufacturer has this serial number",
            },
            UniqueKey {
                index: "asset_external_id_unique",
                field: "externalIds",
                message: "another asset has this external id",
            },
        ],
        EntityKind::Person => &[UniqueKey {
            index: "person_email_unique",
            field: "email",
            message: "another person has this email",
        }],
        EntityKind::Team => &[UniqueKey {
            index: "team_name_unique",
            field: "name",
            message: "another team has this name",
        }],
        EntityKind::Vendor => &[UniqueKey {
            index: "vendor_name_unique",
            field: "name",
            message: "another vendor has this name",
        }],
        EntityKind::Model => &[UniqueKey {
            index: "model_name_unique",
            field: "name",
            message: "this manufacturer already has a model with this name",
        }],
        EntityKind::SoftwareProduct => &[
            UniqueKey {
                index: "software_product_unique",
                field: "name",
                message: "this publisher already has a product of this name, version and edition",
            },
            UniqueKey {
                index: "software_product_tag_unique",
                field: "tagId",
                message: "another product has this tag id",
            },
        ],
        EntityKind::Ticket => &[UniqueKey {
            index: "ticket_key_unique",
            field: "key",
            message: "this system already has a ticket with this key",
        }],
        EntityKind::Location
        | EntityKind::Approval
        | EntityKind::Maintenance
        | EntityKind::SoftwareUsage
        | EntityKind::Entitlement
        | EntityKind::Subscription
        | EntityKind::Contract
        | EntityKind::Reconciliation
        | EntityKind::DiscoveryPolicy
        | EntityKind::Webhook => &[],
        EntityKind::Token => &[UniqueKey {
            index: "token_name",
            field: "name",
            message: "a token of this name exists (names stay taken after revocation: they name actors in the audit log)",
        }],
        EntityKind::Relationship => &[UniqueKey {
            index: "relationship_unique",
            field: "type",
            message: "these two already have a relationship of this type",
        }],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn referrers_are_derived_from_reference_fields() {
        let paths = |kind| -> Vec<(EntityKind, &str)> {
            referrers(kind)
                .into_iter()
                .map(|(k, f)| (k, f.path))
                .collect()
        };
        let team = paths(EntityKind::Team);
        assert!(team.contains(&(EntityKind::Asset, "owner.team")));
        assert!(team.contains(&(EntityKind::Person, "team")));
        assert!(team.contains(&(EntityKind::Team, "parent")));
        assert!(team.contains(&(EntityKind::Contract, "team")));
        assert_eq!(team.len(), 6);
        // An asset's approval requests, maintenance records and licence assignments keep it
        // from being deleted.
        assert_eq!(
            paths(EntityKind::Asset),
            [
                (EntityKind::Approval, "asset"),
                (EntityKind::Maintenance, "asset"),
                (EntityKind::Entitlement, "assignedDevices"),
            ]
        );
    }
}
