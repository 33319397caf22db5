//! Tickets of an external service desk (incidents, problems, changes, requests) as the register
//! knows them, the impact assessment a change board signed off, and when two changes collide.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::kernel::{Entity, EntityId, EntityKind};
use crate::domain::kernel::{
    ErrorCode, FieldError, MAX_TEXT, Problems, http_url, optional_text, required_text,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TicketKind {
    Incident,
    Problem,
    Change,
    Request,
}

/// The common states of service-desk tickets; each system's own states map onto these.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TicketStatus {
    New,
    Open,
    InProgress,
    OnHold,
    /// For changes: approved and scheduled.
    Scheduled,
    Resolved,
    Closed,
    Cancelled,
}

impl TicketStatus {
    /// Still being worked on (or, for a change, still to happen).
    pub fn is_open(self) -> bool {
        !matches!(
            self,
            TicketStatus::Resolved | TicketStatus::Closed | TicketStatus::Cancelled
        )
    }
}

/// When a change is planned to happen: `start` inclusive, `end` exclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Window {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

impl Window {
    pub fn overlaps(&self, other: &Window) -> bool {
        self.start < other.end && other.start < self.end
    }
}

/// How an entry came into an assessment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Mark {
    /// Found by the impact analysis.
    Computed,
    /// Added by hand: the analysis did not see it.
    Manual,
    /// Found by the analysis and judged not affected, with the reason in the note.
    Excluded,
}

/// How badly an assessed asset is expected to be hit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Severity {
    Down,
    Degraded,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AssessedAsset {
    pub asset: EntityId,
    pub mark: Mark,
    /// As computed; absent for an entry added by hand.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub severity: Option<Severity>,
    /// Hops from a changed asset, as computed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub depth: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// The impact list a change board saw, frozen when it was recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Assessment {
    pub assessed_at: DateTime<Utc>,
    pub assessed_by: String,
    /// The changed assets the analysis started from.
    pub changed: Vec<EntityId>,
    pub entries: Vec<AssessedAsset>,
}

/// A hand-made correction to a computed impact list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Amendment {
    pub asset: EntityId,
    pub note: Option<String>,
}

/// Most entries one assessment holds.
pub const MAX_ASSESSED: usize = 10_000;

/// The assessment of `changed` from the computed `(asset, severity, depth)` list, with the
/// hand-made additions and exclusions applied. An exclusion must name a computed entry and an
/// addition one that is not computed, so nothing is marked twice.
pub fn assess(
    changed: Vec<EntityId>,
    computed: Vec<(EntityId, Severity, u32)>,
    added: Vec<Amendment>,
    excluded: Vec<Amendment>,
    (assessed_at, assessed_by): (DateTime<Utc>, String),
) -> Result<Assessment, Vec<FieldError>> {
    let mut p = Problems::default();
    let found: BTreeSet<&EntityId> = computed.iter().map(|(id, _, _)| id).collect();
    for (i, a) in added.iter().enumerate() {
        if found.contains(&a.asset) || changed.contains(&a.asset) {
            p.push(FieldError::new(
                format!("add.{i}.asset"),
                ErrorCode::Conflict,
                "this asset is already in the computed impact",
            ));
        }
    }
    for (i, e) in excluded.iter().enumerate() {
        if !found.contains(&e.asset) {
            p.push(FieldError::new(
                format!("exclude.{i}.asset"),
                ErrorCode::Invalid,
                "only a computed entry can be excluded",
            ));
        }
        if e.note.is_none() {
            p.push(FieldError::new(
                format!("exclude.{i}.note"),
                ErrorCode::Required,
                "say why the asset is not affected",
            ));
        }
    }
    let twice = |list: &[Amendment]| {
        let mut seen = BTreeSet::new();
        list.iter().any(|a| !seen.insert(&a.asset))
    };
    if twice(&added) || twice(&excluded) {
        p.push(FieldError::new(
            "add",
            ErrorCode::Conflict,
            "an asset appears twice in the corrections",
        ));
    }
    if computed.len() + added.len() > MAX_ASSESSED {
        p.push(FieldError::new(
            "ticket",
            ErrorCode::Invalid,
            format!("an assessment holds at most {MAX_ASSESSED} entries"),
        ));
    }
    let mut p_entries = Vec::with_capacity(computed.len() + added.len());
    for (asset, severity, depth) in computed {
        let exclusion = excluded.iter().find(|e| e.asset == asset);
        p_entries.push(AssessedAsset {
            mark: if exclusion.is_some() {
                Mark::Excluded
            } else {
                Mark::Computed
            },
            note: exclusion.and_then(|e| e.note.clone()),
            severity: Some(severity),
            depth: Some(depth),
            asset,
        });
    }
    p_entries.extend(added.into_iter().map(|a| AssessedAsset {
        asset: a.asset,
        mark: Mark::Manual,
        severity: None,
        depth: None,
        note: a.note,
    }));
    p.finish(|| Assessment {
        assessed_at,
        assessed_by,
        changed,
        entries: p_entries,
    })
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Ticket {
    /// The ticketing system, e.g. `servicenow-prod` or `jira`.
    pub system: String,
    /// The ticket's number in that system; unique with `system`.
    pub key: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    pub kind: TicketKind,
    pub status: TicketStatus,
    /// 1 (highest) to 5.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub priority: Option<u8>,
    pub summary: String,
    pub opened_at: DateTime<Utc>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub closed_at: Option<DateTime<Utc>>,
    /// For a change: when it is planned to happen.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub planned_start: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub planned_end: Option<DateTime<Utc>>,
    /// Set only by `recordImpactAssessment`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assessment: Option<Assessment>,
}

impl Ticket {
    pub fn window(&self) -> Option<Window> {
        Some(Window {
            start: self.planned_start?,
            end: self.planned_end?,
        })
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TicketDraft {
    pub system: Option<String>,
    pub key: Option<String>,
    pub url: Option<String>,
    pub kind: Option<TicketKind>,
    pub status: Option<TicketStatus>,
    pub priority: Option<i64>,
    pub summary: Option<String>,
    pub opened_at: Option<String>,
    pub closed_at: Option<String>,
    pub planned_start: Option<String>,
    pub planned_end: Option<String>,
    pub assessment: Option<Assessment>,
}

fn instant(field: &str, value: Option<&str>) -> Result<Option<DateTime<Utc>>, FieldError> {
    let Some(text) = value.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    DateTime::parse_from_rfc3339(text)
        .map(|t| Some(t.with_timezone(&Utc)))
        .map_err(|_| {
            FieldError::new(
                field,
                ErrorCode::Invalid,
                format!("{field} must be an RFC 3339 date and time"),
            )
        })
}

/// A system name or ticket key: what a ticketing system prints, without blanks or controls.
fn code(field: &str, value: Option<&str>) -> Result<String, FieldError> {
    let text = required_text(field, value, 100)?;
    if text.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(FieldError::new(
            field,
            ErrorCode::Invalid,
            format!("{field} cannot contain blanks"),
        ));
    }
    Ok(text)
}

impl Entity for Ticket {
    const KIND: EntityKind = EntityKind::Ticket;
    type Draft = TicketDraft;
    const MANAGED: &'static [&'static str] = &["assessment", "system", "key"];

    fn validate(d: TicketDraft) -> Result<Ticket, Vec<FieldError>> {
        let mut p = Problems::default();
        let system = p.take(code("system", d.system.as_deref()));
        let key = p.take(code("key", d.key.as_deref()));
        let url = p.take(http_url("url", d.url.as_deref())).flatten();
        let required = |p: &mut Problems, field: &str, present: bool| {
            if !present {
                p.push(FieldError::new(
                    field,
                    ErrorCode::Required,
                    format!("{field} is required"),
                ));
            }
        };
        required(&mut p, "kind", d.kind.is_some());
        required(&mut p, "status", d.status.is_some());
        let priority = match d.priority {
            None => None,
            Some(n @ 1..=5) => Some(n as u8),
            Some(_) => {
                p.push(FieldError::new(
                    "priority",
                    ErrorCode::Invalid,
                    "priority goes from 1 (highest) to 5",
                ));
                None
            }
        };
        let summary = p.take(required_text(
            "summary",
            d.summary.as_deref(),
            MAX_TEXT.min(2000),
        ));
        let opened_at = p
            .take(instant("openedAt", d.opened_at.as_deref()))
            .flatten();
        let closed_at = p
            .take(instant("closedAt", d.closed_at.as_deref()))
            .flatten();
        let planned_start = p
            .take(instant("plannedStart", d.planned_start.as_deref()))
            .flatten();
        let planned_end = p
            .take(instant("plannedEnd", d.planned_end.as_deref()))
            .flatten();
        if let (Some(opened), Some(closed)) = (opened_at, closed_at)
            && closed < opened
        {
            p.push(FieldError::new(
                "closedAt",
                ErrorCode::Invalid,
                "closedAt cannot precede openedAt",
            ));
        }
        match (planned_start, planned_end) {
            (Some(start), Some(end)) if end <= start => p.push(FieldError::new(
                "plannedEnd",
                ErrorCode::Invalid,
                "plannedEnd must come after plannedStart",
            )),
            (Some(_), None) | (None, Some(_)) => p.push(FieldError::new(
                if planned_start.is_none() {
                    "plannedStart"
                } else {
                    "plannedEnd"
                },
                ErrorCode::Required,
                "a planned window needs both plannedStart and plannedEnd",
            )),
            _ => {}
        }
        if (planned_start.is_some() || planned_end.is_some())
            && d.kind.is_some_and(|k| k != TicketKind::Change)
        {
            p.push(FieldError::new(
                "plannedStart",
                ErrorCode::NotAllowed,
                "only changes have a planned window",
            ));
        }
        p.finish(|| Ticket {
            system: system.unwrap_or_default(),
            key: key.unwrap_or_default(),
            url,
            kind: d.kind.unwrap_or(TicketKind::Request),
            status: d.status.unwrap_or(TicketStatus::New),
            priority,
            summary: summary.unwrap_or_default(),
            opened_at: opened_at.unwrap_or_else(Utc::now),
            closed_at,
            planned_start,
            planned_end,
            assessment: d.assessment,
        })
    }
}

/// Optional text longer than a name, for the notes of an assessment.
pub fn note(field: &str, value: Option<&str>) -> Result<Option<String>, FieldError> {
    optional_text(field, value, 2000)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn draft(value: serde_json::Value) -> TicketDraft {
        serde_json::from_value(value).unwrap()
    }

    fn base() -> serde_json::Value {
        json!({"system": "jira", "key": "CHG-1", "kind": "CHANGE", "status": "SCHEDULED",
               "summary": "Patch the database hosts", "openedAt": "2026-11-01T09:00:00Z",
               "plannedStart": "2026-12-05T22:00:00Z", "plannedEnd": "2026-12-06T02:00:00Z"})
    }

    fn codes(value: serde_json::Value) -> Vec<(String, &'static str)> {
        Ticket::validate(draft(value))
            .err()
            .unwrap_or_default()
            .into_iter()
            .map(|e| (e.field, e.code.as_str()))
            .collect()
    }

    #[test]
    fn a_change_with_a_window_is_valid() {
        let ticket = Ticket::validate(draft(base())).unwrap();
        assert_eq!(ticket.kind, TicketKind::Change);
        assert_eq!(
            ticket.window().unwrap().end - ticket.window().unwrap().start,
            chrono::TimeDelta::hours(4)
        );
    }

    #[test]
    fn bad_windows_urls_and_keys_are_refused_with_their_field() {
        let mut v = base();
        v["plannedEnd"] = json!("2026-12-05T21:00:00Z");
        assert_eq!(codes(v), [("plannedEnd".to_string(), "INVALID")]);
        let mut v = base();
        v["url"] = json!("ftp://desk/CHG-1");
        assert_eq!(codes(v), [("url".to_string(), "INVALID")]);
        let mut v = base();
        v["key"] = json!("CHG 1");
        assert_eq!(codes(v), [("key".to_string(), "INVALID")]);
        let mut v = base();
        v["kind"] = json!("INCIDENT");
        assert_eq!(codes(v), [("plannedStart".to_string(), "NOT_ALLOWED")]);
        let mut v = base();
        v["plannedEnd"] = serde_json::Value::Null;
        assert_eq!(codes(v), [("plannedEnd".to_string(), "REQUIRED")]);
        let mut v = base();
        v["priority"] = json!(9);
        assert_eq!(codes(v), [("priority".to_string(), "INVALID")]);
    }

    #[test]
    fn windows_overlap_only_when_they_share_time() {
        let at = |h: i64| DateTime::UNIX_EPOCH + chrono::TimeDelta::hours(h);
        let w = |a, b| Window {
            start: at(a),
            end: at(b),
        };
        assert!(w(0, 4).overlaps(&w(3, 5)));
        assert!(w(3, 5).overlaps(&w(0, 4)));
        assert!(w(0, 10).overlaps(&w(2, 3)));
        assert!(!w(0, 4).overlaps(&w(4, 6)), "back to back is no overlap");
    }

    #[test]
    fn an_assessment_marks_computed_manual_and_excluded_entries() {
        let id = |s: &str| EntityId::parse(s).unwrap();
        let amend = |s: &str, note: Option<&str>| Amendment {
            asset: id(s),
            note: note.map(str::to_string),
        };
        let computed = vec![
            (id("a"), Severity::Down, 1),
            (id("b"), Severity::Degraded, 2),
        ];
        let stamp = (DateTime::UNIX_EPOCH, "cab".to_string());
        let assessment = assess(
            vec![id("x")],
            computed.clone(),
            vec![amend("c", Some("shares the rack"))],
            vec![amend("b", Some("runs from the DR site that week"))],
            stamp.clone(),
        )
        .unwrap();
        let marks: Vec<(&str, Mark)> = assessment
            .entries
            .iter()
            .map(|e| (e.asset.as_str(), e.mark))
            .collect();
        assert_eq!(
            marks,
            [
                ("a", Mark::Computed),
                ("b", Mark::Excluded),
                ("c", Mark::Manual)
            ]
        );
        let refused = assess(
            vec![id("x")],
            computed,
            vec![amend("a", None)],
            vec![amend("c", None)],
            stamp,
        )
        .unwrap_err();
        let fields: Vec<&str> = refused.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["add.0.asset", "exclude.0.asset", "exclude.0.note"]);
    }
}
