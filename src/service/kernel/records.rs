//! Reading and writing records of any kind: validated from drafts, checked against the rules
//! across entities, committed with their audit entry in one transaction, then fed to the
//! projections.

use std::collections::{HashMap, HashSet};

use chrono::Utc;
use serde_json::Value as Json;

use crate::domain::access::{Actor, AuditEntry, FieldChange, Operation, diff};
use crate::domain::kernel::Page;
use crate::domain::kernel::PageRequest;
use crate::domain::kernel::patch;
use crate::domain::kernel::{Comparison, Condition, Cursor, Filter, MAX_CONDITIONS, Sort};
use crate::domain::kernel::{Entity, EntityId, EntityKind, Record};
use crate::domain::kernel::{ErrorCode, FieldError};
use crate::domain::register::Asset;
use crate::domain::register::Location;
use crate::domain::relationships::Relationship;
use crate::service::kernel::error::ServiceError;
use crate::service::kernel::register::Register;
use crate::store::StoreError;

pub(crate) fn to_json<T: serde::Serialize>(value: &T) -> Result<Json, ServiceError> {
    serde_json::to_value(value).map_err(|e| ServiceError::Internal(e.to_string()))
}

/// Whether a changed field path lies within field `root` (`custody.note` within `custody`).
fn is_within(path: &str, root: &str) -> bool {
    path == root
        || path
            .strip_prefix(root)
            .is_some_and(|rest| rest.starts_with('.'))
}

/// Reads input shaped like an entity's document into its draft type.
pub(crate) fn draft_from<E: Entity>(input: Json) -> Result<E::Draft, ServiceError> {
    serde_json::from_value(input).map_err(|e| {
        ServiceError::Invalid(vec![FieldError::new(
            "input",
            ErrorCode::Invalid,
            e.to_string(),
        )])
    })
}

impl Register {
    pub async fn get<E: Entity>(&self, id: &EntityId) -> Result<Option<Record<E>>, ServiceError> {
        Ok(self.get_many(std::slice::from_ref(id)).await?.pop())
    }

    /// Records by id, from the cache of recent ones where it holds them, the rest in one read.
    pub async fn get_many<E: Entity>(
        &self,
        ids: &[EntityId],
    ) -> Result<Vec<Record<E>>, ServiceError> {
        let (mut found, missing, generation) = self.documents.lookup::<E>(ids);
        if !missing.is_empty() {
            let read = self.store.get_many::<E>(&missing).await?;
            self.documents.fill(&read, generation);
            found.extend(read);
        }
        Ok(found)
    }

    /// Records whose `path` field equals one of `values`, e.g. the members of some teams.
    pub async fn find_by<E: Entity>(
        &self,
        path: &'static str,
        values: Vec<Json>,
    ) -> Result<Vec<Record<E>>, ServiceError> {
        Ok(self.store.find_by(path, values).await?)
    }

    /// A page of the ids of one kind's entities matching `filter`, in `sort` order, from the
    /// kind's list in memory; the caller loads the page's records (in one batch).
    pub async fn list_ids(
        &self,
        kind: EntityKind,
        filter: &Filter,
        sort: &Sort,
        page: &PageRequest,
    ) -> Result<Page<EntityId>, ServiceError> {
        if filter.condition_count() > MAX_CONDITIONS {
            return Err(ServiceError::BadRequest(format!(
                "a filter may hold at most {MAX_CONDITIONS} conditions"
            )));
        }
        page.check().map_err(|e| ServiceError::BadRequest(e.0))?;
        let paged = self.tables.page(kind, filter, sort, page).await?;
        let page = Page {
            items: paged.items.iter().map(|(id, _)| id.clone()).collect(),
            cursors: paged
                .items
                .into_iter()
                .map(|(id, at)| Cursor::Place {
                    list: paged.list.clone(),
                    key: at.key.to_json(),
                    id: id.to_string(),
                })
                .collect(),
            total: paged.total,
            has_previous: paged.has_previous,
            has_next: paged.has_next,
        };
        Ok(page.filter_map(|id| EntityId::parse(&id)))
    }

    /// A page of one kind's entities matching `filter`, in `sort` order, the records read in
    /// one batch.
    pub async fn list<E: Entity>(
        &self,
        filter: &Filter,
        sort: &Sort,
        page: &PageRequest,
    ) -> Result<Page<Record<E>>, ServiceError> {
        let ids = self.list_ids(E::KIND, filter, sort, page).await?;
        let mut found: HashMap<EntityId, Record<E>> = self
            .get_many::<E>(&ids.items)
            .await?
            .into_iter()
            .map(|r| (r.id.clone(), r))
            .collect();
        // An entity deleted since the page was chosen is left out; its neighbours keep their
        // cursors.
        Ok(ids.filter_map(|id| found.remove(&id)))
    }

    /// The ids of the entities of `kind` whose reference field `path` points at `id` (a
    /// team's assets), by name.
    pub async fn referring(
        &self,
        kind: EntityKind,
        path: &'static str,
        id: &EntityId,
        page: &PageRequest,
    ) -> Result<Page<EntityId>, ServiceError> {
        let filter = Filter::Where(Condition::OneOf {
            path,
            values: vec![Json::from(id.as_str())],
        });
        let by_name = Sort {
            path: "name",
            comparison: Comparison::Text,
            descending: false,
        };
        self.list_ids(kind, &filter, &by_name, page).await
    }

    /// The audited changes of an entity, oldest first; an asset's include those of the assets
    /// merged into it.
    pub async fn history(
        &self,
        kind: EntityKind,
        id: &EntityId,
        page: &PageRequest,
    ) -> Result<Page<AuditEntry>, ServiceError> {
        page.check().map_err(|e| ServiceError::BadRequest(e.0))?;
        let merged: Vec<EntityId> = match kind {
            EntityKind::Asset => self
                .store
                .get::<Asset>(id)
                .await?
                .map(|a| a.data.merged_from)
                .unwrap_or_default(),
            _ => Vec::new(),
        };
        let mut ids = vec![id.clone()];
        ids.extend(merged);
        let offsets = page.offsets().map_err(|e| ServiceError::BadRequest(e.0))?;
        Ok(self.store.history(kind, &ids, &offsets).await?)
    }

    pub async fn asset_by_tag(&self, tag: &str) -> Result<Option<Record<Asset>>, ServiceError> {
        Ok(self
            .store
            .find_by::<Asset>("assetTag", vec![Json::from(tag)])
            .await?
            .into_iter()
            .next())
    }

    /// Serial numbers are unique per manufacturer; the manufacturer matches ignoring case.
    pub async fn asset_by_serial(
        &self,
        serial: &str,
        manufacturer: &str,
    ) -> Result<Option<Record<Asset>>, ServiceError> {
        let candidates = self
            .store
            .find_by::<Asset>("serialNumber", vec![Json::from(serial)])
            .await?;
        Ok(candidates.into_iter().find(|a| {
            a.data
                .manufacturer
                .as_deref()
                .is_some_and(|m| m.eq_ignore_ascii_case(manufacturer))
        }))
    }

    /// A location and everything below it, one query per level of the hierarchy.
    pub async fn location_subtree(&self, root: &EntityId) -> Result<Vec<EntityId>, ServiceError> {
        let mut seen: HashSet<EntityId> = HashSet::from([root.clone()]);
        let mut all = vec![root.clone()];
        let mut level = vec![root.clone()];
        while !level.is_empty() {
            let keys = level.iter().map(|id| Json::from(id.as_str())).collect();
            let children = self.store.find_by::<Location>("parent", keys).await?;
            level = children
                .into_iter()
                .map(|l| l.id)
                .filter(|id| seen.insert(id.clone()))
                .collect();
            all.extend(level.iter().cloned());
        }
        Ok(all)
    }

    /// Creates an entity from input shaped like its document.
    pub async fn create<E: Entity>(
        &self,
        actor: &Actor,
        input: Json,
    ) -> Result<Record<E>, ServiceError> {
        self.create_with_id(actor, EntityId::generate(), input)
            .await
    }

    /// Creates an entity under a chosen id (the seed's stable ids); refuses a taken id.
    pub async fn create_with_id<E: Entity>(
        &self,
        actor: &Actor,
        id: EntityId,
        input: Json,
    ) -> Result<Record<E>, ServiceError> {
        self.create_vetted(actor, id, input, async |_: &Record<E>| Ok(()))
            .await
    }

    /// Creates an entity once `vet` (a check that needs the outside world) accepts it.
    pub(crate) async fn create_vetted<E: Entity>(
        &self,
        actor: &Actor,
        id: EntityId,
        input: Json,
        vet: impl AsyncFnOnce(&Record<E>) -> Result<(), ServiceError>,
    ) -> Result<Record<E>, ServiceError> {
        let _pending = self.graph.pending::<E>();
        let (record, audit) = self.prepare_create::<E>(actor, id, input).await?;
        vet(&record).await?;
        self.store
            .insert(&record, &audit)
            .await
            .map_err(|e| ServiceError::from_write::<E>(e))?;
        self.apply(None, Some(&record));
        Ok(record)
    }

    /// A new record checked against every rule, with its audit entry, not yet written.
    pub(crate) async fn prepare_create<E: Entity>(
        &self,
        actor: &Actor,
        id: EntityId,
        input: Json,
    ) -> Result<(Record<E>, AuditEntry), ServiceError> {
        let data = E::validate(draft_from::<E>(input)?).map_err(ServiceError::Invalid)?;
        let record = Record::first(id, data, Utc::now());
        crate::service::kernel::hierarchy::check(&self.store, &record).await?;
        self.check_relationship(None, &record).await?;
        self.check_entitlement(&record).await?;
        let changes = diff(&Json::Object(Default::default()), &to_json(&record.data)?);
        let audit = AuditEntry::new(actor, Operation::Create, E::KIND, &record.id, changes);
        Ok((record, audit))
    }

    /// Creates several entities, one result per input in order. Each stands alone, unless
    /// `all_or_nothing`: then either every input is valid and all are written in one
    /// transaction, or none is written and the valid ones report NOT_APPLIED.
    pub async fn create_many<E: Entity>(
        &self,
        actor: &Actor,
        inputs: Vec<Json>,
        all_or_nothing: bool,
    ) -> Vec<Result<Record<E>, ServiceError>> {
        if !all_or_nothing {
            let mut results = Vec::with_capacity(inputs.len());
            for input in inputs {
                results.push(self.create::<E>(actor, input).await);
            }
            return results;
        }
        let _pending = self.graph.pending::<E>();
        let mut prepared = Vec::with_capacity(inputs.len());
        for input in inputs {
            let item = self
                .prepare_create::<E>(actor, EntityId::generate(), input)
                .await;
            let item = item.and_then(|(record, audit)| {
                if let Some(r) = record.data.downcast_ref::<Relationship>()
                    && prepared
                        .iter()
                        .any(|p: &Result<(Record<E>, AuditEntry), _>| {
                            p.as_ref()
                                .ok()
                                .and_then(|(other, _)| other.data.downcast_ref::<Relationship>())
                                .is_some_and(|o| {
                                    (&o.source, &o.target, o.relation)
                                        == (&r.source, &r.target, r.relation)
                                })
                        })
                {
                    return Err(ServiceError::invalid(
                        "type",
                        ErrorCode::Conflict,
                        "the same relationship appears twice in this batch",
                    ));
                }
                Ok((record, audit))
            });
            prepared.push(item);
        }
        if prepared.iter().any(Result::is_err) {
            return prepared
                .into_iter()
                .map(|item| match item {
                    Ok(_) => Err(ServiceError::invalid(
                        "input",
                        ErrorCode::NotApplied,
                        "not written: another item of this all-or-nothing batch was refused",
                    )),
                    Err(e) => Err(e),
                })
                .collect();
        }
        let items: Vec<(Record<E>, AuditEntry)> = prepared.into_iter().flatten().collect();
        match self.store.insert_all(&items).await {
            Ok(()) => items
                .into_iter()
                .map(|(record, _)| {
                    self.apply(None, Some(&record));
                    Ok(record)
                })
                .collect(),
            Err(e) => {
                let error = ServiceError::from_write::<E>(e);
                items.iter().map(|_| Err(error.clone())).collect()
            }
        }
    }

    /// Applies a merge patch to an entity, refusing a stale `expected_version`. Fields that
    /// only dedicated operations change (`Entity::MANAGED`) must stay as they are.
    pub async fn update<E: Entity>(
        &self,
        actor: &Actor,
        id: &EntityId,
        expected_version: Option<i64>,
        changes: Json,
    ) -> Result<Record<E>, ServiceError> {
        self.update_vetted(
            actor,
            id,
            expected_version,
            changes,
            async |_: &Record<E>| Ok(()),
        )
        .await
    }

    /// Updates an entity once `vet` (a check that needs the outside world) accepts the result.
    pub(crate) async fn update_vetted<E: Entity>(
        &self,
        actor: &Actor,
        id: &EntityId,
        expected_version: Option<i64>,
        changes: Json,
        vet: impl AsyncFnOnce(&Record<E>) -> Result<(), ServiceError>,
    ) -> Result<Record<E>, ServiceError> {
        let _pending = self.graph.pending::<E>();
        let current = self.existing::<E>(id, expected_version).await?;
        let Some((record, changes)) = self.revise(&current, &changes).await? else {
            return Ok(current);
        };
        vet(&record).await?;
        if let Some(change) = changes
            .iter()
            .find(|c| E::MANAGED.iter().any(|m| is_within(&c.field, m)))
        {
            return Err(ServiceError::invalid(
                &change.field,
                ErrorCode::NotAllowed,
                format!("{} changes only through its own operation", change.field),
            ));
        }
        let mut record = record;
        let fields: Vec<String> = changes.iter().map(|c| c.field.clone()).collect();
        record.data.claim_for_people(&fields);
        let changes = diff(&to_json(&current.data)?, &to_json(&record.data)?);
        let audit = AuditEntry::new(actor, Operation::Update, E::KIND, id, changes);
        self.store
            .replace(&record, current.version, &audit)
            .await
            .map_err(|e| ServiceError::from_write::<E>(e))?;
        self.apply(Some(&current), Some(&record));
        Ok(record)
    }

    /// What `current` becomes with a merge patch: the next version, checked against every rule,
    /// and the fields that change; `None` when nothing does.
    pub(crate) async fn revise<E: Entity>(
        &self,
        current: &Record<E>,
        patch: &Json,
    ) -> Result<Option<(Record<E>, Vec<FieldChange>)>, ServiceError> {
        let before = to_json(&current.data)?;
        let mut merged = before.clone();
        patch::merge(&mut merged, patch);
        let data = E::validate(draft_from::<E>(merged)?).map_err(ServiceError::Invalid)?;
        let changes = diff(&before, &to_json(&data)?);
        if changes.is_empty() {
            return Ok(None);
        }
        let record = current.revised(data, Utc::now());
        crate::service::kernel::hierarchy::check(&self.store, &record).await?;
        self.check_relationship(Some(current), &record).await?;
        self.check_entitlement(&record).await?;
        Ok(Some((record, changes)))
    }

    /// Deletes an entity nothing references any more; returns what was deleted.
    pub async fn delete<E: Entity>(
        &self,
        actor: &Actor,
        id: &EntityId,
        expected_version: Option<i64>,
    ) -> Result<Record<E>, ServiceError> {
        let _pending = self.graph.pending::<E>();
        let current = self.existing::<E>(id, expected_version).await?;
        let changes = diff(&to_json(&current.data)?, &Json::Object(Default::default()));
        let audit = AuditEntry::new(actor, Operation::Delete, E::KIND, id, changes);
        self.store
            .delete::<E>(id, current.version, &audit)
            .await
            .map_err(|e| ServiceError::from_write::<E>(e))?;
        self.apply(Some(&current), None);
        Ok(current)
    }

    /// Loads the record a mutation targets, checking the client's expected version early.
    pub(crate) async fn existing<E: Entity>(
        &self,
        id: &EntityId,
        expected_version: Option<i64>,
    ) -> Result<Record<E>, ServiceError> {
        let current = self
            .store
            .get::<E>(id)
            .await?
            .ok_or(ServiceError::NotFound { kind: E::KIND })?;
        match expected_version {
            Some(expected) if expected != current.version => {
                Err(ServiceError::from_write::<E>(StoreError::StaleVersion))
            }
            _ => Ok(current),
        }
    }
}
