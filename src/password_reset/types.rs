//! What the client sends (`*Form`), the parts of a reset link (`uidb64` and the token), and a
//! stored token as the area reads it.

use std::time::Duration;

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use utoipa::ToSchema;

use crate::{
    accounts::{Customer, Email, NewPassword},
    http::{ApiError, FieldErrors, lenient},
};

/// `POST /users/password/reset/`.
#[derive(Deserialize, ToSchema)]
pub struct PasswordResetForm {
    /// The account's e-mail address, matched case-insensitively.
    #[serde(default, deserialize_with = "lenient::string")]
    #[schema(example = "jane@example.com")]
    pub email: Option<String>,
}

impl PasswordResetForm {
    /// The address, or its field error.
    pub fn parse(self) -> Result<Email, ApiError> {
        Email::parse(&self.email.unwrap_or_default())
            .map_err(|message| ApiError::field("email", message))
    }
}

/// `POST /users/password/reset/confirm/` (dj-rest-auth's form): the link's parts in the body.
#[derive(Deserialize, ToSchema)]
pub struct PasswordResetConfirmForm {
    /// The link's `uidb64`.
    #[serde(default, deserialize_with = "lenient::string")]
    #[schema(example = "MQ")]
    pub uid: Option<String>,
    /// The link's token.
    #[serde(default, deserialize_with = "lenient::string")]
    pub token: Option<String>,
    /// The new password.
    #[serde(default, deserialize_with = "lenient::string")]
    pub new_password1: Option<String>,
    /// The new password again.
    #[serde(default, deserialize_with = "lenient::string")]
    pub new_password2: Option<String>,
}

impl PasswordResetConfirmForm {
    /// The link and the new password, or every "required" error at once.
    pub fn parse(self) -> Result<(ResetLink, NewPassword), ApiError> {
        const REQUIRED: &str = "This field is required.";
        let mut errors = FieldErrors::default();
        let present = |value: Option<String>| value.filter(|value| !value.is_empty());
        let uid = errors.check("uid", present(self.uid).ok_or(REQUIRED.to_owned()));
        let token = errors.check("token", present(self.token).ok_or(REQUIRED.to_owned()));
        let new_password = NewPassword::check(&mut errors, self.new_password1, self.new_password2);
        match (uid, token, new_password) {
            (Some(uid), Some(token), Some(new_password)) => {
                Ok((ResetLink::parse(&uid, &token), new_password))
            }
            _ => Err(ApiError::Validation(errors)),
        }
    }
}

/// A reset link's two parts, as far as their form goes; whether they name a customer and the
/// token outstanding for that customer is for the database to say.
pub struct ResetLink {
    /// The customer's pk, when `uidb64` decodes to one.
    pub customer_id: Option<i64>,
    /// The token, when it has a token's form.
    pub token: Option<ResetToken>,
}

impl ResetLink {
    /// Reads `uidb64` and `token` as they arrive in the path or the body.
    pub fn parse(uidb64: &str, token: &str) -> Self {
        Self {
            customer_id: decode_uid(uidb64),
            token: ResetToken::parse(token),
        }
    }

    /// The link's path for customer `id` and `token` (Django's route, which the client builds
    /// its page from): `/users/reset/{uidb64}/{token}/`.
    pub fn path(id: i64, token: &ResetToken) -> String {
        format!("/users/reset/{}/{}/", encode_uid(id), token.0)
    }
}

/// The `uidb64` of customer `id`: URL-safe base64, unpadded, of the decimal pk (1 → `MQ`), as
/// Django writes it.
pub fn encode_uid(id: i64) -> String {
    URL_SAFE_NO_PAD.encode(id.to_string())
}

/// The pk a `uidb64` stands for; padding is tolerated, as Django's decoder does.
fn decode_uid(uidb64: &str) -> Option<i64> {
    let bytes = URL_SAFE_NO_PAD
        .decode(uidb64.trim().trim_end_matches('='))
        .ok()?;
    let decimal = std::str::from_utf8(&bytes).ok()?;
    decimal
        .parse::<i64>()
        .ok()
        .filter(|id| *id > 0 && decimal.bytes().all(|byte| byte.is_ascii_digit()))
}

/// A reset token: `<issue time in base36>-<160 random bits in hex>`, Django's shape. Only
/// lower-case letters, digits and one `-`, so it survives a URL path untouched (no `,` or `/`,
/// which the proxy would rewrite). The random part alone is the secret; the time only makes
/// tokens of different days look different, as Django's do. Never logged.
pub struct ResetToken(String);

/// Random bytes in a token.
const RANDOM_BYTES: usize = 20;

impl ResetToken {
    /// A new token issued at `now`, from the thread-local CSPRNG.
    pub fn generate(now: DateTime<Utc>) -> Self {
        let seconds = u64::try_from(now.timestamp()).unwrap_or_default();
        let random: [u8; RANDOM_BYTES] = rand::random();
        Self(format!("{}-{}", base36(seconds), hex::encode(random)))
    }

    /// A token of the right form; `None` for anything else (a tampered or truncated link).
    pub fn parse(text: &str) -> Option<Self> {
        let (time, random) = text.split_once('-')?;
        let time_ok = (1..=13).contains(&time.len())
            && time
                .bytes()
                .all(|byte| byte.is_ascii_digit() || byte.is_ascii_lowercase());
        let random_ok = random.len() == 2 * RANDOM_BYTES
            && random
                .bytes()
                .all(|byte| byte.is_ascii_digit() || (b'a'..=b'f').contains(&byte));
        (time_ok && random_ok).then(|| Self(text.to_owned()))
    }

    /// What the database keeps of it: SHA-256, hex. A fast hash suffices for 160 random bits.
    pub fn hash(&self) -> String {
        hex::encode(Sha256::digest(self.0.as_bytes()))
    }
}

fn base36(mut value: u64) -> String {
    const DIGITS: &[u8; 36] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let mut digits = Vec::new();
    loop {
        digits.push(DIGITS[(value % 36) as usize]);
        value /= 36;
        if value == 0 {
            break;
        }
    }
    digits.reverse();
    String::from_utf8_lossy(&digits).into_owned()
}

/// What an account is, as far as a reset token depends on it: SHA-256 of its password (through
/// the session auth hash, itself derived from the password hash), its last login and its
/// e-mail address. A password change, a login or an e-mail change alters it, and so voids
/// every token issued before (Django's `_make_hash_value` idea, without a secret key: the value
/// is only compared, never sent).
pub fn account_fingerprint(customer: &Customer) -> String {
    let last_login = customer
        .last_login
        .map_or_else(String::new, |at| at.timestamp_micros().to_string());
    hex::encode(Sha256::digest(format!(
        "storefront.password-reset:{}:{last_login}:{}",
        customer.session_auth_hash(),
        customer.email.lowercase()
    )))
}

/// A customer's outstanding reset token, as stored.
pub struct StoredToken {
    /// SHA-256 of the token, hex.
    pub token_hash: String,
    /// [`account_fingerprint`] at issue.
    pub account_fingerprint: String,
    /// When it was issued.
    pub issued_at: DateTime<Utc>,
}

impl StoredToken {
    /// Whether `token` is this one, and still good for `customer` at `now`: not older than
    /// `timeout`, the account unchanged since issue and still active. Secrets are compared in
    /// constant time.
    pub fn accepts(
        &self,
        token: &ResetToken,
        customer: &Customer,
        now: DateTime<Utc>,
        timeout: Duration,
    ) -> bool {
        let same_token = self.token_hash.as_bytes().ct_eq(token.hash().as_bytes());
        let same_account = self
            .account_fingerprint
            .as_bytes()
            .ct_eq(account_fingerprint(customer).as_bytes());
        let fresh = chrono::Duration::from_std(timeout)
            .ok()
            .and_then(|timeout| self.issued_at.checked_add_signed(timeout))
            .is_none_or(|expires_at| now < expires_at);
        bool::from(same_token & same_account) && fresh && customer.is_active
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn uids_are_djangos_base64_of_the_decimal_pk() {
        assert_eq!(encode_uid(1), "MQ");
        assert_eq!(encode_uid(42), "NDI");
        assert_eq!(decode_uid("NDI"), Some(42));
        assert_eq!(decode_uid("NDI="), Some(42));
        for bad in ["", "!!", "LTE", "MA", "YWJj", "KzE"] {
            assert_eq!(decode_uid(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_token_is_the_time_in_base36_and_random_hex() {
        let now = DateTime::from_timestamp(1_700_000_000, 0).unwrap();

        let token = ResetToken::generate(now);

        let (time, random) = token.0.split_once('-').unwrap();
        assert_eq!(time, "s44we8");
        assert_eq!(random.len(), 40);
        assert!(ResetToken::parse(&token.0).is_some());
        assert_ne!(token.0, ResetToken::generate(now).0);
        assert_eq!(token.hash().len(), 64);
    }

    #[test]
    fn malformed_tokens_are_refused() {
        let random = "0123456789abcdef0123456789abcdef01234567";
        assert!(ResetToken::parse(&format!("s4ewcw-{random}")).is_some());
        for bad in [
            String::new(),
            random.to_owned(),
            format!("-{random}"),
            format!("S4EWCW-{random}"),
            format!("s4ewcw-{}", &random[1..]),
            format!("s4ewcw-{}G", &random[1..]),
            format!("s4/ewcw-{random}"),
        ] {
            assert!(ResetToken::parse(&bad).is_none(), "{bad}");
        }
    }

    proptest! {
        #[test]
        fn every_pk_round_trips_and_its_uid_is_url_safe(id in 1..i64::MAX) {
            let uid = encode_uid(id);
            prop_assert!(uid.bytes().all(|byte| byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'_'));
            prop_assert_eq!(decode_uid(&uid), Some(id));
        }
    }
}
