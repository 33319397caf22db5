//! Custody: lending an asset to a person, a place or another asset, taking it back, and the
//! loans that are overdue.

use crate::domain::access::{Actor, AuditEntry, FieldChange, Operation};
use crate::domain::kernel::ErrorCode;
use crate::domain::kernel::Page;
use crate::domain::kernel::PageRequest;
use crate::domain::kernel::json_path;
use crate::domain::kernel::{Comparison, Condition, Filter, Sort};
use crate::domain::kernel::{EntityId, EntityKind, NodeRef, Record};
use crate::domain::lifecycle::Custody;
use crate::domain::lifecycle::custody;
use crate::domain::lifecycle::stage as lifecycle;
use crate::domain::register::Asset;
use crate::service::kernel::Register;
use crate::service::kernel::ServiceError;
use crate::service::kernel::to_json;
use chrono::{DateTime, NaiveDate, Utc};
use serde_json::{Value as Json, json};

/// One loan of an asset, from its audit trail.
#[derive(Debug, Clone, PartialEq)]
pub struct Loan {
    pub custody: Custody,
    pub checked_out_by: String,
    /// `None` while the loan runs.
    pub checked_in_at: Option<DateTime<Utc>>,
    pub checked_in_by: Option<String>,
    pub check_in_note: Option<String>,
}

impl Register {
    /// Lends an asset to a person, a location or another asset.
    pub async fn check_out(
        &self,
        actor: &Actor,
        id: &EntityId,
        to: NodeRef,
        expected_return: Option<NaiveDate>,
        note_text: Option<&str>,
        expected_version: Option<i64>,
    ) -> Result<Record<Asset>, ServiceError> {
        let current = self.existing::<Asset>(id, expected_version).await?;
        if current.data.custody.is_some() {
            return Err(ServiceError::invalid(
                "id",
                ErrorCode::Conflict,
                "this asset is already checked out; check it in first",
            ));
        }
        let stage = current.data.lifecycle_stage;
        if !custody::can_check_out(stage) {
            return Err(ServiceError::invalid(
                "id",
                ErrorCode::InvalidTransition,
                format!("an asset in {stage:?} cannot be checked out"),
            ));
        }
        if to.kind == EntityKind::Asset && to.id == *id {
            return Err(ServiceError::invalid(
                "to",
                ErrorCode::SelfLoop,
                "an asset cannot hold itself",
            ));
        }
        let loan = custody::check_out(to.clone(), Utc::now(), expected_return, note_text)
            .map_err(ServiceError::Invalid)?;
        if !self.exists(&to).await? {
            return Err(ServiceError::invalid(
                "to",
                ErrorCode::NotFound,
                format!("no {} has this id", to.kind),
            ));
        }
        let reason = loan.note.clone();
        self.change_custody(actor, &current, Some(loan), reason)
            .await
    }

    /// Ends an asset's loan.
    pub async fn check_in(
        &self,
        actor: &Actor,
        id: &EntityId,
        note_text: Option<&str>,
        expected_version: Option<i64>,
    ) -> Result<Record<Asset>, ServiceError> {
        let reason = lifecycle::note("note", note_text)?;
        let current = self.existing::<Asset>(id, expected_version).await?;
        if current.data.custody.is_none() {
            return Err(ServiceError::invalid(
                "id",
                ErrorCode::Conflict,
                "this asset is not checked out",
            ));
        }
        self.change_custody(actor, &current, None, reason).await
    }

    async fn change_custody(
        &self,
        actor: &Actor,
        current: &Record<Asset>,
        custody: Option<Custody>,
        reason: Option<String>,
    ) -> Result<Record<Asset>, ServiceError> {
        let patch = json!({ "custody": custody.as_ref().map(to_json).transpose()? });
        let (record, changes) = self
            .revise(current, &patch)
            .await?
            .expect("custody changes");
        let audit = AuditEntry::new(
            actor,
            Operation::Update,
            EntityKind::Asset,
            &current.id,
            changes,
        )
        .because(reason, None);
        self.store
            .replace(&record, current.version, &audit)
            .await
            .map_err(ServiceError::from_write::<Asset>)?;
        self.apply(Some(current), Some(&record));
        Ok(record)
    }

    async fn exists(&self, node: &NodeRef) -> Result<bool, ServiceError> {
        use crate::domain::register::Location;
        use crate::domain::register::Person;
        Ok(match node.kind {
            EntityKind::Person => self.store.get::<Person>(&node.id).await?.is_some(),
            EntityKind::Location => self.store.get::<Location>(&node.id).await?.is_some(),
            EntityKind::Asset => self.store.get::<Asset>(&node.id).await?.is_some(),
            _ => false,
        })
    }

    /// Assets checked out past their expected return, most overdue first.
    pub async fn overdue_checkouts(
        &self,
        today: NaiveDate,
        page: &PageRequest,
    ) -> Result<Page<Record<Asset>>, ServiceError> {
        let overdue = Filter::Where(Condition::Between {
            path: "custody.expectedReturn",
            min: None,
            max: Some(Json::from(today.pred_opt().unwrap_or(today).to_string())),
            comparison: Comparison::Text,
        });
        let most_overdue_first = Sort {
            path: "custody.expectedReturn",
            comparison: Comparison::Text,
            descending: false,
        };
        self.list(&overdue, &most_overdue_first, page).await
    }

    /// The asset's loans, oldest first, each closed by its check-in if it has one.
    pub async fn custody_history(&self, id: &EntityId) -> Result<Vec<Loan>, ServiceError> {
        let entries = self.store.trail(EntityKind::Asset, id).await?;
        let mut loans: Vec<Loan> = Vec::new();
        for entry in entries {
            let within = |side: fn(&FieldChange) -> Option<&Json>| {
                let mut doc = json!({});
                let mut any = false;
                for change in &entry.changes {
                    if let (Some(path), Some(value)) =
                        (change.field.strip_prefix("custody."), side(change))
                    {
                        json_path::set(&mut doc, path, value.clone());
                        any = true;
                    }
                }
                any.then(|| serde_json::from_value::<Custody>(doc).ok())
                    .flatten()
            };
            let opened = within(|c| c.after.as_ref());
            let closed = within(|c| c.before.as_ref());
            if closed.is_some()
                && let Some(loan) = loans.last_mut().filter(|l| l.checked_in_at.is_none())
            {
                loan.checked_in_at = Some(entry.at);
                loan.checked_in_by = Some(entry.actor.clone());
                loan.check_in_note = entry.reason.clone();
            }
            if let Some(custody) = opened {
                loans.push(Loan {
                    custody,
                    checked_out_by: entry.actor.clone(),
                    checked_in_at: None,
                    checked_in_by: None,
                    check_in_note: None,
                });
            }
        }
        Ok(loans)
    }
}
