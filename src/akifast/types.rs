//! `POST /users/permissions/`'s form and the consents it carries.

use serde::Deserialize;
use utoipa::ToSchema;

use crate::{
    accounts::consents::{Consent, ConsentChange},
    http::{ApiError, FieldErrors, lenient},
};

/// `POST /users/permissions/` (cards.md §6).
#[derive(Deserialize, ToSchema)]
pub struct PermissionsForm {
    /// The Akifast guest's id, a UUID.
    #[serde(default, deserialize_with = "lenient::string")]
    #[schema(example = "8f1c2a8e-3c1b-4b7e-9d0a-2f6f1e0c9b11")]
    pub uid: Option<String>,
    /// The basket's pk.
    #[serde(default, deserialize_with = "lenient::integer")]
    pub basket: Option<i64>,
    /// Marketing e-mail consent.
    #[serde(default, deserialize_with = "lenient::boolean")]
    pub email_allowed: Option<bool>,
    /// Marketing SMS consent.
    #[serde(default, deserialize_with = "lenient::boolean")]
    pub sms_allowed: Option<bool>,
    /// Marketing call consent.
    #[serde(default, deserialize_with = "lenient::boolean")]
    pub call_allowed: Option<bool>,
    /// Marketing WhatsApp consent.
    #[serde(default, deserialize_with = "lenient::boolean")]
    pub whatsapp_allowed: Option<bool>,
}

/// The consents of one guest for one basket; those not said are `None`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Permissions {
    /// Marketing e-mail.
    pub email_allowed: Option<bool>,
    /// Marketing SMS.
    pub sms_allowed: Option<bool>,
    /// Marketing calls.
    pub call_allowed: Option<bool>,
    /// Marketing WhatsApp messages.
    pub whatsapp_allowed: Option<bool>,
}

impl Permissions {
    /// The consents said, as changes to apply.
    pub fn changes(&self) -> Vec<ConsentChange> {
        [
            (Consent::EmailAllowed, self.email_allowed),
            (Consent::SmsAllowed, self.sms_allowed),
            (Consent::CallAllowed, self.call_allowed),
            (Consent::WhatsappAllowed, self.whatsapp_allowed),
        ]
        .into_iter()
        .filter_map(|(consent, value)| value.map(|value| ConsentChange { consent, value }))
        .collect()
    }
}

/// A parsed `POST /users/permissions/`.
pub struct NewPermissions {
    /// The guest's UUID, lower-case and hyphenated.
    pub uid: String,
    /// The basket's pk.
    pub basket: i64,
    /// The consents.
    pub permissions: Permissions,
}

impl PermissionsForm {
    /// Parses the form, collecting every field error.
    pub fn parse(self) -> Result<NewPermissions, ApiError> {
        let mut errors = FieldErrors::default();
        let uid = errors.check(
            "uid",
            match self.uid {
                None => Err("This field is required.".to_owned()),
                // DRF's UUIDField spellings: hyphenated, plain hex, braced, `urn:uuid:`.
                Some(raw) => uuid::Uuid::try_parse(raw.trim())
                    .map(|uid| uid.hyphenated().to_string())
                    .map_err(|_| "Must be a valid UUID.".to_owned()),
            },
        );
        let basket = errors.check(
            "basket",
            match self.basket {
                None => Err("This field is required.".to_owned()),
                Some(basket) if basket < 1 => Err("Enter a valid basket.".to_owned()),
                Some(basket) => Ok(basket),
            },
        );
        let permissions = Permissions {
            email_allowed: self.email_allowed,
            sms_allowed: self.sms_allowed,
            call_allowed: self.call_allowed,
            whatsapp_allowed: self.whatsapp_allowed,
        };
        match (uid, basket) {
            (Some(uid), Some(basket)) if errors.is_empty() => Ok(NewPermissions {
                uid,
                basket,
                permissions,
            }),
            _ => Err(ApiError::Validation(errors)),
        }
    }
}
