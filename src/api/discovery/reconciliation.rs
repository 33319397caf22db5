//! Discovery over GraphQL: ingesting records, the reconciliation queue, unmanaged and stale
//! assets, and the policy discovery follows.

use crate::api::graphql::Timestamp;
use crate::api::graphql::paged_object;
use async_graphql::{Context, Enum, ID, InputObject, Json, Object, Result, SimpleObject};
use serde::Serialize;

use crate::api::graphql::DiscoveryPolicyNode;
use crate::api::graphql::ReconciliationItemNode;
use crate::api::graphql::UserError;
use crate::api::graphql::ids;
use crate::api::graphql::outcome;
use crate::api::graphql::page_of;
use crate::api::graphql::{AssetNode, RelationshipNode, entity_object};
use crate::api::graphql::{Conn, connection, slice};
use crate::api::graphql::{fail, register, request};
use crate::api::graphql::{many, one};
use crate::domain::discovery::IdentificationRule as DomainRule;
use crate::domain::discovery::Policy;
use crate::domain::discovery::RecordDraft;
use crate::domain::discovery::{ReconciliationItem, ReconciliationStatus as DomainStatus};
use crate::domain::kernel::ErrorCode;
use crate::domain::kernel::Page;
use crate::domain::kernel::{EntityId, EntityKind};
use crate::domain::register::Asset;
use crate::domain::relationships::Relationship;
use crate::service::discovery::Resolution;
use crate::service::discovery::{Decision as DomainDecision, IngestReport, Outcome};
use crate::service::kernel::ServiceError;

/// How a record was matched to an asset.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[graphql(remote = "DomainRule")]
pub enum IdentificationRule {
    SourceNativeKey,
    SerialAndManufacturer,
    AssetTag,
    MacAddress,
    CloudResourceId,
    Fqdn,
    Hostname,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "DomainStatus")]
pub enum ReconciliationStatus {
    Open,
    Merged,
    KeptSeparate,
    Ignored,
}

/// An asset a conflicting record pointed at, and by which rules.
#[derive(SimpleObject)]
pub struct ConflictCandidate {
    pub asset: Option<AssetNode>,
    pub rules: Vec<IdentificationRule>,
}

entity_object! {
    /// A discovery record whose identifiers point at several assets, waiting for a person.
    ReconciliationItemNode(ReconciliationItem) as "ReconciliationItem" {
        async fn source(&self) -> &str {
            &self.0.data.source
        }
        /// The record as the source sent it.
        async fn record(&self) -> Json<serde_json::Value> {
            Json(self.0.data.record.clone())
        }
        async fn status(&self) -> ReconciliationStatus {
            self.0.data.status.into()
        }
        async fn candidates(&self, ctx: &Context<'_>) -> Result<Vec<ConflictCandidate>> {
            let found = many::<Asset>(ctx, self.0.data.candidates.iter().map(|c| c.asset.clone())).await?;
            Ok(self.0.data.candidates.iter().map(|c| ConflictCandidate {
                asset: found.iter().find(|a| a.id == c.asset).cloned().map(AssetNode),
                rules: c.rules.iter().map(|r| (*r).into()).collect(),
            }).collect())
        }
        async fn resolved_by(&self) -> Option<&str> {
            self.0.data.resolved_by.as_deref()
        }
        async fn resolved_at(&self) -> Option<Timestamp> {
            self.0.data.resolved_at.map(Timestamp)
        }
        /// The asset the record went to once resolved.
        async fn result_asset(&self, ctx: &Context<'_>) -> Result<Option<AssetNode>> {
            let found = many::<Asset>(ctx, self.0.data.result_asset.iter().cloned()).await?;
            Ok(found.into_iter().next().map(AssetNode))
        }
        async fn note(&self) -> Option<&str> {
            self.0.data.note.as_deref()
        }
    }
}

/// Who may set one asset field.
#[derive(SimpleObject)]
pub struct FieldRule {
    /// Document path, e.g. `attributes.os` or `warrantyEnd`.
    pub field: String,
    /// Sources allowed to set it, most authoritative first; empty means every source, equal.
    pub sources: Vec<String>,
    /// Whether discovery may replace a value a person set (never for financial, ownership or
    /// lifecycle fields).
    pub overrides_people: bool,
}

entity_object! {
    /// The identification order and field precedence discovery follows.
    DiscoveryPolicyNode(Policy) as "DiscoveryPolicy" {
        /// Identification rules in the order they are tried; rules left out are not used.
        async fn rules(&self) -> Vec<IdentificationRule> {
            self.0.data.rules.iter().map(|r| (*r).into()).collect()
        }
        async fn fields(&self) -> Vec<FieldRule> {
            self.0.data.fields.iter().map(|f| FieldRule {
                field: f.field.clone(),
                sources: f.sources.clone(),
                overrides_people: f.overrides_people,
            }).collect()
        }
    }
}

/// When one source last reported an asset or a relationship.
#[derive(SimpleObject)]
pub struct SourceSighting {
    pub source: String,
    pub first_seen: Timestamp,
    pub last_seen: Timestamp,
}

/// The discovery source that set a field; fields people set are not listed.
#[derive(SimpleObject)]
pub struct FieldSource {
    pub field: String,
    pub source: String,
}

/// Sightings of an entity, from the in-memory identities.
pub async fn sightings_of(
    ctx: &Context<'_>,
    kind: EntityKind,
    id: &EntityId,
) -> Result<Vec<SourceSighting>> {
    let found = register(ctx)?
        .sightings(kind, id)
        .await
        .map_err(|e| fail(ctx, e))?;
    Ok(found
        .into_iter()
        .map(|(source, s)| SourceSighting {
            source,
            first_seen: Timestamp(s.first_seen),
            last_seen: Timestamp(s.last_seen),
        })
        .collect())
}

/// Identifiers of the other end of an observed relationship.
#[derive(InputObject, Serialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct DiscoveryEndInput {
    pub source_native_key: Option<String>,
    pub serial_number: Option<String>,
    pub manufacturer: Option<String>,
    pub asset_tag: Option<String>,
    pub mac_address: Option<String>,
    pub hostname: Option<String>,
    pub fqdn: Option<String>,
    pub cloud_resource_id: Option<String>,
}

/// A relationship the tool saw from the record's asset to another asset.
#[derive(InputObject, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ObservedRelationshipInput {
    /// RUNS_ON, HOSTED_ON, CONNECTED_TO, DEPENDS_ON or CONTAINS (text, so one bad record does
    /// not refuse the whole batch).
    #[serde(rename = "type")]
    #[graphql(name = "type")]
    pub relation: Option<String>,
    pub target: Option<DiscoveryEndInput>,
}

/// A software title found installed.
#[derive(InputObject, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DiscoveredSoftwareInput {
    pub publisher: Option<String>,
    pub name: Option<String>,
    /// The exact version found.
    pub version: Option<String>,
    /// YYYY-MM-DD.
    pub installed_on: Option<String>,
    /// YYYY-MM-DD.
    pub last_used: Option<String>,
}

/// One record as a discovery tool reports it. Values are checked per record: a malformed one
/// is REJECTED with reasons while the rest of the batch goes in.
#[derive(InputObject, Serialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct DiscoveryRecordInput {
    /// The source's own key for the machine (agent id, resource id, MDM device id).
    pub source_native_key: Option<String>,
    /// Placeholders ("To be filled by O.E.M.", all zeros) are ignored.
    pub serial_number: Option<String>,
    pub manufacturer: Option<String>,
    pub asset_tag: Option<String>,
    pub mac_addresses: Option<Vec<String>>,
    /// A dotted host name also gives the FQDN.
    pub hostname: Option<String>,
    pub fqdn: Option<String>,
    pub cloud_resource_id: Option<String>,
    /// An asset class (SERVER, LAPTOP, VIRTUAL_MACHINE, …); needed to register a new asset.
    pub class: Option<String>,
    /// Display name; defaults to the FQDN, host name, cloud id or serial.
    pub name: Option<String>,
    pub model: Option<String>,
    pub os: Option<String>,
    pub os_version: Option<String>,
    pub cpu_cores: Option<i64>,
    pub memory_mb: Option<i64>,
    pub ip_addresses: Option<Vec<String>>,
    /// YYYY-MM-DD, e.g. from a vendor's warranty API; never replaces a person's value.
    pub warranty_end: Option<String>,
    /// YYYY-MM-DD; never replaces a person's value.
    pub purchase_date: Option<String>,
    /// When the tool saw the machine; now when absent.
    pub seen_at: Option<Timestamp>,
    pub software: Option<Vec<DiscoveredSoftwareInput>>,
    pub relationships: Option<Vec<ObservedRelationshipInput>>,
}

#[derive(InputObject)]
pub struct IngestDiscoveryInput {
    /// The reporting tool (`sccm`, `nmap`, `aws`, …): 1–64 letters, digits, '.', '-', '_'.
    pub source: String,
    /// At most 5,000 records.
    pub records: Vec<DiscoveryRecordInput>,
    /// Compute the full report and change nothing.
    #[graphql(default = false)]
    pub dry_run: bool,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "DomainDecision")]
pub enum IngestDecision {
    Created,
    Updated,
    Unchanged,
    Conflict,
    Rejected,
}

/// What became of one record.
pub struct IngestRecordResult {
    index: usize,
    outcome: Outcome,
}

#[Object]
impl IngestRecordResult {
    /// Position of the record in the input, from 0.
    async fn index(&self) -> usize {
        self.index
    }
    async fn decision(&self) -> IngestDecision {
        self.outcome.decision.into()
    }
    /// The first rule (in the policy's order) that found the asset.
    async fn rule(&self) -> Option<IdentificationRule> {
        self.outcome.rule.map(Into::into)
    }
    /// The asset's id, also for a dry run's would-be asset.
    async fn asset_id(&self) -> Option<ID> {
        self.outcome
            .asset
            .as_ref()
            .map(|id| ids::encode(EntityKind::Asset, id))
    }
    async fn asset(&self, ctx: &Context<'_>) -> Result<Option<AssetNode>> {
        Ok(one::<Asset>(ctx, self.outcome.asset.as_ref())
            .await?
            .map(AssetNode))
    }
    /// Document paths that changed (`attributes.os`, `installations`, `relationships.RUNS_ON`).
    async fn changed_fields(&self) -> &[String] {
        &self.outcome.changed_fields
    }
    /// Why a REJECTED record was refused.
    async fn errors(&self) -> Vec<UserError> {
        self.outcome
            .errors
            .iter()
            .cloned()
            .map(UserError::from)
            .collect()
    }
    /// What was ignored or kept, and why (placeholders, precedence, unresolved ends).
    async fn notes(&self) -> &[String] {
        &self.outcome.notes
    }
    /// For a CONFLICT: the assets its identifiers point at.
    async fn candidates(&self, ctx: &Context<'_>) -> Result<Vec<ConflictCandidate>> {
        candidates(
            ctx,
            self.outcome
                .candidates
                .iter()
                .map(|c| (c.asset.clone(), c.rules.clone()))
                .collect(),
        )
        .await
    }
    /// For a CONFLICT: its item in the reconciliation queue (none in a dry run).
    async fn reconciliation_item(
        &self,
        ctx: &Context<'_>,
    ) -> Result<Option<ReconciliationItemNode>> {
        Ok(
            one::<ReconciliationItem>(ctx, self.outcome.reconciliation.as_ref())
                .await?
                .map(ReconciliationItemNode),
        )
    }
}

async fn candidates(
    ctx: &Context<'_>,
    found: Vec<(EntityId, Vec<DomainRule>)>,
) -> Result<Vec<ConflictCandidate>> {
    let assets = many::<Asset>(ctx, found.iter().map(|(a, _)| a.clone())).await?;
    Ok(found
        .into_iter()
        .map(|(asset, rules)| ConflictCandidate {
            asset: assets
                .iter()
                .find(|a| a.id == asset)
                .cloned()
                .map(AssetNode),
            rules: rules.into_iter().map(Into::into).collect(),
        })
        .collect())
}

/// The outcome of a batch: counts per decision and one result per record.
pub struct IngestReportNode(IngestReport);

#[Object(name = "IngestReport")]
impl IngestReportNode {
    async fn source(&self) -> &str {
        &self.0.source
    }
    /// True when nothing was written.
    async fn dry_run(&self) -> bool {
        self.0.dry_run
    }
    async fn created(&self) -> usize {
        self.0.count(DomainDecision::Created)
    }
    async fn updated(&self) -> usize {
        self.0.count(DomainDecision::Updated)
    }
    async fn unchanged(&self) -> usize {
        self.0.count(DomainDecision::Unchanged)
    }
    async fn conflicts(&self) -> usize {
        self.0.count(DomainDecision::Conflict)
    }
    async fn rejected(&self) -> usize {
        self.0.count(DomainDecision::Rejected)
    }
    async fn relationships_created(&self) -> usize {
        self.0.relationships_created
    }
    async fn installations_created(&self) -> usize {
        self.0.installations_created
    }
    async fn installations_updated(&self) -> usize {
        self.0.installations_updated
    }
    /// Software titles not in the catalogue, added to it.
    async fn products_created(&self) -> usize {
        self.0.products_created
    }
    /// One per record, in input order.
    async fn records(&self) -> Vec<IngestRecordResult> {
        self.0
            .outcomes
            .iter()
            .cloned()
            .enumerate()
            .map(|(index, outcome)| IngestRecordResult { index, outcome })
            .collect()
    }
}

#[derive(SimpleObject)]
pub struct IngestDiscoveryPayload {
    /// Null when the batch as a whole was refused (see userErrors).
    pub report: Option<IngestReportNode>,
    pub user_errors: Vec<UserError>,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum ConflictAction {
    /// The candidates are one machine: fold the others into `survivor`.
    Merge,
    /// The candidates are different machines: never match them together again.
    KeepSeparate,
    /// Change nothing; the same record again stays ignored.
    Ignore,
}

#[derive(InputObject)]
pub struct ResolveConflictInput {
    /// The reconciliation item.
    pub id: ID,
    pub action: ConflictAction,
    /// For MERGE: the candidate that survives.
    pub survivor: Option<ID>,
    pub note: Option<String>,
}

#[derive(SimpleObject)]
pub struct ResolveConflictPayload {
    pub item: Option<ReconciliationItemNode>,
    /// The record applied again under the decision (MERGE and KEEP_SEPARATE).
    pub report: Option<IngestReportNode>,
    pub user_errors: Vec<UserError>,
}

#[derive(InputObject)]
pub struct AcceptAssetsInput {
    /// 1 to 500 assets first registered by discovery.
    pub ids: Vec<ID>,
}

#[derive(SimpleObject)]
pub struct AcceptAssetsPayload {
    pub assets: Vec<AssetNode>,
    pub user_errors: Vec<UserError>,
}

#[derive(InputObject, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FieldRuleInput {
    pub field: String,
    #[graphql(default)]
    pub sources: Vec<String>,
    #[graphql(default = false)]
    pub overrides_people: bool,
}

#[derive(InputObject, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateDiscoveryPolicyInput {
    /// The identification rules in the order to try them; left out, they stay as they are.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rules: Option<Vec<IdentificationRule>>,
    /// Every field rule (fields not listed cannot be set by discovery); left out, they stay.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fields: Option<Vec<FieldRuleInput>>,
    #[serde(skip)]
    pub expected_version: Option<i64>,
}

#[derive(SimpleObject)]
pub struct DiscoveryPolicyPayload {
    pub node: Option<DiscoveryPolicyNode>,
    pub user_errors: Vec<UserError>,
}

/// An asset discovery stopped reporting.
#[derive(SimpleObject)]
pub struct StaleAsset {
    pub asset: AssetNode,
    pub last_seen: Timestamp,
}

/// An observed relationship no source reported again.
#[derive(SimpleObject)]
pub struct StaleRelationship {
    pub relationship: RelationshipNode,
    pub last_seen: Timestamp,
}

fn decode_ids(
    kind: EntityKind,
    field: &str,
    given: &[ID],
) -> std::result::Result<Vec<EntityId>, ServiceError> {
    given
        .iter()
        .map(|id| {
            ids::decode(kind, id).ok_or_else(|| {
                ServiceError::invalid(field, ErrorCode::Invalid, format!("not a {kind} id"))
            })
        })
        .collect()
}

#[derive(Default)]
pub struct DiscoveryMutations;

#[Object]
impl DiscoveryMutations {
    /// Folds discovery records into the register: each is matched by the identification rules,
    /// CREATED (unmanaged), UPDATED within the field precedence, UNCHANGED, queued as a CONFLICT
    /// or REJECTED. One transaction for the batch; the same batch again is all UNCHANGED and
    /// writes no audit entries.
    async fn ingest_discovery(
        &self,
        ctx: &Context<'_>,
        input: IngestDiscoveryInput,
    ) -> Result<IngestDiscoveryPayload> {
        let drafts: std::result::Result<Vec<RecordDraft>, ServiceError> = input
            .records
            .iter()
            .map(|r| {
                serde_json::to_value(r)
                    .and_then(serde_json::from_value)
                    .map_err(|e| ServiceError::Internal(e.to_string()))
            })
            .collect();
        let result = match drafts {
            Err(e) => Err(e),
            Ok(drafts) => {
                register(ctx)?
                    .ingest(&request(ctx).actor, &input.source, drafts, input.dry_run)
                    .await
            }
        };
        Ok(match outcome(ctx, result)? {
            Ok(report) => IngestDiscoveryPayload {
                report: Some(IngestReportNode(report)),
                user_errors: Vec::new(),
            },
            Err(user_errors) => IngestDiscoveryPayload {
                report: None,
                user_errors,
            },
        })
    }

    /// Decides a queued conflict and applies its record under the decision.
    async fn resolve_conflict(
        &self,
        ctx: &Context<'_>,
        input: ResolveConflictInput,
    ) -> Result<ResolveConflictPayload> {
        let item = decode_ids(
            EntityKind::Reconciliation,
            "id",
            std::slice::from_ref(&input.id),
        );
        let resolution = match (input.action, &input.survivor) {
            (ConflictAction::Merge, None) => Err(ServiceError::invalid(
                "survivor",
                ErrorCode::Required,
                "a merge names the surviving asset",
            )),
            (ConflictAction::Merge, Some(s)) => {
                decode_ids(EntityKind::Asset, "survivor", std::slice::from_ref(s)).map(|mut ids| {
                    Resolution::Merge {
                        survivor: ids.remove(0),
                    }
                })
            }
            (ConflictAction::KeepSeparate, _) => Ok(Resolution::KeepSeparate),
            (ConflictAction::Ignore, _) => Ok(Resolution::Ignore),
        };
        let result = match (item, resolution) {
            (Err(e), _) | (_, Err(e)) => Err(e),
            (Ok(mut item), Ok(resolution)) => {
                register(ctx)?
                    .resolve_conflict(&request(ctx).actor, &item.remove(0), resolution, input.note)
                    .await
            }
        };
        Ok(match outcome(ctx, result)? {
            Ok((item, report)) => ResolveConflictPayload {
                item: Some(ReconciliationItemNode(item)),
                report: report.map(IngestReportNode),
                user_errors: Vec::new(),
            },
            Err(user_errors) => ResolveConflictPayload {
                item: None,
                report: None,
                user_errors,
            },
        })
    }

    /// Takes assets discovery registered into the managed register (`managed: true`).
    async fn accept_assets(
        &self,
        ctx: &Context<'_>,
        input: AcceptAssetsInput,
    ) -> Result<AcceptAssetsPayload> {
        let result = match decode_ids(EntityKind::Asset, "ids", &input.ids) {
            Err(e) => Err(e),
            Ok(ids) => {
                register(ctx)?
                    .accept_assets(&request(ctx).actor, &ids)
                    .await
            }
        };
        Ok(match outcome(ctx, result)? {
            Ok(assets) => AcceptAssetsPayload {
                assets: assets.into_iter().map(AssetNode).collect(),
                user_errors: Vec::new(),
            },
            Err(user_errors) => AcceptAssetsPayload {
                assets: Vec::new(),
                user_errors,
            },
        })
    }

    /// Changes the identification order or the field precedence (audited).
    async fn update_discovery_policy(
        &self,
        ctx: &Context<'_>,
        input: UpdateDiscoveryPolicyInput,
    ) -> Result<DiscoveryPolicyPayload> {
        let result = match serde_json::to_value(&input) {
            Err(e) => Err(ServiceError::Internal(e.to_string())),
            Ok(doc) => {
                register(ctx)?
                    .update_discovery_policy(&request(ctx).actor, doc, input.expected_version)
                    .await
            }
        };
        Ok(match outcome(ctx, result)? {
            Ok(policy) => DiscoveryPolicyPayload {
                node: Some(DiscoveryPolicyNode(policy)),
                user_errors: Vec::new(),
            },
            Err(user_errors) => DiscoveryPolicyPayload {
                node: None,
                user_errors,
            },
        })
    }
}

#[derive(Default)]
pub struct DiscoveryQueries;

paged_object! {
#[Object]
impl DiscoveryQueries {
    /// The identification order and field precedence in force.
    async fn discovery_policy(&self, ctx: &Context<'_>) -> Result<DiscoveryPolicyNode> {
        let policy = register(ctx)?
            .discovery_policy()
            .await
            .map_err(|e| fail(ctx, e))?;
        Ok(DiscoveryPolicyNode(policy))
    }

    /// Conflicting discovery records, oldest first (OPEN ones unless asked otherwise).
    async fn reconciliation_queue(&self, ctx: &Context<'_>, request: Paging, #[graphql(default_with = "ReconciliationStatus::Open")] status: ReconciliationStatus, source: Option<String>) -> Result<Conn<ReconciliationItemNode>> {
        let items = register(ctx)?
            .reconciliation_queue(status.into(), source.as_deref())
            .await
            .map_err(|e| fail(ctx, e))?;
        slice(items, &request, ReconciliationItemNode)
    }

    /// Assets first registered by discovery that nobody has accepted yet.
    async fn unmanaged_assets(&self, ctx: &Context<'_>, page: Paging) -> Result<Conn<AssetNode>> {
        let ids = register(ctx)?
            .unmanaged_assets()
            .await
            .map_err(|e| fail(ctx, e))?;
        let items = ids.into_iter().map(|id| (id, ())).collect();
        page_of(ctx, items, &page, |asset, ()| {
            AssetNode(asset)
        })
        .await
    }

    /// Assets discovery has seen, but not (by `source`, or by any source) for `notSeenForDays`
    /// days: longest unseen first.
    async fn stale_assets(&self, ctx: &Context<'_>, page: Paging, not_seen_for_days: u32, source: Option<String>) -> Result<Conn<StaleAsset>> {
        let stale = register(ctx)?
            .stale_assets(not_seen_for_days, source.as_deref())
            .await
            .map_err(|e| fail(ctx, e))?;
        page_of(
            ctx,
            stale,
            &page,
            |asset, last_seen| StaleAsset {
                asset: AssetNode(asset),
                last_seen: Timestamp(last_seen),
            },
        )
        .await
    }

    /// Observed relationships no source has reported again for `notSeenForDays` days (flagged
    /// here, never deleted).
    async fn stale_relationships(&self, ctx: &Context<'_>, request: Paging, not_seen_for_days: u32, source: Option<String>) -> Result<Conn<StaleRelationship>> {
        let stale = register(ctx)?
            .stale_relationships(not_seen_for_days, source.as_deref())
            .await
            .map_err(|e| fail(ctx, e))?;
        let page = Page::cut(stale, &crate::api::graphql::offsets(&request)?);
        let loaded = many::<Relationship>(ctx, page.items.iter().map(|(id, _)| id.clone())).await?;
        let page = page.filter_map(|(id, at)| {
            loaded.iter().find(|r| r.id == id).map(|r| StaleRelationship {
                relationship: RelationshipNode(r.clone()),
                last_seen: Timestamp(at),
            })
        });
        Ok(connection(
            page,
            |n| n,
        ))
    }
}
}
