//! Tokens: issuing, revoking and recognising them, with a short-lived cache so a request costs
//! no store round trip to authenticate, and the first admin token of a new installation.

use crate::domain::kernel::locks;
use std::path::Path;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use serde_json::json;

use crate::domain::access::Actor;
use crate::domain::access::Role;
use crate::domain::access::{ApiToken, hash_secret, new_secret, plausible_secret};
use crate::domain::kernel::ErrorCode;
use crate::domain::kernel::{EntityId, Record};
use crate::service::kernel::Known;
use crate::service::kernel::Principal;
use crate::service::kernel::Register;
use crate::service::kernel::ServiceError;

/// How long a recognised token is trusted without asking the store again (a revocation by
/// another process on a shared store takes at most this long to bite).
const TRUSTED_FOR: Duration = Duration::from_secs(10);
/// A token's last use is written at most this often.
const TOUCH_EVERY: Duration = Duration::from_secs(60);

/// Why a presented secret does not let the caller in.
#[derive(Debug, Clone, thiserror::Error)]
pub enum AuthError {
    #[error("this token is unknown, revoked or expired")]
    Rejected,
    #[error(transparent)]
    Service(#[from] ServiceError),
}

/// A token listed for an admin: never its secret.
pub struct TokenListing {
    pub token: Record<ApiToken>,
    pub last_used_at: Option<DateTime<Utc>>,
}

impl Register {
    /// The caller a presented secret belongs to, if it is a usable token.
    pub async fn authenticate(&self, secret: &str) -> Result<Principal, AuthError> {
        if !plausible_secret(secret) {
            return Err(AuthError::Rejected);
        }
        let hash = hash_secret(secret);
        let cached = locks::read(&self.tokens.0)
            .get(&hash)
            .filter(|known| known.checked.elapsed() < TRUSTED_FOR)
            .cloned();
        let mut known = match cached {
            Some(known) => known,
            None => {
                // Authentication is not the request's own work: its reads are not counted.
                let token = self
                    .store
                    .uncounted()
                    .token_by_hash(&hash)
                    .await
                    .map_err(ServiceError::from)?
                    .ok_or(AuthError::Rejected)?;
                let touched = locks::read(&self.tokens.0)
                    .get(&hash)
                    .and_then(|k| k.touched);
                Known {
                    token,
                    checked: Instant::now(),
                    touched,
                }
            }
        };
        let now = Utc::now();
        if !known.token.data.usable_at(now) {
            return Err(AuthError::Rejected);
        }
        if known.touched.is_none_or(|at| at.elapsed() >= TOUCH_EVERY) {
            known.touched = Some(Instant::now());
            let (store, id) = (self.store.uncounted(), known.token.id.clone());
            tokio::spawn(async move {
                if let Err(e) = store.touch_token(&id, now).await {
                    tracing::warn!(error = %e, "could not note a token's last use");
                }
            });
        }
        let principal = Principal {
            token: known.token.id.clone(),
            name: known.token.data.name.clone(),
            role: known.token.data.role,
        };
        locks::write(&self.tokens.0).insert(hash, known);
        Ok(principal)
    }

    /// Issues a token; the secret is returned this once and never stored.
    pub async fn create_token(
        &self,
        actor: &Actor,
        name: &str,
        role: Role,
        expires_at: Option<DateTime<Utc>>,
    ) -> Result<(Record<ApiToken>, String), ServiceError> {
        if expires_at.is_some_and(|end| end <= Utc::now()) {
            return Err(ServiceError::invalid(
                "expiresAt",
                ErrorCode::Invalid,
                "a token must expire in the future",
            ));
        }
        let secret = new_secret();
        let record = self.issue(actor, name, role, &secret, expires_at).await?;
        Ok((record, secret))
    }

    async fn issue(
        &self,
        actor: &Actor,
        name: &str,
        role: Role,
        secret: &str,
        expires_at: Option<DateTime<Utc>>,
    ) -> Result<Record<ApiToken>, ServiceError> {
        let token = ApiToken::issue(name, role, secret, expires_at, &actor.name);
        self.create::<ApiToken>(actor, serde_json::to_value(&token).map_err(internal)?)
            .await
    }

    /// Revokes a token at once for this process (others within [`TRUSTED_FOR`]).
    pub async fn revoke_token(
        &self,
        actor: &Actor,
        id: &EntityId,
    ) -> Result<Record<ApiToken>, ServiceError> {
        let current = self
            .store
            .get::<ApiToken>(id)
            .await?
            .ok_or(ServiceError::NotFound {
                kind: crate::domain::kernel::EntityKind::Token,
            })?;
        if current.data.revoked_at.is_some() {
            return Ok(current);
        }
        let revoked = self
            .update::<ApiToken>(
                actor,
                id,
                Some(current.version),
                json!({"revokedAt": Utc::now()}),
            )
            .await?;
        self.tokens.forget(id);
        Ok(revoked)
    }

    /// Every token with when it was last used, oldest first.
    pub async fn tokens(&self) -> Result<Vec<TokenListing>, ServiceError> {
        let mut tokens = self.store.all_of::<ApiToken>().await?;
        tokens.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
        let mut uses = self.store.token_uses().await?;
        Ok(tokens
            .into_iter()
            .map(|token| TokenListing {
                last_used_at: uses.remove(&token.id),
                token,
            })
            .collect())
    }

    /// Makes sure an admin can get in: a token given by the operator (`ASSETGRAPH_ADMIN_TOKEN`)
    /// is registered as an admin token named `admin`; otherwise a store without any token gets
    /// one whose secret is written to `admin-token` in `data_dir`, readable by the owner only.
    pub async fn ensure_admin_token(
        &self,
        given: Option<&str>,
        data_dir: Option<&Path>,
    ) -> Result<(), ServiceError> {
        let system = Actor::system("system");
        if let Some(secret) = given {
            if !plausible_secret(secret) {
                return Err(ServiceError::BadRequest(
                    "ASSETGRAPH_ADMIN_TOKEN must be 16 to 256 printable characters without blanks"
                        .into(),
                ));
            }
            if self
                .store
                .token_by_hash(&hash_secret(secret))
                .await?
                .is_none()
            {
                let name = format!("admin-{}", &hash_secret(secret)[..8]);
                self.issue(&system, &name, Role::Admin, secret, None)
                    .await?;
                tracing::info!(
                    name,
                    "registered the admin token from ASSETGRAPH_ADMIN_TOKEN"
                );
            }
            return Ok(());
        }
        if self.store.has_tokens().await? {
            return Ok(());
        }
        let Some(dir) = data_dir else {
            tracing::warn!(
                "this store keeps no files and has no token: set ASSETGRAPH_ADMIN_TOKEN to get in"
            );
            return Ok(());
        };
        let secret = new_secret();
        let path = dir.join("admin-token");
        write_private(&path, &secret).map_err(|e| {
            ServiceError::Internal(format!("could not write {}: {e}", path.display()))
        })?;
        self.issue(&system, "admin", Role::Admin, &secret, None)
            .await?;
        tracing::info!(path = %path.display(), "created the first admin token; its secret is in this file");
        Ok(())
    }
}

fn internal(e: impl std::fmt::Display) -> ServiceError {
    ServiceError::Internal(e.to_string())
}

/// Writes `text` to a new file only its owner may read.
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    file.write_all(format!("{text}\n").as_bytes())
}
