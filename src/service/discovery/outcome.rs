//! What an ingestion reports: one outcome per record, in the order the records came, and the
//! counts by decision.

use crate::domain::discovery::Candidate;
use crate::domain::discovery::IdentificationRule;
use crate::domain::kernel::EntityId;
use crate::domain::kernel::FieldError;

/// What became of one record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Created,
    Updated,
    Unchanged,
    Conflict,
    Rejected,
}

/// One record's outcome, in the order the records came.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub decision: Decision,
    pub rule: Option<IdentificationRule>,
    pub asset: Option<EntityId>,
    pub changed_fields: Vec<String>,
    pub errors: Vec<FieldError>,
    pub notes: Vec<String>,
    pub candidates: Vec<Candidate>,
    pub reconciliation: Option<EntityId>,
}

impl Outcome {
    pub(crate) fn new(decision: Decision) -> Outcome {
        Outcome {
            decision,
            rule: None,
            asset: None,
            changed_fields: Vec::new(),
            errors: Vec::new(),
            notes: Vec::new(),
            candidates: Vec::new(),
            reconciliation: None,
        }
    }
}

/// The whole batch's outcome.
#[derive(Debug, Clone)]
pub struct IngestReport {
    pub source: String,
    pub dry_run: bool,
    pub outcomes: Vec<Outcome>,
    pub relationships_created: usize,
    pub installations_created: usize,
    pub installations_updated: usize,
    pub products_created: usize,
}

impl IngestReport {
    pub fn count(&self, decision: Decision) -> usize {
        self.outcomes
            .iter()
            .filter(|o| o.decision == decision)
            .count()
    }
}
