//! The store's one error type, classified from SurrealDB's messages so callers can react.

use crate::domain::entity::EntityKind;

/// Markers thrown by our own transactions (`THROW '<marker>:<detail>'`).
pub(super) const STALE_VERSION: &str = "ag-stale-version";
pub(super) const NOT_FOUND: &str = "ag-not-found";
pub(super) const MISSING_REFERENCE: &str = "ag-missing-reference";
pub(super) const IN_USE: &str = "ag-in-use";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    #[error("unique index {index} already holds this value")]
    Duplicate { index: String },
    #[error("the record changed since it was read")]
    StaleVersion,
    #[error("no such record")]
    NotFound,
    #[error("the field {path} points at a record that does not exist")]
    MissingReference { path: String },
    #[error("still referenced by {kind} field {path}")]
    InUse { kind: EntityKind, path: String },
    #[error("store unavailable: {0}")]
    Unavailable(String),
    #[error("store failure: {0}")]
    Internal(String),
}

/// Text after `marker:` in a thrown message, up to the next quote or end.
fn detail<'a>(message: &'a str, marker: &str) -> Option<&'a str> {
    let start = message.find(marker)? + marker.len();
    let rest = message[start..].strip_prefix(':').unwrap_or("");
    Some(rest.split(['\'', '"', '`']).next().unwrap_or("").trim())
}

impl StoreError {
    pub(super) fn unavailable(e: impl std::fmt::Display) -> StoreError {
        StoreError::Unavailable(e.to_string())
    }

    pub(super) fn internal(e: impl std::fmt::Display) -> StoreError {
        StoreError::Internal(e.to_string())
    }

    /// Turns a SurrealDB error into ours, recognising our own THROW markers and unique-index violations.
    pub(super) fn classify(e: surrealdb::Error) -> StoreError {
        let message = e.to_string();
        if message.contains(STALE_VERSION) {
            return StoreError::StaleVersion;
        }
        if message.contains(NOT_FOUND) {
            return StoreError::NotFound;
        }
        if let Some(path) = detail(&message, MISSING_REFERENCE) {
            return StoreError::MissingReference {
                path: path.to_string(),
            };
        }
        if let Some(rest) = detail(&message, IN_USE) {
            let (kind, path) = rest.split_once('/').unwrap_or((rest, ""));
            if let Some(kind) = EntityKind::from_name(kind) {
                return StoreError::InUse {
                    kind,
                    path: path.to_string(),
                };
            }
        }
        if let Some(at) = message.find("index `") {
            let index = message[at + 7..]
                .split('`')
                .next()
                .unwrap_or("")
                .to_string();
            if message.contains("already contains") {
                return StoreError::Duplicate { index };
            }
        }
        StoreError::Internal(message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_details_of_thrown_markers() {
        assert_eq!(
            detail(
                "An error occurred: ag-missing-reference:owner.team",
                MISSING_REFERENCE
            ),
            Some("owner.team")
        );
        assert_eq!(
            detail("x 'ag-in-use:Asset/location' y", IN_USE),
            Some("Asset/location")
        );
        assert_eq!(detail("nothing here", IN_USE), None);
    }
}
