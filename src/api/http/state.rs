//! What every route shares: the schema, the register once connected, idempotency locks, limits
//! and the rate limiter.

use std::sync::Arc;

use crate::api::access::idempotency;
use crate::api::graphql::Limits;
use crate::api::graphql::Readiness;
use crate::api::graphql::limits;
use crate::api::schema::AppSchema;

#[derive(Clone)]
pub struct AppState {
    pub schema: AppSchema,
    pub readiness: Readiness,
    pub keys: idempotency::KeyLocks,
    pub limits: Arc<Limits>,
    pub rates: Arc<limits::RateLimiter>,
}
