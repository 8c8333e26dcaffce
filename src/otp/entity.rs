//! The `otp_codes` table (see `migrations::m0014_phone_verification`). Never leaves the area:
//! queries hand out [`super::types::StoredCode`].

use sea_orm::entity::prelude::*;

/// The outstanding code of one purpose for one phone.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "otp_codes")]
pub struct Model {
    /// `registration`, `login` or `phone_login`.
    #[sea_orm(primary_key, auto_increment = false)]
    pub purpose: String,
    /// The number it was sent to, E.164.
    #[sea_orm(primary_key, auto_increment = false)]
    pub phone: String,
    /// SHA-256 (hex) of purpose, phone and code.
    pub code_hash: String,
    /// When it was issued.
    pub sent_at: DateTimeUtc,
    /// When it stops being accepted.
    pub expires_at: DateTimeUtc,
    /// Wrong codes entered since it was issued.
    pub failed_attempts: i32,
}

/// No relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
