//! Customer passwords: hashing and verifying them (argon2id on a dedicated thread pool, plus the
//! hash formats of the Django shops we migrate) and Django's default strength validators.
//!
//! Self-contained on purpose: nothing here reaches outside this folder, so it can move as a unit.

mod django;
mod hasher;
mod validation;

pub use hasher::{PasswordHasher, Verification};
pub use validation::{UserAttribute, validate_password};

/// A stored value that no password matches (Django's convention: `!` and 40 random characters),
/// for accounts without a password (created by social login, guest checkout or import) and
/// anonymised ones. Random, so that two such accounts' session auth hashes differ.
pub fn unusable_password_hash() -> String {
    use rand::distr::{Alphanumeric, SampleString};
    format!("!{}", Alphanumeric.sample_string(&mut rand::rng(), 40))
}

/// Whether a stored hash can match some password (`false` for [`unusable_password_hash`] and an
/// empty column).
pub fn is_usable_password_hash(stored: &str) -> bool {
    !matches!(
        django::parse_stored_hash(stored),
        django::StoredHash::Unusable(django::UnusableReason::NoPassword)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unusable_hash_is_random_and_not_usable() {
        let (one, two) = (unusable_password_hash(), unusable_password_hash());

        assert_ne!(one, two);
        assert!(!is_usable_password_hash(&one));
        assert!(!is_usable_password_hash(""));
        assert!(is_usable_password_hash(
            "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA"
        ));
    }
}
