//! The `loyalty_transactions` table (migration m0017). Never leaves the area: queries answer
//! with [`super::types::LoyaltyTransaction`].

use sea_orm::entity::prelude::*;

/// One transaction of one customer's loyalty money.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "loyalty_transactions")]
pub struct Model {
    /// Primary key.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The customer.
    pub user_id: i64,
    /// The caller's id of the transaction.
    pub external_id: String,
    /// The amount in ten-thousandths of the currency's unit.
    pub amount_e4: i64,
    /// Lower-case ISO 4217 code.
    pub currency: String,
    /// The order's number, if an order caused it.
    pub order_number: Option<String>,
    /// When it happened (UTC).
    pub created_date: DateTimeUtc,
}

/// No relations needed by the queries.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
