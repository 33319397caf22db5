//! The service's error type: client mistakes (with field errors) versus failures.

use crate::domain::kernel::{Entity, EntityKind};
use crate::domain::kernel::{ErrorCode, FieldError};
use crate::domain::kernel::{reference_fields, unique_keys};
use crate::store::StoreError;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ServiceError {
    /// The input breaks rules; nothing was changed.
    #[error("invalid input")]
    Invalid(Vec<FieldError>),
    /// The entity the operation targets does not exist.
    #[error("no such {kind}")]
    NotFound { kind: EntityKind },
    /// The request itself is malformed (bad page size, oversized filter).
    #[error("{0}")]
    BadRequest(String),
    /// The caller's role does not allow it; nothing was changed.
    #[error("{0}")]
    Forbidden(String),
    #[error("store unavailable: {0}")]
    Unavailable(String),
    #[error("internal failure: {0}")]
    Internal(String),
}

impl From<StoreError> for ServiceError {
    fn from(e: StoreError) -> Self {
        match e {
            // Nothing was written and asking again may succeed: the client is told to retry.
            StoreError::Unavailable(m) | StoreError::Conflict(m) | StoreError::Timeout(m) => {
                ServiceError::Unavailable(m)
            }
            StoreError::Forbidden(m) => ServiceError::Forbidden(m),
            other => ServiceError::Internal(other.to_string()),
        }
    }
}

impl From<FieldError> for ServiceError {
    fn from(e: FieldError) -> Self {
        ServiceError::Invalid(vec![e])
    }
}

impl ServiceError {
    pub fn invalid(field: &str, code: ErrorCode, message: impl Into<String>) -> ServiceError {
        ServiceError::Invalid(vec![FieldError::new(field, code, message)])
    }

    /// Explains a refused write of an `E` in terms of the client's input.
    pub(crate) fn from_write<E: Entity>(e: StoreError) -> ServiceError {
        match e {
            StoreError::Duplicate { index } => {
                match unique_keys(E::KIND).iter().find(|k| k.index == index) {
                    Some(key) => ServiceError::invalid(key.field, ErrorCode::Conflict, key.message),
                    None => ServiceError::Internal(format!("unexpected unique index {index}")),
                }
            }
            StoreError::StaleVersion => ServiceError::invalid(
                "expectedVersion",
                ErrorCode::Conflict,
                format!(
                    "this {} was changed by someone else; reload it and try again",
                    E::KIND
                ),
            ),
            StoreError::Exists => ServiceError::invalid(
                "id",
                ErrorCode::Conflict,
                format!("a {} with this id already exists", E::KIND),
            ),
            StoreError::NotFound => ServiceError::NotFound { kind: E::KIND },
            StoreError::MissingReference { path } => {
                let target = reference_fields(E::KIND)
                    .iter()
                    .find(|f| f.path == path)
                    .map_or("record".into(), |f| f.target.to_string());
                ServiceError::invalid(
                    &path,
                    ErrorCode::NotFound,
                    format!("no {target} has this id"),
                )
            }
            StoreError::InUse { kind, path } => ServiceError::invalid(
                "id",
                ErrorCode::InUse,
                format!(
                    "this {} is still referenced by the {path} of at least one {kind}; reassign those first",
                    E::KIND
                ),
            ),
            other => other.into(),
        }
    }
}
