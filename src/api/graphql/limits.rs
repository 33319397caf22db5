//! The limits every request meets, all on by default and each configurable, and the per-token
//! rate limiter that charges each request its estimated cost.

use crate::domain::kernel::locks;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// What a request may ask for; a breach is refused with a code before anything runs.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Deepest field nesting.
    pub depth: usize,
    /// Highest estimated cost: one per field, list fields `first` (or `last`) × their children.
    pub complexity: u64,
    /// Most aliased fields in one document.
    pub aliases: usize,
    /// Most directives in one document.
    pub directives: usize,
    /// Most fields visited while expanding fragments (each spread counts its fields again).
    pub fields: usize,
    /// Deepest nesting of brackets, checked before parsing.
    pub nesting: usize,
    /// Most operations in one batched (JSON array) request.
    pub batch: usize,
    /// Largest request body, in bytes.
    pub body: usize,
    /// Longest a query or subscription set-up may run (mutations are never cut off half-way).
    pub timeout: Duration,
    /// Cost units each token regains per second, and the most it may save up.
    pub rate_per_second: u64,
    pub rate_burst: u64,
    /// Whether authenticated callers may introspect the schema.
    pub introspection: bool,
    /// Browser origins allowed to call the API (CORS); none by default.
    pub cors_origins: Vec<String>,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            depth: 16,
            complexity: 50_000,
            aliases: 100,
            directives: 50,
            fields: 5_000,
            nesting: 64,
            batch: 10,
            body: 1 << 20,
            timeout: Duration::from_secs(30),
            rate_per_second: 100_000,
            rate_burst: 500_000,
            introspection: true,
            cors_origins: Vec::new(),
        }
    }
}

/// A token bucket per caller: each request takes its cost; the bucket refills steadily.
pub struct RateLimiter {
    per_second: u64,
    burst: u64,
    buckets: Mutex<HashMap<String, (f64, Instant)>>,
}

/// Callers the limiter remembers before it forgets full buckets.
const REMEMBERED: usize = 10_000;

impl RateLimiter {
    pub fn new(limits: &Limits) -> RateLimiter {
        RateLimiter {
            per_second: limits.rate_per_second.max(1),
            burst: limits.rate_burst.max(1),
            buckets: Mutex::default(),
        }
    }

    /// Takes `cost` from `caller`'s bucket, or says how long until it could.
    pub fn take(&self, caller: &str, cost: u64) -> Result<(), Duration> {
        self.take_at(caller, cost, Instant::now())
    }

    fn take_at(&self, caller: &str, cost: u64, now: Instant) -> Result<(), Duration> {
        let (rate, burst) = (self.per_second as f64, self.burst as f64);
        // A request dearer than the whole bucket is charged the whole bucket.
        let cost = (cost as f64).min(burst);
        let mut buckets = locks::lock(&self.buckets);
        if buckets.len() >= REMEMBERED {
            buckets.retain(|_, (level, at)| {
                *level + now.duration_since(*at).as_secs_f64() * rate < burst
            });
        }
        let (level, at) = buckets.entry(caller.to_string()).or_insert((burst, now));
        *level = (*level + now.duration_since(*at).as_secs_f64() * rate).min(burst);
        *at = now;
        if *level >= cost {
            *level -= cost;
            Ok(())
        } else {
            Err(Duration::from_secs_f64((cost - *level) / rate))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limiter(per_second: u64, burst: u64) -> RateLimiter {
        RateLimiter::new(&Limits {
            rate_per_second: per_second,
            rate_burst: burst,
            ..Limits::default()
        })
    }

    #[test]
    fn a_bucket_empties_refills_and_is_per_caller() {
        let limiter = limiter(10, 100);
        let start = Instant::now();
        assert!(limiter.take_at("a", 60, start).is_ok());
        assert!(limiter.take_at("a", 40, start).is_ok());
        let wait = limiter.take_at("a", 20, start).unwrap_err();
        assert_eq!(wait, Duration::from_secs(2));
        assert!(
            limiter.take_at("b", 100, start).is_ok(),
            "another caller's bucket is full"
        );
        assert!(
            limiter
                .take_at("a", 20, start + Duration::from_secs(2))
                .is_ok()
        );
    }

    #[test]
    fn a_request_dearer_than_the_bucket_needs_a_full_bucket() {
        let limiter = limiter(10, 100);
        let start = Instant::now();
        assert!(limiter.take_at("a", 1_000_000, start).is_ok());
        assert!(limiter.take_at("a", 1, start).is_err());
    }
}
