//! Gateway tokens encrypted at rest: AES-256-GCM (the `aes-gcm` crate) under `CARD_TOKEN_KEY`,
//! a fresh random nonce per token. A sealed token is the base64 of the nonce and the ciphertext.

use std::sync::Arc;

use aes_gcm::{Aes256Gcm, KeyInit, Nonce, aead::Aead};
use anyhow::Context;
use base64::{Engine, engine::general_purpose::STANDARD};
use secrecy::{ExposeSecret, SecretString};

use super::types::GatewayToken;

/// AES-GCM's nonce length.
const NONCE_BYTES: usize = 12;

/// Seals and opens gateway tokens; without a key (cards not enabled) it can do neither.
#[derive(Clone, Default)]
pub struct TokenCipher(Option<Arc<Aes256Gcm>>);

impl TokenCipher {
    /// The cipher of `CARD_TOKEN_KEY`: 32 bytes in standard base64. The error never quotes the key.
    pub fn new(key: Option<&SecretString>) -> anyhow::Result<Self> {
        let Some(key) = key else {
            return Ok(Self(None));
        };
        let bytes = STANDARD
            .decode(key.expose_secret().trim())
            .ok()
            .filter(|bytes| bytes.len() == 32)
            .context("CARD_TOKEN_KEY must be 32 bytes in standard base64")?;
        let cipher = Aes256Gcm::new_from_slice(&bytes)
            .map_err(|_| anyhow::anyhow!("CARD_TOKEN_KEY must be 32 bytes in standard base64"))?;
        Ok(Self(Some(Arc::new(cipher))))
    }

    /// Whether a key is configured.
    pub fn is_enabled(&self) -> bool {
        self.0.is_some()
    }

    fn cipher(&self) -> anyhow::Result<&Aes256Gcm> {
        self.0.as_deref().context("CARD_TOKEN_KEY is not set")
    }

    /// `token` encrypted, as stored.
    pub fn seal(&self, token: &GatewayToken) -> anyhow::Result<String> {
        let nonce_bytes: [u8; NONCE_BYTES] = rand::random();
        let ciphertext = self
            .cipher()?
            .encrypt(Nonce::from_slice(&nonce_bytes), token.as_str().as_bytes())
            .map_err(|_| anyhow::anyhow!("encrypting a gateway token failed"))?;
        let mut sealed = nonce_bytes.to_vec();
        sealed.extend_from_slice(&ciphertext);
        Ok(STANDARD.encode(sealed))
    }

    /// The token `sealed` holds; an error for another key's or a damaged value.
    pub fn open(&self, sealed: &str) -> anyhow::Result<GatewayToken> {
        let bytes = STANDARD
            .decode(sealed)
            .context("a sealed gateway token is not base64")?;
        if bytes.len() <= NONCE_BYTES {
            anyhow::bail!("a sealed gateway token is too short");
        }
        let (nonce, ciphertext) = bytes.split_at(NONCE_BYTES);
        let plaintext = self
            .cipher()?
            .decrypt(Nonce::from_slice(nonce), ciphertext)
            .map_err(|_| anyhow::anyhow!("a gateway token does not open with CARD_TOKEN_KEY"))?;
        let token = String::from_utf8(plaintext).context("a gateway token is not UTF-8")?;
        Ok(GatewayToken::trusted(token))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cipher(key: &[u8; 32]) -> TokenCipher {
        TokenCipher::new(Some(&SecretString::from(STANDARD.encode(key)))).unwrap()
    }

    #[test]
    fn a_sealed_token_opens_with_its_key_only_and_never_shows_the_token() {
        let token = GatewayToken::trusted("fbab4cccbfddff68dca70d1e12b072bd".to_owned());

        let sealed = cipher(&[7; 32]).seal(&token).unwrap();

        assert!(!sealed.contains(token.as_str()));
        assert_eq!(
            cipher(&[7; 32]).open(&sealed).unwrap().as_str(),
            token.as_str()
        );
        assert!(cipher(&[8; 32]).open(&sealed).is_err());
        assert_ne!(
            sealed,
            cipher(&[7; 32]).seal(&token).unwrap(),
            "a fresh nonce each time"
        );
    }

    #[test]
    fn a_key_of_the_wrong_length_is_refused_without_quoting_it() {
        let short = SecretString::from(STANDARD.encode([1u8; 16]));

        let error = TokenCipher::new(Some(&short)).err().unwrap().to_string();

        assert_eq!(error, "CARD_TOKEN_KEY must be 32 bytes in standard base64");
        assert!(!TokenCipher::new(None).unwrap().is_enabled());
    }
}
