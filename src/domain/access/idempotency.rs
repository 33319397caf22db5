//! Idempotency keys: a retried request with the same key and body gets the first answer back
//! instead of applying its change again; the same key with another body is refused.

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::domain::kernel::EntityId;

/// How long a key is remembered.
pub const KEPT_FOR: TimeDelta = TimeDelta::hours(24);
/// Longest key accepted.
pub const MAX_KEY: usize = 255;

/// Whether `key` is usable: 1–255 visible ASCII characters.
pub fn valid_key(key: &str) -> bool {
    !key.is_empty() && key.len() <= MAX_KEY && key.bytes().all(|b| b.is_ascii_graphic())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Where a caller's key is kept: keys of different callers never meet.
pub fn slot(caller: &str, key: &str) -> EntityId {
    let digest = Sha256::digest(format!("{caller}\n{key}").as_bytes());
    EntityId::parse(&hex(&digest)).expect("64 hex digits make an id")
}

/// What identifies a request body.
pub fn fingerprint(body: &[u8]) -> String {
    hex(&Sha256::digest(body))
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Remembered {
    pub fingerprint: String,
    pub at: DateTime<Utc>,
    /// The answer given, once there is one; absent while the first request runs (or if the
    /// server stopped before it answered, when nobody knows whether its change was applied).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response: Option<String>,
}

/// What to do with a request carrying a key, given what is remembered under it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Never seen (or forgotten): run it.
    Run,
    /// Seen with this body: give the same answer.
    Replay { status: u16, response: String },
    /// Seen with another body.
    Reused,
    /// Seen, but its answer was never recorded: it may or may not have been applied.
    InDoubt,
}

pub fn verdict(remembered: Option<&Remembered>, fingerprint: &str, now: DateTime<Utc>) -> Verdict {
    match remembered {
        None => Verdict::Run,
        Some(r) if now - r.at > KEPT_FOR => Verdict::Run,
        Some(r) if r.fingerprint != fingerprint => Verdict::Reused,
        Some(Remembered {
            status: Some(status),
            response: Some(response),
            ..
        }) => Verdict::Replay {
            status: *status,
            response: response.clone(),
        },
        Some(_) => Verdict::InDoubt,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_replay_refuse_or_run() {
        let now = Utc::now();
        let body = fingerprint(b"{\"query\":\"mutation\"}");
        let answered = Remembered {
            fingerprint: body.clone(),
            at: now,
            status: Some(200),
            response: Some("{}".into()),
        };
        assert_eq!(verdict(None, &body, now), Verdict::Run);
        assert!(matches!(
            verdict(Some(&answered), &body, now),
            Verdict::Replay { status: 200, .. }
        ));
        assert_eq!(
            verdict(Some(&answered), &fingerprint(b"other"), now),
            Verdict::Reused
        );
        let unanswered = Remembered {
            status: None,
            response: None,
            ..answered.clone()
        };
        assert_eq!(verdict(Some(&unanswered), &body, now), Verdict::InDoubt);
        assert_eq!(
            verdict(
                Some(&answered),
                &body,
                now + KEPT_FOR + TimeDelta::seconds(1)
            ),
            Verdict::Run
        );
        assert_ne!(slot("alice", "k1"), slot("bob", "k1"));
        assert!(valid_key("order-42/retry"));
        assert!(!valid_key("") && !valid_key("has space") && !valid_key(&"k".repeat(256)));
    }
}
