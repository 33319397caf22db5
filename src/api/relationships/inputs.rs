//! The inputs of relating entities: the relationship, its provenance and installation facts.

use crate::api::graphql::RelationType;
use crate::api::graphql::{Date, Timestamp};
use crate::api::graphql::{Patch, targeted};
use async_graphql::{ID, InputObject, MaybeUndefined};
use serde::Serialize;

/// Who or what recorded a relationship.
#[derive(InputObject, Serialize, Clone)]
#[serde(rename_all = "camelCase")]
pub struct ProvenanceInput {
    pub source: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_seen: Option<Timestamp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_seen: Option<Timestamp>,
}

#[derive(InputObject, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RelateInput {
    /// The entity that relates (the dependant, for dependency types).
    pub source: ID,
    /// The entity related to (what the source depends on, runs on, is located at, …).
    pub target: ID,
    #[graphql(name = "type")]
    #[serde(rename = "type")]
    pub relation: RelationType,
    /// 1 (low) to 5 (critical).
    pub criticality: Option<i64>,
    /// Edges of one source that share a group are alternatives of which `minUp` (default 1) must work.
    pub redundancy_group: Option<String>,
    pub min_up: Option<i64>,
    /// Share of the target's cost carried by the source, in percent, as a decimal string.
    pub allocation_percent: Option<String>,
    pub provenance: Option<ProvenanceInput>,
    pub valid_from: Option<Date>,
    pub valid_to: Option<Date>,
    pub note: Option<String>,
    /// For INSTALLED_ON only: what is known of the installation.
    pub installation: Option<InstallationInput>,
}

/// An installation's details; `version` is the exact build found, which may be finer than the
/// product's version.
#[derive(InputObject, Serialize, Clone)]
#[serde(rename_all = "camelCase")]
pub struct InstallationInput {
    pub version: Option<String>,
    pub installed_on: Option<Date>,
    pub last_used: Option<Date>,
}

#[derive(InputObject)]
pub struct RelateManyInput {
    pub items: Vec<RelateInput>,
    /// Write every item or none (default: each item on its own).
    #[graphql(default)]
    pub all_or_nothing: bool,
}

#[derive(InputObject, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateRelationshipInput {
    #[serde(skip)]
    pub id: ID,
    #[serde(skip)]
    pub expected_version: Option<i64>,
    #[serde(skip_serializing_if = "MaybeUndefined::is_undefined")]
    pub criticality: Patch<i64>,
    #[serde(skip_serializing_if = "MaybeUndefined::is_undefined")]
    pub redundancy_group: Patch<String>,
    #[serde(skip_serializing_if = "MaybeUndefined::is_undefined")]
    pub min_up: Patch<i64>,
    #[serde(skip_serializing_if = "MaybeUndefined::is_undefined")]
    pub allocation_percent: Patch<String>,
    #[serde(skip_serializing_if = "MaybeUndefined::is_undefined")]
    pub provenance: Patch<ProvenanceInput>,
    #[serde(skip_serializing_if = "MaybeUndefined::is_undefined")]
    pub valid_from: Patch<Date>,
    #[serde(skip_serializing_if = "MaybeUndefined::is_undefined")]
    pub valid_to: Patch<Date>,
    #[serde(skip_serializing_if = "MaybeUndefined::is_undefined")]
    pub note: Patch<String>,
    /// For INSTALLED_ON only; replaces what was recorded (discovery reports last use this way).
    #[serde(skip_serializing_if = "MaybeUndefined::is_undefined")]
    pub installation: Patch<InstallationInput>,
}

targeted!(UpdateRelationshipInput);
