//! The `user_logins` table.

use sea_orm::entity::prelude::*;

use crate::sessions::StorageId;

/// One login.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "user_logins")]
pub struct Model {
    /// The public handle of the login.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The customer.
    pub user_id: i64,
    /// The session's id in its store: the hash of its key.
    pub session_id: StorageId,
    /// The `User-Agent` that logged in.
    pub user_agent: Option<String>,
    /// When (UTC).
    pub created_at: DateTimeUtc,
    /// The client's IP at login, when known.
    pub ip: Option<String>,
    /// When the session was last used, to the minute; `None`: not since its login.
    pub last_seen_at: Option<DateTimeUtc>,
}

/// No relations needed.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
