//! Reading the `password` column: our own argon2id PHC strings and the formats Django writes
//! (`pbkdf2_sha256$…`, `argon2$argon2id$…`, `bcrypt_sha256$$2b$…`), so customers of a shop migrated
//! from Django can still log in; the caller then replaces their hash with ours.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use secrecy::{ExposeSecret as _, SecretString};
use sha2::{Digest as _, Sha256};
use subtle::ConstantTimeEq as _;

/// What a stored password hash turned out to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum StoredHash<'a> {
    /// A PHC string starting with `$argon2`: ours, or Django's once its `argon2` prefix is removed.
    Argon2 { phc: &'a str, is_from_django: bool },
    /// Django's default: PBKDF2-HMAC-SHA256 with a 32-byte key, the key in standard base64.
    Pbkdf2Sha256 {
        iterations: u32,
        salt: &'a str,
        key_base64: &'a str,
    },
    /// Django's `BCryptSHA256PasswordHasher`: bcrypt of the lowercase hex SHA-256 of the password.
    BcryptSha256 { bcrypt: &'a str },
    /// Nothing can match: Django's unusable marker (`!…`), an empty column, or a format we do not read.
    Unusable(UnusableReason),
}

/// Why a stored hash cannot match any password; only `UnsupportedFormat` deserves a log line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum UnusableReason {
    /// Django's `set_unusable_password()` marker or an empty column: the account has no password.
    NoPassword,
    /// Not a format we know, or a known one with a malformed field.
    UnsupportedFormat,
}

/// Django's key length for `pbkdf2_sha256` (`dklen=None` means the digest size).
const PBKDF2_KEY_LEN: usize = 32;

/// Recognises the format of a stored hash without doing any of the expensive work.
pub(super) fn parse_stored_hash(stored: &str) -> StoredHash<'_> {
    if stored.is_empty() || stored.starts_with('!') {
        return StoredHash::Unusable(UnusableReason::NoPassword);
    }
    if stored.starts_with("$argon2") {
        return StoredHash::Argon2 {
            phc: stored,
            is_from_django: false,
        };
    }
    // Django writes `"argon2" + argon2_cffi_hash`, and argon2-cffi's hash already starts with `$`.
    if let Some(phc) = stored.strip_prefix("argon2")
        && phc.starts_with("$argon2")
    {
        return StoredHash::Argon2 {
            phc,
            is_from_django: true,
        };
    }
    if let Some(rest) = stored.strip_prefix("pbkdf2_sha256$") {
        return parse_pbkdf2_sha256(rest);
    }
    if let Some(bcrypt) = stored.strip_prefix("bcrypt_sha256$")
        && bcrypt.starts_with("$2")
    {
        return StoredHash::BcryptSha256 { bcrypt };
    }
    StoredHash::Unusable(UnusableReason::UnsupportedFormat)
}

/// Parses `<iterations>$<salt>$<key>`, the part after `pbkdf2_sha256$`.
fn parse_pbkdf2_sha256(rest: &str) -> StoredHash<'_> {
    let mut fields = rest.splitn(3, '$');
    let (Some(iterations), Some(salt), Some(key_base64)) =
        (fields.next(), fields.next(), fields.next())
    else {
        return StoredHash::Unusable(UnusableReason::UnsupportedFormat);
    };
    // Django re-encodes the hash and compares strings, so "01000" or "+1000" never matched there:
    // only the canonical decimal form is accepted here too. Zero iterations is an error in hashlib.
    let is_canonical = !iterations.is_empty()
        && iterations.bytes().all(|byte| byte.is_ascii_digit())
        && !iterations.starts_with('0');
    match iterations.parse::<u32>() {
        Ok(iterations) if is_canonical => StoredHash::Pbkdf2Sha256 {
            iterations,
            salt,
            key_base64,
        },
        _ => StoredHash::Unusable(UnusableReason::UnsupportedFormat),
    }
}

/// Checks a password against a `pbkdf2_sha256` hash; `None` when the stored key is not 32 bytes of
/// canonical base64 (Django could never have matched it either).
pub(super) fn verify_pbkdf2_sha256(
    password: &SecretString,
    iterations: u32,
    salt: &str,
    key_base64: &str,
) -> Option<bool> {
    let mut expected = [0_u8; PBKDF2_KEY_LEN];
    match STANDARD.decode_slice(key_base64, &mut expected) {
        Ok(PBKDF2_KEY_LEN) => {}
        _ => return None,
    }
    let mut derived = [0_u8; PBKDF2_KEY_LEN];
    pbkdf2::pbkdf2_hmac::<Sha256>(
        password.expose_secret().as_bytes(),
        salt.as_bytes(),
        iterations,
        &mut derived,
    );
    Some(derived.ct_eq(&expected).into())
}

/// Checks a password against the bcrypt part of a `bcrypt_sha256` hash; `None` when bcrypt cannot
/// read it (bad cost, salt or length).
pub(super) fn verify_bcrypt_sha256(password: &SecretString, bcrypt: &str) -> Option<bool> {
    // Django pre-hashes so passwords longer than bcrypt's 72 bytes are not truncated. The hex digest
    // is as good as the password to an attacker, so it lives in a zeroised secret.
    let prehashed = SecretString::from(hex::encode(Sha256::digest(
        password.expose_secret().as_bytes(),
    )));
    // bcrypt compares its outputs with `subtle` itself.
    bcrypt::verify(prehashed.expose_secret(), bcrypt).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unusable_or_empty_column_means_no_password() {
        for stored in ["", "!", "!Xx0s6fK1mLwLYfDJbq0pE6iBh2lq9a2iXQnA3T7"] {
            assert_eq!(
                parse_stored_hash(stored),
                StoredHash::Unusable(UnusableReason::NoPassword),
                "{stored:?}"
            );
        }
    }

    #[test]
    fn unknown_or_malformed_formats_are_unsupported() {
        for stored in [
            "md5$salt$0123",
            "sha1$salt$0123",
            "plaintext",
            "argon2",
            "argon2$",
            "bcrypt_sha256$",
            "bcrypt$$2b$12$abc",
            "pbkdf2_sha256$",
            "pbkdf2_sha256$1000$salt",
            "pbkdf2_sha256$0$salt$key",
            "pbkdf2_sha256$01000$salt$key",
            "pbkdf2_sha256$+1000$salt$key",
            "pbkdf2_sha256$99999999999$salt$key",
        ] {
            assert_eq!(
                parse_stored_hash(stored),
                StoredHash::Unusable(UnusableReason::UnsupportedFormat),
                "{stored:?}"
            );
        }
    }

    #[test]
    fn django_argon2_loses_its_prefix_and_ours_keeps_its_dollar() {
        assert_eq!(
            parse_stored_hash("argon2$argon2id$v=19$m=1,t=2,p=3$salt$hash"),
            StoredHash::Argon2 {
                phc: "$argon2id$v=19$m=1,t=2,p=3$salt$hash",
                is_from_django: true
            }
        );
        assert_eq!(
            parse_stored_hash("$argon2id$v=19$m=1,t=2,p=3$salt$hash"),
            StoredHash::Argon2 {
                phc: "$argon2id$v=19$m=1,t=2,p=3$salt$hash",
                is_from_django: false
            }
        );
    }

    #[test]
    fn pbkdf2_fields_are_split_like_django_does() {
        assert_eq!(
            parse_stored_hash("pbkdf2_sha256$1000$abc$a2V5$with$dollars"),
            StoredHash::Pbkdf2Sha256 {
                iterations: 1000,
                salt: "abc",
                key_base64: "a2V5$with$dollars"
            }
        );
    }

    #[test]
    fn a_pbkdf2_key_that_is_not_32_bytes_of_canonical_base64_cannot_match() {
        let password = SecretString::from("x");
        assert_eq!(verify_pbkdf2_sha256(&password, 1, "salt", "a2V5"), None);
        assert_eq!(
            verify_pbkdf2_sha256(&password, 1, "salt", "not base64!"),
            None
        );
    }

    #[test]
    fn bcrypt_garbage_cannot_match() {
        let password = SecretString::from("x");
        assert_eq!(verify_bcrypt_sha256(&password, "$2b$99$nonsense"), None);
    }
}
