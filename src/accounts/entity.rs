//! The `users` table. Never serialized: handlers answer with the views in `types.rs`, so a new
//! column (like the password hash) cannot leak into a response.

use sea_orm::entity::prelude::*;

use super::types::{Email, Gender, LanguageCode, PhoneNumber};

/// One customer account.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    /// Primary key (`pk` in the API).
    #[sea_orm(primary_key)]
    pub id: i64,
    /// Opaque public name, 32 hex characters.
    pub username: String,
    /// The e-mail address as the customer typed it.
    pub email: Email,
    /// The lower-cased address: the unique key logins match on.
    pub email_lower: String,
    /// Password hash (PHC argon2id, or a legacy Django hash until the next login).
    pub password: String,
    /// Given name, `""` when unknown.
    pub first_name: String,
    /// Family name, `""` when unknown.
    pub last_name: String,
    /// Phone number in E.164 (`+905321234567`).
    pub phone: Option<PhoneNumber>,
    /// `female`, `male` or `none`.
    pub gender: Option<Gender>,
    /// Date of birth.
    pub date_of_birth: Option<Date>,
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
    /// Free-form attributes (consents, register client type).
    pub attributes: Json,
    /// When the account was created.
    pub date_joined: DateTimeUtc,
    /// The latest login.
    pub last_login: Option<DateTimeUtc>,
    /// The latest change of the account.
    pub modified_date: DateTimeUtc,
    /// Raised by every update of the row (see migration m0006).
    pub version: i64,
    /// When the current address was confirmed; `None`: unverified (migration m0011).
    pub email_verified_at: Option<DateTimeUtc>,
    /// The number a code sent by SMS was entered for; verified while it equals `phone`
    /// (migration m0014).
    pub verified_phone: Option<PhoneNumber>,
    /// Whether a social login provider is linked (kept by `social`; migration m0019).
    pub is_social_networks_connected: bool,
}

/// No relations yet.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
