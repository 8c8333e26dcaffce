//! The `security_events` table.

use sea_orm::entity::prelude::*;

use super::types::SecurityEventKind;

/// One event of a customer's account.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "security_events")]
pub struct Model {
    /// The event's id; newer events have higher ids.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The customer.
    pub user_id: i64,
    /// What happened.
    pub kind: SecurityEventKind,
    /// The client's IP, when known.
    pub ip: Option<String>,
    /// The client's `User-Agent`, cut to 255 characters.
    pub user_agent: Option<String>,
    /// When (UTC).
    pub occurred_at: DateTimeUtc,
}

/// No relations needed.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
