//! Discovery: records normalised, identities matched by rule, field precedence, the queue.

mod identifiers;
mod identities;
mod precedence;
mod reconciliation;
mod record;

pub(crate) use identifiers::{IdentificationRule, Identifiers, canonical};
pub(crate) use identities::{AssetIdentity, Candidate, Identification, Identities, Sighting};
pub(crate) use precedence::{Policy, Verdict};
pub(crate) use reconciliation::{MatchedAsset, ReconciliationItem, ReconciliationStatus};
pub(crate) use record::{
    EndDraft, FoundSoftware, OBSERVABLE, Observation, Observed, ObservedDraft, RecordDraft,
    SoftwareDraft, api_name,
};
