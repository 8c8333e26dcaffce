//! What we answer: the current user, the profile, the login key.

use chrono::NaiveDate;
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use phonenumber::country::Id;

use super::{Customer, Gender};

pub use crate::http::wire_time;

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
    gender: Option<Gender>,
    /// Lowercase hex SHA-256 of the trimmed, lower-cased e-mail (for analytics).
    hashed_email: String,
    is_active: bool,
    /// Whether the customer confirmed the current address.
    is_email_verified: bool,
    /// Whether a social login provider (Google, Apple, Facebook…) is linked.
    is_social_networks_connected: bool,
    user_type: String,
    #[schema(value_type = Object)]
    attributes: Value,
}

impl CurrentUserView {
    /// The view of `customer`; phone numbers of `phone_region` in national form.
    pub fn new(customer: &Customer, phone_region: Id) -> Self {
        Self {
            pk: customer.id,
            username: customer.username.clone(),
            email: customer.email.as_ref().to_owned(),
            first_name: customer.first_name.clone(),
            last_name: customer.last_name.clone(),
            phone: customer
                .phone
                .as_ref()
                .map(|phone| phone.display(phone_region)),
            email_allowed: customer.email_allowed,
            sms_allowed: customer.sms_allowed,
            call_allowed: customer.call_allowed,
            date_joined: wire_time(&customer.date_joined),
            last_login: customer.last_login.as_ref().map(wire_time),
            date_of_birth: customer.date_of_birth,
            gender: customer.gender,
            hashed_email: customer.hashed_email().to_owned(),
            is_active: customer.is_active,
            is_email_verified: customer.is_email_verified(),
            is_social_networks_connected: customer.is_social_networks_connected,
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
    whatsapp_allowed: Option<bool>,
    avatar: Option<String>,
    #[schema(value_type = Option<String>, example = "1990-04-28")]
    date_of_birth: Option<NaiveDate>,
    gender: Option<Gender>,
    genders: Vec<ChoiceView>,
    language_code: Option<String>,
    #[schema(value_type = Object)]
    attributes: Value,
}

impl ProfileView {
    /// The view of `customer`; phone numbers of `phone_region` in national form, the gender
    /// choices labelled in `language`.
    pub fn new(customer: &Customer, phone_region: Id, language: &str) -> Self {
        Self {
            id: customer.id,
            first_name: customer.first_name.clone(),
            last_name: customer.last_name.clone(),
            email: customer.email.as_ref().to_owned(),
            phone: customer
                .phone
                .as_ref()
                .map(|phone| phone.display(phone_region)),
            email_allowed: customer.email_allowed,
            sms_allowed: customer.sms_allowed,
            call_allowed: customer.call_allowed,
            whatsapp_allowed: customer.whatsapp_allowed,
            avatar: None,
            date_of_birth: customer.date_of_birth,
            gender: customer.gender,
            genders: Gender::ALL
                .iter()
                .map(|gender| ChoiceView {
                    value: gender.as_str(),
                    label: gender.label(language),
                })
                .collect(),
            language_code: customer
                .language_code
                .as_ref()
                .map(|code| code.as_ref().to_owned()),
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

impl Default for KeyView {
    fn default() -> Self {
        Self::new()
    }
}
