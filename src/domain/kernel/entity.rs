//! What every registered entity shares: a kind, a stable id, a version and timestamps.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::domain::kernel::validation::{ErrorCode, FieldError};

/// The kinds of things the register holds; each is one store table. Stored documents name a
/// kind by its public name (audit entries), so that name reads back as the kind too.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum EntityKind {
    Asset,
    Person,
    Team,
    Location,
    Vendor,
    Model,
    Relationship,
    #[serde(alias = "ApprovalRequest")]
    Approval,
    #[serde(alias = "MaintenanceRecord")]
    Maintenance,
    SoftwareProduct,
    SoftwareUsage,
    Entitlement,
    Subscription,
    Contract,
    #[serde(alias = "ReconciliationItem")]
    Reconciliation,
    DiscoveryPolicy,
    Ticket,
    Webhook,
    #[serde(alias = "ApiToken")]
    Token,
}

impl EntityKind {
    /// Every kind; new kinds go at the end (index checkpoints store kinds by position).
    pub const ALL: [EntityKind; 19] = [
        EntityKind::Asset,
        EntityKind::Person,
        EntityKind::Team,
        EntityKind::Location,
        EntityKind::Vendor,
        EntityKind::Model,
        EntityKind::Relationship,
        EntityKind::Approval,
        EntityKind::Maintenance,
        EntityKind::SoftwareProduct,
        EntityKind::SoftwareUsage,
        EntityKind::Entitlement,
        EntityKind::Subscription,
        EntityKind::Contract,
        EntityKind::Reconciliation,
        EntityKind::DiscoveryPolicy,
        EntityKind::Ticket,
        EntityKind::Webhook,
        EntityKind::Token,
    ];

    /// The store table holding this kind.
    pub fn table(self) -> &'static str {
        match self {
            EntityKind::Asset => "asset",
            EntityKind::Person => "person",
            EntityKind::Team => "team",
            EntityKind::Location => "location",
            EntityKind::Vendor => "vendor",
            EntityKind::Model => "model",
            EntityKind::Relationship => "relationship",
            EntityKind::Approval => "approval",
            EntityKind::Maintenance => "maintenance",
            EntityKind::SoftwareProduct => "software_product",
            EntityKind::SoftwareUsage => "software_usage",
            EntityKind::Entitlement => "entitlement",
            EntityKind::Subscription => "subscription",
            EntityKind::Contract => "contract",
            EntityKind::Reconciliation => "reconciliation",
            EntityKind::DiscoveryPolicy => "discovery_policy",
            EntityKind::Ticket => "ticket",
            EntityKind::Webhook => "webhook",
            EntityKind::Token => "token",
        }
    }

    /// The public type name (used in global ids and messages).
    pub fn name(self) -> &'static str {
        match self {
            EntityKind::Asset => "Asset",
            EntityKind::Person => "Person",
            EntityKind::Team => "Team",
            EntityKind::Location => "Location",
            EntityKind::Vendor => "Vendor",
            EntityKind::Model => "Model",
            EntityKind::Relationship => "Relationship",
            EntityKind::Approval => "ApprovalRequest",
            EntityKind::Maintenance => "MaintenanceRecord",
            EntityKind::SoftwareProduct => "SoftwareProduct",
            EntityKind::SoftwareUsage => "SoftwareUsage",
            EntityKind::Entitlement => "Entitlement",
            EntityKind::Subscription => "Subscription",
            EntityKind::Contract => "Contract",
            EntityKind::Reconciliation => "ReconciliationItem",
            EntityKind::DiscoveryPolicy => "DiscoveryPolicy",
            EntityKind::Ticket => "Ticket",
            EntityKind::Webhook => "Webhook",
            EntityKind::Token => "ApiToken",
        }
    }

    pub fn from_name(name: &str) -> Option<EntityKind> {
        EntityKind::ALL.into_iter().find(|k| k.name() == name)
    }
}

impl fmt::Display for EntityKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The key of an entity within its table: 1–64 characters of `[A-Za-z0-9_-]`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct EntityId(String);

impl EntityId {
    pub fn parse(key: &str) -> Option<EntityId> {
        let valid = !key.is_empty()
            && key.len() <= 64
            && key
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        valid.then(|| EntityId(key.to_string()))
    }

    /// A fresh, time-ordered id.
    pub fn generate() -> EntityId {
        EntityId(uuid::Uuid::now_v7().simple().to_string())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Checks a reference given in an input field.
    pub fn parse_field(field: &str, key: &str) -> Result<EntityId, FieldError> {
        EntityId::parse(key).ok_or_else(|| {
            FieldError::new(
                field,
                ErrorCode::Invalid,
                format!("{key:?} is not a valid id"),
            )
        })
    }
}

impl TryFrom<String> for EntityId {
    type Error = String;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        EntityId::parse(&value).ok_or_else(|| format!("invalid id {value:?}"))
    }
}

impl From<EntityId> for String {
    fn from(value: EntityId) -> Self {
        value.0
    }
}

impl fmt::Display for EntityId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A stored entity: the validated data plus the bookkeeping the store maintains.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Record<T> {
    pub id: EntityId,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    #[serde(flatten)]
    pub data: T,
}

impl<T> Record<T> {
    /// A record not stored yet: version 1, created and last updated `at`.
    pub fn first(id: EntityId, data: T, at: DateTime<Utc>) -> Record<T> {
        Record {
            id,
            version: 1,
            created_at: at,
            updated_at: at,
            data,
        }
    }
}

impl<T> Record<T> {
    /// The same record's bookkeeping around other data (the entity seen as its concrete type).
    pub fn with_data<U>(&self, data: U) -> Record<U> {
        Record {
            id: self.id.clone(),
            version: self.version,
            created_at: self.created_at,
            updated_at: self.updated_at,
            data,
        }
    }

    /// The next version of this record, holding `data`, changed `at`.
    pub fn revised(&self, data: T, at: DateTime<Utc>) -> Record<T> {
        Record {
            id: self.id.clone(),
            version: self.version + 1,
            created_at: self.created_at,
            updated_at: at,
            data,
        }
    }
}

/// A field of one entity that holds the id of another, or a list of such ids.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReferenceField {
    /// Dotted path of the field in the entity's document, e.g. `owner.team`.
    pub path: &'static str,
    pub target: EntityKind,
    /// The field holds a list of ids.
    pub many: bool,
}

/// One end of a relationship: the kind of entity and its id.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct NodeRef {
    pub kind: EntityKind,
    pub id: EntityId,
}

impl NodeRef {
    /// The asset with this id, as a relationship end.
    pub fn asset(id: &EntityId) -> NodeRef {
        NodeRef {
            kind: EntityKind::Asset,
            id: id.clone(),
        }
    }
}

/// A register entity: validated from a draft, serialised as its stored document.
pub trait Entity: Serialize + DeserializeOwned + Clone + Send + Sync + 'static {
    const KIND: EntityKind;
    /// Unvalidated input with the same field names as the document.
    type Draft: Serialize + DeserializeOwned + Default + Send;

    fn validate(draft: Self::Draft) -> Result<Self, Vec<FieldError>>;

    /// The field pointing at the parent in a hierarchy of the same kind, if any.
    const PARENT_FIELD: Option<&'static str> = None;

    /// Fields only dedicated operations change (an asset's stage moves by transitions), so a
    /// plain update must leave them as they are.
    const MANAGED: &'static [&'static str] = &[];

    /// A person just changed these fields (document paths): values discovery set there are the
    /// person's now, which decides whether discovery may change them again.
    fn claim_for_people(&mut self, _fields: &[String]) {}

    /// The entity as the concrete kind `T`, when it is one: code written for every kind (the
    /// store's graph links, the projections) picks out the kinds it follows.
    fn downcast_ref<T: Entity>(&self) -> Option<&T> {
        (self as &dyn std::any::Any).downcast_ref::<T>()
    }
}

/// Parses an optional reference id.
pub fn optional_ref(field: &str, value: Option<&str>) -> Result<Option<EntityId>, FieldError> {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(key) => EntityId::parse_field(field, key).map(Some),
    }
}

/// Parses a required reference id.
pub fn required_ref(field: &str, value: Option<&str>) -> Result<EntityId, FieldError> {
    optional_ref(field, value)?
        .ok_or_else(|| FieldError::new(field, ErrorCode::Required, format!("{field} is required")))
}
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_reads_back_from_its_public_name_and_its_variant_name() {
        for kind in EntityKind::ALL {
            let public: EntityKind = serde_json::from_value(kind.name().into()).unwrap();
            assert_eq!(public, kind);
            let variant: EntityKind =
                serde_json::from_value(serde_json::to_value(kind).unwrap()).unwrap();
            assert_eq!(variant, kind);
            assert_eq!(EntityKind::from_name(kind.name()), Some(kind));
        }
    }
}
