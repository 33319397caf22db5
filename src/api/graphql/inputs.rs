//! Mutation inputs. They serialise to the entity's document shape, so the service sees one format.

use async_graphql::{ID, InputObject, MaybeUndefined};
use serde::Serialize;

pub type Patch<T> = MaybeUndefined<T>;

/// An exact amount: `amount` is a decimal string such as "1299.00"; `currency` an ISO 4217 code.
#[derive(InputObject, Serialize, Clone)]
pub struct MoneyInput {
    pub amount: String,
    pub currency: String,
}

/// Deletes an entity that nothing references any more.
#[derive(InputObject)]
pub struct DeleteInput {
    pub id: ID,
    pub expected_version: Option<i64>,
}

/// What every update input carries besides its changes.
pub trait Targeted {
    fn target(&self) -> (&ID, Option<i64>);
}

macro_rules! targeted {
    ($($input:ty),*) => {
        $(impl $crate::api::graphql::Targeted for $input {
            fn target(&self) -> (&async_graphql::ID, Option<i64>) {
                (&self.id, self.expected_version)
            }
        })*
    };
}

pub(crate) use targeted;
