//! The `saved_cards` table (migration m0016). Never leaves the area: queries answer with
//! [`super::types::SavedCard`].

use sea_orm::entity::prelude::*;

/// One saved card of one customer.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "saved_cards")]
pub struct Model {
    /// Primary key.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The owner.
    pub user_id: i64,
    /// The customer's label.
    pub name: Option<String>,
    /// The last four digits of the number.
    pub last_four: String,
    /// SHA-256 hex of the gateway token.
    pub token_hash: String,
    /// The gateway token, encrypted.
    pub token_sealed: String,
    /// The payment gateway (POS).
    pub pos: Option<i64>,
    /// When it was saved (UTC).
    pub created_date: DateTimeUtc,
    /// When it last changed (UTC).
    pub modified_date: DateTimeUtc,
}

/// No relations needed by the queries.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
