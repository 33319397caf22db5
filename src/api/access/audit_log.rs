//! The audit log for auditors and admins: filtered reading over GraphQL and as CSV, and the
//! chain verification.

use crate::api::graphql::Timestamp;
use crate::api::graphql::paged_object;
use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};

use crate::api::graphql::AuditEntryNode;
use crate::api::graphql::AuditOperation;
use crate::api::graphql::bad_input;
use crate::api::graphql::ids;
use crate::api::graphql::{Conn, connection};
use crate::api::graphql::{fail, register};
use crate::domain::access::AuditFilter;
use crate::domain::access::{AuditEntry, Operation};
use crate::domain::kernel::EntityKind;
use crate::domain::kernel::PageRequest;
use crate::service::kernel::Register;
use async_graphql::Json;

/// Which audit entries to read; every condition given must hold.
#[derive(InputObject, Default)]
pub struct AuditLogFilter {
    /// The acting token's name, exactly.
    pub actor: Option<String>,
    /// The changed entity's type, e.g. `Asset`.
    pub entity_type: Option<String>,
    /// The changed entity (it may since have been deleted).
    pub entity: Option<ID>,
    pub operation: Option<AuditOperation>,
    /// Entries at or after this instant.
    pub from: Option<Timestamp>,
    /// Entries before this instant.
    pub to: Option<Timestamp>,
}

impl AuditLogFilter {
    /// The filter a CSV export's query string gives (same names as the GraphQL input).
    pub fn from_query(
        params: &std::collections::HashMap<String, String>,
    ) -> std::result::Result<AuditLogFilter, String> {
        let instant = |name: &str| {
            params
                .get(name)
                .map(|t| {
                    chrono::DateTime::parse_from_rfc3339(t)
                        .map(|t| t.with_timezone(&chrono::Utc))
                        .map_err(|_| format!("{name}: not an RFC 3339 date-time"))
                })
                .transpose()
        };
        let operation = match params.get("operation").map(String::as_str) {
            None => None,
            Some("CREATE") => Some(AuditOperation::Create),
            Some("UPDATE") => Some(AuditOperation::Update),
            Some("DELETE") => Some(AuditOperation::Delete),
            Some(other) => {
                return Err(format!(
                    "operation: {other:?} is not CREATE, UPDATE or DELETE"
                ));
            }
        };
        Ok(AuditLogFilter {
            actor: params.get("actor").cloned(),
            entity_type: params.get("entityType").cloned(),
            entity: params.get("entity").cloned().map(ID),
            operation,
            from: instant("from")?.map(Timestamp),
            to: instant("to")?.map(Timestamp),
        })
    }

    pub(crate) fn decode(self) -> std::result::Result<AuditFilter, String> {
        let entity_kind = match &self.entity_type {
            None => None,
            Some(name) => Some(
                EntityKind::from_name(name)
                    .ok_or_else(|| format!("entityType: {name:?} is not an entity type"))?,
            ),
        };
        let (entity_kind, entity_id) = match &self.entity {
            None => (entity_kind, None),
            Some(id) => {
                let (kind, key) =
                    ids::decode_any(id).ok_or("entity: not an id of an entity".to_string())?;
                if entity_kind.is_some_and(|k| k != kind) {
                    return Err("entity: not of the entityType given".into());
                }
                (Some(kind), Some(key))
            }
        };
        if let (Some(from), Some(to)) = (self.from, self.to)
            && to < from
        {
            return Err("to: before from".into());
        }
        Ok(AuditFilter {
            actor: self.actor,
            entity_kind,
            entity_id,
            operation: self.operation.map(Operation::from),
            from: self.from.map(Into::into),
            to: self.to.map(Into::into),
        })
    }
}

/// Where an in-memory projection differs from the store.
#[derive(SimpleObject)]
pub struct ProjectionDifference {
    /// Which projection: a kind's list (`Asset list`) or the relationship index.
    pub projection: String,
    /// The entity's store key, or the edge.
    pub entity: String,
    pub problem: String,
}

/// Where the audit chain first fails to hold.
#[derive(SimpleObject)]
pub struct AuditBreak {
    /// Chain position of the break.
    pub seq: u64,
    /// The entry found there, if any.
    pub entry_id: Option<ID>,
    pub reason: String,
}

/// The result of walking the whole audit chain.
#[derive(SimpleObject)]
pub struct AuditVerification {
    /// True when every entry is in place and unchanged.
    pub valid: bool,
    /// Entries checked in chain order before a break (or all of them).
    pub checked: u64,
    /// The chain's last position and hash, as recorded with the last write: keep it elsewhere
    /// to prove later that nothing was cut off the end.
    pub head_seq: u64,
    pub head_hash: String,
    /// Entries older than the chain, outside it.
    pub unchained_entries: usize,
    pub first_break: Option<AuditBreak>,
}

#[derive(Default)]
pub struct AuditLogQueries;

paged_object! {
#[Object]
impl AuditLogQueries {
    /// Every audited change, oldest first, filtered (auditors and admins).
    async fn audit_log(&self, ctx: &Context<'_>, request: Paging, filter: Option<AuditLogFilter>) -> Result<Conn<AuditEntryNode>> {
        let filter = filter.unwrap_or_default().decode().map_err(bad_input)?;
        let page = register(ctx)?
            .audit_log(&filter, &request)
            .await
            .map_err(|e| fail(ctx, e))?;
        Ok(connection(page, AuditEntryNode))
    }

    /// Compares every in-memory projection (the register's lists, the relationship index) with
    /// the store, entity by entity, and lists where they differ (auditors and admins). Reads
    /// every record: seconds for a million assets. Empty when all agree.
    async fn verify_projections(&self, ctx: &Context<'_>) -> Result<Vec<ProjectionDifference>> {
        let found = register(ctx)?
            .verify_projections()
            .await
            .map_err(|e| fail(ctx, e))?;
        Ok(found
            .into_iter()
            .map(|d| ProjectionDifference {
                projection: d.projection,
                entity: d.entity,
                problem: d.problem,
            })
            .collect())
    }

    /// Walks the audit chain from its first entry and reports the first break (auditors and
    /// admins). Reads the whole log: seconds for a million entries.
    async fn verify_audit_log(&self, ctx: &Context<'_>) -> Result<AuditVerification> {
        let found = register(ctx)?
            .verify_audit_log()
            .await
            .map_err(|e| fail(ctx, e))?;
        Ok(AuditVerification {
            valid: found.first_break.is_none(),
            checked: found.checked,
            head_seq: found.head.seq,
            head_hash: found.head.hash,
            unchained_entries: found.unchained,
            first_break: found.first_break.map(|b| AuditBreak {
                seq: b.seq,
                entry_id: b.entry.map(ID),
                reason: b.reason,
            }),
        })
    }
}
}

/// Rows per page while writing the CSV export.
const CSV_PAGE: usize = 1000;

/// The CSV export: one row per changed field (an entry without changes: one row), oldest first.
pub async fn csv_export(
    register: &Register,
    filter: AuditFilter,
) -> std::result::Result<String, String> {
    let mut out = csv::Writer::from_writer(Vec::new());
    let header = [
        "seq",
        "at",
        "actor",
        "actorRole",
        "requestId",
        "operation",
        "entityType",
        "entityId",
        "field",
        "before",
        "after",
        "reason",
        "source",
        "hash",
    ];
    out.write_record(header).map_err(|e| e.to_string())?;
    let mut offset: usize = 0;
    loop {
        let page = PageRequest {
            first: Some(CSV_PAGE),
            after: offset
                .checked_sub(1)
                .map(crate::domain::kernel::Cursor::Offset),
            ..PageRequest::default()
        };
        let found = register
            .audit_log(&filter, &page)
            .await
            .map_err(|e| e.to_string())?;
        for entry in &found.items {
            write_rows(&mut out, entry).map_err(|e| e.to_string())?;
        }
        offset += found.items.len();
        if found.items.len() < CSV_PAGE {
            break;
        }
    }
    let bytes = out.into_inner().map_err(|e| e.to_string())?;
    String::from_utf8(bytes).map_err(|e| e.to_string())
}

fn write_rows(out: &mut csv::Writer<Vec<u8>>, entry: &AuditEntry) -> csv::Result<()> {
    let text =
        |v: &Option<serde_json::Value>| v.as_ref().map(|v| v.to_string()).unwrap_or_default();
    let operation = serde_json::to_value(entry.operation)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default();
    let base = [
        entry
            .chain
            .as_ref()
            .map(|c| c.seq.to_string())
            .unwrap_or_default(),
        entry.at.to_rfc3339(),
        entry.actor.clone(),
        entry
            .actor_role
            .map(|r| r.name().to_string())
            .unwrap_or_default(),
        entry.request_id.clone(),
        operation,
        entry.entity_kind.name().to_string(),
        ids::encode(entry.entity_kind, &entry.entity_id).0,
    ];
    let tail = [
        entry.reason.clone().unwrap_or_default(),
        entry.source.clone().unwrap_or_default(),
        entry
            .chain
            .as_ref()
            .map(|c| c.hash.clone())
            .unwrap_or_default(),
    ];
    let changes: Vec<[String; 3]> = if entry.changes.is_empty() {
        vec![Default::default()]
    } else {
        entry
            .changes
            .iter()
            .map(|c| [c.field.clone(), text(&c.before), text(&c.after)])
            .collect()
    };
    for change in changes {
        out.write_record(base.iter().chain(change.iter()).chain(tail.iter()))?;
    }
    Ok(())
}

/// One field changed by an audited operation; values are JSON, null when absent.
pub struct FieldChange(crate::domain::access::FieldChange);

impl FieldChange {
    /// A value of the change, unless it is financial and the caller may not see money.
    fn value(
        &self,
        ctx: &Context<'_>,
        value: &Option<serde_json::Value>,
    ) -> Result<Option<Json<serde_json::Value>>> {
        let role = crate::api::graphql::role(ctx);
        if crate::domain::access::is_financial_path(&self.0.field)
            && !role.is_some_and(|r| r.reads_financial())
        {
            return Err(crate::api::graphql::forbidden(
                role,
                &format!("the values of financial field `{}`", self.0.field),
            ));
        }
        Ok(value.clone().map(Json))
    }
}

#[Object]
impl FieldChange {
    async fn field(&self) -> &str {
        &self.0.field
    }
    /// Financial values only for roles that see money (FORBIDDEN for the others).
    async fn before(&self, ctx: &Context<'_>) -> Result<Option<Json<serde_json::Value>>> {
        self.value(ctx, &self.0.before)
    }
    /// Financial values only for roles that see money (FORBIDDEN for the others).
    async fn after(&self, ctx: &Context<'_>) -> Result<Option<Json<serde_json::Value>>> {
        self.value(ctx, &self.0.after)
    }
}

#[Object(name = "AuditEntry")]
impl AuditEntryNode {
    /// Identifies the change, e.g. for `impact(input: {asOfChange: …})`.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn at(&self) -> Timestamp {
        Timestamp(self.0.at)
    }
    async fn actor(&self) -> &str {
        &self.0.actor
    }
    async fn request_id(&self) -> &str {
        &self.0.request_id
    }
    async fn operation(&self) -> AuditOperation {
        self.0.operation.into()
    }
    /// Global id of the changed entity (it may since have been deleted).
    async fn entity_id(&self) -> ID {
        ids::encode(self.0.entity_kind, &self.0.entity_id)
    }
    /// Why, in the actor's words (a merge says into which asset).
    async fn reason(&self) -> Option<&str> {
        self.0.reason.as_deref()
    }
    /// The discovery source whose report made this change.
    async fn source(&self) -> Option<&str> {
        self.0.source.as_deref()
    }
    /// The acting token's role (null on entries older than roles).
    async fn actor_role(&self) -> Option<crate::api::access::authorize::RoleValue> {
        self.0.actor_role.map(Into::into)
    }
    /// Position in the audit chain (null on entries older than the chain).
    async fn seq(&self) -> Option<u64> {
        self.0.chain.as_ref().map(|c| c.seq)
    }
    /// SHA-256 over this entry's content and the previous entry's hash.
    async fn hash(&self) -> Option<&str> {
        self.0.chain.as_ref().map(|c| c.hash.as_str())
    }
    /// The previous entry's hash.
    async fn prev_hash(&self) -> Option<&str> {
        self.0.chain.as_ref().map(|c| c.prev_hash.as_str())
    }
    async fn changes(&self) -> Vec<FieldChange> {
        self.0.changes.iter().cloned().map(FieldChange).collect()
    }
}
