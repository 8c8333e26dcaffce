//! What the client sends (`*Form`), what it means once parsed (`NewCustomer`, `ProfileChange`,
//! `Credentials`, and the value types), and what we answer (`*View`). Input crosses the boundary
//! once: after parsing, nothing checks an `Email` or a `PhoneNumber` again.

use chrono::{DateTime, NaiveDate, Utc};
use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use super::entity;
use crate::http::{FieldErrors, lenient};

const REQUIRED: &str = "This field is required.";
const NAME_MAX_CHARS: usize = 150;
// Argon2 accepts any length, but megabyte passwords are only good for wasting our CPU.
const PASSWORD_MAX_CHARS: usize = 4096;

fn too_long(max: usize) -> String {
    format!("Ensure this field has no more than {max} characters.")
}

/// A syntactically valid e-mail address, trimmed, as the customer typed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    /// Parses an address: one `@`, a plausible local part, a dotted domain of DNS labels.
    pub fn parse(raw: &str) -> Result<Self, String> {
        const INVALID: &str = "Enter a valid email address.";
        let email = raw.trim();
        if email.is_empty() {
            return Err(REQUIRED.to_owned());
        }
        if email.chars().count() > 254 {
            return Err(too_long(254));
        }
        let (local, domain) = email.rsplit_once('@').ok_or(INVALID)?;
        let local_ok = !local.is_empty()
            && local.len() <= 64
            && !local.starts_with('.')
            && !local.ends_with('.')
            && !local.contains("..")
            && local
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+/=?^_`{|}~.-".contains(c));
        let labels: Vec<&str> = domain.split('.').collect();
        let domain_ok = labels.len() >= 2
            && labels.iter().all(|label| {
                !label.is_empty()
                    && label.len() <= 63
                    && !label.starts_with('-')
                    && !label.ends_with('-')
                    && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            })
            && labels
                .last()
                .is_some_and(|tld| tld.len() >= 2 && !tld.chars().all(|c| c.is_ascii_digit()));
        if local_ok && domain_ok {
            Ok(Self(email.to_owned()))
        } else {
            Err(INVALID.to_owned())
        }
    }

    /// The key accounts are matched on: the whole address lower-cased.
    pub fn lowercase(&self) -> String {
        self.0.to_lowercase()
    }
}

impl AsRef<str> for Email {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// A phone number: digits with an optional leading `+`, 10 to 15 digits, after removing the
/// spaces, brackets and dashes people type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhoneNumber(String);

impl PhoneNumber {
    /// Parses and normalizes a phone number.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let mut normalized = String::with_capacity(raw.len());
        normalized.extend(
            raw.chars()
                .filter(|c| !matches!(c, ' ' | '(' | ')' | '-' | '_')),
        );
        let digits = normalized.strip_prefix('+').unwrap_or(&normalized);
        if (10..=15).contains(&digits.len()) && digits.bytes().all(|byte| byte.is_ascii_digit()) {
            Ok(Self(normalized))
        } else {
            Err("Enter a valid phone number.".to_owned())
        }
    }

    /// How many digits the number has.
    pub fn digit_count(&self) -> usize {
        self.0.bytes().filter(u8::is_ascii_digit).count()
    }
}

impl AsRef<str> for PhoneNumber {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// The genders the profile offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Gender {
    /// Female.
    Female,
    /// Male.
    Male,
    /// Prefer not to say.
    None,
}

impl Gender {
    /// Every choice, in the order the profile lists them.
    pub const ALL: [Gender; 3] = [Gender::Female, Gender::Male, Gender::None];

    /// `""` means "not given"; anything else must be one of the choices.
    pub fn parse(raw: &str) -> Result<Option<Self>, String> {
        match raw.trim() {
            "" => Ok(None),
            "female" => Ok(Some(Self::Female)),
            "male" => Ok(Some(Self::Male)),
            "none" => Ok(Some(Self::None)),
            other => Err(format!("\"{other}\" is not a valid choice.")),
        }
    }

    /// The stored and wire value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Female => "female",
            Self::Male => "male",
            Self::None => "none",
        }
    }

    fn label(self) -> &'static str {
        match self {
            Self::Female => "Female",
            Self::Male => "Male",
            Self::None => "Prefer not to say",
        }
    }
}

/// Parses a `YYYY-MM-DD` date of birth that is not in the future. `""` means "not given".
pub fn parse_date_of_birth(raw: &str, today: NaiveDate) -> Result<Option<NaiveDate>, String> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    let wrong_format =
        || "Date has wrong format. Use one of these formats instead: YYYY-MM-DD.".to_owned();
    let shaped = raw.len() == 10 && raw.as_bytes()[4] == b'-' && raw.as_bytes()[7] == b'-';
    let date = NaiveDate::parse_from_str(raw, "%Y-%m-%d")
        .ok()
        .filter(|_| shaped)
        .ok_or_else(wrong_format)?;
    if date > today {
        return Err("Date of birth cannot be in the future.".to_owned());
    }
    Ok(Some(date))
}

fn parse_name(raw: Option<String>) -> Result<String, String> {
    let name = raw.unwrap_or_default().trim().to_owned();
    if name.chars().count() > NAME_MAX_CHARS {
        Err(too_long(NAME_MAX_CHARS))
    } else {
        Ok(name)
    }
}

fn parse_password(raw: Option<String>) -> Result<SecretString, String> {
    match raw {
        None => Err(REQUIRED.to_owned()),
        Some(password) if password.is_empty() => Err(REQUIRED.to_owned()),
        Some(password) if password.chars().count() > PASSWORD_MAX_CHARS => {
            Err(too_long(PASSWORD_MAX_CHARS))
        }
        Some(password) => Ok(SecretString::from(password)),
    }
}

/// The login form. next-auth adds keys of its own (`csrfToken`, `callbackUrl`, `formType`...):
/// unknown keys are ignored.
#[derive(Deserialize, ToSchema)]
pub struct LoginForm {
    /// E-mail address, matched case-insensitively.
    #[serde(default, deserialize_with = "lenient::string")]
    #[schema(example = "jane@example.com")]
    pub email: Option<String>,
    /// Alias of `email` for clients that send `username`.
    #[serde(default, deserialize_with = "lenient::string")]
    pub username: Option<String>,
    /// Password.
    #[serde(default, deserialize_with = "lenient::string")]
    #[schema(example = "S3cret!pass")]
    pub password: Option<String>,
}

/// Parsed login credentials.
pub struct Credentials {
    /// The e-mail address.
    pub email: Email,
    /// The password as typed.
    pub password: SecretString,
}

impl LoginForm {
    /// Parses the form, collecting every field error.
    pub fn parse(self) -> Result<Credentials, crate::http::ApiError> {
        let mut errors = FieldErrors::default();
        let email = errors.check(
            "email",
            Email::parse(&self.email.or(self.username).unwrap_or_default()),
        );
        let password = errors.check("password", parse_password(self.password));
        match (email, password) {
            (Some(email), Some(password)) if errors.is_empty() => {
                Ok(Credentials { email, password })
            }
            _ => Err(crate::http::ApiError::Validation(errors)),
        }
    }
}

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
    /// Phone number: 10–15 digits, optional leading `+`; spaces, brackets and dashes are removed.
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
    /// Terms accepted; kept in `attributes.confirm`.
    #[serde(default, deserialize_with = "lenient::boolean")]
    pub confirm: Option<bool>,
    /// Personal-data consent; kept in `attributes.kvkk_confirm`.
    #[serde(default, deserialize_with = "lenient::boolean")]
    pub kvkk_confirm: Option<bool>,
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
    /// Free-form attributes.
    pub attributes: Map<String, Value>,
}

impl RegistrationForm {
    /// Parses the form, collecting every field error (password rules included).
    pub fn parse(self, today: NaiveDate) -> Result<NewCustomer, crate::http::ApiError> {
        let mut errors = FieldErrors::default();
        let email = errors.check("email", Email::parse(&self.email.unwrap_or_default()));
        let (password_field, raw_password) = match (self.password, self.password1) {
            (Some(password), _) => ("password", Some(password)),
            (None, Some(password1)) => {
                if self.password2.as_deref() != Some(password1.as_str()) {
                    errors.add("password2", "The two password fields didn't match.");
                }
                ("password1", Some(password1))
            }
            (None, None) => ("password", None),
        };
        let password = errors.check(password_field, parse_password(raw_password));
        let first_name = errors.check("first_name", parse_name(self.first_name));
        let last_name = errors.check("last_name", parse_name(self.last_name));
        let phone = match self.phone.as_deref().map(str::trim) {
            None | Some("") => Some(None),
            Some(raw) => errors.check("phone", PhoneNumber::parse(raw).map(Some)),
        };
        let gender = errors.check(
            "gender",
            Gender::parse(self.gender.as_deref().unwrap_or_default()),
        );
        let date_of_birth = errors.check(
            "date_of_birth",
            parse_date_of_birth(self.date_of_birth.as_deref().unwrap_or_default(), today),
        );

        if let (Some(email), Some(password), Some(first_name), Some(last_name)) =
            (&email, &password, &first_name, &last_name)
        {
            use secrecy::ExposeSecret;
            let similar_to = [
                super::passwords::UserAttribute {
                    value: email.as_ref(),
                    verbose_name: "email address",
                },
                super::passwords::UserAttribute {
                    value: first_name,
                    verbose_name: "first name",
                },
                super::passwords::UserAttribute {
                    value: last_name,
                    verbose_name: "last name",
                },
            ];
            for message in
                super::passwords::validate_password(password.expose_secret(), &similar_to)
            {
                errors.add(password_field, message);
            }
        }
        let mut attributes = Map::new();
        attributes.insert("register_client_type".to_owned(), Value::from("default"));
        for (name, value) in [
            ("confirm", self.confirm),
            ("kvkk_confirm", self.kvkk_confirm),
        ] {
            if let Some(value) = value {
                attributes.insert(name.to_owned(), Value::Bool(value));
            }
        }
        match (
            email,
            password,
            first_name,
            last_name,
            phone,
            gender,
            date_of_birth,
        ) {
            (
                Some(email),
                Some(password),
                Some(first_name),
                Some(last_name),
                Some(phone),
                Some(gender),
                Some(date_of_birth),
            ) if errors.is_empty() => Ok(NewCustomer {
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
                attributes,
            }),
            _ => Err(crate::http::ApiError::Validation(errors)),
        }
    }
}

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
    /// Preferred language, e.g. `en` or `tr`.
    #[serde(default, deserialize_with = "lenient::string")]
    pub language_code: Option<String>,
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
    /// New language (inner `None` clears it).
    pub language_code: Option<Option<String>>,
}

impl ProfileForm {
    /// Parses the form, collecting every field error.
    pub fn parse(self, today: NaiveDate) -> Result<ProfileChange, crate::http::ApiError> {
        let mut errors = FieldErrors::default();
        let change = ProfileChange {
            first_name: self
                .first_name
                .and_then(|name| errors.check("first_name", parse_name(Some(name)))),
            last_name: self
                .last_name
                .and_then(|name| errors.check("last_name", parse_name(Some(name)))),
            phone: self.phone.and_then(|raw| match raw.trim() {
                "" => Some(None),
                raw => errors.check("phone", PhoneNumber::parse(raw).map(Some)),
            }),
            date_of_birth: self
                .date_of_birth
                .and_then(|raw| errors.check("date_of_birth", parse_date_of_birth(&raw, today))),
            gender: self
                .gender
                .and_then(|raw| errors.check("gender", Gender::parse(&raw))),
            email_allowed: self.email_allowed,
            sms_allowed: self.sms_allowed,
            call_allowed: self.call_allowed,
            language_code: self.language_code.and_then(|raw| {
                let code = raw.trim().to_ascii_lowercase();
                let valid =
                    code.len() <= 16 && code.chars().all(|c| c.is_ascii_alphabetic() || c == '-');
                let result = if valid {
                    Ok((!code.is_empty()).then_some(code))
                } else {
                    Err("Enter a valid language code.".to_owned())
                };
                errors.check("language_code", result)
            }),
        };
        errors.into_result(|| change)
    }
}

/// A customer account as the rest of the server sees it.
#[derive(Debug, Clone)]
pub struct Customer {
    /// Primary key.
    pub id: i64,
    /// Opaque public name.
    pub username: String,
    /// E-mail address as typed.
    pub email: String,
    /// Given name.
    pub first_name: String,
    /// Family name.
    pub last_name: String,
    /// Phone number.
    pub phone: Option<String>,
    /// Gender.
    pub gender: Option<String>,
    /// Date of birth.
    pub date_of_birth: Option<NaiveDate>,
    /// Marketing e-mail consent.
    pub email_allowed: bool,
    /// Marketing SMS consent.
    pub sms_allowed: bool,
    /// Marketing call consent.
    pub call_allowed: Option<bool>,
    /// Whether the account may log in.
    pub is_active: bool,
    /// `registered`.
    pub user_type: String,
    /// Preferred language.
    pub language_code: Option<String>,
    /// Free-form attributes.
    pub attributes: Value,
    /// Account creation time.
    pub date_joined: DateTime<Utc>,
    /// Latest login.
    pub last_login: Option<DateTime<Utc>>,
    /// Latest change.
    pub modified_date: DateTime<Utc>,
    pub(super) password_hash: String,
    version: i64,
    /// Derived once per load: read on every authenticated request.
    session_auth_hash: String,
    hashed_email: String,
    /// `GET /current_user/` rendered once per load: the hottest authenticated read.
    current_user_json: std::sync::OnceLock<bytes::Bytes>,
}

impl From<entity::Model> for Customer {
    fn from(row: entity::Model) -> Self {
        let hashed_email = hex::encode(Sha256::digest(row.email.trim().to_lowercase()));
        Self {
            id: row.id,
            username: row.username,
            email: row.email,
            first_name: row.first_name,
            last_name: row.last_name,
            phone: row.phone,
            gender: row.gender,
            date_of_birth: row.date_of_birth,
            email_allowed: row.email_allowed,
            sms_allowed: row.sms_allowed,
            call_allowed: row.call_allowed,
            is_active: row.is_active,
            user_type: row.user_type,
            language_code: row.language_code,
            attributes: row.attributes,
            date_joined: row.date_joined,
            last_login: row.last_login,
            modified_date: row.modified_date,
            session_auth_hash: session_auth_hash(&row.password),
            hashed_email,
            current_user_json: std::sync::OnceLock::new(),
            password_hash: row.password,
            version: row.version,
        }
    }
}

/// Django's session auth hash idea: a value derived from the password hash, kept in the session
/// at login, so that a password change ends the other sessions. A hash of the hash reveals
/// nothing usable.
fn session_auth_hash(password_hash: &str) -> String {
    hex::encode(Sha256::digest(format!(
        "storefront.session-auth:{password_hash}"
    )))
}

impl Customer {
    /// The password-derived value a session keeps (see [`session_auth_hash`]).
    pub fn session_auth_hash(&self) -> &str {
        &self.session_auth_hash
    }

    /// The `GET /current_user/` body, serialized on first use.
    pub fn current_user_json(&self) -> bytes::Bytes {
        self.current_user_json
            .get_or_init(|| {
                serde_json::to_vec(&CurrentUserView::from(self))
                    .unwrap_or_default()
                    .into()
            })
            .clone()
    }

    /// The row's version: raised by every update (see [`super::CustomerCache`]).
    pub fn version(&self) -> i64 {
        self.version
    }
}

/// Date-times on the wire: ISO 8601 UTC with microseconds and `Z`.
fn wire_time(time: &DateTime<Utc>) -> String {
    time.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

/// `GET /current_user/`: what the client copies into its own login state.
#[derive(Serialize, ToSchema)]
pub struct CurrentUserView {
    pk: i64,
    username: String,
    email: String,
    first_name: String,
    last_name: String,
    phone: Option<String>,
    email_allowed: bool,
    sms_allowed: bool,
    call_allowed: Option<bool>,
    #[schema(example = "2022-07-01T11:46:01.970233Z")]
    date_joined: String,
    last_login: Option<String>,
    #[schema(value_type = Option<String>, example = "1998-03-09")]
    date_of_birth: Option<NaiveDate>,
    gender: Option<String>,
    /// Lowercase hex SHA-256 of the trimmed, lower-cased e-mail (for analytics).
    hashed_email: String,
    is_active: bool,
    user_type: String,
    #[schema(value_type = Object)]
    attributes: Value,
}

impl From<&Customer> for CurrentUserView {
    fn from(customer: &Customer) -> Self {
        Self {
            pk: customer.id,
            username: customer.username.clone(),
            email: customer.email.clone(),
            first_name: customer.first_name.clone(),
            last_name: customer.last_name.clone(),
            phone: customer.phone.clone(),
            email_allowed: customer.email_allowed,
            sms_allowed: customer.sms_allowed,
            call_allowed: customer.call_allowed,
            date_joined: wire_time(&customer.date_joined),
            last_login: customer.last_login.as_ref().map(wire_time),
            date_of_birth: customer.date_of_birth,
            gender: customer.gender.clone(),
            hashed_email: customer.hashed_email.clone(),
            is_active: customer.is_active,
            user_type: customer.user_type.clone(),
            attributes: customer.attributes.clone(),
        }
    }
}

/// One choice of a select field.
#[derive(Serialize, ToSchema)]
pub struct ChoiceView {
    value: &'static str,
    label: &'static str,
}

/// `GET /users/profile/`.
#[derive(Serialize, ToSchema)]
pub struct ProfileView {
    id: i64,
    first_name: String,
    last_name: String,
    email: String,
    phone: Option<String>,
    email_allowed: bool,
    sms_allowed: bool,
    call_allowed: Option<bool>,
    avatar: Option<String>,
    #[schema(value_type = Option<String>, example = "1990-04-28")]
    date_of_birth: Option<NaiveDate>,
    gender: Option<String>,
    genders: Vec<ChoiceView>,
    language_code: Option<String>,
    #[schema(value_type = Object)]
    attributes: Value,
}

impl From<&Customer> for ProfileView {
    fn from(customer: &Customer) -> Self {
        Self {
            id: customer.id,
            first_name: customer.first_name.clone(),
            last_name: customer.last_name.clone(),
            email: customer.email.clone(),
            phone: customer.phone.clone(),
            email_allowed: customer.email_allowed,
            sms_allowed: customer.sms_allowed,
            call_allowed: customer.call_allowed,
            avatar: None,
            date_of_birth: customer.date_of_birth,
            gender: customer.gender.clone(),
            genders: Gender::ALL
                .iter()
                .map(|gender| ChoiceView {
                    value: gender.as_str(),
                    label: gender.label(),
                })
                .collect(),
            language_code: customer.language_code.clone(),
            attributes: customer.attributes.clone(),
        }
    }
}

/// The answer to a successful login or registration. The client needs a truthy `key`; the
/// session itself travels in the `Set-Cookie` header.
#[derive(Serialize, ToSchema)]
pub struct KeyView {
    /// 40 hex characters.
    #[schema(example = "9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b")]
    key: String,
}

impl KeyView {
    /// A new random key.
    pub fn new() -> Self {
        Self {
            key: hex::encode(rand::random::<[u8; 20]>()),
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn emails_are_trimmed_and_matched_lowercase() {
        let email = Email::parse("  Jane.Doe@Example.COM ").unwrap();
        assert_eq!(email.as_ref(), "Jane.Doe@Example.COM");
        assert_eq!(email.lowercase(), "jane.doe@example.com");
    }

    #[test]
    fn malformed_emails_are_refused() {
        for bad in [
            "jane",
            "jane@",
            "@example.com",
            "jane@example",
            "ja ne@example.com",
            "jane@exa_mple.com",
            "jane..doe@example.com",
            "jane@example.c",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn phones_lose_formatting_and_need_10_to_15_digits() {
        assert_eq!(
            PhoneNumber::parse("0532 (123) 45-67").unwrap().as_ref(),
            "05321234567"
        );
        assert_eq!(
            PhoneNumber::parse("+90 532 123 4567").unwrap().as_ref(),
            "+905321234567"
        );
        for bad in ["123", "+1234567890123456", "0532abc4567", "++905321234567"] {
            assert!(PhoneNumber::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn dates_of_birth_must_be_padded_real_and_past() {
        let today = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
        assert_eq!(
            parse_date_of_birth("1990-04-28", today).unwrap(),
            NaiveDate::from_ymd_opt(1990, 4, 28)
        );
        assert_eq!(parse_date_of_birth("", today).unwrap(), None);
        for bad in ["1990-4-28", "1990-02-30", "28.04.1990", "2027-01-01"] {
            assert!(parse_date_of_birth(bad, today).is_err(), "{bad}");
        }
    }

    proptest! {
        #[test]
        fn plausible_emails_always_parse(local in "[a-z0-9]{1,20}([._+-][a-z0-9]{1,10})?", domain in "[a-z0-9]{1,20}", tld in "[a-z]{2,6}") {
            let email = format!("{local}@{domain}.{tld}");
            prop_assert!(Email::parse(&email).is_ok(), "{}", email);
        }

        #[test]
        fn phone_parsing_never_panics(raw in "\\PC{0,40}") {
            let _ = PhoneNumber::parse(&raw);
        }
    }
}

/// `POST /users/password/change/`.
#[derive(Deserialize, ToSchema)]
pub struct PasswordChangeForm {
    /// The current password.
    #[serde(default, deserialize_with = "lenient::string")]
    pub old_password: Option<String>,
    /// The new password.
    #[serde(default, deserialize_with = "lenient::string")]
    pub new_password1: Option<String>,
    /// The new password again.
    #[serde(default, deserialize_with = "lenient::string")]
    pub new_password2: Option<String>,
}

/// A password change whose fields are all present.
pub struct PasswordChange {
    /// What the customer says the current password is.
    pub old_password: SecretString,
    new_password1: SecretString,
    new_password2: SecretString,
}

impl PasswordChangeForm {
    /// Checks that every field is there (Django's `PasswordChangeForm` checks the old password
    /// next, which needs the hash, then [`PasswordChange::new_password`]).
    pub fn parse(self) -> Result<PasswordChange, crate::http::ApiError> {
        let mut errors = FieldErrors::default();
        let old_password = errors.check("old_password", parse_password(self.old_password));
        let new_password1 = errors.check("new_password1", parse_password(self.new_password1));
        let new_password2 = errors.check("new_password2", parse_password(self.new_password2));
        match (old_password, new_password1, new_password2) {
            (Some(old_password), Some(new_password1), Some(new_password2)) => Ok(PasswordChange {
                old_password,
                new_password1,
                new_password2,
            }),
            _ => Err(crate::http::ApiError::Validation(errors)),
        }
    }
}

impl PasswordChange {
    /// The new password, once both entries are equal and it passes the validators (their
    /// messages go on `new_password2`, as Django reports them).
    pub fn new_password(&self, customer: &Customer) -> Result<SecretString, crate::http::ApiError> {
        use secrecy::ExposeSecret;
        let new_password = self.new_password2.expose_secret();
        if self.new_password1.expose_secret() != new_password {
            return Err(crate::http::ApiError::field(
                "new_password2",
                "The two password fields didn't match.",
            ));
        }
        let similar_to = [
            super::passwords::UserAttribute {
                value: &customer.email,
                verbose_name: "email address",
            },
            super::passwords::UserAttribute {
                value: &customer.first_name,
                verbose_name: "first name",
            },
            super::passwords::UserAttribute {
                value: &customer.last_name,
                verbose_name: "last name",
            },
        ];
        let mut errors = FieldErrors::default();
        for message in super::passwords::validate_password(new_password, &similar_to) {
            errors.add("new_password2", message);
        }
        errors.into_result(|| self.new_password2.clone())
    }
}
