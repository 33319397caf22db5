//! Tokens recently presented, so that authenticating a request costs no store round trip.

use crate::domain::access::ApiToken;
use crate::domain::access::Role;
use crate::domain::kernel::locks;
use crate::domain::kernel::{EntityId, Record};
use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::Instant;

/// Who a presented token says the caller is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub token: EntityId,
    pub name: String,
    pub role: Role,
}

#[derive(Clone)]
pub(crate) struct Known {
    pub(crate) token: Record<ApiToken>,
    pub(crate) checked: Instant,
    pub(crate) touched: Option<Instant>,
}

/// Tokens recently presented, by secret hash.
#[derive(Clone, Default)]
pub struct TokenCache(pub(crate) Arc<RwLock<HashMap<String, Known>>>);

impl TokenCache {
    pub(crate) fn forget(&self, id: &EntityId) {
        locks::write(&self.0).retain(|_, known| &known.token.id != id);
    }
}
