//! What the client sends (`*Form`), what it means once parsed ([`Token`], [`EmailChangeRequest`]),
//! and what this area reads from its tables ([`PendingChange`]).

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use secrecy::SecretString;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use crate::{
    accounts::Email,
    http::{ApiError, FieldErrors, error::NON_FIELD_ERRORS, lenient},
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

/// `POST /users/email-change/` as the Zero theme sends it (camelCase `emailConfirm`).
#[derive(Deserialize, ToSchema)]
pub struct EmailChangeForm {
    /// The new address.
    #[serde(default, deserialize_with = "lenient::string")]
    #[schema(example = "new@example.com")]
    pub email: Option<String>,
    /// The new address again; when sent, it must equal `email` (case-insensitively).
    #[serde(default, rename = "emailConfirm", deserialize_with = "lenient::string")]
    pub email_confirm_camel: Option<String>,
    /// Alias of `emailConfirm`.
    #[serde(default, deserialize_with = "lenient::string")]
    pub email_confirm: Option<String>,
    /// The current password.
    #[serde(default, deserialize_with = "lenient::string")]
    pub password: Option<String>,
}

/// An e-mail change whose fields are all well-formed; the password is checked next.
pub struct EmailChangeRequest {
    /// The new address.
    pub email: Email,
    /// What the customer says the current password is.
    pub password: SecretString,
}

impl EmailChangeForm {
    /// Parses the form. The theme shows only `non_field_errors`, so every message goes there
    /// (the contract's bodies); a missing field also gets a copy under its own name, since
    /// "This field is required." alone would not say which.
    pub fn parse(self) -> Result<EmailChangeRequest, ApiError> {
        let mut errors = Problems::default();
        let email = match Email::parse(self.email.as_deref().unwrap_or_default()) {
            Ok(email) => Some(email),
            Err(message) => {
                errors.report("email", message);
                None
            }
        };
        let confirmation = self
            .email_confirm_camel
            .or(self.email_confirm)
            .filter(|confirmation| !confirmation.trim().is_empty());
        if let (Some(email), Some(confirmation)) = (&email, confirmation)
            && confirmation.trim().to_lowercase() != email.lowercase()
        {
            errors.report(
                "emailConfirm",
                "The two e-mail fields didn't match.".to_owned(),
            );
        }
        let password = match self.password.filter(|password| !password.is_empty()) {
            Some(password) => Some(SecretString::from(password)),
            None => {
                errors.report("password", REQUIRED.to_owned());
                None
            }
        };
        match (email, password) {
            (Some(email), Some(password)) if errors.general.is_empty() => {
                Ok(EmailChangeRequest { email, password })
            }
            _ => Err(ApiError::Validation(errors.into_field_errors())),
        }
    }
}

/// The problems of an e-mail change form, in the contract's shape.
#[derive(Default)]
struct Problems {
    /// Every message once, for `non_field_errors`.
    general: Vec<String>,
    /// Missing fields, each also under its own name.
    missing: Vec<&'static str>,
}

impl Problems {
    fn report(&mut self, field: &'static str, message: String) {
        if message == REQUIRED {
            self.missing.push(field);
        }
        if !self.general.contains(&message) {
            self.general.push(message);
        }
    }

    fn into_field_errors(self) -> FieldErrors {
        let mut errors = FieldErrors::default();
        for field in self.missing {
            errors.add(field, REQUIRED);
        }
        for message in self.general {
            errors.add(NON_FIELD_ERRORS, message);
        }
        errors
    }
}

/// A live confirmation key as stored: whose, and for which address.
pub struct Confirmation {
    /// The user whose address it confirms.
    pub user_id: i64,
    /// The address it was mailed to, lower-cased.
    pub email_lower: String,
}

/// A requested e-mail change as stored.
pub struct PendingChange {
    /// The user who asked.
    pub user_id: i64,
    /// The address the user asked for.
    pub new_email: Email,
    /// Whether it was applied already.
    pub is_applied: bool,
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

    fn change(body: serde_json::Value) -> Result<EmailChangeRequest, serde_json::Value> {
        let form: EmailChangeForm = serde_json::from_value(body).unwrap();
        form.parse().map_err(|error| match error {
            ApiError::Validation(errors) => serde_json::json!(errors),
            other => panic!("{other:?}"),
        })
    }

    #[test]
    fn an_email_change_reports_every_problem_under_non_field_errors() {
        use serde_json::json;

        let ok = change(
            json!({"email": "New@Example.com", "emailConfirm": "new@example.com", "password": "x"}),
        );
        let alias = change(
            json!({"email": "a@example.com", "email_confirm": "b@example.com", "password": "x"}),
        );
        let empty = change(json!({}));

        assert_eq!(ok.unwrap().email.as_ref(), "New@Example.com");
        assert_eq!(
            alias.err().unwrap(),
            json!({"non_field_errors": ["The two e-mail fields didn't match."]})
        );
        assert_eq!(
            empty.err().unwrap(),
            json!({
                "email": ["This field is required."],
                "password": ["This field is required."],
                "non_field_errors": ["This field is required."],
            })
        );
    }
}
