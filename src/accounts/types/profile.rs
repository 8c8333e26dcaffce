//! The profile form and its parsed, partial change (`ProfileChange`).

use chrono::NaiveDate;
use phonenumber::country::Id;
use serde::Deserialize;
use serde_json::Value;
use utoipa::ToSchema;

use super::{AttributesChange, Gender, LanguageCode, PhoneNumber, form};
use crate::{
    accounts::consents::{Consent, ConsentChange},
    http::{FieldErrors, lenient},
};

/// A partial profile update; absent keys are left alone.
#[derive(Deserialize, ToSchema)]
pub struct ProfileForm {
    /// Given name.
    #[serde(default, deserialize_with = "lenient::string")]
    pub first_name: Option<String>,
    /// Family name.
    #[serde(default, deserialize_with = "lenient::string")]
    pub last_name: Option<String>,
    /// Phone number; `""` clears it.
    #[serde(default, deserialize_with = "lenient::string")]
    pub phone: Option<String>,
    /// `YYYY-MM-DD`; `""` clears it.
    #[serde(default, deserialize_with = "lenient::string")]
    pub date_of_birth: Option<String>,
    /// `female`, `male`, `none`; `""` clears it.
    #[serde(default, deserialize_with = "lenient::string")]
    pub gender: Option<String>,
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
    /// Preferred language, e.g. `en` or `tr`.
    #[serde(default, deserialize_with = "lenient::string")]
    pub language_code: Option<String>,
    /// Shop-defined data. `PATCH` merges the top-level keys into the stored object (`null`
    /// removes a key); `PUT` replaces it. Keys are `\w+` (at most 64 characters), at most 50
    /// keys and 8 KiB of JSON. `register_client_type` is the server's and ignored; `confirm` and
    /// `kvkk_confirm` are consents: `true` or `false`, recorded in the consent history, kept by
    /// a `PUT` that leaves them out.
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub attributes: Option<Value>,
}

/// The parsed changes of a profile update: `Some` = set to this value.
#[derive(Default)]
pub struct ProfileChange {
    /// New given name.
    pub first_name: Option<String>,
    /// New family name.
    pub last_name: Option<String>,
    /// New phone (inner `None` clears it).
    pub phone: Option<Option<PhoneNumber>>,
    /// New date of birth (inner `None` clears it).
    pub date_of_birth: Option<Option<NaiveDate>>,
    /// New gender (inner `None` clears it).
    pub gender: Option<Option<Gender>>,
    /// New e-mail consent.
    pub email_allowed: Option<bool>,
    /// New SMS consent.
    pub sms_allowed: Option<bool>,
    /// New call consent.
    pub call_allowed: Option<bool>,
    /// New WhatsApp consent.
    pub whatsapp_allowed: Option<bool>,
    /// New language (inner `None` clears it).
    pub language_code: Option<Option<LanguageCode>>,
    /// A change of `attributes`.
    pub attributes: Option<AttributesChange>,
}

impl ProfileChange {
    /// The consents kept in the account's own columns that this change sets.
    pub fn column_consents(&self) -> Vec<ConsentChange> {
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

impl ProfileForm {
    /// Parses the form, collecting every field error.
    /// Phone numbers without a country code are read as numbers of `phone_region`.
    pub fn parse(
        self,
        today: NaiveDate,
        phone_region: Id,
    ) -> Result<ProfileChange, crate::http::ApiError> {
        let mut errors = FieldErrors::default();
        let change = ProfileChange {
            first_name: self
                .first_name
                .and_then(|name| errors.check("first_name", form::parse_name(Some(name)))),
            last_name: self
                .last_name
                .and_then(|name| errors.check("last_name", form::parse_name(Some(name)))),
            phone: self.phone.and_then(|raw| match raw.trim() {
                "" => Some(None),
                raw => errors.check("phone", PhoneNumber::parse(raw, phone_region).map(Some)),
            }),
            date_of_birth: self.date_of_birth.and_then(|raw| {
                errors.check("date_of_birth", form::parse_date_of_birth(&raw, today))
            }),
            gender: self
                .gender
                .and_then(|raw| errors.check("gender", Gender::parse(&raw))),
            email_allowed: self.email_allowed,
            sms_allowed: self.sms_allowed,
            call_allowed: self.call_allowed,
            whatsapp_allowed: self.whatsapp_allowed,
            language_code: self
                .language_code
                .and_then(|raw| errors.check("language_code", LanguageCode::parse(&raw))),
            attributes: self
                .attributes
                .and_then(|raw| errors.check("attributes", AttributesChange::parse(raw))),
        };
        errors.into_result(|| change)
    }
}
