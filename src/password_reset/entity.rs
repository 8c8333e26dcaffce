//! The `password_reset_tokens` table (see `migrations::m0010_password_reset_tokens`). Never leaves
//! the area: queries hand out [`super::types::StoredToken`].

use sea_orm::entity::prelude::*;

/// The one outstanding reset token of a customer.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "password_reset_tokens")]
pub struct Model {
    /// The customer; one row each.
    #[sea_orm(primary_key, auto_increment = false)]
    pub user_id: i64,
    /// SHA-256 of the token text, hex.
    pub token_hash: String,
    /// SHA-256 of the account's password hash, last login and e-mail at issue, hex.
    pub account_fingerprint: String,
    /// When the token was mailed.
    pub issued_at: DateTimeUtc,
}

/// No relations: the customer is reached through the accounts area.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
