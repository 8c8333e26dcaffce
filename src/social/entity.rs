//! The `social_accounts` table (migration m0019). Never serialized: handlers answer with the
//! views in `types.rs`.

use sea_orm::entity::prelude::*;

/// One link between an account and a provider's subject.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "social_accounts")]
pub struct Model {
    /// Primary key (`id` in the API).
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The account.
    pub user_id: i64,
    /// The provider's configured name (`google`).
    pub provider: String,
    /// The provider's stable id of the person.
    pub subject: String,
    /// The address the provider last reported.
    pub email: String,
    /// When the link was made.
    pub linked_at: DateTimeUtc,
}

/// Relations are not navigated through SeaORM.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
