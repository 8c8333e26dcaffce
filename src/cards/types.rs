//! What crosses the cards area's boundary: the forms (the customer's rename, the payment side's
//! card), the parsed values (a gateway token, the last four digits, a name) and the views.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use super::card_data::contains_card_number;
use crate::{
    accounts::wire_time,
    http::{ApiError, FieldErrors, lenient},
};

/// The longest card name (cards.md §2).
const NAME_MAX_CHARS: usize = 64;
/// The longest gateway token accepted.
const TOKEN_MAX_CHARS: usize = 255;

/// A payment gateway's token of a card: opaque, secret (never in `Debug` or logs).
#[derive(Clone, PartialEq, Eq)]
pub struct GatewayToken(String);

impl GatewayToken {
    /// A token as the payment side sends it: 1–255 printable ASCII characters, never a card
    /// number.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let token = raw.trim();
        if token.is_empty()
            || token.len() > TOKEN_MAX_CHARS
            || !token.bytes().all(|byte| byte.is_ascii_graphic())
        {
            return Err("Enter a valid token.".to_owned());
        }
        if contains_card_number(token) {
            return Err(
                "Card numbers are never stored; send the payment gateway's token.".to_owned(),
            );
        }
        Ok(Self(token.to_owned()))
    }

    /// A token read back from storage, checked when it was stored.
    pub(super) fn trusted(token: String) -> Self {
        Self(token)
    }

    /// The token itself.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// SHA-256 hex of the token: how a card is found by its token.
    pub(super) fn lookup_hash(&self) -> String {
        hex::encode(Sha256::digest(self.0.as_bytes()))
    }
}

impl std::fmt::Debug for GatewayToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("GatewayToken([redacted])")
    }
}

/// The last four digits of a card number.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LastFour(String);

impl LastFour {
    /// Exactly four digits.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let digits = raw.trim();
        if digits.len() == 4 && digits.bytes().all(|byte| byte.is_ascii_digit()) {
            Ok(Self(digits.to_owned()))
        } else {
            Err("Enter the last four digits of the card number.".to_owned())
        }
    }

    /// Digits read back from storage, checked when they were stored.
    pub(super) fn trusted(digits: String) -> Self {
        Self(digits)
    }

    /// The number as the customer sees it: `**** **** **** 1234`.
    pub fn masked(&self) -> String {
        format!("**** **** **** {}", self.0)
    }

    /// The four digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A card's label: at most 64 characters; blank is none.
fn parse_name(raw: Option<String>) -> Result<Option<String>, String> {
    let name = raw
        .map(|name| name.trim().to_owned())
        .filter(|name| !name.is_empty());
    match name {
        Some(name) if name.chars().count() > NAME_MAX_CHARS => Err(format!(
            "Ensure this field has no more than {NAME_MAX_CHARS} characters."
        )),
        name => Ok(name),
    }
}

/// A saved card as stored: the token still sealed.
#[derive(Clone, Debug)]
pub struct SavedCard {
    /// Primary key.
    pub id: i64,
    /// The owner.
    pub user_id: i64,
    /// The customer's label.
    pub name: Option<String>,
    /// The last four digits.
    pub last_four: LastFour,
    /// The gateway token, encrypted (see `cipher`).
    pub sealed_token: String,
    /// The payment gateway (POS) the token belongs to.
    pub pos: Option<i64>,
    /// When it was saved.
    pub created_date: DateTime<Utc>,
    /// When it last changed.
    pub modified_date: DateTime<Utc>,
}

/// `PATCH /users/saved-cards/{id}/`: only `name` is writable, other keys are ignored.
#[derive(Deserialize, ToSchema)]
pub struct CardNameForm {
    /// The new label (≤ 64 characters); `null` or blank removes it.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub name: Option<Option<String>>,
}

/// A field that is present, even as `null`: `Some(None)`.
fn present<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Option<String>>, D::Error> {
    lenient::string(deserializer).map(Some)
}

impl CardNameForm {
    /// The new name: `None` when the body does not name one, `Some(None)` to remove it.
    pub fn parse(self) -> Result<Option<Option<String>>, ApiError> {
        let mut errors = FieldErrors::default();
        let name = self
            .name
            .and_then(|name| errors.check("name", parse_name(name)));
        errors.into_result(|| name)
    }
}

/// `PUT /internal/customers/{customer_email}/saved-cards/{token}/`: a card the payment side
/// tokenised for the customer.
#[derive(Deserialize, ToSchema)]
pub struct InternalCardForm {
    /// The last four digits of the card number.
    #[serde(default, deserialize_with = "lenient::string")]
    #[schema(example = "1234")]
    pub last_four: Option<String>,
    /// The customer's label (≤ 64 characters), or `null`.
    #[serde(default, deserialize_with = "lenient::string")]
    pub name: Option<String>,
    /// The payment gateway (POS) the token belongs to, or `null`.
    #[serde(default, deserialize_with = "lenient::integer")]
    pub pos: Option<i64>,
}

/// A card the payment side sends, parsed.
pub struct NewCard {
    /// The last four digits.
    pub last_four: LastFour,
    /// The label.
    pub name: Option<String>,
    /// The POS.
    pub pos: Option<i64>,
}

impl InternalCardForm {
    /// Parses the form, collecting every field error.
    pub fn parse(self) -> Result<NewCard, ApiError> {
        let mut errors = FieldErrors::default();
        let last_four = errors.check(
            "last_four",
            match self.last_four {
                Some(raw) => LastFour::parse(&raw),
                None => Err("This field is required.".to_owned()),
            },
        );
        let name = errors.check("name", parse_name(self.name));
        match (last_four, name) {
            (Some(last_four), Some(name)) if errors.is_empty() => Ok(NewCard {
                last_four,
                name,
                pos: self.pos,
            }),
            _ => Err(ApiError::Validation(errors)),
        }
    }
}

/// The SavedCard object (cards.md §2), with both `id` and `pk`.
#[derive(Serialize, ToSchema)]
pub struct SavedCardView {
    id: i64,
    pk: i64,
    name: Option<String>,
    #[schema(example = "**** **** **** 4523")]
    masked_card_number: String,
    /// The gateway token, shown to the card's owner only; left out of the stored-cards list.
    #[serde(skip_serializing_if = "Option::is_none")]
    token: Option<String>,
    user: i64,
    pos: Option<i64>,
    #[schema(example = "2024-09-18T14:05:59.000043Z")]
    created_date: String,
    modified_date: String,
}

impl SavedCardView {
    /// The view of `card`, with its opened `token` when given.
    pub fn new(card: &SavedCard, token: Option<&GatewayToken>) -> Self {
        Self {
            id: card.id,
            pk: card.id,
            name: card.name.clone(),
            masked_card_number: card.last_four.masked(),
            token: token.map(|token| token.as_str().to_owned()),
            user: card.user_id,
            pos: card.pos,
            created_date: wire_time(&card.created_date),
            modified_date: wire_time(&card.modified_date),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_is_printable_and_never_a_card_number() {
        assert!(GatewayToken::parse("fbab4cccbfddff68dca70d1e12b072bd").is_ok());
        assert!(GatewayToken::parse("4111111111111111").is_err());
        assert!(GatewayToken::parse("has space").is_err());
        assert!(GatewayToken::parse("").is_err());
        assert_eq!(
            format!("{:?}", GatewayToken::parse("secret").unwrap()),
            "GatewayToken([redacted])"
        );
    }

    #[test]
    fn last_four_is_four_digits_and_masks_the_rest() {
        assert_eq!(
            LastFour::parse("4523").unwrap().masked(),
            "**** **** **** 4523"
        );
        assert!(LastFour::parse("452").is_err());
        assert!(LastFour::parse("45a3").is_err());
    }

    #[test]
    fn a_name_is_at_most_64_characters_and_blank_is_none() {
        assert_eq!(parse_name(Some("  ".into())), Ok(None));
        assert_eq!(parse_name(Some("ş".repeat(64))), Ok(Some("ş".repeat(64))));
        assert!(parse_name(Some("x".repeat(65))).is_err());
    }
}
