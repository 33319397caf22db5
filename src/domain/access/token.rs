//! API tokens: the credential every caller presents, kept only as a hash of its secret.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::domain::access::role::Role;
use crate::domain::kernel::{Entity, EntityKind, Secret};
use crate::domain::kernel::{ErrorCode, FieldError, MAX_NAME, Problems, required_text};

/// A named credential with one role; the secret itself is never stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiToken {
    pub name: String,
    pub role: Role,
    /// SHA-256 of the secret, hex: enough to recognise it, useless to present.
    pub secret_hash: Secret,
    /// The secret's first characters, so people can tell their tokens apart.
    pub prefix: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoked_at: Option<DateTime<Utc>>,
    /// The token that created this one (its name), or `system` for the first admin token.
    pub created_by: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiTokenDraft {
    pub name: Option<String>,
    pub role: Option<Role>,
    pub secret_hash: Option<Secret>,
    pub prefix: Option<String>,
    pub expires_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub created_by: Option<String>,
}

/// What every secret starts with, so scanners can spot a leaked one.
pub const SECRET_PREFIX: &str = "agt_";

/// A fresh secret: the prefix and 244 random bits as hex.
pub fn new_secret() -> String {
    format!(
        "{SECRET_PREFIX}{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    )
}

/// The stored form of a secret.
pub fn hash_secret(secret: &str) -> String {
    Sha256::digest(secret.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Whether a presented secret could be one of ours at all (cheap checks before any lookup).
pub fn plausible_secret(secret: &str) -> bool {
    (16..=256).contains(&secret.len()) && secret.bytes().all(|b| b.is_ascii_graphic())
}

impl ApiToken {
    /// A new token for `secret`.
    pub fn issue(
        name: &str,
        role: Role,
        secret: &str,
        expires_at: Option<DateTime<Utc>>,
        created_by: &str,
    ) -> ApiToken {
        ApiToken {
            name: name.trim().to_string(),
            role,
            secret_hash: hash_secret(secret).into(),
            prefix: secret.chars().take(SECRET_PREFIX.len() + 6).collect(),
            expires_at,
            revoked_at: None,
            created_by: created_by.to_string(),
        }
    }

    /// Whether the token may be used at `now`.
    pub fn usable_at(&self, now: DateTime<Utc>) -> bool {
        self.revoked_at.is_none() && self.expires_at.is_none_or(|end| end > now)
    }
}

impl Entity for ApiToken {
    const KIND: EntityKind = EntityKind::Token;
    type Draft = ApiTokenDraft;

    fn validate(d: ApiTokenDraft) -> Result<ApiToken, Vec<FieldError>> {
        let mut p = Problems::default();
        let name = p.take(required_text("name", d.name.as_deref(), MAX_NAME));
        let role = d.role;
        if role.is_none() {
            p.push(FieldError::new(
                "role",
                ErrorCode::Required,
                "role is required",
            ));
        }
        p.finish(|| ApiToken {
            name: name.unwrap_or_default(),
            role: role.unwrap_or(Role::Viewer),
            secret_hash: d.secret_hash.unwrap_or_default(),
            prefix: d.prefix.unwrap_or_default(),
            expires_at: d.expires_at,
            revoked_at: d.revoked_at,
            created_by: d.created_by.unwrap_or_default(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_random_prefixed_and_hashed() {
        let (a, b) = (new_secret(), new_secret());
        assert_ne!(a, b);
        assert!(a.starts_with(SECRET_PREFIX) && a.len() == 68);
        assert!(plausible_secret(&a));
        assert_eq!(hash_secret(&a).len(), 64);
        assert_ne!(hash_secret(&a), hash_secret(&b));
        let token = ApiToken::issue("ci", Role::Viewer, &a, None, "admin");
        assert!(!token.secret_hash.expose().contains(&a[4..]));
        assert_eq!(token.prefix, a[..10]);
        let shown = format!("{token:?}");
        assert!(
            !shown.contains(&a) && !shown.contains(&hash_secret(&a)),
            "{shown}"
        );
    }

    #[test]
    fn revoked_or_expired_tokens_are_unusable() {
        let now = Utc::now();
        let mut token = ApiToken::issue("ci", Role::Viewer, &new_secret(), None, "admin");
        assert!(token.usable_at(now));
        token.expires_at = Some(now - chrono::TimeDelta::seconds(1));
        assert!(!token.usable_at(now));
        token.expires_at = None;
        token.revoked_at = Some(now);
        assert!(!token.usable_at(now));
    }
}
