//! What the client sends (`*Form`), what it means once parsed ([`Token`]), and what this area
//! reads from its tables ([`Confirmation`]).

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use crate::{
    accounts::Email,
    http::{ApiError, lenient},
};

const REQUIRED: &str = "This field is required.";

/// Random bytes in a token: 256 bits, beyond guessing.
const TOKEN_BYTES: usize = 32;
/// Characters of a token: the bytes in unpadded URL-safe base64.
const TOKEN_CHARS: usize = 43;

/// A confirmation key or e-mail change token: random (the thread's CSPRNG), URL-safe
/// (`[A-Za-z0-9_-]`, so never a `,` the proxy would turn into `/`, nor a `/` the theme would
/// split on), mailed once and stored only as [`Token::hash`]. No `Debug`: it never reaches a log.
pub struct Token(String);

impl Token {
    /// A new random token.
    pub fn generate() -> Self {
        Self(URL_SAFE_NO_PAD.encode(rand::random::<[u8; TOKEN_BYTES]>()))
    }

    /// The token in a link, if it has the shape of one we issue; anything else cannot be one,
    /// and needs no look-up.
    pub fn parse(raw: &str) -> Option<Self> {
        let well_formed = raw.len() == TOKEN_CHARS
            && raw
                .bytes()
                .all(|byte| byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'_');
        well_formed.then(|| Self(raw.to_owned()))
    }

    /// SHA-256 hex: what the database holds and is searched by. A look-up by hash compares no
    /// secret in memory, and a stolen table gives no usable link.
    pub fn hash(&self) -> String {
        hex::encode(Sha256::digest(self.0.as_bytes()))
    }

    /// The token as it goes into a link.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// `POST /users/registration/verify-email/`.
#[derive(Deserialize, ToSchema)]
pub struct VerifyEmailForm {
    /// The key of the confirmation link.
    #[serde(default, deserialize_with = "lenient::string")]
    pub key: Option<String>,
}

impl VerifyEmailForm {
    /// The key; a missing one is a 400, a malformed one the 404 of an unknown key.
    pub fn parse(self) -> Result<Token, ApiError> {
        match self.key.as_deref().map(str::trim) {
            None | Some("") => Err(ApiError::field("key", REQUIRED)),
            Some(key) => Token::parse(key).ok_or(ApiError::NotFound),
        }
    }
}

/// `POST /users/registration/resend-email/`.
#[derive(Deserialize, ToSchema)]
pub struct ResendEmailForm {
    /// The address to mail a new link to.
    #[serde(default, deserialize_with = "lenient::string")]
    #[schema(example = "jane@example.com")]
    pub email: Option<String>,
}

impl ResendEmailForm {
    /// The address, or its field error.
    pub fn parse(self) -> Result<Email, ApiError> {
        Email::parse(self.email.as_deref().unwrap_or_default())
            .map_err(|message| ApiError::field("email", message))
    }
}

/// A live confirmation key as stored: whose, and for which address.
pub struct Confirmation {
    /// The user whose address it confirms.
    pub user_id: i64,
    /// The address it was mailed to, lower-cased.
    pub email_lower: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_url_safe_and_parse_back() {
        let (one, two) = (Token::generate(), Token::generate());

        assert_ne!(one.as_str(), two.as_str());
        assert_eq!(one.as_str().len(), TOKEN_CHARS);
        assert!(Token::parse(one.as_str()).is_some());
        assert_eq!(one.hash().len(), 64);
        assert_ne!(one.hash(), one.as_str());
    }

    #[test]
    fn anything_but_a_token_shape_is_refused_without_a_look_up() {
        let token = Token::generate();
        let longer = format!("{}a", token.as_str());
        let with_comma = format!("{},", &token.as_str()[..42]);
        let with_slash = format!("{}/", &token.as_str()[..42]);

        for bad in ["", "abc", &longer, &with_comma, &with_slash] {
            assert!(Token::parse(bad).is_none(), "{bad}");
        }
    }
}
