//! The registration form and what it means once parsed (`NewCustomer`).

use chrono::NaiveDate;
use phonenumber::country::Id;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;

use super::{Email, Gender, PhoneNumber, REQUIRED, form};
use crate::{
    accounts::passwords::{UserAttribute, validate_password},
    http::{ApiError, FieldErrors, lenient},
    otp::OtpCode,
};

/// The registration form (all values may arrive as strings).
#[derive(Deserialize, ToSchema)]
pub struct RegistrationForm {
    /// E-mail address; unique case-insensitively.
    #[serde(default, deserialize_with = "lenient::string")]
    #[schema(example = "jane@example.com")]
    pub email: Option<String>,
    /// Password, checked by Django's four default validators.
    #[serde(default, deserialize_with = "lenient::string")]
    pub password: Option<String>,
    /// allauth-style alias of `password`.
    #[serde(default, deserialize_with = "lenient::string")]
    pub password1: Option<String>,
    /// Repeat of `password1`; must match it.
    #[serde(default, deserialize_with = "lenient::string")]
    pub password2: Option<String>,
    /// Given name, at most 150 characters.
    #[serde(default, deserialize_with = "lenient::string")]
    pub first_name: Option<String>,
    /// Family name, at most 150 characters.
    #[serde(default, deserialize_with = "lenient::string")]
    pub last_name: Option<String>,
    /// Phone number, national (`0532 123 45 67`) or with its country code (`+44 20 7123 4567`).
    #[serde(default, deserialize_with = "lenient::string")]
    pub phone: Option<String>,
    /// `female`, `male`, `none` or empty.
    #[serde(default, deserialize_with = "lenient::string")]
    pub gender: Option<String>,
    /// `YYYY-MM-DD`, not in the future.
    #[serde(default, deserialize_with = "lenient::string")]
    pub date_of_birth: Option<String>,
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
    /// Terms accepted; kept in `attributes.confirm`.
    #[serde(default, deserialize_with = "lenient::boolean")]
    pub confirm: Option<bool>,
    /// Personal-data consent; kept in `attributes.kvkk_confirm`.
    #[serde(default, deserialize_with = "lenient::boolean")]
    pub kvkk_confirm: Option<bool>,
    /// The code sent by SMS, in the second step of a registration with `REGISTRATION_OTP`.
    #[serde(default, deserialize_with = "lenient::string")]
    #[schema(example = "123456")]
    pub code: Option<String>,
}

/// A registration that passed every check except the password validators and uniqueness.
pub struct NewCustomer {
    /// E-mail address.
    pub email: Email,
    /// Password as typed.
    pub password: SecretString,
    /// Given name.
    pub first_name: String,
    /// Family name.
    pub last_name: String,
    /// Phone number.
    pub phone: Option<PhoneNumber>,
    /// Gender.
    pub gender: Option<Gender>,
    /// Date of birth.
    pub date_of_birth: Option<NaiveDate>,
    /// Marketing e-mail consent.
    pub email_allowed: bool,
    /// Marketing SMS consent.
    pub sms_allowed: bool,
    /// Marketing call consent.
    pub call_allowed: Option<bool>,
    /// Marketing WhatsApp consent.
    pub whatsapp_allowed: Option<bool>,
    /// Free-form attributes.
    pub attributes: Map<String, Value>,
    /// The SMS code of a registration's second step (auth.md §4.3), if sent.
    pub otp_code: Option<OtpCode>,
    /// `phone`, once a code sent to it was entered.
    pub verified_phone: Option<PhoneNumber>,
}

impl RegistrationForm {
    /// Parses the form, collecting every field error (password rules included).
    /// Phone numbers without a country code are read as numbers of `phone_region`; a phone is
    /// required when `phone_required` (registration with SMS verification).
    pub fn parse(
        self,
        today: NaiveDate,
        phone_region: Id,
        phone_required: bool,
    ) -> Result<NewCustomer, ApiError> {
        let mut errors = FieldErrors::default();
        let email = errors.check("email", Email::parse(&self.email.unwrap_or_default()));
        let (password_field, raw_password) =
            password_and_field(self.password, self.password1, self.password2, &mut errors);
        let password = errors.check(password_field, form::parse_password(raw_password));
        let first_name = errors.check("first_name", form::parse_name(self.first_name));
        let last_name = errors.check("last_name", form::parse_name(self.last_name));
        let phone = match self.phone.as_deref().map(str::trim) {
            None | Some("") if phone_required => {
                errors.add("phone", REQUIRED);
                None
            }
            None | Some("") => Some(None),
            Some(raw) => errors.check("phone", PhoneNumber::parse(raw, phone_region).map(Some)),
        };
        let gender = errors.check(
            "gender",
            Gender::parse(self.gender.as_deref().unwrap_or_default()),
        );
        let date_of_birth = errors.check(
            "date_of_birth",
            form::parse_date_of_birth(self.date_of_birth.as_deref().unwrap_or_default(), today),
        );
        let (Some(email), Some(password), Some(first_name), Some(last_name)) =
            (email, password, first_name, last_name)
        else {
            return Err(ApiError::Validation(errors));
        };
        for message in password_rule_errors(&password, &email, &first_name, &last_name) {
            errors.add(password_field, message);
        }
        let (Some(phone), Some(gender), Some(date_of_birth)) = (phone, gender, date_of_birth)
        else {
            return Err(ApiError::Validation(errors));
        };
        let attributes = attributes(self.confirm, self.kvkk_confirm);
        errors.into_result(|| NewCustomer {
            email,
            password,
            first_name,
            last_name,
            phone,
            gender,
            date_of_birth,
            email_allowed: self.email_allowed.unwrap_or(false),
            sms_allowed: self.sms_allowed.unwrap_or(false),
            call_allowed: self.call_allowed,
            whatsapp_allowed: self.whatsapp_allowed,
            attributes,
            otp_code: OtpCode::parse(self.code.as_deref()),
            verified_phone: None,
        })
    }
}

/// Which field carries the password: `password`, or allauth's `password1` (which `password2`
/// must repeat).
fn password_and_field(
    password: Option<String>,
    password1: Option<String>,
    password2: Option<String>,
    errors: &mut FieldErrors,
) -> (&'static str, Option<String>) {
    match (password, password1) {
        (Some(password), _) => ("password", Some(password)),
        (None, Some(password1)) => {
            if password2.as_deref() != Some(password1.as_str()) {
                errors.add("password2", "The two password fields didn't match.");
            }
            ("password1", Some(password1))
        }
        (None, None) => ("password", None),
    }
}

/// Django's password validators, the similarity one comparing with the customer's own details
/// (registration and password change).
pub(super) fn password_rule_errors(
    password: &SecretString,
    email: &Email,
    first_name: &str,
    last_name: &str,
) -> Vec<String> {
    let similar_to = [
        UserAttribute {
            value: email.as_ref(),
            verbose_name: "email address",
        },
        UserAttribute {
            value: first_name,
            verbose_name: "first name",
        },
        UserAttribute {
            value: last_name,
            verbose_name: "last name",
        },
    ];
    validate_password(password.expose_secret(), &similar_to)
}

/// What the account keeps in `attributes`: the register client type and the consents sent.
fn attributes(confirm: Option<bool>, kvkk_confirm: Option<bool>) -> Map<String, Value> {
    let mut attributes = Map::new();
    attributes.insert("register_client_type".to_owned(), Value::from("default"));
    for (name, value) in [("confirm", confirm), ("kvkk_confirm", kvkk_confirm)] {
        if let Some(value) = value {
            attributes.insert(name.to_owned(), Value::Bool(value));
        }
    }
    attributes
}
