//! Custody: who or what holds an asset on loan (checked out) and until when it is due back.
//! A loan is temporary and apart from the asset's long-term assignee and location.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::kernel::{EntityKind, NodeRef};
use crate::domain::kernel::{ErrorCode, FieldError, MAX_TEXT, Problems, optional_text};
use crate::domain::lifecycle::stage::LifecycleStage;

/// An asset's current loan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Custody {
    /// A person, a location or another asset.
    pub holder: NodeRef,
    pub since: DateTime<Utc>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expected_return: Option<NaiveDate>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// The kinds of entity that can hold an asset.
pub const HOLDERS: [EntityKind; 3] = [EntityKind::Person, EntityKind::Location, EntityKind::Asset];

/// Stages in which an asset can be lent out: in stock or in use, not away for repair, lost,
/// broken or on its way out.
pub fn can_check_out(stage: LifecycleStage) -> bool {
    matches!(stage, LifecycleStage::InStock | LifecycleStage::Deployed)
}

/// Checks a new loan starting `now`.
pub fn check_out(
    holder: NodeRef,
    now: DateTime<Utc>,
    expected_return: Option<NaiveDate>,
    note: Option<&str>,
) -> Result<Custody, Vec<FieldError>> {
    let mut p = Problems::default();
    if !HOLDERS.contains(&holder.kind) {
        p.push(FieldError::new(
            "to",
            ErrorCode::NotAllowed,
            "an asset is checked out to a person, a location or another asset",
        ));
    }
    if expected_return.is_some_and(|date| date < now.date_naive()) {
        p.push(FieldError::new(
            "expectedReturn",
            ErrorCode::Invalid,
            "the expected return cannot be in the past",
        ));
    }
    let note = p.take(optional_text("note", note, MAX_TEXT)).flatten();
    p.finish(|| Custody {
        holder,
        since: now,
        expected_return,
        note,
    })
}

/// Whether a loan is past its expected return at `today`.
pub fn overdue(custody: &Custody, today: NaiveDate) -> bool {
    custody.expected_return.is_some_and(|due| due < today)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::kernel::EntityId;

    fn holder(kind: EntityKind) -> NodeRef {
        NodeRef {
            kind,
            id: EntityId::parse("x1").unwrap(),
        }
    }

    #[test]
    fn loans_go_to_people_places_or_assets_and_are_due_in_the_future() {
        let now = "2026-05-04T10:00:00Z".parse().unwrap();
        let due = NaiveDate::from_ymd_opt(2026, 5, 10);
        let loan = check_out(
            holder(EntityKind::Person),
            now,
            due,
            Some("for the offsite"),
        )
        .unwrap();
        assert!(!overdue(
            &loan,
            NaiveDate::from_ymd_opt(2026, 5, 10).unwrap()
        ));
        assert!(overdue(
            &loan,
            NaiveDate::from_ymd_opt(2026, 5, 11).unwrap()
        ));
        let fields = |r: Result<Custody, Vec<FieldError>>| {
            r.unwrap_err()
                .into_iter()
                .map(|e| e.field)
                .collect::<Vec<_>>()
        };
        assert_eq!(
            fields(check_out(holder(EntityKind::Team), now, None, None)),
            ["to"]
        );
        assert_eq!(
            fields(check_out(
                holder(EntityKind::Person),
                now,
                NaiveDate::from_ymd_opt(2026, 5, 3),
                None
            )),
            ["expectedReturn"]
        );
        assert!(can_check_out(LifecycleStage::InStock));
        assert!(!can_check_out(LifecycleStage::Retired));
    }
}
