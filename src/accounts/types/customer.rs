//! A customer account as the rest of the server sees it, built from its row.

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::Value;
use sha2::{Digest, Sha256};

use phonenumber::country::Id;

use super::{Email, Gender, LanguageCode, PhoneNumber, view::CurrentUserView};
use crate::accounts::entity;

/// A customer account as the rest of the server sees it.
#[derive(Debug, Clone)]
pub struct Customer {
    /// Primary key.
    pub id: i64,
    /// Opaque public name.
    pub username: String,
    /// E-mail address as typed.
    pub email: Email,
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
    /// Marketing WhatsApp consent (`None`: never asked).
    pub whatsapp_allowed: Option<bool>,
    /// Whether the account may log in.
    pub is_active: bool,
    /// `registered`.
    pub user_type: String,
    /// Preferred language.
    pub language_code: Option<LanguageCode>,
    /// Free-form attributes.
    pub attributes: Value,
    /// Account creation time.
    pub date_joined: DateTime<Utc>,
    /// Latest login.
    pub last_login: Option<DateTime<Utc>>,
    /// Latest change.
    pub modified_date: DateTime<Utc>,
    /// When the current address was confirmed; `None` while it is not.
    pub email_verified_at: Option<DateTime<Utc>>,
    /// The number a code sent by SMS was entered for (see [`Customer::verified_phone`]).
    verified_phone: Option<PhoneNumber>,
    /// Whether a social login provider is linked to the account.
    pub is_social_networks_connected: bool,
    pub(in crate::accounts) password_hash: String,
    version: i64,
    /// Derived once per load: read on every authenticated request.
    session_auth_hash: String,
    hashed_email: String,
    /// `GET /current_user/` rendered once per load: the hottest authenticated read.
    current_user_json: std::sync::OnceLock<bytes::Bytes>,
}

impl From<entity::Model> for Customer {
    fn from(row: entity::Model) -> Self {
        let hashed_email = hex::encode(Sha256::digest(row.email.as_ref().trim().to_lowercase()));
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
            whatsapp_allowed: row.whatsapp_allowed,
            is_active: row.is_active,
            user_type: row.user_type,
            language_code: row.language_code,
            attributes: row.attributes,
            date_joined: row.date_joined,
            last_login: row.last_login,
            modified_date: row.modified_date,
            email_verified_at: row.email_verified_at,
            verified_phone: row.verified_phone,
            is_social_networks_connected: row.is_social_networks_connected,
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

    /// Whether some password logs this account in (see [`crate::accounts::passwords`]).
    pub fn has_usable_password(&self) -> bool {
        crate::accounts::passwords::is_usable_password_hash(&self.password_hash)
    }

    /// Whether the customer confirmed the current address (a link mailed to it was opened).
    pub fn is_email_verified(&self) -> bool {
        self.email_verified_at.is_some()
    }

    /// The customer's phone, if a code sent to it by SMS was entered (at registration or
    /// login): a number typed into the profile since is not verified.
    pub fn verified_phone(&self) -> Option<&PhoneNumber> {
        self.phone
            .as_ref()
            .filter(|phone| self.verified_phone.as_ref() == Some(*phone))
    }

    /// Lowercase hex SHA-256 of the trimmed, lower-cased e-mail (for analytics).
    pub fn hashed_email(&self) -> &str {
        &self.hashed_email
    }

    /// The `GET /current_user/` body, serialized on first use. `phone_region` is the
    /// configured default region: one per process, so the cached body cannot go stale.
    pub fn current_user_json(&self, phone_region: Id) -> bytes::Bytes {
        self.current_user_json
            .get_or_init(|| {
                serde_json::to_vec(&CurrentUserView::new(self, phone_region))
                    .unwrap_or_default()
                    .into()
            })
            .clone()
    }

    /// The row's version: raised by every update (see [`crate::accounts::CustomerCache`]).
    pub fn version(&self) -> i64 {
        self.version
    }
}
