//! The `akifast_permissions` table (migration m0018). Never leaves the area: queries answer
//! with [`super::types::Permissions`].

use sea_orm::entity::prelude::*;

/// The consents one Akifast guest gave for one basket.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "akifast_permissions")]
pub struct Model {
    /// Primary key.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The Akifast guest (a UUID, lower-case and hyphenated).
    pub uid: String,
    /// The basket's pk.
    pub basket: i64,
    /// Marketing e-mail; `None`: not said.
    pub email_allowed: Option<bool>,
    /// Marketing SMS.
    pub sms_allowed: Option<bool>,
    /// Marketing calls.
    pub call_allowed: Option<bool>,
    /// Marketing WhatsApp messages.
    pub whatsapp_allowed: Option<bool>,
    /// The guest order's e-mail (lower-cased) they wait for an account of.
    pub email_lower: Option<String>,
    /// When they were given (UTC).
    pub created_at: DateTimeUtc,
    /// Void from then on.
    pub expires_at: DateTimeUtc,
}

/// No relations needed by the queries.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
