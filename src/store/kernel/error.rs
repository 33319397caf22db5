//! The store's one error type, classified from SurrealDB's typed error kinds so callers can react.

use surrealdb::types::{ErrorDetails, NotFoundError, QueryError};

use crate::domain::kernel::EntityKind;

/// What every marker of ours starts with, so a thrown message is found whatever SurrealDB
/// wraps around it.
const MARKER: &str = "ag-";
/// Markers thrown by our own transactions (`THROW '<marker>:<detail>'`).
pub const STALE_VERSION: &str = "ag-stale-version";
pub const NOT_FOUND: &str = "ag-not-found";
pub const MISSING_REFERENCE: &str = "ag-missing-reference";
pub(super) const IN_USE: &str = "ag-in-use";
pub(super) const CHAIN_MOVED: &str = "ag-chain-moved";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    #[error("unique index {index} already holds this value")]
    Duplicate { index: String },
    /// A record with the id written already exists.
    #[error("a record with this id already exists")]
    Exists,
    #[error("the record changed since it was read")]
    StaleVersion,
    #[error("no such record")]
    NotFound,
    /// Another process extended the audit chain first (a shared store): link again and retry.
    #[error("the audit chain moved on")]
    ChainMoved,
    #[error("the field {path} points at a record that does not exist")]
    MissingReference { path: String },
    #[error("still referenced by {kind} field {path}")]
    InUse { kind: EntityKind, path: String },
    /// The acting role may not make one of the batch's changes.
    #[error("{0}")]
    Forbidden(String),
    /// Another transaction wrote the same keys first: nothing of this one was written, so it
    /// can run again.
    #[error("write conflict: {0}")]
    Conflict(String),
    /// A statement ran past its time limit and its transaction was rolled back.
    #[error("store query timed out: {0}")]
    Timeout(String),
    /// The store refused this session the operation (its user's rights or its capabilities):
    /// the operator's to fix, not the caller's.
    #[error("the store refused: {0}")]
    Denied(String),
    /// The store could not parse or accept a statement: our query text or parameters are wrong.
    #[error("invalid store query: {0}")]
    Invalid(String),
    #[error("store unavailable: {0}")]
    Unavailable(String),
    #[error("store failure: {0}")]
    Internal(String),
}

impl StoreError {
    pub(super) fn unavailable(e: impl std::fmt::Display) -> StoreError {
        StoreError::Unavailable(e.to_string())
    }

    pub(crate) fn internal(e: impl std::fmt::Display) -> StoreError {
        StoreError::Internal(e.to_string())
    }

    /// Turns a SurrealDB error into ours by its kind and details.
    pub(crate) fn classify(e: surrealdb::Error) -> StoreError {
        let message = e.message().to_string();
        match e.details() {
            ErrorDetails::Thrown => thrown(message),
            ErrorDetails::Connection(_) => StoreError::Unavailable(message),
            ErrorDetails::AlreadyExists(_) => StoreError::Exists,
            ErrorDetails::NotFound(Some(NotFoundError::Record { .. })) => StoreError::NotFound,
            ErrorDetails::NotAllowed(_) => StoreError::Denied(message),
            ErrorDetails::Validation(_) => StoreError::Invalid(message),
            ErrorDetails::Query(Some(QueryError::TransactionConflict)) => {
                StoreError::Conflict(message)
            }
            ErrorDetails::Query(Some(QueryError::TimedOut { .. })) => StoreError::Timeout(message),
            // The store stopped the query (it is shutting down): nothing was written, and
            // asking again later may succeed.
            ErrorDetails::Query(Some(QueryError::Cancelled)) => StoreError::Unavailable(message),
            ErrorDetails::Internal => duplicate(&message).unwrap_or(StoreError::Internal(message)),
            _ => StoreError::Internal(message),
        }
    }

    /// Whether this is the echo of another statement's failure in the same transaction.
    pub(super) fn not_executed(e: &surrealdb::Error) -> bool {
        matches!(e.query_details(), Some(QueryError::NotExecuted))
    }
}

/// Reads one of our THROW markers. SurrealDB carries a thrown value only as message text, so
/// the text is all there is; it is ours, though, and found by its prefix.
fn thrown(message: String) -> StoreError {
    let Some(start) = message.find(MARKER) else {
        return StoreError::Internal(message);
    };
    let thrown = message[start..].trim();
    let (marker, detail) = thrown.split_once(':').unwrap_or((thrown, ""));
    match marker {
        STALE_VERSION => StoreError::StaleVersion,
        NOT_FOUND => StoreError::NotFound,
        CHAIN_MOVED => StoreError::ChainMoved,
        MISSING_REFERENCE => StoreError::MissingReference {
            path: detail.to_string(),
        },
        IN_USE => match detail
            .split_once('/')
            .and_then(|(k, p)| Some((EntityKind::from_name(k)?, p)))
        {
            Some((kind, path)) => StoreError::InUse {
                kind,
                path: path.to_string(),
            },
            None => StoreError::Internal(message),
        },
        _ => StoreError::Internal(message),
    }
}

/// A unique-index violation. Text, because SurrealDB 3.3 reports it as a plain internal error
/// (`IndexExists` maps to no kind: surrealdb-idx's `internal_todo`); the index name is only
/// in the message.
fn duplicate(message: &str) -> Option<StoreError> {
    let rest = message.strip_prefix("Database index `")?;
    let (index, tail) = rest.split_once('`')?;
    tail.trim_start()
        .starts_with("already contains")
        .then(|| StoreError::Duplicate {
            index: index.to_string(),
        })
}
