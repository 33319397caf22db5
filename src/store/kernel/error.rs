//! The store's one error type, classified from SurrealDB's messages so callers can react.

use crate::domain::kernel::EntityKind;

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

    /// Turns a SurrealDB error into ours: our own THROW markers, unique-index violations, lost connections.
    pub(crate) fn classify(e: surrealdb::Error) -> StoreError {
        let message = e.message().to_string();
        if e.is_thrown() {
            // A thrown message is ours alone: "An error occurred: <marker>[:<detail>]".
            let thrown = message
                .rsplit("An error occurred: ")
                .next()
                .unwrap_or(&message)
                .trim();
            let (marker, detail) = thrown.split_once(':').unwrap_or((thrown, ""));
            return match marker {
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
            };
        }
        if e.is_connection() {
            return StoreError::Unavailable(message);
        }
        if let Some(rest) = message.strip_prefix("Database index `")
            && let Some((index, tail)) = rest.split_once('`')
            && tail.trim_start().starts_with("already contains")
        {
            return StoreError::Duplicate {
                index: index.to_string(),
            };
        }
        StoreError::Internal(message)
    }
}
