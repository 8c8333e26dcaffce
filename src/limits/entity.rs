//! The `rate_limits` table (see `migrations::m0013_rate_limits`). Never leaves the area.

use sea_orm::entity::prelude::*;

/// The count of one budget for one subject.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "rate_limits")]
pub struct Model {
    /// `<budget>:<kind>:<sha-256 hex of the subject>`.
    #[sea_orm(primary_key, auto_increment = false)]
    pub key: String,
    /// Attempts counted since the count started.
    pub hits: i64,
    /// The current wait of a doubling budget, in milliseconds.
    pub wait_ms: i64,
    /// Attempts are refused before this (milliseconds since the epoch).
    pub blocked_until_ms: i64,
    /// The count is forgotten at this time (milliseconds since the epoch).
    pub expires_at_ms: i64,
}

/// No relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
