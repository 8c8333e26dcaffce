//! Placeholder until the password module lands: same API, plain argon2id.
#![allow(missing_docs)]

use argon2::{Argon2, PasswordHash, PasswordVerifier, password_hash::{PasswordHasher as _, SaltString}};
use secrecy::{ExposeSecret, SecretString};

#[derive(Debug)]
pub struct PasswordHasher;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verification { Invalid, Valid { needs_rehash: bool } }

pub struct UserAttribute<'a> { pub value: &'a str, pub verbose_name: &'static str }

impl PasswordHasher {
    pub fn new(_threads: usize) -> anyhow::Result<Self> { Ok(Self) }
    pub async fn hash(&self, password: SecretString) -> anyhow::Result<String> {
        let salt = SaltString::encode_b64(&rand::random::<[u8; 16]>()).map_err(|e| anyhow::anyhow!("{e}"))?;
        Ok(Argon2::default().hash_password(password.expose_secret().as_bytes(), &salt).map_err(|e| anyhow::anyhow!("{e}"))?.to_string())
    }
    pub async fn verify(&self, password: SecretString, stored: Option<String>) -> anyhow::Result<Verification> {
        let Some(stored) = stored else { return Ok(Verification::Invalid) };
        let Ok(hash) = PasswordHash::new(&stored) else { return Ok(Verification::Invalid) };
        Ok(if Argon2::default().verify_password(password.expose_secret().as_bytes(), &hash).is_ok() { Verification::Valid { needs_rehash: false } } else { Verification::Invalid })
    }
}

pub fn validate_password(password: &str, _similar_to: &[UserAttribute<'_>]) -> Vec<String> {
    if password.chars().count() < 8 { vec!["This password is too short. It must contain at least 8 characters.".into()] } else { vec![] }
}
