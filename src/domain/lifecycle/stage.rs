//! The lifecycle: which stage may follow which, what each stage needs on record, and how a
//! disposed asset's end (and its data's) is recorded.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::domain::kernel::AssetClass;
use crate::domain::kernel::required_date;
use crate::domain::kernel::{
    ErrorCode, FieldError, MAX_NAME, Problems, optional_text, required_text,
};

use LifecycleStage::*;

/// Every allowed move, and only those: one table.
///
/// The main line is planned → ordered → in stock → deployed ⇄ in maintenance → retiring →
/// retired → disposed. Besides it: a deployed asset returns to stock; stock that is never
/// deployed can be retired; a retirement can be withdrawn (back to stock); the in-use stages
/// (in stock, deployed, in maintenance) can go missing or defective, a missing asset comes
/// back when found, a defective one when repaired (or goes to maintenance), and either can be
/// written off into retirement.
pub const TRANSITIONS: &[(LifecycleStage, &[LifecycleStage])] = &[
    (Planned, &[Ordered]),
    (Ordered, &[InStock]),
    (InStock, &[Deployed, Retiring, Missing, Defective]),
    (
        Deployed,
        &[InMaintenance, InStock, Retiring, Missing, Defective],
    ),
    (InMaintenance, &[Deployed, Retiring, Missing, Defective]),
    (Retiring, &[Retired, InStock]),
    (Retired, &[Disposed]),
    (Disposed, &[]),
    (Missing, &[InStock, Deployed, Retiring]),
    (Defective, &[InStock, Deployed, InMaintenance, Retiring]),
];

/// Whether an asset may move from `from` to `to`.
pub fn allowed(from: LifecycleStage, to: LifecycleStage) -> bool {
    TRANSITIONS
        .iter()
        .any(|(stage, next)| *stage == from && next.contains(&to))
}

/// What became of a disposed asset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum DisposalMethod {
    Recycled,
    Resold,
    Donated,
    Destroyed,
    ReturnedToLessor,
}

/// How its data was made unrecoverable (NIST SP 800-88 levels).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SanitisationMethod {
    Clear,
    Purge,
    Destroy,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Sanitisation {
    pub method: SanitisationMethod,
    pub date: NaiveDate,
    pub performed_by: String,
    pub certificate_ref: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Disposal {
    pub method: DisposalMethod,
    pub date: NaiveDate,
    pub recipient: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sanitisation: Option<Sanitisation>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SanitisationDraft {
    pub method: Option<SanitisationMethod>,
    pub date: Option<String>,
    pub performed_by: Option<String>,
    pub certificate_ref: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DisposalDraft {
    pub method: Option<DisposalMethod>,
    pub date: Option<String>,
    pub recipient: Option<String>,
    pub sanitisation: Option<SanitisationDraft>,
}

fn required<T>(field: &str, value: Option<T>, what: &str) -> Result<T, FieldError> {
    value.ok_or_else(|| FieldError::new(field, ErrorCode::Required, format!("{what} is required")))
}

fn sanitisation(d: SanitisationDraft) -> Result<Sanitisation, Vec<FieldError>> {
    let mut p = Problems::default();
    let method = p.take(required(
        "disposal.sanitisation.method",
        d.method,
        "the sanitisation method",
    ));
    let date = p.take(required_date(
        "disposal.sanitisation.date",
        d.date.as_deref(),
    ));
    let performed_by = p.take(required_text(
        "disposal.sanitisation.performedBy",
        d.performed_by.as_deref(),
        MAX_NAME,
    ));
    let certificate_ref = p.take(required_text(
        "disposal.sanitisation.certificateRef",
        d.certificate_ref.as_deref(),
        MAX_NAME,
    ));
    p.finish(|| Sanitisation {
        method: method.expect("checked"),
        date: date.expect("checked"),
        performed_by: performed_by.expect("checked"),
        certificate_ref: certificate_ref.expect("checked"),
    })
}

/// Checks a disposal record; `None` for no draft.
pub fn disposal(d: Option<DisposalDraft>) -> Result<Option<Disposal>, Vec<FieldError>> {
    let Some(d) = d else { return Ok(None) };
    let mut p = Problems::default();
    let method = p.take(required("disposal.method", d.method, "the disposal method"));
    let date = p.take(required_date("disposal.date", d.date.as_deref()));
    let recipient = p.take(required_text(
        "disposal.recipient",
        d.recipient.as_deref(),
        MAX_NAME,
    ));
    let sanitisation = p
        .take_all(d.sanitisation.map(sanitisation).transpose())
        .flatten();
    if let (Some(wiped), Some(date)) = (&sanitisation, date)
        && wiped.date > date
    {
        p.push(FieldError::new(
            "disposal.sanitisation.date",
            ErrorCode::Invalid,
            "data must be sanitised before the asset leaves",
        ));
    }
    p.finish(|| {
        Some(Disposal {
            method: method.expect("checked"),
            date: date.expect("checked"),
            recipient: recipient.expect("checked"),
            sanitisation,
        })
    })
}

/// What an asset must have on record to be in `stage`; one error per missing fact.
pub struct StageFacts<'a> {
    pub class: AssetClass,
    pub stage: LifecycleStage,
    pub has_assignee: bool,
    pub has_location: bool,
    pub has_owner: bool,
    pub has_vendor: bool,
    pub order_number: Option<&'a str>,
    pub disposal: Option<&'a Disposal>,
}

pub fn stage_requirements(facts: &StageFacts<'_>) -> Vec<FieldError> {
    let mut problems = Vec::new();
    match facts.stage {
        Ordered if !facts.has_vendor && facts.order_number.is_none() => {
            problems.push(FieldError::new(
                "purchase.orderNumber",
                ErrorCode::Required,
                "an ordered asset needs a purchase order number or a vendor",
            ));
        }
        // Software, cloud resources and services have no place; their owner answers for them.
        Deployed
            if !facts.has_assignee
                && !facts.has_location
                && (facts.class.is_physical() || !facts.has_owner) =>
        {
            problems.push(FieldError::new(
                "location",
                ErrorCode::Required,
                if facts.class.is_physical() {
                    "a deployed asset needs an assignee or a location"
                } else {
                    "a deployed asset needs an owner, an assignee or a location"
                },
            ));
        }
        Disposed => match facts.disposal {
            None => problems.push(FieldError::new(
                "disposal",
                ErrorCode::Required,
                "a disposed asset needs a disposal record",
            )),
            Some(d) if d.sanitisation.is_none() && facts.class.holds_data() => {
                problems.push(FieldError::new(
                    "disposal.sanitisation",
                    ErrorCode::Required,
                    "this asset holds data: record how it was sanitised",
                ))
            }
            Some(_) => {}
        },
        _ => {}
    }
    if facts.stage != Disposed && facts.disposal.is_some() {
        problems.push(FieldError::new(
            "disposal",
            ErrorCode::Invalid,
            "only a disposed asset has a disposal record",
        ));
    }
    problems
}

/// A transition's reason or ticket reference: optional short text.
pub fn note(field: &str, value: Option<&str>) -> Result<Option<String>, FieldError> {
    optional_text(field, value, MAX_NAME)
}

/// Where an asset stands in its life; transitions between stages are enforced by a later rule set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum LifecycleStage {
    Planned,
    Ordered,
    InStock,
    Deployed,
    InMaintenance,
    Retiring,
    Retired,
    Disposed,
    Missing,
    Defective,
}
#[cfg(test)]
mod tests {
    use super::*;

    const ALL: [LifecycleStage; 10] = [
        Planned,
        Ordered,
        InStock,
        Deployed,
        InMaintenance,
        Retiring,
        Retired,
        Disposed,
        Missing,
        Defective,
    ];

    #[test]
    fn the_whole_transition_table() {
        // Every pair, allowed or refused, spelled out once more as the issue describes it.
        let expected: &[(LifecycleStage, LifecycleStage)] = &[
            (Planned, Ordered),
            (Ordered, InStock),
            (InStock, Deployed),
            (InStock, Retiring),
            (InStock, Missing),
            (InStock, Defective),
            (Deployed, InMaintenance),
            (Deployed, InStock),
            (Deployed, Retiring),
            (Deployed, Missing),
            (Deployed, Defective),
            (InMaintenance, Deployed),
            (InMaintenance, Retiring),
            (InMaintenance, Missing),
            (InMaintenance, Defective),
            (Retiring, Retired),
            (Retiring, InStock),
            (Retired, Disposed),
            (Missing, InStock),
            (Missing, Deployed),
            (Missing, Retiring),
            (Defective, InStock),
            (Defective, Deployed),
            (Defective, InMaintenance),
            (Defective, Retiring),
        ];
        for from in ALL {
            for to in ALL {
                assert_eq!(
                    allowed(from, to),
                    expected.contains(&(from, to)),
                    "{from:?} → {to:?}"
                );
            }
        }
        assert!(ALL.iter().all(|s| TRANSITIONS.iter().any(|(f, _)| f == s)));
    }

    fn facts(class: AssetClass, stage: LifecycleStage) -> StageFacts<'static> {
        StageFacts {
            class,
            stage,
            has_assignee: false,
            has_location: false,
            has_owner: false,
            has_vendor: false,
            order_number: None,
            disposal: None,
        }
    }

    fn fields(errors: Vec<FieldError>) -> Vec<String> {
        errors.into_iter().map(|e| e.field).collect()
    }

    #[test]
    fn each_stage_needs_its_facts() {
        let laptop = AssetClass::Laptop;
        assert_eq!(
            fields(stage_requirements(&facts(laptop, Ordered))),
            ["purchase.orderNumber"]
        );
        let ordered = StageFacts {
            order_number: Some("PO-1"),
            ..facts(laptop, Ordered)
        };
        assert!(stage_requirements(&ordered).is_empty());
        assert_eq!(
            fields(stage_requirements(&facts(laptop, Deployed))),
            ["location"]
        );
        let owned = StageFacts {
            has_owner: true,
            ..facts(laptop, Deployed)
        };
        assert_eq!(fields(stage_requirements(&owned)), ["location"]);
        let app = StageFacts {
            has_owner: true,
            ..facts(AssetClass::SoftwareApplication, Deployed)
        };
        assert!(stage_requirements(&app).is_empty());
        assert_eq!(
            fields(stage_requirements(&facts(laptop, Disposed))),
            ["disposal"]
        );
    }

    fn draft(sanitised: bool) -> DisposalDraft {
        DisposalDraft {
            method: Some(DisposalMethod::Recycled),
            date: Some("2026-03-02".into()),
            recipient: Some("GreenIT Recycling".into()),
            sanitisation: sanitised.then(|| SanitisationDraft {
                method: Some(SanitisationMethod::Purge),
                date: Some("2026-03-01".into()),
                performed_by: Some("Service desk".into()),
                certificate_ref: Some("CERT-1".into()),
            }),
        }
    }

    #[test]
    fn disposing_of_data_needs_a_sanitisation_record() {
        let bare = disposal(Some(draft(false))).unwrap();
        let laptop = StageFacts {
            disposal: bare.as_ref(),
            ..facts(AssetClass::Laptop, Disposed)
        };
        assert_eq!(
            fields(stage_requirements(&laptop)),
            ["disposal.sanitisation"]
        );
        let monitor = StageFacts {
            disposal: bare.as_ref(),
            ..facts(AssetClass::Monitor, Disposed)
        };
        assert!(stage_requirements(&monitor).is_empty());
        let wiped = disposal(Some(draft(true))).unwrap();
        let laptop = StageFacts {
            disposal: wiped.as_ref(),
            ..facts(AssetClass::Laptop, Disposed)
        };
        assert!(stage_requirements(&laptop).is_empty());
        let kept = StageFacts {
            disposal: wiped.as_ref(),
            ..facts(AssetClass::Laptop, Retired)
        };
        assert_eq!(fields(stage_requirements(&kept)), ["disposal"]);
    }

    #[test]
    fn incomplete_disposal_records_are_refused() {
        let errors = disposal(Some(DisposalDraft::default())).unwrap_err();
        assert_eq!(
            fields(errors),
            ["disposal.method", "disposal.date", "disposal.recipient"]
        );
        let mut late = draft(true);
        late.sanitisation.as_mut().unwrap().date = Some("2026-04-01".into());
        assert_eq!(
            fields(disposal(Some(late)).unwrap_err()),
            ["disposal.sanitisation.date"]
        );
        let mut partial = draft(true);
        partial.sanitisation.as_mut().unwrap().certificate_ref = None;
        assert_eq!(
            fields(disposal(Some(partial)).unwrap_err()),
            ["disposal.sanitisation.certificateRef"]
        );
    }
}
