//! Session keys. Hand-written because no session crate fits: tower-sessions' base64url ids contain
//! `-`, which the client's `osessionid=\w+` parse truncates. Keys here are Django's format, 32
//! characters of `[a-z0-9]` (~165 bits) from the thread-local CSPRNG; stores see only their hash.

use rand::Rng;
use sha2::{Digest, Sha256};

const ALPHABET: &[u8; 36] = b"abcdefghijklmnopqrstuvwxyz0123456789";
const LENGTH: usize = 32;

/// A session key as carried in the cookie. Never logged, never stored.
#[derive(Clone, PartialEq, Eq)]
pub struct SessionKey(String);

impl SessionKey {
    /// A new random key.
    pub fn generate() -> Self {
        let mut rng = rand::rng();
        Self(
            (0..LENGTH)
                .map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]))
                .collect(),
        )
    }

    /// The key from a cookie value, if it has the right format (anything else is "no session").
    pub fn parse(value: &str) -> Option<Self> {
        let well_formed = value.len() == LENGTH
            && value
                .bytes()
                .all(|byte| byte.is_ascii_lowercase() || byte.is_ascii_digit());
        well_formed.then(|| Self(value.to_owned()))
    }

    /// The key's text, for the `Set-Cookie` header only.
    pub fn as_cookie_value(&self) -> &str {
        &self.0
    }

    /// The id a store keeps the session under: SHA-256 of the key, in hex. A fast hash is enough
    /// because keys are long random values, not guessable passwords.
    pub fn storage_id(&self) -> StorageId {
        // Into a buffer: `hex::encode` pushes one char at a time, on every request with a cookie.
        // A SHA-256 digest fills the 64 hex digits exactly, so the encoding cannot fail.
        let mut hex = [0u8; 64];
        let _ = hex::encode_to_slice(Sha256::digest(self.0.as_bytes()), &mut hex);
        StorageId(String::from_utf8_lossy(&hex).into_owned())
    }
}

impl std::fmt::Debug for SessionKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SessionKey([redacted])")
    }
}

/// The hash of a session key: what stores and caches are keyed by. A column type too, for an area
/// that keeps the ids of its sessions (64 hex characters).
#[derive(Clone, Debug, PartialEq, Eq, Hash, sea_orm::DeriveValueType)]
pub struct StorageId(String);

impl AsRef<str> for StorageId {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn generated_keys_have_djangos_format_and_differ() {
        let (a, b) = (SessionKey::generate(), SessionKey::generate());
        assert!(SessionKey::parse(a.as_cookie_value()).is_some());
        assert_eq!(a.as_cookie_value().len(), 32);
        assert_ne!(a, b);
    }

    #[test]
    fn malformed_keys_are_refused() {
        for bad in [
            "",
            "short",
            "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345",
            "abcdefghijklmnopqrstuvwxyz01234-",
            "undefined",
        ] {
            assert!(SessionKey::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn the_storage_id_is_a_hash_not_the_key() {
        let key = SessionKey::generate();
        let id = key.storage_id();
        assert_eq!(id.as_ref().len(), 64);
        assert!(!id.as_ref().contains(key.as_cookie_value()));
    }

    proptest! {
        #[test]
        fn every_word_of_the_alphabet_parses(key in "[a-z0-9]{32}") {
            prop_assert!(SessionKey::parse(&key).is_some());
        }
    }
}
