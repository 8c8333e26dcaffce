//! A link as the area sees it (`SocialAccount`) and answers it (`SocialAccountView`), the login
//! under way kept in the session (`PendingLogin`), and what a provider tells about the visitor
//! (`Profile`).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use utoipa::ToSchema;

use super::entity;
use crate::accounts::wire_time;

/// One link between an account and a provider's subject.
#[derive(Debug, Clone)]
pub struct SocialAccount {
    /// Primary key.
    pub id: i64,
    /// The account.
    pub user_id: i64,
    /// The provider's name.
    pub provider: String,
    /// The address the provider last reported.
    pub email: String,
    /// When the link was made.
    pub linked_at: DateTime<Utc>,
}

impl From<entity::Model> for SocialAccount {
    fn from(row: entity::Model) -> Self {
        Self {
            id: row.id,
            user_id: row.user_id,
            provider: row.provider,
            email: row.email,
            linked_at: row.linked_at,
        }
    }
}

/// A link in `GET /users/social-accounts/` and the data export.
#[derive(Serialize, ToSchema)]
pub struct SocialAccountView {
    /// The id to unlink it with.
    id: i64,
    /// The provider's name.
    #[schema(example = "google")]
    provider: String,
    /// The address the provider last reported.
    #[schema(example = "jane@example.com")]
    email: String,
    /// When the link was made.
    #[schema(example = "2026-12-07T12:00:00.000000Z")]
    linked_at: String,
}

impl From<&SocialAccount> for SocialAccountView {
    fn from(link: &SocialAccount) -> Self {
        Self {
            id: link.id,
            provider: link.provider.clone(),
            email: link.email.clone(),
            linked_at: wire_time(&link.linked_at),
        }
    }
}

/// A login started at `GET /{provider}/login/`, kept in the session until its callback, which
/// uses it once. The state and the nonce are kept as SHA-256 only (they are compared, never
/// sent again); the PKCE verifier must be sent to the provider, so it is kept as is: it is
/// worthless without the code the provider gives the visitor's browser.
#[derive(Serialize, Deserialize)]
pub struct PendingLogin {
    /// The provider it was started with.
    pub provider: String,
    /// SHA-256 (hex) of the `state` sent to the provider.
    state_hash: String,
    /// SHA-256 (hex) of the OpenID Connect nonce; `None` for plain OAuth 2.
    nonce_hash: Option<String>,
    /// The PKCE code verifier.
    pub pkce_verifier: String,
}

impl PendingLogin {
    /// The login started with `provider`, `state`, `nonce` and `pkce_verifier`.
    pub fn new(provider: &str, state: &str, nonce: Option<&str>, pkce_verifier: String) -> Self {
        Self {
            provider: provider.to_owned(),
            state_hash: sha256_hex(state),
            nonce_hash: nonce.map(sha256_hex),
            pkce_verifier,
        }
    }

    /// Whether the callback's `state` is the one sent (in constant time).
    pub fn is_state(&self, state: &str) -> bool {
        same_hash(&self.state_hash, state)
    }

    /// Whether an ID token's `nonce` is the one sent (in constant time).
    pub fn is_nonce(&self, nonce: &str) -> bool {
        self.nonce_hash
            .as_ref()
            .is_some_and(|hash| same_hash(hash, nonce))
    }
}

fn sha256_hex(value: &str) -> String {
    hex::encode(Sha256::digest(value))
}

fn same_hash(hash: &str, value: &str) -> bool {
    bool::from(hash.as_bytes().ct_eq(sha256_hex(value).as_bytes()))
}

/// What a provider tells about the visitor after the callback.
#[derive(Debug, Clone)]
pub struct Profile {
    /// The provider's stable id of the person.
    pub subject: String,
    /// The address the provider gave, if any.
    pub email: Option<String>,
    /// Whether the provider asserted the address is the visitor's (OpenID Connect's
    /// `email_verified`; plain OAuth 2 asserts nothing).
    pub is_email_verified: bool,
    /// Given name, `""` when none.
    pub first_name: String,
    /// Family name, `""` when none.
    pub last_name: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_and_nonce_match_only_themselves() {
        let pending = PendingLogin::new("google", "state-1", Some("nonce-1"), "v".into());
        let oauth2 = PendingLogin::new("facebook", "state-1", None, "v".into());

        assert!(pending.is_state("state-1"));
        assert!(!pending.is_state("state-2"));
        assert!(pending.is_nonce("nonce-1"));
        assert!(!pending.is_nonce("nonce-2"));
        assert!(!oauth2.is_nonce("nonce-1"));
    }
}
